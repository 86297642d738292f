#ifndef STEPFN_MODEL_DISTRIBUTED_MAP_HPP
#define STEPFN_MODEL_DISTRIBUTED_MAP_HPP

// A distributed Map's ItemReader, ItemBatcher and ResultWriter as typed data, read once by the
// loader (the engine never looks fields up by name at run time), and the ReaderConfig and
// WriterConfig that readers and writers receive.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/json.hpp>

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

// A distributed Map's `ResultWriter.WriterConfig`.
enum class writer_transformation { none, compact, flatten };
enum class writer_output_type { json_array, jsonl };

struct writer_config {
    // AWS's default: NONE when results are exported, COMPACT when only WriterConfig is given.
    writer_transformation transformation = writer_transformation::none;
    writer_output_type output_type = writer_output_type::json_array;
};

// Reads a `WriterConfig` as the loader validated it. `exporting`: the ResultWriter has a Resource.
inline writer_config parse_writer_config(const json& config, bool exporting) {
    writer_config out;
    out.transformation = exporting ? writer_transformation::none : writer_transformation::compact;
    if (!config.is_object()) return out;
    if (auto it = config.find("Transformation"); it != config.end() && it->is_string()) {
        if (*it == "NONE") out.transformation = writer_transformation::none;
        else if (*it == "COMPACT") out.transformation = writer_transformation::compact;
        else if (*it == "FLATTEN") out.transformation = writer_transformation::flatten;
    }
    if (auto it = config.find("OutputType"); it != config.end() && *it == "JSONL")
        out.output_type = writer_output_type::jsonl;
    return out;
}

// `ItemReader`: the resource a reader is chosen by, literal Arguments (JSONata) or, for JSONPath,
// the compiled `map_state::reader_parameters`, and the ReaderConfig (MaxItems is resolved by
// the engine from `map_state::reader_max_items`).
struct item_reader_spec {
    std::string resource;
    std::optional<json> arguments;
    reader_config config;
};

// `ItemBatcher`: BatchInput as written (a JSONPath state evaluates `map_state::batch_input`); the
// limits are `map_state::batch_max_items` and `batch_max_bytes`.
struct item_batcher_spec {
    std::optional<json> batch_input;
};

// `ResultWriter`: with a Resource, results are exported through a writer; with only a
// WriterConfig, they are transformed in place.
struct result_writer_spec {
    std::optional<std::string> resource;
    std::optional<json> arguments;  // literal Arguments (JSONata); JSONPath: map_state::writer_parameters
    bool has_config = false;
    writer_config config;
};

// Reads the specs from the objects the loader validated.
inline item_reader_spec read_item_reader_spec(const json& reader) {
    item_reader_spec out;
    if (auto it = reader.find("Resource"); it != reader.end() && it->is_string()) out.resource = it->get<std::string>();
    if (auto it = reader.find("Arguments"); it != reader.end()) out.arguments = *it;
    if (auto it = reader.find("ReaderConfig"); it != reader.end()) out.config = parse_reader_config(*it);
    return out;
}

inline item_batcher_spec read_item_batcher_spec(const json& batcher) {
    item_batcher_spec out;
    if (auto it = batcher.find("BatchInput"); it != batcher.end()) out.batch_input = *it;
    return out;
}

inline result_writer_spec read_result_writer_spec(const json& writer) {
    result_writer_spec out;
    if (auto it = writer.find("Resource"); it != writer.end() && it->is_string()) out.resource = it->get<std::string>();
    if (auto it = writer.find("Arguments"); it != writer.end()) out.arguments = *it;
    auto config = writer.find("WriterConfig");
    out.has_config = config != writer.end();
    out.config = parse_writer_config(out.has_config ? *config : json(), out.resource.has_value());
    return out;
}

} // namespace stepfn

#endif
