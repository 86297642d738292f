#ifndef STEPFN_TOOLS_CLI_WORKER_COMMAND_HPP
#define STEPFN_TOOLS_CLI_WORKER_COMMAND_HPP

// The stepfn command: executions shared by processes through PostgreSQL (docs/store-postgres.md):
// `stepfn worker` claims and runs them until SIGTERM, `stepfn start` stores a new one for the
// workers and returns at once. Part of cli.hpp, which includes it after durable_commands.hpp.

#include <csignal>
#include <future>
#include <map>
#include <mutex>
#include <random>

#include <unistd.h>

namespace stepfn::cli::detail {

inline constexpr std::string_view worker_usage =
    R"(Usage: stepfn worker --store URL [OPTIONS]

Runs executions of the PostgreSQL store URL (a postgresql:// URL or libpq key=value string)
together with every other worker on it, until SIGTERM or SIGINT. Each execution is claimed
under a lease that this worker renews; one whose worker died is taken over by another once its
lease expires, from its last checkpoint; a worker that lost a lease (paused, cut off) can no
longer write that execution's checkpoints. SIGTERM hands every lease back at once.

Prints one line of JSON per execution it ends:
  {"name":"<name>","status":"SUCCEEDED","output":<output>}

Options:
  --store URL             The PostgreSQL store
  --concurrency N         At most N executions at once (default 64)
  --lease-seconds S       How long a lease lasts unless renewed (default 30; renewed every S/3)
  --park-after-ms MS      Hand back an execution whose every branch waits, for a task
                          token or for a timer due more than MS ms from now (default
                          1000): it is due again at its timer, or when a message (a token's
                          outcome, a stop) reaches it, and any worker then goes on with it
  --in-flight-tasks MODE  A task that was running when its worker died: fail (default,
                          Stepfn.TaskInterrupted) or redispatch (sent again: at least once)
  --mock-config FILE      Answer Task states from a mock configuration file
  --test-case NAME        Its test case (required with --mock-config)
  --state-machine NAME    The state machine to select in the mock file
  --invokers FILE         Answer Task resources with real services (see stepfn run --help)
  --name NAME             This worker's name (default: host:pid:random), unique per worker
  -h, --help              Show this help

Exit status: 0 stopped by a signal; 2 usage error or a store that cannot be opened.
)";

inline constexpr std::string_view start_usage =
    R"(Usage: stepfn start --store URL FILE [--name NAME] [--input JSON]

Stores a new execution of the definition FILE in the PostgreSQL store URL and returns as soon
as its start is durable, without running it: a `stepfn worker` on the store runs it. Prints
{"executionArn":"...","startDate":"..."} as AWS's StartExecution. Starting again with the same
name and input returns the same execution (as AWS); with another input it fails.

Options:
  --store URL             The PostgreSQL store
  --name NAME             The execution's name (default: a UUID)
  --input JSON            Its input (default {})
  --input-file FILE       Its input, from a file
  --state-machine NAME    The state machine's name (default: from FILE's name)
  -h, --help              Show this help

Exit status: 0 stored; 1 refused (ExecutionAlreadyExists, said on stderr); 2 usage error, an
invalid definition, or a store that cannot be opened.
)";

#if defined(STEPFN_WITH_POSTGRES)

inline volatile std::sig_atomic_t worker_stop_signal = 0;

struct worker_settings {
    std::string store;
    std::string name;
    std::size_t concurrency = 64;
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds park_after{1000};
    in_flight_tasks after_restart = in_flight_tasks::fail;
    task_setup tasks;
};

inline int run_worker(const worker_settings& settings, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn worker --help";
    // Signals only set a flag the loop reads (its waits are short): handled on this thread.
    worker_stop_signal = 0;
    std::signal(SIGTERM, [](int) { worker_stop_signal = 1; });
    std::signal(SIGINT, [](int) { worker_stop_signal = 1; });

    postgres_store_options store_options;
    store_options.worker = settings.name;
    store_options.lease_duration = settings.lease;
    auto opened = postgres_store::open(settings.store, store_options);
    if (!opened) return report({opened.error().cause, false}, hint, err);
    std::shared_ptr<postgres_store> store = *opened;

    thread_pool_executor pool;
    system_clock clock;
    engine_options options;
    options.store = store;
    options.after_restart = settings.after_restart;
    using pool_engine = basic_engine<thread_pool_executor, system_clock>;
    auto engine = std::make_unique<pool_engine>(pool, clock, std::move(options));
    settings.tasks.apply(engine->invokers());

    using loop_type = worker_loop<pool_engine>;
    typename loop_type::settings loop_settings;
    loop_settings.concurrency = settings.concurrency;
    loop_settings.lease = settings.lease;
    loop_settings.park_after = settings.park_after;
    loop_type loop(*store, *engine, loop_settings, out, err);
    write_line(err, "stepfn worker " + settings.name + ": on " + store->target() + "; SIGTERM or SIGINT stops");
    loop.run([] { return worker_stop_signal != 0; });
    write_line(err, "stepfn worker " + settings.name + ": stopping; handing " + std::to_string(loop.running()) +
                        " execution(s) back; " + std::to_string(store->stale_writes_refused()) + " stale write(s) refused, " +
                        std::to_string(loop.fenced_out()) + " execution(s) lost to other workers, " + std::to_string(loop.parked()) +
                        " parked");
    // The engine first (nothing more is written), then what it wrote, then the leases: another
    // worker goes on from the last checkpoints at once.
    engine.reset();
    loop.clear();
    if (auto flushed = store->flush(); !flushed) write_line(err, "stepfn worker: flushing: " + flushed.error().cause);
    if (auto handed = store->release_all(); !handed) write_line(err, "stepfn worker: handing leases back: " + handed.error().cause);
    return exit_ok;
}

#endif

inline int worker_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn worker --help";
    auto parsed = parse_arguments(args, {{"--store", true}, {"--concurrency", true}, {"--lease-seconds", true}, {"--in-flight-tasks", true},
                                         {"--mock-config", true}, {"--test-case", true}, {"--state-machine", true}, {"--invokers", true},
                                         {"--name", true}, {"--park-after-ms", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, worker_usage);
        return exit_ok;
    }
    const std::string* store = parsed->find("--store");
    if (store == nullptr || !is_postgres_store(*store)) return report({"worker needs --store with a postgresql:// URL", true}, hint, err);
    if (!parsed->positional.empty()) return report({"worker takes no arguments; unexpected " + in_quotes(parsed->positional[0]), true}, hint, err);
    const auto number = [&](std::string_view name, std::size_t fallback, std::size_t& value) {
        value = fallback;
        const std::string* n = parsed->find(name);
        if (!n) return true;
        bool ok = !n->empty() && n->size() <= 6;
        for (char c : *n) ok = ok && c >= '0' && c <= '9';
        if (ok) value = static_cast<std::size_t>(std::stoul(*n));
        return ok && value > 0;
    };
#if defined(STEPFN_WITH_POSTGRES)
    worker_settings settings;
    settings.store = *store;
    std::size_t lease_s = 30;
    if (!number("--concurrency", 64, settings.concurrency))
        return report({"--concurrency must be a whole number from 1 to 999999", true}, hint, err);
    if (!number("--lease-seconds", 30, lease_s)) return report({"--lease-seconds must be a whole number from 1 to 999999", true}, hint, err);
    settings.lease = std::chrono::milliseconds(lease_s * 1000);
    if (const std::string* mode = parsed->find("--in-flight-tasks")) {
        if (*mode == "fail") settings.after_restart = in_flight_tasks::fail;
        else if (*mode == "redispatch") settings.after_restart = in_flight_tasks::redispatch;
        else return report({"--in-flight-tasks must be fail or redispatch, not " + in_quotes(*mode), true}, hint, err);
    }
    if (const std::string* park = parsed->find("--park-after-ms")) {
        bool ok = !park->empty() && park->size() <= 9;
        for (char c : *park) ok = ok && c >= '0' && c <= '9';
        if (!ok) return report({"--park-after-ms must be a whole number from 0 to 999999999", true}, hint, err);
        settings.park_after = std::chrono::milliseconds(std::stoll(*park));
    }
    settings.name = parsed->find("--name") ? *parsed->find("--name") : default_worker_name();
    const auto optional_value = [&](std::string_view name) -> std::optional<std::string> {
        if (const auto* value = parsed->find(name)) return *value;
        return std::nullopt;
    };
    const auto mock = optional_value("--mock-config"), test_case = optional_value("--test-case");
    if (mock.has_value() != test_case.has_value()) return report({"--mock-config and --test-case go together", true}, hint, err);
    if (int status = load_task_setup(optional_value("--invokers"), mock, test_case, optional_value("--state-machine"), in, err, hint,
                                     settings.tasks);
        status != exit_ok)
        return status;
    return run_worker(settings, out, err);
#else
    (void)in;
    (void)number;
    return report({"this stepfn was built without PostgreSQL (stepfn::postgres, libpq)", false}, hint, err);
#endif
}

inline int start_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn start --help";
    auto parsed = parse_arguments(args, {{"--store", true}, {"--name", true}, {"--input", true}, {"--input-file", true}, {"--state-machine", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, start_usage);
        return exit_ok;
    }
    const std::string* store_url = parsed->find("--store");
    if (store_url == nullptr || !is_postgres_store(*store_url)) return report({"start needs --store with a postgresql:// URL", true}, hint, err);
    const auto file = parsed->single_file("start");
    if (!file) return report(file.error(), hint, err);
    if (parsed->find("--input") && parsed->find("--input-file")) return report({"give --input or --input-file, not both", true}, hint, err);
#if defined(STEPFN_WITH_POSTGRES)
    const limits bounds;
    load_options load;
    load.bounds = bounds;
    load.name = parsed->find("--state-machine") ? *parsed->find("--state-machine") : machine_name_from_path(*file);
    auto loaded = load_definition(*file, in, load);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        write_line(err, "stepfn: the definition is not valid:");
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_usage;
    }
    json input = json::object();
    if (const std::string* text = parsed->find("--input")) {
        auto value = parse_data(*text, "--input");
        if (!value) return report(value.error(), hint, err);
        input = std::move(*value);
    } else if (const std::string* path = parsed->find("--input-file")) {
        auto content = read_bounded(*path, in, bounds.max_payload_bytes, "the input");
        if (!content) return report(content.error(), hint, err);
        auto value = parse_data(*content, "--input-file " + in_quotes(*path));
        if (!value) return report(value.error(), hint, err);
        input = std::move(*value);
    }
    auto opened = postgres_store::open(*store_url);
    if (!opened) return report({opened.error().cause, false}, hint, err);
    manual_executor executor;  // never run: nothing of the execution runs here
    system_clock clock;
    engine_options options;
    options.store = *opened;
    basic_engine<manual_executor, system_clock> engine(executor, clock, std::move(options));
    start_options start;
    start.name = parsed->find("--name") ? *parsed->find("--name") : std::string();
    start.deferred = true;
    const std::string arn = "arn:aws:states:" + engine.options().region + ":" + engine.options().account + ":execution:" +
                            loaded->machine->name() + ":" + start.name;
    const json given = input;
    auto started = engine.start(*loaded->machine, std::move(input), std::move(start));
    if (!started) {
        // Started before (perhaps running on a worker now): the same input is the same execution.
        if (started.error().name == "ExecutionAlreadyExists" && parsed->find("--name")) {
            auto row = (*opened)->find_execution(arn);
            if (row && row->has_value() && json::parse((*row)->input, nullptr, false) == given) {
                json line = json::object();
                line["executionArn"] = arn;
                line["startDate"] = stepfn::detail::format_iso8601((*row)->start_date);
                write_line(out, dump(line));
                return exit_ok;
            }
        }
        write_line(err, "stepfn: " + started.error().name + ": " + started.error().cause);
        return exit_failed;
    }
    std::promise<result<void>> stored;
    auto answered = stored.get_future();
    started->on_stored([&stored](result<void> r) { stored.set_value(std::move(r)); });
    auto r = answered.get();
    if (!r) {
        write_line(err, "stepfn: " + r.error().name + ": " + r.error().cause);
        return exit_failed;
    }
    json line = json::object();
    line["executionArn"] = started->arn();
    auto row = (*opened)->find_execution(started->arn());
    if (row && row->has_value()) line["startDate"] = stepfn::detail::format_iso8601((*row)->start_date);
    write_line(out, dump(line));
    return exit_ok;
#else
    (void)in;
    (void)out;
    return report({"this stepfn was built without PostgreSQL (stepfn::postgres, libpq)", false}, hint, err);
#endif
}

} // namespace stepfn::cli::detail

#endif
