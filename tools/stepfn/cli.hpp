#ifndef STEPFN_TOOLS_STEPFN_CLI_HPP
#define STEPFN_TOOLS_STEPFN_CLI_HPP

// The `stepfn` command: validate and run ASL definitions from the shell. All the logic lives
// here and in the files included below (help texts, arguments, inputs, one file per command),
// so tests call stepfn::cli::stepfn_cli in-process; main.cpp only forwards argv.
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
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include <stepfn/load/loader.hpp>
#include <stepfn/load/detail/text_checks.hpp>  // too_deep_message, in both build modes
#include <stepfn/error.hpp>
#include <stepfn/detail/hex.hpp>
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

// YAML definitions when the build has yaml-cpp (CMake: STEPFN_WITH_YAML=ON).
#if defined(STEPFN_WITH_YAML) && __has_include(<yaml-cpp/yaml.h>)
#include <stepfn/load/yaml.hpp>
#endif

// The store-reading commands (list, describe, history) when the build has SQLite.
#if defined(STEPFN_WITH_SQLITE)
#include <stepfn/integrations/sqlite_store.hpp>
#endif
// A postgresql:// --store, and the worker, start and stop commands, when the build has libpq.
#if defined(STEPFN_WITH_POSTGRES)
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/integrations/postgres_store.hpp>
#endif
#include <stepfn/store/stored_execution.hpp>

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

} // namespace stepfn::cli

#include "usage.hpp"
#include "arguments.hpp"
#include "inputs.hpp"
#include "validate_command.hpp"
#include "graph_command.hpp"
#include "invokers_file.hpp"
#include "run_command.hpp"
#include "store_commands.hpp"
#include "verify_command.hpp"
#include "durable_commands.hpp"
#include "worker_loop.hpp"
#include "serve_shared.hpp"
#include "serve_command.hpp"
#include "worker_command.hpp"
#include "task_commands.hpp"

namespace stepfn::cli {

namespace detail {

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
    if (command == "history" && !rest.empty() && rest[0] == "verify")
        return history_verify_command(std::vector<std::string>(rest.begin() + 1, rest.end()), in, out, err);
    if (command == "list" || command == "describe" || command == "history") return store_command(command, rest, out, err);
    if (command == "resume" || command == "redrive") return durable_command(command, rest, in, out, err);
    if (command == "serve") return serve_command(rest, in, out, err);
    if (command == "worker") return worker_command(rest, in, out, err);
    if (command == "start") return start_command(rest, in, out, err);
    if (command == "send-task-success" || command == "send-task-failure" || command == "send-task-heartbeat")
        return send_task_command(command, rest, out, err);
    if (command == "-h" || command == "--help" || command == "help") {
        if (command != "help" || rest.empty() || rest[0] == "-h" || rest[0] == "--help") {
            write(out, main_usage);
            return exit_ok;
        }
        if (rest.size() > 1) return report({"help takes at most one COMMAND", true}, hint, err);
        const std::string_view* usage = rest[0] == "validate" ? &validate_usage
                                        : rest[0] == "run"    ? &run_usage
                                        : rest[0] == "graph"  ? &graph_usage
                                        : rest[0] == "list"   ? &list_usage
                                        : rest[0] == "describe" ? &describe_usage
                                        : rest[0] == "history"  ? &history_usage
                                        : rest[0] == "resume"   ? &resume_usage
                                        : rest[0] == "redrive"  ? &redrive_usage
                                        : rest[0] == "serve"    ? &serve_usage
                                        : rest[0] == "worker"   ? &worker_usage
                                        : rest[0] == "start"    ? &start_usage
                                        : rest[0] == "send-task-success" || rest[0] == "send-task-failure" ||
                                                  rest[0] == "send-task-heartbeat"
                                              ? &send_task_usage
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
