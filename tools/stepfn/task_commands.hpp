#ifndef STEPFN_TOOLS_CLI_TASK_COMMANDS_HPP
#define STEPFN_TOOLS_CLI_TASK_COMMANDS_HPP

// The stepfn command: a `.waitForTaskToken` task's outcome from the shell, as AWS CLI's
// `aws stepfunctions send-task-success|send-task-failure|send-task-heartbeat` sends it
// (docs/cli.md): on a PostgreSQL store, a message to the execution waiting for the token,
// which reaches it wherever it runs (postgres_store::send). Part of cli.hpp, which includes it
// after store_commands.hpp.

namespace stepfn::cli::detail {

inline constexpr std::string_view send_task_usage =
    R"(Usage: stepfn send-task-success --store URL --task-token TOKEN --task-output JSON
       stepfn send-task-failure --store URL --task-token TOKEN [--error NAME] [--cause TEXT]
       stepfn send-task-heartbeat --store URL --task-token TOKEN

Sends the outcome of a `.waitForTaskToken` task (its `$$.Task.Token`) to the execution of the
PostgreSQL store URL that waits for it, as AWS's SendTaskSuccess, SendTaskFailure and
SendTaskHeartbeat: the message is durable when this returns, and whichever worker runs the
execution (or claims it next, when it was handed back while it waited) applies it. Prints
nothing, as the AWS CLI.

Options:
  --store URL             The PostgreSQL store (a postgresql:// URL or libpq key=value string)
  --task-token TOKEN      The task token
  --task-output JSON      send-task-success: the task's output (at most 256 KiB)
  --error NAME            send-task-failure: the error name (at most 256 characters)
  --cause TEXT            send-task-failure: the cause (at most 32768 characters)
  -h, --help              Show this help

Exit status: 0 sent; 1 refused (TaskDoesNotExist: no task waits for the token; TaskTimedOut: its
execution is no longer running; said on stderr); 2 usage error, an output that is not JSON, an
SQLite store, or a store that cannot be opened.
)";

inline int send_task_command(const std::string& command, const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    const std::string hint = "stepfn " + command + " --help";
    std::vector<option_spec> specs = {{"--store", true}, {"--task-token", true}};
    if (command == "send-task-success") specs.push_back({"--task-output", true});
    if (command == "send-task-failure") {
        specs.push_back({"--error", true});
        specs.push_back({"--cause", true});
    }
    auto parsed = parse_arguments(args, specs);
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, send_task_usage);
        return exit_ok;
    }
    if (!parsed->positional.empty())
        return report({command + " takes no arguments; unexpected " + in_quotes(parsed->positional[0]), true}, hint, err);
    const std::string* store_url = parsed->find("--store");
    if (store_url == nullptr || store_url->empty()) return report({command + " needs --store URL", true}, hint, err);
    if (!is_postgres_store(*store_url))
        return report({command + " sends to a PostgreSQL store (--store postgresql://...); an SQLite store's executions take "
                                 "task outcomes from the process running them (stepfn serve: SendTaskSuccess on its API)",
                       false},
                      hint, err);
    const std::string* token = parsed->find("--task-token");
    // The token is a credential: no message repeats it.
    if (token == nullptr || token->empty() || token->size() > 1024)
        return report({command + " needs --task-token TOKEN (1 to 1024 characters)", true}, hint, err);
    json body = json::object();
    body["token"] = *token;
    std::string kind = "task_heartbeat";
    const limits bounds;
    if (command == "send-task-success") {
        kind = "task_success";
        const std::string* output = parsed->find("--task-output");
        if (output == nullptr) return report({"send-task-success needs --task-output JSON", true}, hint, err);
        if (output->size() > bounds.max_payload_bytes)
            return report({"--task-output is larger than " + std::to_string(bounds.max_payload_bytes) + " bytes", false}, hint, err);
        auto value = parse_data(*output, "--task-output");
        if (!value) return report(value.error(), hint, err);
        body["output"] = std::move(*value);
    } else if (command == "send-task-failure") {
        kind = "task_failure";
        const std::string* name = parsed->find("--error");
        const std::string* cause = parsed->find("--cause");
        if (name && name->size() > 256) return report({"--error is longer than 256 characters", false}, hint, err);
        if (cause && cause->size() > 32768) return report({"--cause is longer than 32768 characters", false}, hint, err);
        body["error"] = name ? *name : std::string();
        body["cause"] = cause ? *cause : std::string();
    }
#if defined(STEPFN_WITH_POSTGRES)
    auto opened = postgres_store::open(*store_url);
    if (!opened) return report({opened.error().cause, false}, hint, err);
    auto arn = (*opened)->find_token(*token);
    if (!arn) return report({arn.error().cause, false}, hint, err);
    if (!arn->has_value()) {
        write_line(err, "stepfn: TaskDoesNotExist: no task waits for the given token");
        return exit_failed;
    }
    auto sent = (*opened)->send(**arn, kind, dump(body));
    if (!sent) {
        if (sent.error().name == "ExecutionDoesNotExist") {
            write_line(err, "stepfn: TaskTimedOut: the execution that waited for the given token is no longer running");
            return exit_failed;
        }
        return report({sent.error().cause, false}, hint, err);
    }
    return exit_ok;
#else
    (void)body;
    return report({"this stepfn was built without PostgreSQL (stepfn::postgres, libpq)", false}, hint, err);
#endif
}

} // namespace stepfn::cli::detail

#endif
