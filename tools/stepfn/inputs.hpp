#ifndef STEPFN_TOOLS_CLI_INPUTS_HPP
#define STEPFN_TOOLS_CLI_INPUTS_HPP

// The stepfn command: reading files, checking JSON text before parsing it, loading definitions.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

// ---- reading files ----

// Reads FILE ("-" = `in`) whole, refusing anything over `limit` bytes without reading it all:
// a regular file's size is checked first, and a stream is read at most to limit + 1 bytes.
inline outcome<std::string> read_bounded(const std::string& path, std::FILE* in, std::size_t limit,
                                         std::string_view what) {
    const bool from_stdin = path == "-";
    const std::string label = from_stdin ? std::string("standard input") : in_quotes(path);
    const auto too_large = [&] {
        return fail_input(label + " is too large: " + std::string(what) + " may be at most " +
                          std::to_string(limit) + " bytes");
    };

    std::FILE* stream = in;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
    if (!from_stdin) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const fs::path file_path(path);
        const auto status = fs::status(file_path, ec);
        if (ec) return fail_input("cannot open " + label + ": " + ec.message());
        if (fs::is_directory(status)) return fail_input("cannot read " + label + ": it is a directory");
        if (fs::is_regular_file(status)) {
            const auto size = fs::file_size(file_path, ec);
            if (!ec && size > limit) return too_large();
        }
        errno = 0;
        owned.reset(std::fopen(path.c_str(), "rb"));
        if (!owned) return fail_input("cannot open " + label + ": " + std::strerror(errno));
        stream = owned.get();
    }
    if (stream == nullptr) return fail_input("cannot read " + label + ": no stream");

    std::string text;
    char buffer[65536];
    while (text.size() <= limit) {
        const std::size_t want = (std::min)(sizeof buffer, limit + 1 - text.size());
        const std::size_t got = std::fread(buffer, 1, want, stream);
        text.append(buffer, got);
        if (got < want) break;
    }
    if (std::ferror(stream)) return fail_input("cannot read " + label + ": " + std::strerror(errno));
    if (text.size() > limit) return too_large();
    return text;
}

// ---- checking JSON text before anything builds a tree from it ----

// Checks that text is JSON, without building it (nlohmann's SAX parser does not recurse), and
// whether it nests deeper than max_depth. Stops at the first syntax error, keeping nlohmann's
// message, which says where. Text too deep is still read to the end, so that text which is
// not JSON at all is reported as such.
class json_checker {
public:
    explicit json_checker(std::size_t max_depth) : max_depth_(max_depth) {}

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const json::string_t&) { return true; }
    bool string(json::string_t&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool key(json::string_t&) { return true; }
    bool start_object(std::size_t) { return enter(); }
    bool end_object() { return leave(); }
    bool start_array(std::size_t) { return enter(); }
    bool end_array() { return leave(); }
    bool parse_error(std::size_t, const std::string&, const std::exception& ex) {
        std::string_view what = ex.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." → from "parse error"
        if (auto close = what.find("] "); what.substr(0, 1) == "[" && close != std::string_view::npos)
            what.remove_prefix(close + 2);
        syntax_error_ = std::string(what);
        return false;
    }

    bool too_deep() const noexcept { return too_deep_; }
    const std::optional<std::string>& syntax_error() const noexcept { return syntax_error_; }

private:
    bool enter() {
        if (++depth_ > max_depth_) too_deep_ = true;
        return true;
    }
    bool leave() {
        --depth_;
        return true;
    }

    std::size_t max_depth_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
    std::optional<std::string> syntax_error_;
};

enum class json_verdict { ok, not_json, too_deep };

struct json_check {
    json_verdict verdict = json_verdict::ok;
    std::string message;  // nlohmann's description of the syntax error
};

inline json_check check_json(std::string_view text, std::size_t max_depth) {
    json_checker checker(max_depth);
    if (!json::sax_parse(text.begin(), text.end(), &checker))
        return {json_verdict::not_json, checker.syntax_error().value_or("not valid JSON")};
    if (checker.too_deep()) return {json_verdict::too_deep, {}};
    return {};
}

// Parses data (an input, a mock file): not JSON or nested beyond reason is a usage error.
inline outcome<json> parse_data(std::string_view text, std::string_view label) {
    auto check = check_json(text, max_data_depth);
    if (check.verdict == json_verdict::not_json)
        return fail_input(std::string(label) + " is not JSON: " + check.message);
    if (check.verdict == json_verdict::too_deep)
        return fail_input(std::string(label) + " is nested more than " + std::to_string(max_data_depth) +
                          " levels deep");
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) return fail_input(std::string(label) + " is not JSON");
    return value;
}

// ---- definitions ----

// A definition that was read and is JSON, but may still be invalid (exit 1 for validate).
struct loaded_definition {
    result<state_machine> machine;
    bool yaml = false;  // problems are placed by YAML line and column
};

inline bool is_yaml_path(const std::string& path) {
    const auto ends_with = [&](std::string_view suffix) {
        return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".yaml") || ends_with(".yml");
}

// `prefix` starts every line (validate of several files names the file there).
inline void print_problems(const error& problem, std::FILE* err, bool yaml = false, const std::string& prefix = {}) {
    if (yaml && !problem.cause.empty()) {
        // "line 7, column 5: /States/Charge/Next: ...", one per line (the YAML loader's cause).
        std::size_t start = 0;
        while (start <= problem.cause.size()) {
            std::size_t end = problem.cause.find('\n', start);
            if (end == std::string::npos) end = problem.cause.size();
            write_line(err, prefix + one_line(std::string_view(problem.cause).substr(start, end - start)));
            start = end + 1;
        }
        return;
    }
    if (!problem.problems.empty()) {
        for (const auto& d : problem.problems)
            write_line(err, prefix + one_line(d.pointer.empty() ? std::string("/") : d.pointer) + ": " + one_line(d.message));
        return;
    }
    // Not a list of diagnostics (should not happen for a load): print what there is.
    write_line(err, prefix + "/: " + one_line(problem.cause.empty() ? problem.name : problem.cause));
}

inline outcome<loaded_definition> load_definition(const std::string& path, std::FILE* in,
                                                  const load_options& options) {
    auto text = read_bounded(path, in, options.bounds.max_definition_bytes, "a definition");
    if (!text) return tl::make_unexpected(std::move(text.error()));
    const std::string label = path == "-" ? std::string("standard input") : in_quotes(path);
    if (is_yaml_path(path)) {
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)
        return loaded_definition{load_yaml(*text, options), true};
#else
        return fail_input(label + " is YAML, and this stepfn was built without YAML support (STEPFN_WITH_YAML=ON)");
#endif
    }
    // Far deeper than any definition the loader accepts (its limit is max_nesting_depth), so
    // the loader, not this pre-check, explains ordinary nesting problems.
    const std::size_t depth_guard = (std::max)(options.bounds.max_nesting_depth * 4, std::size_t{256});
    auto check = check_json(*text, depth_guard);
    if (check.verdict == json_verdict::not_json) return fail_input(label + " is not JSON: " + check.message);
    if (check.verdict == json_verdict::too_deep) {
        // Deeper than the guard is deeper than the limit: say it as the loader does.
        return loaded_definition{make_invalid({diagnostic{"", stepfn::detail::too_deep_message(options.bounds.max_nesting_depth)}})};
    }
    return loaded_definition{load_machine(*text, options)};
}

// "orders/checkout.asl.json" → "checkout": the name a machine gets when nothing names it.
inline std::string machine_name_from_path(const std::string& path) {
    if (path == "-") return load_options{}.name;
    std::string base = std::filesystem::path(path).filename().string();
    if (auto dot = base.find('.'); dot != std::string::npos && dot > 0) base.erase(dot);
    return base.empty() ? load_options{}.name : base;
}

// Loads FILE under the name its path gives (validate, graph).
inline outcome<loaded_definition> load_definition_named_by_path(const std::string& path, std::FILE* in) {
    load_options options;
    options.name = machine_name_from_path(path);
    return load_definition(path, in, options);
}

} // namespace stepfn::cli::detail

#endif
