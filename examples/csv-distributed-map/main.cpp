// A distributed-style Map over a CSV file: read the rows with ItemReader, price them three at a
// time (ItemBatcher), and export every batch's result with ResultWriter in AWS's layout
// (manifest.json + SUCCEEDED_0.json). docs/parallel-and-map.md walks through it.
//
//   example_csv_distributed_map <input root> <output root>
// reads <input root>/data/orders.csv and writes under <output root>/results/orders/<map run id>/.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <stepfn/load/loader.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/integrations/local_storage.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>

using stepfn::json;

namespace {

const char* definition = R"({
  "StartAt": "PriceOrders",
  "States": {
    "PriceOrders": {
      "Type": "Map",
      "Label": "pricing",
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket": "data", "Key.$": "$.file"}
      },
      "ItemSelector": {"id.$": "$$.Map.Item.Value.order_id", "qty.$": "$$.Map.Item.Value.qty",
                       "price.$": "$$.Map.Item.Value.unit_price"},
      "ItemBatcher": {"MaxItemsPerBatch": 3, "BatchInput": {"currency.$": "$.currency"}},
      "MaxConcurrency": 2,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "PriceBatch",
        "States": {"PriceBatch": {"Type": "Task", "Resource": "price-batch", "End": true}}
      },
      "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "results", "Prefix": "orders"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}
      },
      "ResultPath": "$.export",
      "End": true
    }
  }
})";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <input root> <output root>\n", argv[0]);
        return 2;
    }
    auto machine = stepfn::load_machine(definition);
    if (!machine) {
        std::fprintf(stderr, "%s\n", machine.error().cause.c_str());
        return 2;
    }

    stepfn::thread_pool_executor executor(2);
    stepfn::system_clock clock;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(executor, clock);

    // Items come from one directory, results go to another: S3's Bucket is a subdirectory.
    engine.item_readers().set_default(std::make_shared<stepfn::local_storage>(argv[1]));
    const auto output = std::make_shared<stepfn::local_storage>(argv[2]);
    engine.result_writers().set_default(output);

    // Each child execution gets {"Items": [...], "BatchInput": {"currency": ...}}.
    engine.invokers().add("price-batch", stepfn::make_invoker([](const json& batch) {
        double total = 0;
        json lines = json::array();
        for (const auto& item : batch["Items"]) {
            const double amount = std::stod(item["qty"].get<std::string>()) * std::stod(item["price"].get<std::string>());
            total += amount;
            lines.push_back(json{{"id", item["id"]}, {"amount", std::round(amount * 100) / 100}});
        }
        return json{{"currency", batch["BatchInput"]["currency"]}, {"lines", lines}, {"total", total}};
    }));

    auto run = engine.start(*machine, json{{"file", "orders.csv"}, {"currency", "EUR"}});
    if (!run) return 2;
    auto result = run->wait();
    if (!result) {
        std::printf("%s %s: %s\n", stepfn::to_string(run->status()), result.error().name.c_str(), result.error().cause.c_str());
        return 1;
    }

    // The Map's output points at the manifest; follow it to the result files.
    const json& details = (*result)["export"]["ResultWriterDetails"];
    const std::string bucket = details["Bucket"].get<std::string>();
    json manifest = json::parse(slurp(output->locate(bucket, details["Key"].get<std::string>())->string()), nullptr, false);
    if (manifest.is_discarded()) return 1;
    std::size_t orders = 0, batches = 0;
    double total = 0;
    for (const auto& file : manifest["ResultFiles"]["SUCCEEDED"]) {
        json outputs = json::parse(slurp(output->locate(bucket, file["Key"].get<std::string>())->string()), nullptr, false);
        for (const auto& batch : outputs) {
            ++batches;
            orders += batch["lines"].size();
            total += batch["total"].get<double>();
        }
    }
    std::printf("%s orders=%zu batches=%zu failed=%zu total=%.2f\n", stepfn::to_string(run->status()), orders, batches,
                manifest["ResultFiles"]["FAILED"].size(), total);
    return 0;
}
