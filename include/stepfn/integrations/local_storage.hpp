#ifndef STEPFN_INTEGRATIONS_LOCAL_STORAGE_HPP
#define STEPFN_INTEGRATIONS_LOCAL_STORAGE_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/detail/timestamp.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/item_reader.hpp>
#include <stepfn/tasks/result_writer.hpp>

namespace stepfn {

namespace detail {

// RFC 4180 CSV: quoted fields may hold the delimiter, doubled quotes and line breaks; CRLF or LF.
inline result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text, char delimiter) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, field_started = false;
    std::size_t line = 1;
    auto end_row = [&] {
        if (field_started || !row.empty() || !field.empty()) {
            row.push_back(std::move(field));
            rows.push_back(std::move(row));
        }
        row.clear();
        field.clear();
        field_started = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
        } else if (c == '"' && field.empty()) {
            quoted = field_started = true;
        } else if (c == delimiter) {
            row.push_back(std::move(field));
            field.clear();
            field_started = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_row();
            ++line;
        } else {
            field += c;
            field_started = true;
        }
    }
    if (quoted) return make_error(errors::item_reader_failed, "CSV: a quoted field is not closed (line " + std::to_string(line) + ")");
    end_row();
    return rows;
}

inline std::vector<std::string> split_trimmed(std::string_view text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        auto end = text.find(separator, start);
        auto part = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\t' || part.back() == '\r')) part.remove_suffix(1);
        out.emplace_back(part);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return out;
}

} // namespace detail

// The built-in storage: S3-style locations mapped to a directory the host chooses. `Bucket` is a
// subdirectory of the root and `Key` a path below it; a bucket or key that would leave the root
// (`..`, absolute paths, backslashes) is refused.
//
// As an item_reader it serves ItemReader resources ending in `s3:getObject` (InputType JSON, JSONL,
// CSV, MANIFEST) and `s3:listObjectsV2` (one item per file under `Prefix`, or the files' items with
// Transformation LOAD_AND_FLATTEN). As a result_writer it writes AWS's result files and
// manifest.json under `<Bucket>/<Prefix>/<map run id>/`. Register it for both:
//   auto storage = std::make_shared<stepfn::local_storage>("/srv/data");
//   engine.item_readers().set_default(storage);
//   engine.result_writers().set_default(storage);
class local_storage final : public item_reader, public result_writer {
public:
    explicit local_storage(std::filesystem::path root) : root_(std::move(root)) {}

    const std::filesystem::path& root() const noexcept { return root_; }

    // The file behind a bucket and key, or an error naming the offending part.
    result<std::filesystem::path> locate(std::string_view bucket, std::string_view key) const {
        if (bucket.empty() || bucket == "." || bucket == ".." || bucket.find('/') != std::string_view::npos ||
            bucket.find('\\') != std::string_view::npos || bucket.find('\0') != std::string_view::npos)
            return make_error(errors::runtime, "invalid bucket name '" + std::string(bucket) + "'");
        std::filesystem::path out = root_ / std::string(bucket);
        if (key.find('\\') != std::string_view::npos || key.find('\0') != std::string_view::npos)
            return make_error(errors::runtime, "invalid key '" + std::string(key) + "'");
        std::size_t start = 0;
        while (start <= key.size()) {
            auto end = key.find('/', start);
            auto part = key.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
            if (part == "..") return make_error(errors::runtime, "the key '" + std::string(key) + "' leaves its bucket");
            if (!part.empty() && part != ".") out /= std::string(part);
            if (end == std::string_view::npos) break;
            start = end + 1;
        }
        return out;
    }

    result<json> read(const item_read_request& request) override {
        const json& p = request.parameters;
        auto bucket = string_parameter(p, "Bucket");
        if (!bucket) return tl::make_unexpected(std::move(bucket.error()));
        if (ends_with(request.resource, "listObjectsV2")) return list(*bucket, request);
        auto key = string_parameter(p, "Key");
        if (!key) return tl::make_unexpected(std::move(key.error()));
        json items = json::array();
        auto added = read_object(*bucket, *key, request.config, items);
        if (!added) return tl::make_unexpected(std::move(added.error()));
        return items;
    }

    result<json> write(const result_write_request& request) override {
        auto bucket = string_parameter(request.parameters, "Bucket");
        if (!bucket) return tl::make_unexpected(std::move(bucket.error()));
        std::string prefix;
        if (auto it = request.parameters.find("Prefix"); it != request.parameters.end() && !it->is_null()) {
            if (!it->is_string()) return make_error(errors::result_writer_failed, "the field 'Prefix' must be a string");
            prefix = it->get<std::string>();
        }
        auto files = export_files(request, *bucket, prefix);
        for (const auto& file : files) {
            auto path = locate(*bucket, file.key);
            if (!path) return tl::make_unexpected(std::move(path.error()));
            std::error_code ec;
            std::filesystem::create_directories(path->parent_path(), ec);
            if (ec) return make_error(errors::result_writer_failed, "cannot create " + path->parent_path().string() + ": " + ec.message());
            std::ofstream out(*path, std::ios::binary | std::ios::trunc);
            out.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
            out.close();
            if (!out) return make_error(errors::result_writer_failed, "cannot write " + path->string());
        }
        return json{{"Bucket", *bucket}, {"Key", files.back().key}};
    }

private:
    static bool ends_with(std::string_view text, std::string_view suffix) {
        return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
    }
    static result<std::string> string_parameter(const json& parameters, const char* name) {
        auto it = parameters.is_object() ? parameters.find(name) : parameters.end();
        if (!parameters.is_object() || it == parameters.end() || !it->is_string())
            return make_error(errors::runtime, std::string("the field '") + name + "' must be a string");
        return it->get<std::string>();
    }
    static bool full(const json& items, const reader_config& config) {
        return config.max_items > 0 && items.size() >= static_cast<std::size_t>(config.max_items);
    }

    result<std::string> load(std::string_view bucket, std::string_view key) const {
        auto path = locate(bucket, key);
        if (!path) return tl::make_unexpected(std::move(path.error()));
        std::ifstream in(*path, std::ios::binary);
        if (!in)
            return make_error(errors::runtime, "the object '" + std::string(key) + "' does not exist in bucket '" +
                                                   std::string(bucket) + "'");
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return content;
    }

    // Appends the items of one object to `items`.
    result<void> read_object(std::string_view bucket, std::string_view key, const reader_config& config, json& items) const {
        auto content = load(bucket, key);
        if (!content) return tl::make_unexpected(std::move(content.error()));
        switch (config.input_type) {
        case item_input_type::csv: return read_csv(*content, config, items);
        case item_input_type::jsonl: return read_jsonl(*content, key, config, items);
        case item_input_type::manifest: return read_manifest(bucket, *content, config, items);
        case item_input_type::parquet:
            return make_error(errors::runtime, "InputType PARQUET is not supported by stepfn::local_storage");
        case item_input_type::json_array:
        case item_input_type::unspecified: break;
        }
        json document = json::parse(*content, nullptr, false);
        if (document.is_discarded()) return make_error(errors::runtime, "the object '" + std::string(key) + "' is not valid JSON");
        const json* node = &document;
        if (!config.items_pointer.empty()) {
            // Checked first: nlohmann throws on a malformed pointer (and aborts with -fno-exceptions).
            if (!detail::is_json_pointer(config.items_pointer))
                return make_error(errors::runtime, "invalid ItemsPointer '" + config.items_pointer + "'");
            const json::json_pointer pointer(config.items_pointer);
            node = nullptr;
            if (document.contains(pointer)) node = &document[pointer];
            if (!node) return make_error(errors::runtime, "ItemsPointer '" + config.items_pointer + "' matches nothing");
        }
        if (!node->is_array()) return make_error(errors::runtime, "Attempting to map over non-iterable node.");
        for (const auto& item : *node) {
            if (full(items, config)) break;
            items.push_back(item);
        }
        return {};
    }

    static result<void> read_jsonl(const std::string& content, std::string_view key, const reader_config& config, json& items) {
        std::size_t start = 0, line = 0;
        while (start < content.size() && !full(items, config)) {
            auto end = content.find('\n', start);
            if (end == std::string::npos) end = content.size();
            ++line;
            std::string_view text(content.data() + start, end - start);
            start = end + 1;
            if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
            json item = json::parse(text, nullptr, false);
            if (item.is_discarded())
                return make_error(errors::runtime, "line " + std::to_string(line) + " of '" + std::string(key) +
                                                       "' is not valid JSON");
            items.push_back(std::move(item));
        }
        return {};
    }

    static result<void> read_csv(const std::string& content, const reader_config& config, json& items,
                                 const std::vector<std::string>* schema = nullptr) {
        auto rows = detail::parse_csv(content, config.csv_delimiter);
        if (!rows) return tl::make_unexpected(std::move(rows.error()));
        std::size_t first = 0;
        std::vector<std::string> headers;
        if (schema) {
            headers = *schema;
        } else if (config.header_location == csv_header_location::given) {
            headers = config.csv_headers;
        } else {
            if (rows->empty()) return {};
            headers = std::move(rows->front());
            first = 1;
        }
        if (headers.empty()) return make_error(errors::runtime, "the CSV header has no columns");
        for (std::size_t r = first; r < rows->size() && !full(items, config); ++r) {
            auto& row = (*rows)[r];
            // AWS drops extra fields and fills missing ones with "" for ragged rows.
            json item = json::object();
            for (std::size_t c = 0; c < headers.size(); ++c)
                item[headers[c]] = c < row.size() ? std::move(row[c]) : std::string();
            items.push_back(std::move(item));
        }
        return {};
    }

    // S3_INVENTORY: manifest.json lists CSV data files (no header row; columns from fileSchema) in
    // the destination bucket. ATHENA_DATA: one `s3://bucket/key` per line, each a CSV file read with
    // the ReaderConfig's header settings. Compressed data files are not supported.
    result<void> read_manifest(std::string_view bucket, const std::string& content, const reader_config& config,
                               json& items) const {
        reader_config csv = config;
        if (config.manifest == manifest_type::athena_data) {
            for (const auto& line : detail::split_trimmed(content, '\n')) {
                if (line.empty()) continue;
                if (line.compare(0, 5, "s3://") != 0)
                    return make_error(errors::runtime, "the manifest line '" + line + "' is not an s3:// URI");
                const auto slash = line.find('/', 5);
                if (slash == std::string::npos) return make_error(errors::runtime, "the manifest line '" + line + "' has no key");
                auto data = load(line.substr(5, slash - 5), line.substr(slash + 1));
                if (!data) return tl::make_unexpected(std::move(data.error()));
                auto added = read_csv(*data, csv, items);
                if (!added) return added;
                if (full(items, config)) break;
            }
            return {};
        }
        json manifest = json::parse(content, nullptr, false);
        if (manifest.is_discarded() || !manifest.is_object())
            return make_error(errors::runtime, "the manifest is not a JSON object");
        auto format = manifest.find("fileFormat");
        if (format == manifest.end() || *format != "CSV")
            return make_error(errors::runtime, "the manifest's fileFormat must be \"CSV\"");
        auto schema_field = manifest.find("fileSchema");
        auto files = manifest.find("files");
        if (schema_field == manifest.end() || !schema_field->is_string() || files == manifest.end() || !files->is_array())
            return make_error(errors::runtime, "the manifest needs a string 'fileSchema' and an array 'files'");
        const auto schema = detail::split_trimmed(schema_field->get_ref<const std::string&>(), ',');
        std::string data_bucket(bucket);
        if (auto dest = manifest.find("destinationBucket"); dest != manifest.end() && dest->is_string()) {
            data_bucket = dest->get<std::string>();
            static const std::string arn = "arn:aws:s3:::";
            if (data_bucket.compare(0, arn.size(), arn) == 0) data_bucket.erase(0, arn.size());
        }
        for (const auto& file : *files) {
            auto key = file.is_object() ? file.find("key") : file.end();
            if (!file.is_object() || key == file.end() || !key->is_string())
                return make_error(errors::runtime, "each manifest file needs a string 'key'");
            if (ends_with(key->get_ref<const std::string&>(), ".gz"))
                return make_error(errors::runtime, "compressed inventory files are not supported: " + key->get<std::string>());
            auto data = load(data_bucket, key->get_ref<const std::string&>());
            if (!data) return tl::make_unexpected(std::move(data.error()));
            auto added = read_csv(*data, csv, items, &schema);
            if (!added) return added;
            if (full(items, config)) break;
        }
        return {};
    }

    result<json> list(const std::string& bucket, const item_read_request& request) const {
        std::string prefix;
        if (auto it = request.parameters.find("Prefix"); it != request.parameters.end() && it->is_string())
            prefix = it->get<std::string>();
        auto dir = locate(bucket, "");
        if (!dir) return tl::make_unexpected(std::move(dir.error()));
        std::error_code ec;
        if (!std::filesystem::is_directory(*dir, ec))
            return make_error(errors::runtime, "the bucket '" + bucket + "' does not exist");
        std::vector<std::pair<std::string, std::filesystem::path>> objects;
        for (std::filesystem::recursive_directory_iterator it(*dir, ec), end; !ec && it != end; it.increment(ec)) {
            if (!it->is_regular_file(ec)) continue;
            std::string key = std::filesystem::relative(it->path(), *dir, ec).generic_string();
            if (key.compare(0, prefix.size(), prefix) == 0) objects.emplace_back(std::move(key), it->path());
        }
        if (ec) return make_error(errors::runtime, "cannot list the bucket '" + bucket + "': " + ec.message());
        std::sort(objects.begin(), objects.end());  // S3 lists keys in UTF-8 binary order
        json items = json::array();
        for (const auto& [key, path] : objects) {
            if (full(items, request.config)) break;
            if (request.config.load_and_flatten) {
                auto added = read_object(bucket, key, request.config, items);
                if (!added) return tl::make_unexpected(std::move(added.error()));
                continue;
            }
            const auto size = std::filesystem::file_size(path, ec);
            const auto written = std::filesystem::last_write_time(path, ec);
            // file_clock → system_clock without C++20's clock_cast.
            const auto modified = std::chrono::system_clock::now() +
                                  std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      written - std::filesystem::file_time_type::clock::now());
            json item = json::object();
            // Not a content hash: size and time identify a version well enough locally.
            item["Etag"] = "\"" + std::to_string(size) + "-" +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(modified.time_since_epoch()).count()) +
                           "\"";
            item["Key"] = key;
            item["LastModified"] = detail::format_iso8601(modified);
            item["Size"] = size;
            item["StorageClass"] = "STANDARD";
            items.push_back(std::move(item));
        }
        return items;
    }

    std::filesystem::path root_;
};

} // namespace stepfn

#endif
