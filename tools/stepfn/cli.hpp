#ifndef STEPFN_TOOLS_STEPFN_CLI_HPP
#define STEPFN_TOOLS_STEPFN_CLI_HPP

// The `stepfn` command: validate and run ASL definitions from the shell. All the logic lives
// here, so tests call stepfn::cli::stepfn_cli in-process; main.cpp only forwards argv.
//
// Exit status: 0 success (valid / SUCCEEDED), 1 the definition is invalid or the execution did
// not succeed, 2 usage errors and anything that stops us before a definition is judged or an
// execution starts (unreadable files, input that is not JSON, limits, an invalid mock file).

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

#include <stepfn/load/loader.hpp>
#include <stepfn/error.hpp>
#include <stepfn/history/jsonl_sink.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/print/graph.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/clocks/system_clock.hpp>
#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/testing/mock_config.hpp>
#include <stepfn/testing/mock_invoker.hpp>
#include <stepfn/version.hpp>

#include "invokers_file.hpp"

// YAML definitions when the build has yaml-cpp (CMake: STEPFN_WITH_YAML=ON).
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)
#include <stepfn/load/yaml.hpp>
#endif

namespace stepfn::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

// Inputs and mock files are data, not definitions, so the definition nesting limit does not
// apply; this cap only keeps nlohmann's recursive copy/dump/compare off the end of the stack.
inline constexpr std::size_t max_data_depth = 1000;
// Mock files hold many task results; they get the room of many payloads, not of one.
inline constexpr std::size_t max_mock_file_bytes = std::size_t{64} * 1024 * 1024;

// The entry point: argv[0] is the program name. `in` is read for a FILE given as "-".
int stepfn_cli(int argc, const char* const* argv, std::FILE* in, std::FILE* out, std::FILE* err);

inline int stepfn_cli(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
    return stepfn_cli(argc, argv, stdin, out, err);
}

namespace detail {

inline constexpr std::string_view main_usage =
    R"(Usage: stepfn COMMAND [OPTIONS]

Checks and runs Amazon States Language (AWS Step Functions) state machines locally.

Commands:
  validate FILE     Check a definition: prints "valid", or one problem per line on stderr
  run FILE          Run a definition to completion and print its result as one line of JSON
  graph FILE        Print the state machine as a Graphviz (DOT) or Mermaid graph
  help [COMMAND]    Show this help, or the help of COMMAND
  version           Print the version

Options:
  -h, --help        Show help (also after a command: stepfn run --help)
  --version         Print the version

FILE may be - to read standard input. Files ending in .yaml or .yml are read as YAML when
stepfn was built with YAML support.

Exit status:
  0  the definition is valid / the execution SUCCEEDED
  1  the definition is invalid / the execution FAILED, TIMED_OUT or was ABORTED
  2  usage error, unreadable file, text that is not JSON, a size limit exceeded,
     or (run) an invalid definition or mock file

Examples:
  stepfn validate workflow.asl.json
  stepfn run workflow.asl.json --input '{"orderId":"42"}' --virtual-time
)";

inline constexpr std::string_view validate_usage =
    R"(Usage: stepfn validate FILE

Loads the state machine in FILE (- for standard input) the way `stepfn run` and the library do,
checking every rule of the Amazon States Language: required and unsupported fields, transitions,
reachability, paths, payload templates, intrinsic functions and choice rules.

Prints "valid" on stdout and exits 0 when the definition is valid. Otherwise prints every
problem found on stderr, one per line, as `<json-pointer>: <message>` (`/` is the root), and
exits 1. Exits 2 when FILE cannot be read, is not JSON, or is over 1 MiB (1,048,576 bytes).

Options:
  -h, --help        Show this help

Example:
  $ stepfn validate broken.asl.json
  /States/Charge/Next: no state named "Chrage" in this scope
)";

inline constexpr std::string_view run_usage =
    R"(Usage: stepfn run FILE [OPTIONS]

Runs the state machine in FILE (- for standard input) to completion and prints exactly one line
of JSON on stdout:
  {"status":"SUCCEEDED","output":<the execution output>}
  {"status":"FAILED","error":"<name>","cause":"<text>"}     (error/cause omitted when absent)
  {"status":"TIMED_OUT","error":"States.Timeout","cause":"<text>"}
  {"status":"ABORTED",...}

Options:
  --input JSON            The execution input as JSON text (default: {})
  --input-file FILE       Read the execution input from FILE (- for standard input)
  --name NAME             The execution name (default: a generated UUID)
  --history FILE          Write the execution history to FILE, one JSON event per line
  --virtual-time          Use a virtual clock: Wait states, retry back-off and timeouts pass
                          instantly, while timestamps advance as if they had been waited
  --mock-config FILE      Answer Task states from an AWS Step Functions Local mock
                          configuration file (StateMachines / MockedResponses)
  --test-case NAME        The test case of the mock file to use (required with --mock-config)
  --state-machine NAME    The state machine's name: selects it in the mock file and appears in
                          ARNs and $$.StateMachine.Name (default: the only machine of the mock
                          file, else FILE's base name without extensions)
  --invokers FILE         Answer Task resources with real services: a JSON file mapping
                          resources (exact, or "prefix": true) to {"http": {...}},
                          {"command": [...]} or {"container": {...}}, plus "connections" for
                          the HTTP Task (arn:aws:states:::http:invoke). With --mock-config,
                          the states the mock file does not mock go there
  -h, --help              Show this help

Exit status: 0 when the execution SUCCEEDED; 1 when it FAILED, TIMED_OUT or was ABORTED;
2 for usage errors, unreadable files, input that is not JSON or over 256 KiB, an invalid
definition (its problems are printed on stderr as by `stepfn validate`) or mock file.

Examples:
  stepfn run hello.asl.json --input '{"who":"world"}'
  stepfn run order.asl.json --input-file order.json --virtual-time \
      --mock-config mocks.json --test-case HappyPath --history history.jsonl
)";

inline constexpr std::string_view graph_usage =
    R"(Usage: stepfn graph FILE [--format dot|mermaid]

Loads the state machine in FILE (- for standard input) and prints it as a graph on stdout:
every state a node shaped by its type, transitions, Choice rules (labelled with the rule),
Default and Catch edges (dashed, labelled with the errors), and each Parallel branch and Map
item processor as a cluster.

Options:
  --format dot       Graphviz DOT (the default): stepfn graph f.asl.json | dot -Tsvg > f.svg
  --format mermaid   A Mermaid flowchart, for Markdown that renders Mermaid
  -h, --help         Show this help

Exit status: 0 the graph was printed; 1 the definition is invalid (its problems are printed
on stderr as by `stepfn validate`); 2 usage errors, unreadable files, text that is not JSON.
)";

// A problem that ends the command before anything was judged: exit 2 with this message.
struct usage_error {
    std::string message;
    bool show_hint = false;  // usage mistakes point at --help; I/O problems do not
};

template <class T>
using outcome = tl::expected<T, usage_error>;

inline tl::unexpected<usage_error> fail_usage(std::string message) {
    return tl::make_unexpected(usage_error{std::move(message), true});
}
inline tl::unexpected<usage_error> fail_input(std::string message) {
    return tl::make_unexpected(usage_error{std::move(message), false});
}

inline void write(std::FILE* stream, std::string_view text) {
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stream);
}

inline void write_line(std::FILE* stream, std::string_view text) {
    write(stream, text);
    std::fputc('\n', stream);
}

// Text from the user (file names, state names in diagnostics) reaches the terminal with its
// control bytes escaped: a message stays one line and cannot drive the terminal.
inline std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

inline std::string in_quotes(std::string_view text) {
    return "'" + one_line(text) + "'";
}

inline std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- arguments ----

struct option_spec {
    std::string_view name;
    bool takes_value;
};

struct parsed_arguments {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options;  // name → value ("" for flags)
    bool help = false;

    const std::string* find(std::string_view name) const {
        for (const auto& [key, value] : options)
            if (key == name) return &value;
        return nullptr;
    }
    bool has(std::string_view name) const { return find(name) != nullptr; }

    // The one FILE every command reads: a usage error when there is none, or more than one.
    outcome<std::string> single_file(std::string_view command) const {
        if (positional.empty()) return fail_usage(std::string(command) + " needs a FILE (or - for standard input)");
        if (positional.size() > 1)
            return fail_usage(std::string(command) + " takes one FILE; unexpected " + in_quotes(positional[1]));
        return positional[0];
    }
};

inline outcome<parsed_arguments> parse_arguments(const std::vector<std::string>& args,
                                                 const std::vector<option_spec>& specs) {
    parsed_arguments parsed;
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
            parsed.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            parsed.help = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos && arg.compare(0, 2, "--") == 0) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const option_spec* spec = nullptr;
        for (const auto& candidate : specs)
            if (candidate.name == name) spec = &candidate;
        if (spec == nullptr) return fail_usage("unknown option " + in_quotes(name));
        if (parsed.has(name)) return fail_usage(name + " was given more than once");
        if (!spec->takes_value) {
            if (inline_value) return fail_usage(name + " takes no value");
            parsed.options.emplace_back(std::move(name), std::string());
            continue;
        }
        if (inline_value) {
            parsed.options.emplace_back(std::move(name), std::move(*inline_value));
        } else if (i + 1 < args.size()) {
            parsed.options.emplace_back(std::move(name), args[++i]);
        } else {
            return fail_usage(name + " needs a value");
        }
    }
    return parsed;
}

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

inline void print_problems(const error& problem, std::FILE* err, bool yaml = false) {
    if (yaml && !problem.cause.empty()) {
        // "line 7, column 5: /States/Charge/Next: ...", one per line (the YAML loader's cause).
        std::size_t start = 0;
        while (start <= problem.cause.size()) {
            std::size_t end = problem.cause.find('\n', start);
            if (end == std::string::npos) end = problem.cause.size();
            write_line(err, one_line(std::string_view(problem.cause).substr(start, end - start)));
            start = end + 1;
        }
        return;
    }
    if (!problem.problems.empty()) {
        for (const auto& d : problem.problems)
            write_line(err, one_line(d.pointer.empty() ? std::string("/") : d.pointer) + ": " + one_line(d.message));
        return;
    }
    // Not a list of diagnostics (should not happen for a load): print what there is.
    write_line(err, "/: " + one_line(problem.cause.empty() ? problem.name : problem.cause));
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

// ---- commands ----

inline int report(const usage_error& problem, std::string_view help_hint, std::FILE* err) {
    write_line(err, "stepfn: " + one_line(problem.message));
    if (problem.show_hint) write_line(err, "Try '" + std::string(help_hint) + "' for more information.");
    return exit_usage;
}

inline int validate_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn validate --help";
    auto parsed = parse_arguments(args, {});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, validate_usage);
        return exit_ok;
    }
    const auto file = parsed->single_file("validate");
    if (!file) return report(file.error(), hint, err);
    const std::string& path = *file;
    load_options options;
    options.name = machine_name_from_path(path);
    auto loaded = load_definition(path, in, options);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_failed;
    }
    write_line(out, "valid");
    return exit_ok;
}

inline int graph_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn graph --help";
    auto parsed = parse_arguments(args, {{"--format", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, graph_usage);
        return exit_ok;
    }
    const auto file = parsed->single_file("graph");
    if (!file) return report(file.error(), hint, err);
    const std::string format = parsed->find("--format") ? *parsed->find("--format") : std::string("dot");
    if (format != "dot" && format != "mermaid")
        return report({"--format must be dot or mermaid, not " + in_quotes(format), true}, hint, err);

    const std::string& path = *file;
    load_options options;
    options.name = machine_name_from_path(path);
    auto loaded = load_definition(path, in, options);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_failed;
    }
    write(out, format == "dot" ? to_dot(*loaded->machine) : to_mermaid(*loaded->machine));
    return exit_ok;
}

struct run_settings {
    std::string definition_path;
    std::optional<std::string> input_text;
    std::optional<std::string> input_path;
    std::optional<std::string> history_path;
    std::optional<std::string> mock_path;
    std::optional<std::string> test_case;
    std::optional<std::string> machine_name;
    std::optional<std::string> invokers_path;
    std::string execution_name;
    bool virtual_time = false;
};

inline outcome<run_settings> parse_run_arguments(const std::vector<std::string>& args, bool& help) {
    static const std::vector<option_spec> specs = {
        {"--input", true},       {"--input-file", true}, {"--history", true},
        {"--virtual-time", false}, {"--mock-config", true}, {"--test-case", true},
        {"--state-machine", true}, {"--name", true},       {"--invokers", true},
    };
    auto parsed = parse_arguments(args, specs);
    if (!parsed) return tl::make_unexpected(std::move(parsed.error()));
    help = parsed->help;
    if (help) return run_settings{};
    const auto file = parsed->single_file("run");
    if (!file) return tl::make_unexpected(file.error());

    const auto optional_value = [&](std::string_view name) -> std::optional<std::string> {
        if (const auto* value = parsed->find(name)) return *value;
        return std::nullopt;
    };
    run_settings settings;
    settings.definition_path = *file;
    settings.input_text = optional_value("--input");
    settings.input_path = optional_value("--input-file");
    settings.history_path = optional_value("--history");
    settings.mock_path = optional_value("--mock-config");
    settings.test_case = optional_value("--test-case");
    settings.machine_name = optional_value("--state-machine");
    settings.invokers_path = optional_value("--invokers");
    settings.execution_name = optional_value("--name").value_or("");
    settings.virtual_time = parsed->has("--virtual-time");

    if (settings.input_text && settings.input_path) return fail_usage("give --input or --input-file, not both");
    if (settings.mock_path && !settings.test_case) return fail_usage("--mock-config needs --test-case NAME");
    if (settings.test_case && !settings.mock_path) return fail_usage("--test-case needs --mock-config FILE");
    const auto reads_stdin = [](const std::optional<std::string>& path) { return path && *path == "-"; };
    if ((settings.definition_path == "-") + reads_stdin(settings.input_path) + reads_stdin(settings.mock_path) +
            reads_stdin(settings.invokers_path) >
        1)
        return fail_usage("only one of FILE, --input-file, --mock-config and --invokers can be standard input");
    for (const std::string_view name : {"--input-file", "--history", "--mock-config", "--invokers"})
        if (const auto* value = parsed->find(name); value != nullptr && value->empty())
            return fail_usage(std::string(name) + " needs a file name, not an empty string");
    if (settings.history_path == std::optional<std::string>("-"))
        return fail_usage("--history needs a file name (standard output carries the result line)");
    if (settings.test_case && settings.test_case->empty()) return fail_usage("--test-case cannot be empty");
    if (settings.machine_name && settings.machine_name->empty()) return fail_usage("--state-machine cannot be empty");
    return settings;
}

// The single result line of `stepfn run`.
inline json result_line(execution_status status, result<json> outcome) {
    json line = json::object();
    line["status"] = to_string(status);
    if (status == execution_status::succeeded) {
        line["output"] = outcome ? std::move(*outcome) : json();
        return line;
    }
    if (!outcome) {
        if (!outcome.error().name.empty()) line["error"] = outcome.error().name;
        if (!outcome.error().cause.empty()) line["cause"] = outcome.error().cause;
    }
    if (status == execution_status::timed_out && !line.contains("error")) line["error"] = errors::timeout;
    return line;
}

template <class Clock>
int execute(const state_machine& machine, json input, const run_settings& settings,
            std::shared_ptr<task_invoker> mocks, std::shared_ptr<history_sink> history, std::FILE* out,
            std::FILE* err, const invokers_setup* invokers = nullptr) {
    manual_executor executor;
    Clock clock;
    basic_engine<manual_executor, Clock> engine(executor, clock);
    if (mocks) engine.invokers().set_default(std::move(mocks));
    else if (invokers) invokers->apply(engine.invokers());

    start_options start;
    start.name = settings.execution_name;
    start.history = std::move(history);
    auto execution = engine.start(machine, std::move(input), std::move(start));
    if (!execution) {
        const auto& problem = execution.error();
        return report({"cannot start the execution: " + (problem.cause.empty() ? problem.name : problem.cause), false},
                      "stepfn run --help", err);
    }
    auto outcome = execution->wait();
    const execution_status status = execution->status();
    write_line(out, dump(result_line(status, std::move(outcome))));
    std::fflush(out);
    return status == execution_status::succeeded ? exit_ok : exit_failed;
}

inline int run_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn run --help";
    bool help = false;
    auto settings = parse_run_arguments(args, help);
    if (!settings) return report(settings.error(), hint, err);
    if (help) {
        write(out, run_usage);
        return exit_ok;
    }
    const limits bounds;

    // The invokers file (real services), then the mock file, which may name the state machine
    // and falls back to the invokers for the states it does not mock.
    std::optional<invokers_setup> invokers;
    if (settings->invokers_path) {
        auto text = read_bounded(*settings->invokers_path, in, max_mock_file_bytes, "an invokers file");
        if (!text) return report(text.error(), hint, err);
        const std::string label = "the invokers file " + in_quotes(*settings->invokers_path);
        auto document = parse_data(*text, label);
        if (!document) return report(document.error(), hint, err);
        auto setup = read_invokers_file(*document);
        if (!setup) return report({label + ": " + setup.error().cause, false}, hint, err);
        invokers = std::move(*setup);
    }
    std::shared_ptr<task_invoker> mocks;
    std::optional<std::string> machine_name = settings->machine_name;
    if (settings->mock_path) {
        auto text = read_bounded(*settings->mock_path, in, max_mock_file_bytes, "a mock configuration file");
        if (!text) return report(text.error(), hint, err);
        const std::string label = "the mock configuration " + in_quotes(*settings->mock_path);
        auto document = parse_data(*text, label);
        if (!document) return report(document.error(), hint, err);
        auto config = testing::mock_config::parse(*document);
        if (!config) {
            write_line(err, "stepfn: " + label + " is not valid:");
            print_problems(config.error(), err);
            return exit_usage;
        }
        auto selected = config->select(machine_name.value_or(""), *settings->test_case);
        if (!selected) {
            const auto& problem = selected.error();
            return report({label + ": " + (problem.cause.empty() ? problem.name : problem.cause), false}, hint, err);
        }
        const testing::test_case& chosen = **selected;
        machine_name = chosen.machine;
        mocks = std::make_shared<testing::mock_invoker>(
            chosen, invokers ? std::make_shared<routing_invoker>(*invokers) : std::shared_ptr<task_invoker>());
    }

    load_options options;
    options.bounds = bounds;
    options.name = machine_name.value_or(machine_name_from_path(settings->definition_path));
    auto loaded = load_definition(settings->definition_path, in, options);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        write_line(err, "stepfn: the definition is not valid:");
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_usage;
    }

    json input = json::object();
    if (settings->input_text) {
        if (settings->input_text->size() > bounds.max_payload_bytes)
            return report({"--input is too large: the input may be at most " + std::to_string(bounds.max_payload_bytes) +
                               " bytes",
                           false},
                          hint, err);
        auto parsed = parse_data(*settings->input_text, "--input");
        if (!parsed) return report(parsed.error(), hint, err);
        input = std::move(*parsed);
    } else if (settings->input_path) {
        auto text = read_bounded(*settings->input_path, in, bounds.max_payload_bytes, "the input");
        if (!text) return report(text.error(), hint, err);
        auto parsed = parse_data(*text, "--input-file " + in_quotes(*settings->input_path));
        if (!parsed) return report(parsed.error(), hint, err);
        input = std::move(*parsed);
    }

    std::shared_ptr<history_sink> history;
    if (settings->history_path) {
        auto sink = jsonl_sink::open(*settings->history_path);
        if (!sink) {
            const auto& problem = sink.error();
            return report({"cannot write the history: " + (problem.cause.empty() ? problem.name : problem.cause), false},
                          hint, err);
        }
        history = std::move(*sink);
    }

    if (settings->virtual_time)
        return execute<virtual_clock>(*loaded->machine, std::move(input), *settings, std::move(mocks),
                                      std::move(history), out, err, invokers ? &*invokers : nullptr);
    return execute<system_clock>(*loaded->machine, std::move(input), *settings, std::move(mocks), std::move(history),
                                 out, err, invokers ? &*invokers : nullptr);
}

inline int dispatch(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn --help";
    if (args.empty()) {
        write_line(err, "stepfn: no command given");
        write_line(err, "Try 'stepfn --help' for more information.");
        return exit_usage;
    }
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "validate") return validate_command(rest, in, out, err);
    if (command == "run") return run_command(rest, in, out, err);
    if (command == "graph") return graph_command(rest, in, out, err);
    if (command == "-h" || command == "--help" || command == "help") {
        if (command != "help" || rest.empty() || rest[0] == "-h" || rest[0] == "--help") {
            write(out, main_usage);
            return exit_ok;
        }
        if (rest.size() > 1) return report({"help takes at most one COMMAND", true}, hint, err);
        const std::string_view* usage = rest[0] == "validate" ? &validate_usage
                                        : rest[0] == "run"    ? &run_usage
                                        : rest[0] == "graph"  ? &graph_usage
                                        : rest[0] == "help" || rest[0] == "version" ? &main_usage
                                                                                    : nullptr;
        if (usage == nullptr) return report({"unknown command " + in_quotes(rest[0]), true}, hint, err);
        write(out, *usage);
        return exit_ok;
    }
    if (command == "--version" || command == "version") {
        if (!rest.empty()) return report({command + " takes no arguments", true}, hint, err);
        write_line(out, "stepfn " + std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                            std::to_string(version.patch));
        return exit_ok;
    }
    if (!command.empty() && command[0] == '-') return report({"unknown option " + in_quotes(command), true}, hint, err);
    return report({"unknown command " + in_quotes(command), true}, hint, err);
}

} // namespace detail

inline int stepfn_cli(int argc, const char* const* argv, std::FILE* in, std::FILE* out, std::FILE* err) {
    // Nothing escapes: a bad_alloc or a bug becomes a message and exit 2, never a crash.
    try {
        std::vector<std::string> args;
        for (int i = 1; i < argc && argv != nullptr; ++i) args.emplace_back(argv[i] != nullptr ? argv[i] : "");
        const int code = detail::dispatch(args, in, out, err);
        std::fflush(out);
        return code;
    } catch (const std::bad_alloc&) {
        detail::write_line(err, "stepfn: out of memory");
    } catch (const std::exception& e) {
        detail::write_line(err, std::string("stepfn: unexpected error: ") + e.what());
    } catch (...) {
        detail::write_line(err, "stepfn: unexpected error");
    }
    return exit_usage;
}

} // namespace stepfn::cli

#endif
