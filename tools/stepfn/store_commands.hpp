#ifndef STEPFN_TOOLS_CLI_STORE_COMMANDS_HPP
#define STEPFN_TOOLS_CLI_STORE_COMMANDS_HPP

// The stepfn command: `stepfn list`, `stepfn describe` and `stepfn history`, which read an
// execution store (a SQLite file, docs/store-sqlite.md) and print what AWS's ListExecutions,
// DescribeExecution and GetExecutionHistory would: JSON in AWS's shapes and key order.
// Part of cli.hpp, which includes it after the headers and constants every part uses.
//
// Exit status: 0 printed; 1 the store holds no such execution (or the name is ambiguous);
// 2 usage errors and a store that cannot be read (missing, in use, not a store, corrupted).

namespace stepfn::cli::detail {

inline constexpr std::string_view list_usage =
    R"(Usage: stepfn list --store DB [--machine ARN] [--status STATUS] [--max-results N]

Prints the executions of the store DB, newest first, one JSON object per line in the shape of
an item of AWS's ListExecutions: executionArn, stateMachineArn, name, status, startDate,
stopDate (once ended), redriveCount, redriveDate (once redriven).

Options:
  --store DB          The store to read: an SQLite file (stepfn::sqlite_store), or a
                      PostgreSQL database as a postgresql:// URL (stepfn::postgres_store)
  --machine ARN       Only the executions of this state machine
  --status STATUS     Only executions with this status: RUNNING, SUCCEEDED, FAILED,
                      TIMED_OUT or ABORTED
  --max-results N     At most N executions (default: all)
  -h, --help          Show this help

The store is opened as its only user: while a process runs executions on it, it is in use.
Exit status: 0 listed (perhaps nothing); 2 usage errors, or a store that cannot be read.
)";

inline constexpr std::string_view describe_usage =
    R"(Usage: stepfn describe --store DB NAME_OR_ARN [--with-callers]

Prints one execution of the store DB as one JSON object in the shape of AWS's
DescribeExecution: executionArn, stateMachineArn, name, status, startDate, stopDate, input,
inputDetails, output, outputDetails, error, cause, redriveCount, redriveDate, redriveStatus,
redriveStatusReason. A NAME names the one stored execution with that name.

Options:
  --store DB          The store to read: an SQLite file (stepfn::sqlite_store), or a
                      PostgreSQL database as a postgresql:// URL (stepfn::postgres_store)
  --with-callers      Add "callers": who started, stopped or redrove the execution or sent
                      its task results through `stepfn serve --auth` (action, principal,
                      authenticatedBy, groups, sourceAddress, eventTime), oldest first.
                      Not an AWS member: AWS keeps callers in CloudTrail (docs/security.md)
  -h, --help          Show this help

Exit status: 0 printed; 1 no stored execution has that ARN or name, or several have that
name (their ARNs are listed on stderr); 2 usage errors, or a store that cannot be read.
)";

inline constexpr std::string_view history_usage =
    R"(Usage: stepfn history --store DB NAME_OR_ARN [--reverse]
       stepfn history verify --store DB NAME_OR_ARN [--public-key FILE]

Prints the history of one execution of the store DB as JSON Lines, one event per line in the
shape of AWS's GetExecutionHistory: timestamp, type, id, previousEventId and the event's
details (the same lines as `stepfn run --history`).

Options:
  --store DB          The store to read: an SQLite file (stepfn::sqlite_store), or a
                      PostgreSQL database as a postgresql:// URL (stepfn::postgres_store)
  --reverse           Newest event first
  -h, --help          Show this help

Exit status: as `stepfn describe`.
)";

inline bool parse_status(std::string_view text, execution_status& out) {
    for (auto s : {execution_status::running, execution_status::succeeded, execution_status::failed, execution_status::timed_out,
                   execution_status::aborted}) {
        if (text == to_string(s)) {
            out = s;
            return true;
        }
    }
    return false;
}

// An execution as an item of ListExecutions.
inline json list_item_json(const stored_execution& e) {
    json item = json::object();
    item["executionArn"] = e.arn;
    item["stateMachineArn"] = e.machine_arn;
    item["name"] = e.name;
    item["status"] = to_string(e.status);
    item["startDate"] = stepfn::detail::format_iso8601(e.start_date);
    if (e.stop_date) item["stopDate"] = stepfn::detail::format_iso8601(*e.stop_date);
    item["redriveCount"] = e.redrive_count;
    if (e.redrive_date) item["redriveDate"] = stepfn::detail::format_iso8601(*e.redrive_date);
    return item;
}

// An execution as DescribeExecution answers. Payloads are JSON text, as AWS returns them.
inline json describe_json(const stored_execution& e) {
    json out = json::object();
    out["executionArn"] = e.arn;
    out["stateMachineArn"] = e.machine_arn;
    out["name"] = e.name;
    out["status"] = to_string(e.status);
    out["startDate"] = stepfn::detail::format_iso8601(e.start_date);
    if (e.stop_date) out["stopDate"] = stepfn::detail::format_iso8601(*e.stop_date);
    out["input"] = e.input;
    out["inputDetails"] = json{{"included", true}};
    if (e.status == execution_status::succeeded) {
        out["output"] = e.output;
        out["outputDetails"] = json{{"included", true}};
    }
    if (!e.error.empty()) out["error"] = e.error;
    if (!e.cause.empty()) out["cause"] = e.cause;
    out["redriveCount"] = e.redrive_count;
    if (e.redrive_date) out["redriveDate"] = stepfn::detail::format_iso8601(*e.redrive_date);
    // As AWS words it: FAILED, TIMED_OUT and ABORTED executions can be redriven.
    const bool redrivable = e.status == execution_status::failed || e.status == execution_status::timed_out ||
                            e.status == execution_status::aborted;
    out["redriveStatus"] = redrivable ? "REDRIVABLE" : "NOT_REDRIVABLE";
    if (!redrivable) out["redriveStatusReason"] = std::string("Execution is ") + to_string(e.status) + " and cannot be redriven";
    return out;
}

// Whether --store names a PostgreSQL database (a libpq connection string) rather than a file:
// a postgresql:// or postgres:// URL, or key=value settings starting with a libpq key.
inline bool is_postgres_store(std::string_view path) {
    if (path.rfind("postgresql://", 0) == 0 || path.rfind("postgres://", 0) == 0) return true;
    for (std::string_view key : {"host=", "hostaddr=", "dbname=", "user=", "port=", "service="})
        if (path.rfind(key, 0) == 0) return true;
    return false;
}

#if defined(STEPFN_WITH_SQLITE)

// The store --store names: a PostgreSQL database (stepfn::postgres), or an SQLite file, which
// must exist (opening would otherwise create an empty one).
inline outcome<std::shared_ptr<execution_store>> open_store_for_reading(const std::string& path) {
    std::error_code ec;
    if (path.empty()) return fail_usage("--store needs a file name, not an empty string");
    if (is_postgres_store(path)) {
#if defined(STEPFN_WITH_POSTGRES)
        auto store = postgres_store::open(path);
        if (!store) return fail_input(store.error().cause);
        return std::shared_ptr<execution_store>(std::move(*store));
#else
        return fail_input("this stepfn was built without PostgreSQL (stepfn::postgres, libpq), so it cannot open a postgresql:// store");
#endif
    }
    if (!std::filesystem::exists(path, ec)) return fail_input("cannot open the store " + in_quotes(path) + ": no such file");
    auto store = sqlite_store::open(path);
    if (!store) return fail_input(store.error().cause);
    return std::shared_ptr<execution_store>(std::move(*store));
}

// The ARN of the execution NAME_OR_ARN names: 0 found, 1 none or ambiguous (said on `err`),
// 2 the store could not be read.
inline int resolve_execution(execution_store& store, const std::string& name_or_arn, std::string& arn, std::FILE* err) {
    if (name_or_arn.rfind("arn:", 0) == 0) {
        auto found = store.find_execution(name_or_arn);
        if (!found) return report({found.error().cause, false}, "", err);
        if (!found->has_value()) {
            write_line(err, "stepfn: the store holds no execution with the ARN " + in_quotes(name_or_arn));
            return exit_failed;
        }
        arn = name_or_arn;
        return exit_ok;
    }
    std::vector<std::string> matches;
    execution_filter filter;
    filter.max_results = 1000;
    for (;;) {
        auto page = store.list_executions(filter);
        if (!page) return report({page.error().cause, false}, "", err);
        for (const auto& e : page->executions)
            if (e.name == name_or_arn) matches.push_back(e.arn);
        if (page->next_token.empty()) break;
        filter.next_token = page->next_token;
    }
    if (matches.empty()) {
        write_line(err, "stepfn: the store holds no execution named " + in_quotes(name_or_arn));
        return exit_failed;
    }
    if (matches.size() > 1) {
        write_line(err, "stepfn: " + std::to_string(matches.size()) + " stored executions are named " + in_quotes(name_or_arn) +
                            "; give one of their ARNs:");
        for (const auto& m : matches) write_line(err, "  " + one_line(m));
        return exit_failed;
    }
    arn = matches.front();
    return exit_ok;
}

#endif

// `stepfn list|describe|history`: the shared start (arguments, help, the store).
inline int store_command(std::string_view command, const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    const std::string hint = "stepfn " + std::string(command) + " --help";
    const std::string_view usage = command == "list" ? list_usage : command == "describe" ? describe_usage : history_usage;
    std::vector<option_spec> specs = {{"--store", true}};
    if (command == "list") specs.insert(specs.end(), {{"--machine", true}, {"--status", true}, {"--max-results", true}});
    if (command == "history") specs.push_back({"--reverse", false});
    if (command == "describe") specs.push_back({"--with-callers", false});
    auto parsed = parse_arguments(args, specs);
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, usage);
        return exit_ok;
    }
    const std::string* store_path = parsed->find("--store");
    if (store_path == nullptr) return report({std::string(command) + " needs --store DB", true}, hint, err);
    if (command == "list" && !parsed->positional.empty())
        return report({"list takes no arguments; unexpected " + in_quotes(parsed->positional[0]), true}, hint, err);
    if (command != "list") {
        if (parsed->positional.empty()) return report({std::string(command) + " needs an execution NAME or ARN", true}, hint, err);
        if (parsed->positional.size() > 1)
            return report({std::string(command) + " takes one execution; unexpected " + in_quotes(parsed->positional[1]), true}, hint, err);
    }
    execution_filter filter;
    std::size_t max_results = 0;  // 0: all
    if (command == "list") {
        if (const std::string* status = parsed->find("--status")) {
            execution_status s{};
            if (!parse_status(*status, s))
                return report({"--status must be RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED, not " + in_quotes(*status), true}, hint, err);
            filter.status = s;
        }
        if (const std::string* machine = parsed->find("--machine")) filter.machine_arn = *machine;
        if (const std::string* n = parsed->find("--max-results")) {
            std::size_t value = 0;
            bool ok = !n->empty() && n->size() <= 9;
            for (char c : *n) ok = ok && c >= '0' && c <= '9';
            if (ok) value = static_cast<std::size_t>(std::stoul(*n));
            if (!ok || value == 0) return report({"--max-results must be a whole number from 1 to 999999999, not " + in_quotes(*n), true}, hint, err);
            max_results = value;
        }
    }
#if defined(STEPFN_WITH_SQLITE)
    auto store = open_store_for_reading(*store_path);
    if (!store) return report(store.error(), hint, err);

    if (command == "list") {
        std::size_t printed = 0;
        filter.max_results = 1000;
        for (;;) {
            auto page = (*store)->list_executions(filter);
            if (!page) return report({page.error().cause, false}, hint, err);
            for (const auto& e : page->executions) {
                if (max_results != 0 && printed == max_results) return exit_ok;
                write_line(out, dump(list_item_json(e)));
                ++printed;
            }
            if (page->next_token.empty()) return exit_ok;
            filter.next_token = page->next_token;
        }
    }
    std::string arn;
    if (const int found = resolve_execution(**store, parsed->positional[0], arn, err); found != exit_ok) return found;
    if (command == "describe") {
        auto row = (*store)->find_execution(arn);
        if (!row || !row->has_value()) return report({row ? "the execution went away" : row.error().cause, false}, hint, err);
        json described = describe_json(**row);
        if (parsed->has("--with-callers")) {
            json callers = json::array();
            if (auto* records = dynamic_cast<resource_store*>(store->get())) {
                std::string token;
                for (int guard = 0; guard < 100000; ++guard) {
                    auto page = records->list_resources("executionCaller", arn + "/caller/", 1000, token);
                    if (!page) return report({page.error().cause, false}, hint, err);
                    for (const auto& r : page->resources) {
                        json body = json::parse(r.body, nullptr, false);
                        if (body.is_object()) callers.push_back(std::move(body));
                    }
                    if (page->next_token.empty()) break;
                    token = page->next_token;
                }
            }
            described["callers"] = std::move(callers);
        }
        write_line(out, dump(described));
        return exit_ok;
    }
    history_request request;
    request.reverse_order = parsed->has("--reverse");
    for (;;) {
        auto page = (*store)->history(arn, request);
        if (!page) return report({page.error().cause, false}, hint, err);
        for (const auto& event : page->events) write_line(out, dump(to_json(event)));
        if (page->next_token.empty()) return exit_ok;
        request.next_token = page->next_token;
    }
#else
    (void)out;
    (void)max_results;
    return report({"this stepfn was built without SQLite (stepfn::sqlite), so it cannot read the store " + in_quotes(*store_path), false},
                  hint, err);
#endif
}

} // namespace stepfn::cli::detail

#endif
