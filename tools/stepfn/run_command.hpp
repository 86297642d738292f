#ifndef STEPFN_TOOLS_CLI_RUN_COMMAND_HPP
#define STEPFN_TOOLS_CLI_RUN_COMMAND_HPP

// The stepfn command: `stepfn run`: arguments, the run on a real or virtual clock, the result line.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

struct run_settings {
    std::string definition_path;
    std::optional<std::string> input_text;
    std::optional<std::string> input_path;
    std::optional<std::string> history_path;
    std::optional<std::string> child_history_path;  // a distributed Map's child executions' events
    std::optional<std::string> mock_path;
    std::optional<std::string> invokers_path;
    std::optional<std::string> test_case;
    std::optional<std::string> machine_name;
    std::optional<std::string> store_path;
    std::string execution_name;
    execution_type type = execution_type::standard;
    bool virtual_time = false;
};

inline outcome<run_settings> parse_run_arguments(const std::vector<std::string>& args, bool& help) {
    static const std::vector<option_spec> specs = {
        {"--input", true},       {"--input-file", true}, {"--history", true},
        {"--virtual-time", false}, {"--mock-config", true}, {"--test-case", true},
        {"--state-machine", true}, {"--name", true},       {"--invokers", true},
        {"--store", true},       {"--type", true},         {"--child-history", true},
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
    settings.child_history_path = optional_value("--child-history");
    settings.mock_path = optional_value("--mock-config");
    settings.invokers_path = optional_value("--invokers");
    settings.test_case = optional_value("--test-case");
    settings.machine_name = optional_value("--state-machine");
    settings.execution_name = optional_value("--name").value_or("");
    settings.store_path = optional_value("--store");
    settings.virtual_time = parsed->has("--virtual-time");
    if (const auto type = optional_value("--type")) {
        if (*type == "EXPRESS") settings.type = execution_type::express;
        else if (*type != "STANDARD") return fail_usage("--type is STANDARD or EXPRESS, not '" + *type + "'");
    }

    if (settings.input_text && settings.input_path) return fail_usage("give --input or --input-file, not both");
    if (settings.mock_path && !settings.test_case) return fail_usage("--mock-config needs --test-case NAME");
    if (settings.test_case && !settings.mock_path) return fail_usage("--test-case needs --mock-config FILE");
    const auto reads_stdin = [](const std::optional<std::string>& path) { return path && *path == "-"; };
    if ((settings.definition_path == "-") + reads_stdin(settings.input_path) + reads_stdin(settings.mock_path) +
            reads_stdin(settings.invokers_path) >
        1)
        return fail_usage("only one of FILE, --input-file, --mock-config and --invokers can be standard input");
    if (settings.history_path == settings.child_history_path && settings.history_path)
        return fail_usage("--history and --child-history need two different files");
    for (const std::string_view name : {"--input-file", "--history", "--child-history", "--mock-config", "--invokers"})
        if (const auto* value = parsed->find(name); value != nullptr && value->empty())
            return fail_usage(std::string(name) + " needs a file name, not an empty string");
    if (settings.store_path && settings.store_path->empty()) return fail_usage("--store needs a file name, not an empty string");
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

// What answers the Task states: the mock file's test case (falling back to the invokers file
// for what it does not mock), or the invokers file.
struct task_setup {
    std::optional<invokers_setup> invokers;
    std::shared_ptr<task_invoker> mocks;
    std::optional<std::string> machine_name;  // the mock file's machine, or --state-machine

    void apply(invoker_registry& registry) const {
        if (mocks) registry.set_default(mocks);
        else if (invokers) invokers->apply(registry);
    }
};

// Reads and checks a mock configuration file (--mock-config). exit_ok, or the exit status after
// saying why.
inline int load_mock_config(const std::string& path, std::FILE* in, std::FILE* err, std::string_view hint,
                            std::optional<testing::mock_config>& config) {
    auto text = read_bounded(path, in, max_mock_file_bytes, "a mock configuration file");
    if (!text) return report(text.error(), hint, err);
    const std::string label = "the mock configuration " + in_quotes(path);
    auto document = parse_data(*text, label);
    if (!document) return report(document.error(), hint, err);
    auto parsed = testing::mock_config::parse(*document);
    if (!parsed) {
        write_line(err, "stepfn: " + label + " is not valid:");
        print_problems(parsed.error(), err);
        return exit_usage;
    }
    config = std::move(*parsed);
    return exit_ok;
}

// Reads --invokers and --mock-config/--test-case. exit_ok, or the exit status after saying why.
inline int load_task_setup(const std::optional<std::string>& invokers_path, const std::optional<std::string>& mock_path,
                           const std::optional<std::string>& test_case, std::optional<std::string> machine_name,
                           std::FILE* in, std::FILE* err, std::string_view hint, task_setup& setup) {
    setup.machine_name = std::move(machine_name);
    if (invokers_path) {
        auto text = read_bounded(*invokers_path, in, max_mock_file_bytes, "an invokers file");
        if (!text) return report(text.error(), hint, err);
        const std::string label = "the invokers file " + in_quotes(*invokers_path);
        auto document = parse_data(*text, label);
        if (!document) return report(document.error(), hint, err);
        auto read = read_invokers_file(*document);
        if (!read) return report({label + ": " + read.error().cause, false}, hint, err);
        setup.invokers = std::move(*read);
    }
    if (!mock_path) return exit_ok;
    std::optional<testing::mock_config> config;
    if (int status = load_mock_config(*mock_path, in, err, hint, config); status != exit_ok) return status;
    const std::string label = "the mock configuration " + in_quotes(*mock_path);
    auto selected = config->select(setup.machine_name.value_or(""), test_case.value_or(""));
    if (!selected) {
        const auto& problem = selected.error();
        return report({label + ": " + (problem.cause.empty() ? problem.name : problem.cause), false}, hint, err);
    }
    const testing::test_case& chosen = **selected;
    setup.machine_name = chosen.machine;
    setup.mocks = std::make_shared<testing::mock_invoker>(
        chosen, setup.invokers ? std::make_shared<routing_invoker>(*setup.invokers) : std::shared_ptr<task_invoker>());
    return exit_ok;
}

// The history files of `stepfn run`: the execution's own events (--history), and those of the
// child executions a distributed Map starts (--child-history), which AWS keeps in the children's
// own histories, never in the parent's. The first execution a sink hears of is the one the
// command started (its ExecutionStarted is written before anything else runs).
class run_history_sink final : public history_sink {
public:
    run_history_sink(std::shared_ptr<history_sink> own, std::shared_ptr<history_sink> children)
        : own_(std::move(own)), children_(std::move(children)) {}

    void record(std::string_view execution_arn, const history_event& event) override {
        history_sink* target = nullptr;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (parent_.empty()) parent_ = std::string(execution_arn);
            target = execution_arn == parent_ ? own_.get() : children_.get();
        }
        if (target) target->record(execution_arn, event);
    }

private:
    std::mutex mutex_;
    std::string parent_;
    std::shared_ptr<history_sink> own_;
    std::shared_ptr<history_sink> children_;
};

// A history file of `stepfn run`, replaced if it exists ("-": standard output).
inline result<std::shared_ptr<history_sink>> open_history_file(const std::string& path, bool with_arn, std::FILE* out) {
    jsonl_sink_options options;
    options.append = false;  // AWS-like: the file holds this run's history only
    options.with_execution_arn = with_arn;
    if (path == "-") return std::shared_ptr<history_sink>(std::make_shared<jsonl_sink>(out, options));
    auto sink = jsonl_sink::open(path, options);
    if (!sink) return tl::make_unexpected(std::move(sink.error()));
    return std::shared_ptr<history_sink>(std::move(*sink));
}

// What makes a run wait on the clock: a Wait state, or a Retry (its interval). Under a mock file
// nothing else does (mocks answer at once). Empty when nothing does.
inline std::string what_waits(const scope& states) {
    for (const auto& s : states.states) {
        if (std::holds_alternative<wait_state>(s.body)) return "the Wait state '" + s.name + "'";
        const recovery* r = nullptr;
        const scope* inner = nullptr;
        if (const auto* t = std::get_if<task_state>(&s.body)) r = &t->recover;
        if (const auto* p = std::get_if<parallel_state>(&s.body)) {
            r = &p->recover;
            for (const auto& branch : p->branches)
                if (auto found = what_waits(branch); !found.empty()) return found;
        }
        if (const auto* m = std::get_if<map_state>(&s.body)) {
            r = &m->recover;
            inner = m->processor.get();
        }
        if (r)
            for (const auto& retrier : r->retry)
                if (retrier.interval_seconds > 0 && retrier.max_attempts > 0) return "the Retry of '" + s.name + "'";
        if (inner)
            if (auto found = what_waits(*inner); !found.empty()) return found;
    }
    return {};
}

// The store of --store (created when missing), or an error said on `err`.
inline std::shared_ptr<execution_store> open_run_store(const std::optional<std::string>& path, std::string_view hint,
                                                       std::FILE* err, int& status);

template <class Clock>
int execute(const state_machine& machine, json input, std::string input_text, const run_settings& settings,
            const task_setup& tasks, std::shared_ptr<history_sink> history, std::FILE* out, std::FILE* err,
            std::shared_ptr<execution_store> store = nullptr) {
    manual_executor executor;
    Clock clock;
    engine_options options;
    options.store = std::move(store);
    basic_engine<manual_executor, Clock> engine(executor, clock, std::move(options));
    tasks.apply(engine.invokers());

    start_options start;
    start.name = settings.execution_name;
    start.history = std::move(history);
    start.type = settings.type;
    if (!input_text.empty()) start.input_text = std::move(input_text);  // the history shows it as written
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
    task_setup tasks;
    if (int status = load_task_setup(settings->invokers_path, settings->mock_path, settings->test_case,
                                     settings->machine_name, in, err, hint, tasks);
        status != exit_ok)
        return status;
    const std::optional<std::string>& machine_name = tasks.machine_name;

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
    std::string input_text;  // as written, for the history
    if (settings->input_text) {
        if (settings->input_text->size() > bounds.max_payload_bytes)
            return report({"--input is too large: the input may be at most " + std::to_string(bounds.max_payload_bytes) +
                               " bytes",
                           false},
                          hint, err);
        auto parsed = parse_data(*settings->input_text, "--input");
        if (!parsed) return report(parsed.error(), hint, err);
        input = std::move(*parsed);
        input_text = *settings->input_text;
    } else if (settings->input_path) {
        auto text = read_bounded(*settings->input_path, in, bounds.max_payload_bytes, "the input");
        if (!text) return report(text.error(), hint, err);
        auto parsed = parse_data(*text, "--input-file " + in_quotes(*settings->input_path));
        if (!parsed) return report(parsed.error(), hint, err);
        input = std::move(*parsed);
        input_text = std::move(*text);
    }

    // Each event as it happens ("-": on standard output, before the result line). The command's
    // execution's events go to --history; a distributed Map's children's to --child-history,
    // each line naming its execution (executionArn), or nowhere.
    std::shared_ptr<history_sink> history;
    if (settings->history_path || settings->child_history_path) {
        std::shared_ptr<history_sink> own, children;
        for (auto [path, sink, with_arn] : {std::make_tuple(&settings->history_path, &own, false),
                                            std::make_tuple(&settings->child_history_path, &children, true)}) {
            if (!*path) continue;
            auto opened = open_history_file(**path, with_arn, out);
            if (!opened) {
                const auto& problem = opened.error();
                return report({"cannot write the history: " + (problem.cause.empty() ? problem.name : problem.cause), false},
                              hint, err);
            }
            *sink = std::move(*opened);
        }
        history = std::make_shared<run_history_sink>(std::move(own), std::move(children));
    }
    // A mocked test that waits in real time is rarely what its author meant (Step Functions Local
    // waits too, so stepfn keeps real time unless asked): say so once, and how to avoid it.
    if (settings->mock_path && !settings->virtual_time) {
        if (auto waits = what_waits(loaded->machine->top()); !waits.empty())
            write_line(err, "stepfn: note: this run waits in real time (" + waits +
                                "); add --virtual-time to run its waits at once");
    }

    std::shared_ptr<execution_store> store;
    if (settings->store_path) {
        int status = exit_ok;
        store = open_run_store(settings->store_path, hint, err, status);
        if (!store) return status;
    }
    if (settings->virtual_time)
        return execute<virtual_clock>(*loaded->machine, std::move(input), std::move(input_text), *settings, tasks,
                                      std::move(history), out, err, std::move(store));
    return execute<system_clock>(*loaded->machine, std::move(input), std::move(input_text), *settings, tasks,
                                 std::move(history), out, err, std::move(store));
}

} // namespace stepfn::cli::detail

#endif
