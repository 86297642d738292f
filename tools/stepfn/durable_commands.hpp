#ifndef STEPFN_TOOLS_CLI_DURABLE_COMMANDS_HPP
#define STEPFN_TOOLS_CLI_DURABLE_COMMANDS_HPP

// The stepfn command: durable executions on an SQLite store: `run --store` (open_run_store),
// `resume` (every unfinished execution to its end) and `redrive` (RedriveExecution).
// Part of cli.hpp, which includes it after store_commands.hpp.

namespace stepfn::cli::detail {

inline constexpr std::string_view resume_usage =
    R"(Usage: stepfn resume --store DB [OPTIONS]

Continues every execution the store DB holds as RUNNING (a `stepfn run --store DB` that was
killed or crashed) from its last checkpoint, runs them to their ends, and prints one line of
JSON per execution, in the order they were started:
  {"name":"<name>","status":"SUCCEEDED","output":<output>}
  {"name":"<name>","status":"FAILED","error":"<name>","cause":"<text>"}

Timers resume from their deadlines (one that passed while nothing ran fires at once). A task
that was running when the process stopped is failed with Stepfn.TaskInterrupted, which Retry
and Catch see (at most once, as AWS); --in-flight-tasks redispatch sends it again with the
same idempotency key instead (at least once).

Options:
  --store DB              The execution store (SQLite)
  --in-flight-tasks MODE  fail (default) or redispatch
  --virtual-time          Use a virtual clock (Waits and back-off pass instantly)
  --mock-config FILE      Answer Task states from a mock configuration file
  --test-case NAME        Its test case (required with --mock-config)
  --state-machine NAME    The state machine to select in the mock file
  --invokers FILE         Answer Task resources with real services (see stepfn run --help)
  -h, --help              Show this help

Exit status: 0 when every execution SUCCEEDED (or none was left); 1 when one did not, or
could not be resumed (said on stderr); 2 usage error or a store that cannot be opened.
)";

inline constexpr std::string_view redrive_usage =
    R"(Usage: stepfn redrive --store DB NAME_OR_ARN [OPTIONS]

Redrives a FAILED, ABORTED or TIMED_OUT execution of the store DB, as AWS's RedriveExecution:
it runs again from the state that did not succeed, with the input that state had; in a Parallel
or Map only the branches and iterations that did not succeed run again. Prints one line as
`stepfn run` does. The history gets ExecutionRedriven and the execution's redriveCount grows.

Options:
  --store DB              The execution store: an SQLite file, or a postgresql:// URL (then
                          the workers on it run the redrive; this waits for its end)
  --virtual-time          Use a virtual clock
  --mock-config FILE      Answer Task states from a mock configuration file
  --test-case NAME        Its test case (required with --mock-config)
  --state-machine NAME    The state machine to select in the mock file
  --invokers FILE         Answer Task resources with real services (see stepfn run --help)
  -h, --help              Show this help

Exit status: 0 when the redriven execution SUCCEEDED; 1 when it did not, when the store holds
no such execution, or when it cannot be redriven (ExecutionNotRedrivable, said on stderr); 2
usage error or a store that cannot be opened.
)";

#if defined(STEPFN_WITH_SQLITE)
inline std::shared_ptr<execution_store> open_run_store(const std::optional<std::string>& path, std::string_view hint,
                                                       std::FILE* err, int& status) {
    auto store = sqlite_store::open(*path);
    if (!store) {
        status = report({store.error().cause, false}, hint, err);
        return nullptr;
    }
    return std::move(*store);
}
#else
inline std::shared_ptr<execution_store> open_run_store(const std::optional<std::string>& path, std::string_view hint,
                                                       std::FILE* err, int& status) {
    status = report({"this stepfn was built without SQLite (stepfn::sqlite), so it cannot keep executions in " +
                         in_quotes(path.value_or("")),
                     false},
                    hint, err);
    return nullptr;
}
#endif

// What resume and redrive share: their options, the store, the invokers.
struct durable_settings {
    std::string store_path;
    std::optional<std::string> execution;  // redrive: NAME_OR_ARN
    bool virtual_time = false;
    in_flight_tasks after_restart = in_flight_tasks::fail;
    task_setup tasks;
};

inline int parse_durable_arguments(std::string_view command, const std::vector<std::string>& args, std::FILE* in,
                                   std::FILE* out, std::FILE* err, durable_settings& settings, bool& done) {
    const std::string hint = "stepfn " + std::string(command) + " --help";
    std::vector<option_spec> specs = {{"--store", true},        {"--virtual-time", false}, {"--mock-config", true},
                                      {"--test-case", true},    {"--state-machine", true}, {"--invokers", true}};
    if (command == "resume") specs.push_back({"--in-flight-tasks", true});
    auto parsed = parse_arguments(args, specs);
    if (!parsed) return report(parsed.error(), hint, err);
    done = parsed->help;
    if (parsed->help) {
        write(out, command == "resume" ? resume_usage : redrive_usage);
        return exit_ok;
    }
    const std::string* store = parsed->find("--store");
    if (store == nullptr || store->empty()) return report({std::string(command) + " needs --store DB", true}, hint, err);
    settings.store_path = *store;
    if (command == "redrive") {
        if (parsed->positional.size() != 1)
            return report({"redrive takes one execution NAME or ARN", true}, hint, err);
        settings.execution = parsed->positional[0];
    } else if (!parsed->positional.empty()) {
        return report({"resume takes no arguments; unexpected " + in_quotes(parsed->positional[0]), true}, hint, err);
    }
    if (const std::string* mode = parsed->find("--in-flight-tasks")) {
        if (*mode == "fail") settings.after_restart = in_flight_tasks::fail;
        else if (*mode == "redispatch") settings.after_restart = in_flight_tasks::redispatch;
        else return report({"--in-flight-tasks must be fail or redispatch, not " + in_quotes(*mode), true}, hint, err);
    }
    settings.virtual_time = parsed->has("--virtual-time");
    const auto optional_value = [&](std::string_view name) -> std::optional<std::string> {
        if (const auto* value = parsed->find(name)) return *value;
        return std::nullopt;
    };
    const auto mock = optional_value("--mock-config"), test_case = optional_value("--test-case");
    if (mock.has_value() != test_case.has_value())
        return report({"--mock-config and --test-case go together", true}, hint, err);
    return load_task_setup(optional_value("--invokers"), mock, test_case, optional_value("--state-machine"), in, err, hint,
                           settings.tasks);
}

#if defined(STEPFN_WITH_POSTGRES)
// On a PostgreSQL store the workers run the executions: a redrive is sent to them (whichever
// claims it runs it), and this waits for the execution to end again.
inline int shared_durable(std::string_view command, const durable_settings& settings, postgres_store& store, std::FILE* out,
                          std::FILE* err) {
    const std::string hint = "stepfn " + std::string(command) + " --help";
    if (command != "redrive")
        return report({"resume is for an SQLite store: on PostgreSQL the workers (stepfn worker) resume executions", false}, hint, err);
    std::string arn;
    if (const int found = resolve_execution(store, *settings.execution, arn, err); found != exit_ok) return found;
    auto row = store.find_execution(arn);
    if (!row || !row->has_value()) return report({row ? "the execution went away" : row.error().cause, false}, hint, err);
    const execution_status before = (*row)->status;
    if (before != execution_status::failed && before != execution_status::aborted && before != execution_status::timed_out) {
        write_line(err, std::string("stepfn: ExecutionNotRedrivable: the execution is ") + to_string(before) + " and cannot be redriven");
        return exit_failed;
    }
    const std::int64_t count = (*row)->redrive_count;
    if (auto sent = store.send(arn, "redrive", "{}"); !sent) return report({sent.error().cause, false}, hint, err);
    // Until a worker has redriven it (its count grows) and it has ended again.
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        row = store.find_execution(arn);
        if (!row) return report({row.error().cause, false}, hint, err);
        if (!row->has_value()) return report({"the execution went away", false}, hint, err);
        const stored_execution& now = **row;
        if (now.redrive_count <= count || now.status == execution_status::running) continue;
        result<json> outcome = json();
        if (now.status == execution_status::succeeded) outcome = json::parse(now.output, nullptr, false);
        else outcome = tl::make_unexpected(error{now.error, now.cause});
        write_line(out, dump(result_line(now.status, std::move(outcome))));
        return now.status == execution_status::succeeded ? exit_ok : exit_failed;
    }
}
#endif

#if defined(STEPFN_WITH_SQLITE)
template <class Clock>
int run_durable(std::string_view command, const durable_settings& settings, std::FILE* out, std::FILE* err) {
    const std::string hint = "stepfn " + std::string(command) + " --help";
    auto store = open_store_for_reading(settings.store_path);
    if (!store) return report(store.error(), hint, err);
#if defined(STEPFN_WITH_POSTGRES)
    if (auto* shared = dynamic_cast<postgres_store*>(store->get())) return shared_durable(command, settings, *shared, out, err);
#endif
    manual_executor executor;
    Clock clock;
    engine_options options;
    options.store = *store;
    options.after_restart = settings.after_restart;
    basic_engine<manual_executor, Clock> engine(executor, clock, std::move(options));
    settings.tasks.apply(engine.invokers());

    if (command == "redrive") {
        std::string arn;
        if (const int found = resolve_execution(**store, *settings.execution, arn, err); found != exit_ok) return found;
        auto redriven = engine.redrive(arn);
        if (!redriven) {
            write_line(err, "stepfn: " + redriven.error().name + ": " + redriven.error().cause);
            return exit_failed;
        }
        auto outcome = redriven->wait();
        const execution_status status = redriven->status();
        write_line(out, dump(result_line(status, std::move(outcome))));
        return status == execution_status::succeeded ? exit_ok : exit_failed;
    }
    auto recovered = engine.recover();
    if (!recovered) return report({recovered.error().cause, false}, hint, err);
    int code = exit_ok;
    for (const auto& problem : recovered->unrecoverable) {
        write_line(err, "stepfn: cannot resume: " + problem.cause);
        code = exit_failed;
    }
    for (auto& e : recovered->resumed) {
        const execution_status status = e.join();
        json line = json::object();
        line["name"] = e.name();
        json result = result_line(status, e.outcome());
        for (auto& item : result.items()) line[item.key()] = std::move(item.value());
        write_line(out, dump(line));
        std::fflush(out);
        if (status != execution_status::succeeded) code = exit_failed;
    }
    return code;
}
#endif

// `stepfn resume` and `stepfn redrive`.
inline int durable_command(std::string_view command, const std::vector<std::string>& args, std::FILE* in, std::FILE* out,
                           std::FILE* err) {
    durable_settings settings;
    bool done = false;
    if (const int status = parse_durable_arguments(command, args, in, out, err, settings, done); status != exit_ok || done)
        return status;
#if defined(STEPFN_WITH_SQLITE)
    if (settings.virtual_time) return run_durable<virtual_clock>(command, settings, out, err);
    return run_durable<system_clock>(command, settings, out, err);
#else
    return report({"this stepfn was built without SQLite (stepfn::sqlite), so it cannot open the store " +
                       in_quotes(settings.store_path),
                   false},
                  "stepfn " + std::string(command) + " --help", err);
#endif
}

} // namespace stepfn::cli::detail

#endif
