#ifndef STEPFN_TASKS_ITEM_READER_HPP
#define STEPFN_TASKS_ITEM_READER_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/detail/resource_router.hpp>

namespace stepfn {

// A distributed Map's `ItemReader.ReaderConfig`, as the engine hands it to a reader.
enum class item_input_type { unspecified, csv, json_array, jsonl, parquet, manifest };
enum class csv_header_location { first_row, given };
enum class manifest_type { s3_inventory, athena_data };

struct reader_config {
    item_input_type input_type = item_input_type::unspecified;  // absent: listObjectsV2 or JSON
    csv_header_location header_location = csv_header_location::first_row;
    std::vector<std::string> csv_headers;  // CSVHeaders, with header_location == given
    char csv_delimiter = ',';
    std::string items_pointer;             // ItemsPointer (JSON Pointer into a JSON document)
    bool load_and_flatten = false;         // Transformation LOAD_AND_FLATTEN
    manifest_type manifest = manifest_type::s3_inventory;
    std::int64_t max_items = 0;            // MaxItems / MaxItemsPath resolved; 0 = no limit
};

// Reads a `ReaderConfig` object as the loader validated it; unknown values keep the defaults.
// MaxItems is left at 0: the engine resolves MaxItems / MaxItemsPath.
inline reader_config parse_reader_config(const json& config) {
    reader_config out;
    if (!config.is_object()) return out;
    auto text = [&](const char* key) -> std::string_view {
        auto it = config.find(key);
        return it != config.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                                     : std::string_view();
    };
    const auto type = text("InputType");
    if (type == "CSV") out.input_type = item_input_type::csv;
    else if (type == "JSON") out.input_type = item_input_type::json_array;
    else if (type == "JSONL") out.input_type = item_input_type::jsonl;
    else if (type == "PARQUET") out.input_type = item_input_type::parquet;
    else if (type == "MANIFEST") out.input_type = item_input_type::manifest;
    if (text("CSVHeaderLocation") == "GIVEN") out.header_location = csv_header_location::given;
    if (auto it = config.find("CSVHeaders"); it != config.end() && it->is_array())
        for (const auto& h : *it)
            if (h.is_string()) out.csv_headers.push_back(h.get<std::string>());
    const auto delimiter = text("CSVDelimiter");
    if (delimiter == "PIPE") out.csv_delimiter = '|';
    else if (delimiter == "SEMICOLON") out.csv_delimiter = ';';
    else if (delimiter == "SPACE") out.csv_delimiter = ' ';
    else if (delimiter == "TAB") out.csv_delimiter = '\t';
    out.items_pointer = std::string(text("ItemsPointer"));
    out.load_and_flatten = text("Transformation") == "LOAD_AND_FLATTEN";
    if (text("ManifestType") == "ATHENA_DATA") out.manifest = manifest_type::athena_data;
    return out;
}

// What a reader is asked for: the ItemReader's Resource, its evaluated Parameters (JSONPath) or
// Arguments (JSONata), e.g. {"Bucket": "b", "Key": "k"}, and the ReaderConfig.
struct item_read_request {
    std::string resource;      // "arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2", ...
    json parameters = json::object();
    reader_config config;
    std::string map_run_arn;
};

// The items of a distributed Map. Return a JSON array; the engine applies MaxItems again, so a
// reader may but need not stop early. An error becomes States.ItemReaderFailed with its cause.
// Called on an executor thread; must be thread-safe if one reader serves several engines.
class item_reader {
public:
    virtual ~item_reader() = default;
    virtual result<json> read(const item_read_request& request) = 0;
};

// The engine's ItemReader routing, like invoker_registry: exact Resource, longest prefix, default
// (registering nullptr removes).
// stepfn::local_storage (local_storage.hpp) is a ready-made reader for files under a directory.
class item_reader_registry : public detail::resource_router<item_reader> {};

} // namespace stepfn

#endif
