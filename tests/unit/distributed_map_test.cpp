// Distributed Map: the local-directory reader and writer on real files, batching, the result
// writer's files, child executions with their own histories, and the errors AWS raises.
#include "catch.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/integrations/local_storage.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/clocks/virtual_clock.hpp>

namespace distributed_map_test {

using stepfn::json;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed at the end of the test.
struct temp_root {
    fs::path path;
    temp_root() {
        std::random_device device;
        path = fs::temp_directory_path() / ("stepfn-dmap-" + std::to_string(device()) + std::to_string(device()));
        fs::create_directories(path);
    }
    ~temp_root() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    void put(const std::string& relative, const std::string& content) const {
        const fs::path file = path / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
    }
    std::string get(const std::string& relative) const {
        std::ifstream in(path / relative, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
};

stepfn::result<json> read(stepfn::local_storage& storage, const std::string& resource, json parameters,
                          json config = json::object()) {
    stepfn::item_read_request request;
    request.resource = resource;
    request.parameters = std::move(parameters);
    request.config = stepfn::parse_reader_config(config);
    if (config.contains("MaxItems")) request.config.max_items = config["MaxItems"].get<std::int64_t>();
    return storage.read(request);
}

const std::string get_object = "arn:aws:states:::s3:getObject";
const std::string list_objects = "arn:aws:states:::s3:listObjectsV2";

struct lambda_invoker final : stepfn::task_invoker {
    std::function<stepfn::result<json>(const stepfn::task_request&)> fn;
    explicit lambda_invoker(std::function<stepfn::result<json>(const stepfn::task_request&)> f) : fn(std::move(f)) {}
    void invoke(stepfn::task_request request, stepfn::task_completion done) override { done.complete(fn(request)); }
};

struct harness {
    temp_root files;
    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    std::shared_ptr<stepfn::memory_sink> sink = std::make_shared<stepfn::memory_sink>();
    std::shared_ptr<stepfn::local_storage> storage = std::make_shared<stepfn::local_storage>(files.path);
    stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine{executor, clock, options()};

    harness() {
        engine.item_readers().set_default(storage);
        engine.result_writers().set_default(storage);
    }
    stepfn::engine_options options() {
        stepfn::engine_options o;
        o.history = sink;
        o.seed = 7;
        return o;
    }
    void task(std::function<stepfn::result<json>(const stepfn::task_request&)> fn) {
        engine.invokers().set_default(std::make_shared<lambda_invoker>(std::move(fn)));
    }

    struct outcome {
        stepfn::result<json> value;
        std::string arn;
    };
    outcome run(const std::string& definition, json input = json::object()) {
        auto machine = stepfn::load_machine(definition);
        if (!machine) FAIL("definition rejected: " << machine.error().cause);
        auto e = engine.start(*machine, std::move(input));
        REQUIRE(e);
        auto r = e->wait();
        return {std::move(r), e->arn()};
    }
    std::vector<std::string> types(const std::string& arn) const {
        std::vector<std::string> out;
        for (auto& ev : sink->events(arn)) out.push_back(stepfn::to_string(ev.type));
        return out;
    }
    // The child executions' ARNs, in the order they started.
    std::vector<std::string> children(const std::string& parent) const {
        std::vector<std::string> out;
        for (auto& arn : sink->executions())
            if (arn != parent) out.push_back(arn);
        return out;
    }
};

// A distributed Map whose processor is one Task (or Pass when `processor` says so).
std::string machine(const std::string& map_fields, const std::string& processor = R"("Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work")") {
    return R"({"StartAt": "M", "States": {"M": {"Type": "Map", )" + map_fields +
           R"(, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
               "StartAt": "P", "States": {"P": {)" + processor + R"(, "End": true}}}, "End": true}}})";
}

const std::string csv_reader = R"("ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    "Parameters": {"Bucket": "data", "Key.$": "$.key"}})";

std::string machine_text_for_pool() {
    return R"({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 8,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"},
                       "Parameters": {"Bucket": "d", "Key": "numbers.csv"}},
        "ItemBatcher": {"MaxItemsPerBatch": 5},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
          "StartAt": "Sum", "States": {"Sum": {"Type": "Task", "Resource": "sum", "End": true}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "o"},
                         "WriterConfig": {"Transformation": "COMPACT"}},
        "End": true}}})";
}

} // namespace

TEST_CASE("local_storage maps Bucket and Key under its root and refuses escapes", "[distributed_map]") {
    temp_root root;
    stepfn::local_storage storage(root.path);
    auto ok = storage.locate("b", "a/./c.json");
    REQUIRE(ok);
    CHECK(*ok == root.path / "b" / "a" / "c.json");
    CHECK(storage.locate("b", "/abs/x")->string() == (root.path / "b" / "abs" / "x").string());
    CHECK_FALSE(storage.locate("b", "../x"));
    CHECK_FALSE(storage.locate("b", "a/../../x"));
    CHECK_THAT(storage.locate("b", "a/../x").error().cause, Catch::Matchers::Contains("leaves its bucket"));
    CHECK_FALSE(storage.locate("..", "x"));
    CHECK_FALSE(storage.locate("", "x"));
    CHECK_FALSE(storage.locate("a/b", "x"));
    CHECK_FALSE(storage.locate("b", "a\\..\\x"));
}

TEST_CASE("local_storage reads CSV files", "[distributed_map]") {
    temp_root root;
    stepfn::local_storage storage(root.path);
    root.put("d/people.csv", "name,city,note\r\nAda,London,\"says \"\"hi\"\", twice\"\nLin,\"New\nYork\",x\n\nBo,Oslo\n");

    SECTION("header in the first row; quotes, CRLF, embedded newlines, ragged rows") {
        auto items = read(storage, get_object, {{"Bucket", "d"}, {"Key", "people.csv"}}, {{"InputType", "CSV"}});
        REQUIRE(items);
        CHECK(*items == json::parse(R"([{"name":"Ada","city":"London","note":"says \"hi\", twice"},
                                        {"name":"Lin","city":"New\nYork","note":"x"},
                                        {"name":"Bo","city":"Oslo","note":""}])"));
    }
    SECTION("given headers read every row; MaxItems stops early") {
        auto items = read(storage, get_object, {{"Bucket", "d"}, {"Key", "people.csv"}},
                          {{"InputType", "CSV"}, {"CSVHeaderLocation", "GIVEN"}, {"CSVHeaders", {"a", "b"}}, {"MaxItems", 2}});
        REQUIRE(items);
        CHECK(*items == json::parse(R"([{"a":"name","b":"city"},{"a":"Ada","b":"London"}])"));
    }
    SECTION("other delimiters") {
        root.put("d/pipe.csv", "k|v\n1|a,b\n");
        auto items = read(storage, get_object, {{"Bucket", "d"}, {"Key", "pipe.csv"}},
                          {{"InputType", "CSV"}, {"CSVDelimiter", "PIPE"}});
        REQUIRE(items);
        CHECK(*items == json::parse(R"([{"k":"1","v":"a,b"}])"));
    }
    SECTION("an unterminated quote is an error") {
        root.put("d/bad.csv", "a\n\"open\n");
        auto items = read(storage, get_object, {{"Bucket", "d"}, {"Key", "bad.csv"}}, {{"InputType", "CSV"}});
        REQUIRE_FALSE(items);
        CHECK_THAT(items.error().cause, Catch::Matchers::Contains("quoted field is not closed"));
    }
}

TEST_CASE("local_storage reads JSON, JSON Lines and reports missing objects", "[distributed_map]") {
    temp_root root;
    stepfn::local_storage storage(root.path);
    root.put("d/list.json", R"([1, {"a": 2}, "three"])");
    root.put("d/nested.json", R"({"data": {"rows": [{"id": 1}, {"id": 2}]}})");
    root.put("d/lines.jsonl", "{\"id\": 1}\n\n  \n[2]\r\n\"x\"");

    auto plain = read(storage, get_object, {{"Bucket", "d"}, {"Key", "list.json"}}, {{"InputType", "JSON"}});
    REQUIRE(plain);
    CHECK(*plain == json::parse(R"([1, {"a": 2}, "three"])"));
    auto pointed = read(storage, get_object, {{"Bucket", "d"}, {"Key", "nested.json"}},
                        {{"InputType", "JSON"}, {"ItemsPointer", "/data/rows"}});
    REQUIRE(pointed);
    CHECK(*pointed == json::parse(R"([{"id": 1}, {"id": 2}])"));
    auto not_array = read(storage, get_object, {{"Bucket", "d"}, {"Key", "nested.json"}}, {{"InputType", "JSON"}});
    REQUIRE_FALSE(not_array);
    CHECK(not_array.error().cause == "Attempting to map over non-iterable node.");
    auto lines = read(storage, get_object, {{"Bucket", "d"}, {"Key", "lines.jsonl"}}, {{"InputType", "JSONL"}});
    REQUIRE(lines);
    CHECK(*lines == json::parse(R"([{"id": 1}, [2], "x"])"));
    root.put("d/broken.jsonl", "{}\n{nope\n");
    auto broken = read(storage, get_object, {{"Bucket", "d"}, {"Key", "broken.jsonl"}}, {{"InputType", "JSONL"}});
    REQUIRE_FALSE(broken);
    CHECK(broken.error().cause == "line 2 of 'broken.jsonl' is not valid JSON");
    auto missing = read(storage, get_object, {{"Bucket", "d"}, {"Key", "nope.json"}}, {{"InputType", "JSON"}});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().cause == "the object 'nope.json' does not exist in bucket 'd'");
    auto no_key = read(storage, get_object, {{"Bucket", "d"}}, {{"InputType", "JSON"}});
    REQUIRE_FALSE(no_key);
    CHECK(no_key.error().cause == "the field 'Key' must be a string");
}

TEST_CASE("local_storage reads manifests and lists objects", "[distributed_map]") {
    temp_root root;
    stepfn::local_storage storage(root.path);
    SECTION("S3 inventory manifest: CSV data files without header, columns from fileSchema") {
        root.put("inv/manifest.json", R"({"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::inv",
            "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size",
            "files": [{"key": "data/one.csv"}, {"key": "data/two.csv"}]})");
        root.put("inv/data/one.csv", "src,a.txt,10\nsrc,b.txt,20\n");
        root.put("inv/data/two.csv", "src,c.txt,30\n");
        auto items = read(storage, get_object, {{"Bucket", "inv"}, {"Key", "manifest.json"}},
                          {{"InputType", "MANIFEST"}, {"ManifestType", "S3_INVENTORY"}});
        REQUIRE(items);
        CHECK(*items == json::parse(R"([{"Bucket":"src","Key":"a.txt","Size":"10"},{"Bucket":"src","Key":"b.txt","Size":"20"},
                                        {"Bucket":"src","Key":"c.txt","Size":"30"}])"));
    }
    SECTION("Athena manifest: one s3:// URI per line, each a CSV file with a header row") {
        root.put("q/manifest.csv", "s3://q/r/1.csv\ns3://q/r/2.csv\n");
        root.put("q/r/1.csv", "id\n1\n");
        root.put("q/r/2.csv", "id\n2\n3\n");
        auto items = read(storage, get_object, {{"Bucket", "q"}, {"Key", "manifest.csv"}},
                          {{"InputType", "MANIFEST"}, {"ManifestType", "ATHENA_DATA"}, {"MaxItems", 2}});
        REQUIRE(items);
        CHECK(*items == json::parse(R"([{"id":"1"},{"id":"2"}])"));
    }
    SECTION("listObjectsV2: one item per file under the prefix, in key order") {
        root.put("b/in/z.json", "[1]");
        root.put("b/in/a.json", "[2, 3]");
        root.put("b/other.txt", "x");
        auto items = read(storage, list_objects, {{"Bucket", "b"}, {"Prefix", "in/"}});
        REQUIRE(items);
        REQUIRE(items->size() == 2);
        CHECK((*items)[0]["Key"] == "in/a.json");
        CHECK((*items)[0]["Size"] == 6);
        CHECK((*items)[0]["StorageClass"] == "STANDARD");
        CHECK((*items)[1]["Key"] == "in/z.json");
        auto flattened = read(storage, list_objects, {{"Bucket", "b"}, {"Prefix", "in/"}},
                              {{"InputType", "JSON"}, {"Transformation", "LOAD_AND_FLATTEN"}});
        REQUIRE(flattened);
        CHECK(*flattened == json::parse("[2, 3, 1]"));
    }
}

TEST_CASE("a distributed Map reads a CSV file and runs each row as a child execution", "[distributed_map]") {
    harness h;
    h.files.put("data/rows.csv", "id,qty\n1,5\n2,7\n3,9\n");
    h.task([](const stepfn::task_request& r) -> stepfn::result<json> {
        return json{{"id", r.input["id"]}, {"double", 2 * std::stoi(r.input["qty"].get<std::string>())}};
    });
    auto out = h.run(machine(csv_reader + R"(, "Label": "rows")"), {{"key", "rows.csv"}});
    REQUIRE(out.value);
    CHECK(*out.value == json::parse(R"([{"id":"1","double":10},{"id":"2","double":14},{"id":"3","double":18}])"));

    CHECK(h.types(out.arn) == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
                                                      "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded",
                                                      "MapStateExited", "ExecutionSucceeded"});
    auto parent = h.sink->events(out.arn);
    // An ItemReader reads the items after MapStateStarted: its length is 0, as AWS writes it.
    CHECK(parent[2].details == json{{"length", 0}});
    const std::string map_run = parent[3].details["mapRunArn"].get<std::string>();
    CHECK(map_run.rfind("arn:aws:states:us-east-1:123456789012:mapRun:", 0) == 0);
    CHECK_THAT(map_run, Catch::Matchers::Contains("/rows:"));
    CHECK(parent[3].previous_event_id == parent[2].id);
    CHECK(parent[4].previous_event_id == parent[3].id);
    // MapStateSucceeded and MapStateExited both follow MapRunSucceeded.
    CHECK(parent[5].previous_event_id == parent[4].id);
    CHECK(parent[6].previous_event_id == parent[4].id);

    auto children = h.children(out.arn);
    REQUIRE(children.size() == 3);
    for (const auto& child : children) {
        CHECK(child.rfind("arn:aws:states:us-east-1:123456789012:execution:", 0) == 0);
        CHECK_THAT(child, Catch::Matchers::Contains("/rows:"));
        // A Lambda function ARN: LambdaFunction* events, as AWS writes them.
        CHECK(h.types(child) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                                        "LambdaFunctionStarted", "LambdaFunctionSucceeded",
                                                        "TaskStateExited", "ExecutionSucceeded"});
        auto events = h.sink->events(child);
        CHECK(events.front().id == 1);  // each child numbers its own events
    }
    CHECK(h.sink->events(children[1]).front().details["input"] == R"({"id":"2","qty":"7"})");
}

TEST_CASE("a distributed Map without a batcher shapes each child's input with ItemSelector", "[distributed_map]") {
    harness h;
    std::vector<json> inputs;
    h.task([&](const stepfn::task_request& r) -> stepfn::result<json> {
        inputs.push_back(r.input);
        return r.input;
    });
    auto out = h.run(machine(R"("ItemsPath": "$.xs", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "tag.$": "$.tag"})"),
                     {{"xs", {10, 20}}, {"tag", "t"}});
    REQUIRE(out.value);
    CHECK(*out.value == json::parse(R"([{"v":10,"i":0,"tag":"t"},{"v":20,"i":1,"tag":"t"}])"));
    CHECK(inputs.size() == 2);
}

TEST_CASE("a distributed Map batches items with ItemSelector and BatchInput", "[distributed_map]") {
    harness h;
    std::vector<json> inputs;
    h.task([&](const stepfn::task_request& r) -> stepfn::result<json> {
        inputs.push_back(r.input);
        return json(r.input["Items"].size());
    });
    SECTION("MaxItemsPerBatch") {
        auto out = h.run(machine(R"("ItemsPath": "$.xs", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
            "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"tag.$": "$.tag"}})"),
                         {{"xs", {10, 20, 30, 40, 50}}, {"tag", "t"}});
        REQUIRE(out.value);
        CHECK(*out.value == json::parse("[2, 2, 1]"));
        REQUIRE(inputs.size() == 3);
        CHECK(inputs[0] == json::parse(R"({"Items":[{"v":10,"i":0},{"v":20,"i":1}],"BatchInput":{"tag":"t"}})"));
        CHECK(inputs[2] == json::parse(R"({"Items":[{"v":50,"i":4}],"BatchInput":{"tag":"t"}})"));
    }
    SECTION("MaxInputBytesPerBatch counts the child input's bytes") {
        // {"Items":["aaaa","bbbb"]} is 24 bytes; a third item would make 31.
        auto out = h.run(machine(R"("ItemBatcher": {"MaxInputBytesPerBatchPath": "$.bytes"}, "ItemsPath": "$.xs")"),
                         {{"xs", {"aaaa", "bbbb", "cccc", "dddd", "eeee"}}, {"bytes", 24}});
        REQUIRE(out.value);
        CHECK(*out.value == json::parse("[2, 2, 1]"));
        CHECK(inputs[0] == json::parse(R"({"Items":["aaaa","bbbb"]})"));
    }
}

TEST_CASE("a distributed Map's ResultWriter writes AWS's manifest and result files", "[distributed_map]") {
    harness h;
    h.files.put("data/rows.csv", "id\n1\n2\n3\n4\n");
    h.task([](const stepfn::task_request& r) -> stepfn::result<json> {
        if (r.input["id"] == "3") return stepfn::make_error("Boom", "row three");
        return json{{"ok", r.input["id"]}};
    });
    auto out = h.run(machine(csv_reader + R"(, "ToleratedFailureCount": 1,
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "runs"}})"),
                     {{"key", "rows.csv"}});
    REQUIRE(out.value);
    const std::string map_run = (*out.value)["MapRunArn"].get<std::string>();
    const std::string run_id = map_run.substr(map_run.rfind(':') + 1);
    CHECK((*out.value)["ResultWriterDetails"] == json{{"Bucket", "out"}, {"Key", "runs/" + run_id + "/manifest.json"}});

    json manifest = json::parse(h.files.get("out/runs/" + run_id + "/manifest.json"));
    CHECK(manifest["DestinationBucket"] == "out");
    CHECK(manifest["MapRunArn"] == map_run);
    CHECK(manifest["ResultFiles"]["PENDING"] == json::array());
    REQUIRE(manifest["ResultFiles"]["SUCCEEDED"].size() == 1);
    const std::string succeeded_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].get<std::string>();
    CHECK(succeeded_key == "runs/" + run_id + "/SUCCEEDED_0.json");
    const std::string succeeded_text = h.files.get("out/" + succeeded_key);
    CHECK(manifest["ResultFiles"]["SUCCEEDED"][0]["Size"] == succeeded_text.size());

    json succeeded = json::parse(succeeded_text);
    REQUIRE(succeeded.size() == 3);
    CHECK(succeeded[0]["Input"] == R"({"id":"1"})");
    CHECK(succeeded[0]["Output"] == R"({"ok":"1"})");
    CHECK(succeeded[0]["Status"] == "SUCCEEDED");
    CHECK(succeeded[0]["StateMachineArn"].get<std::string>().find(":stateMachine:") != std::string::npos);
    CHECK(succeeded[0]["ExecutionArn"].get<std::string>().find(":execution:") != std::string::npos);
    json failed = json::parse(h.files.get("out/runs/" + run_id + "/FAILED_0.json"));
    REQUIRE(failed.size() == 1);
    CHECK(failed[0]["Error"] == "Boom");
    CHECK(failed[0]["Cause"] == "row three");
    CHECK(failed[0]["Status"] == "FAILED");
    CHECK_FALSE(failed[0].contains("Output"));
}

TEST_CASE("WriterConfig alone shapes the results without exporting", "[distributed_map]") {
    harness h;
    h.task([](const stepfn::task_request& r) -> stepfn::result<json> { return json{r.input, r.input}; });
    SECTION("FLATTEN") {
        auto out = h.run(machine(R"("ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}})"),
                         json{1, 2});
        REQUIRE(out.value);
        CHECK(*out.value == json::parse("[1, 1, 2, 2]"));
    }
    SECTION("COMPACT") {
        auto out = h.run(machine(R"("ResultWriter": {"WriterConfig": {"Transformation": "COMPACT"}})"), json{1, 2});
        REQUIRE(out.value);
        CHECK(*out.value == json::parse("[[1, 1], [2, 2]]"));
    }
    SECTION("NONE: each child's execution record") {
        auto out = h.run(machine(R"("ResultWriter": {"WriterConfig": {"Transformation": "NONE"}})"), json{1});
        REQUIRE(out.value);
        CHECK((*out.value)[0]["Output"] == "[1,1]");
        CHECK((*out.value)[0]["Status"] == "SUCCEEDED");
    }
}

TEST_CASE("a JSONL result export writes .jsonl files", "[distributed_map]") {
    harness h;
    h.task([](const stepfn::task_request& r) -> stepfn::result<json> { return r.input; });
    auto out = h.run(machine(R"("ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "o"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}})"),
                     json{"a", "b"});
    REQUIRE(out.value);
    const std::string key = (*out.value)["ResultWriterDetails"]["Key"].get<std::string>();
    const std::string dir = key.substr(0, key.rfind('/') + 1);
    CHECK(h.files.get("o/" + dir + "SUCCEEDED_0.jsonl") == "\"a\"\n\"b\"\n");
}

TEST_CASE("distributed Map errors: reader, writer and tolerated failures", "[distributed_map]") {
    harness h;
    h.task([](const stepfn::task_request& r) -> stepfn::result<json> {
        if (r.input == "bad") return stepfn::make_error("Bad", "bad item");
        return r.input;
    });
    SECTION("a missing file is States.ItemReaderFailed, logged as MapRunFailed") {
        auto out = h.run(machine(csv_reader), {{"key", "missing.csv"}});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ItemReaderFailed");
        CHECK(out.value.error().cause == "the object 'missing.csv' does not exist in bucket 'data'");
        CHECK(h.types(out.arn) == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
                                                          "MapRunStarted", "MapRunFailed", "MapStateFailed",
                                                          "ExecutionFailed"});
        auto events = h.sink->events(out.arn);
        CHECK(events[4].details == json{{"error", "States.ItemReaderFailed"},
                                        {"cause", "the object 'missing.csv' does not exist in bucket 'data'"}});
    }
    SECTION("a reader error is catchable") {
        auto out = h.run(R"({"StartAt": "M", "States": {"M": {"Type": "Map", )" + csv_reader + R"(,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
              "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}})",
                         {{"key", "../escape.csv"}});
        REQUIRE(out.value);
        CHECK((*out.value)["Error"] == "States.ItemReaderFailed");
        CHECK_THAT((*out.value)["Cause"].get<std::string>(), Catch::Matchers::Contains("leaves its bucket"));
    }
    SECTION("negative MaxItemsPath") {
        auto out = h.run(machine(R"("ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.n"}, "Parameters": {"Bucket": "data", "Key": "x.json"}})"),
                         {{"n", -1}});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ItemReaderFailed");
        CHECK(out.value.error().cause == "field MaxItems must be positive");
    }
    SECTION("MaxItems limits the items read") {
        h.files.put("data/x.json", "[1, 2, 3, 4]");
        auto out = h.run(machine(R"("ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.n"}, "Parameters": {"Bucket": "data", "Key": "x.json"}})"),
                         {{"n", 3}});
        REQUIRE(out.value);
        CHECK(*out.value == json::parse("[1, 2, 3]"));
    }
    SECTION("no reader for the resource") {
        h.engine.item_readers().clear();
        auto out = h.run(machine(csv_reader), {{"key", "rows.csv"}});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ItemReaderFailed");
        CHECK(out.value.error().cause == "No item reader is registered for the resource 'arn:aws:states:::s3:getObject'.");
    }
    SECTION("a writer failure is States.ResultWriterFailed") {
        auto out = h.run(machine(R"("ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": ".."}})"),
                         json{1});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ResultWriterFailed");
        CHECK(out.value.error().cause == "invalid bucket name '..'");
        CHECK(h.types(out.arn) == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted",
                                                          "MapRunStarted", "MapRunFailed", "MapStateFailed",
                                                          "ExecutionFailed"});
    }
    SECTION("a failed child beyond the tolerance fails the run and aborts the others") {
        auto out = h.run(machine(R"("ToleratedFailurePercentage": 20, "MaxConcurrency": 1)"), json{"a", "bad", "c", "d"});
        REQUIRE_FALSE(out.value);
        CHECK(out.value.error().name == "States.ExceedToleratedFailureThreshold");
        CHECK(out.value.error().cause == "The specified tolerated failure threshold was exceeded");
        auto events = h.sink->events(out.arn);
        REQUIRE(events.size() == 7);
        CHECK(stepfn::to_string(events[4].type) == std::string("MapRunFailed"));
        CHECK(events[4].details["error"] == "States.ExceedToleratedFailureThreshold");
        auto children = h.children(out.arn);
        REQUIRE(children.size() == 2);  // one at a time: the third never started
        CHECK(h.types(children[1]).back() == "ExecutionFailed");
    }
    SECTION("a failed batch counts each of its items") {
        h.task([](const stepfn::task_request& r) -> stepfn::result<json> {
            for (const auto& item : r.input["Items"])
                if (item == "bad") return stepfn::make_error("Bad", "bad batch");
            return r.input["Items"][0];
        });
        // A batch of 2 out of 4 items fails: 50% is within 50%, 3 items in it would not be.
        auto within = h.run(machine(R"("ToleratedFailurePercentage": 50, "ItemBatcher": {"MaxItemsPerBatch": 2})"),
                            json{"a", "b", "bad", "d"});
        REQUIRE(within.value);
        CHECK(*within.value == json::parse(R"(["a", {"Error": "Bad", "Cause": "bad batch"}])"));
        auto beyond = h.run(machine(R"("ToleratedFailurePercentage": 50, "ItemBatcher": {"MaxItemsPerBatch": 3})"),
                            json{"a", "bad", "c", "d"});
        REQUIRE_FALSE(beyond.value);
        CHECK(beyond.value.error().name == "States.ExceedToleratedFailureThreshold");
    }
}

TEST_CASE("distributed Map children do not see the parent's variables", "[distributed_map]") {
    harness h;
    auto out = h.run(R"({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"secret": 1}, "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
              "StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"s.$": "$secret"}, "End": true}}}, "End": true}}})",
                     json{1});
    REQUIRE_FALSE(out.value);
    CHECK(out.value.error().name == "States.ExceedToleratedFailureThreshold");
}

TEST_CASE("a parent that times out aborts its running child executions", "[distributed_map]") {
    harness h;
    auto out = h.run(R"({"StartAt": "M", "TimeoutSeconds": 10, "States": {
        "M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
              "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}, "End": true}}})",
                     json{1, 2});
    REQUIRE_FALSE(out.value);
    CHECK(out.value.error().name == "States.Timeout");
    h.executor.run();
    auto children = h.children(out.arn);
    REQUIRE(children.size() == 2);
    for (const auto& child : children) CHECK(h.types(child).back() == "ExecutionAborted");
}

TEST_CASE("a distributed Map on a thread pool runs many children", "[distributed_map]") {
    temp_root files;
    std::string csv = "n\n";
    for (int i = 0; i < 300; ++i) csv += std::to_string(i) + "\n";
    files.put("d/numbers.csv", csv);
    stepfn::thread_pool_executor executor(4);
    stepfn::system_clock clock;
    auto sink = std::make_shared<stepfn::memory_sink>();
    stepfn::engine_options options;
    options.history = sink;
    stepfn::basic_engine<stepfn::thread_pool_executor, stepfn::system_clock> engine(executor, clock, options);
    auto storage = std::make_shared<stepfn::local_storage>(files.path);
    engine.item_readers().set_default(storage);
    engine.result_writers().set_default(storage);
    std::atomic<int> running{0}, most{0};
    engine.invokers().set_default(std::make_shared<lambda_invoker>([&](const stepfn::task_request& r) -> stepfn::result<json> {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --running;
        json sum = 0;
        for (const auto& item : r.input["Items"]) sum = sum.get<int>() + std::stoi(item["n"].get<std::string>());
        return sum;
    }));
    auto machine = stepfn::load_machine(machine_text_for_pool());
    REQUIRE(machine);
    auto e = engine.start(*machine, json::object());
    REQUIRE(e);
    auto out = e->wait();
    REQUIRE(out);
    json manifest = json::parse(files.get("o/" + (*out)["ResultWriterDetails"]["Key"].get<std::string>()));
    json results = json::parse(files.get("o/" + manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].get<std::string>()));
    REQUIRE(results.size() == 60);  // 300 items in batches of 5
    int total = 0;
    for (const auto& r : results) total += r.get<int>();
    CHECK(total == 299 * 300 / 2);
    CHECK(most.load() <= 8);
    CHECK(sink->executions().size() == 61);
}

TEST_CASE("a child execution's context names the Map Run's state machine and the child", "[distributed_map]") {
    harness h;
    auto out = h.run(machine(R"("Label": "lbl")",
                             R"("Type": "Pass", "Parameters": {"sm.$": "$$.StateMachine.Name", "id.$": "$$.Execution.Id", "in.$": "$$.Execution.Input"})"),
                     json{7});
    REQUIRE(out.value);
    const auto children = h.children(out.arn);
    REQUIRE(children.size() == 1);
    CHECK((*out.value)[0]["id"] == children[0]);
    CHECK((*out.value)[0]["in"] == 7);
    const std::string sm = (*out.value)[0]["sm"].get<std::string>();
    CHECK(sm.size() > 4);
    CHECK(sm.compare(sm.size() - 4, 4, "/lbl") == 0);
}
} // namespace distributed_map_test
