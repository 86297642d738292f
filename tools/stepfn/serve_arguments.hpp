#ifndef STEPFN_TOOLS_CLI_SERVE_ARGUMENTS_HPP
#define STEPFN_TOOLS_CLI_SERVE_ARGUMENTS_HPP

// The stepfn command: `stepfn serve`'s usage text and arguments (serve_command.hpp runs them).
// Part of cli.hpp, through serve_command.hpp.

namespace stepfn::cli::detail {

inline constexpr std::string_view serve_usage =
    R"(Usage: stepfn serve [OPTIONS]

Serves the AWS Step Functions API (the AWS JSON 1.0 protocol, as the AWS SDKs and the AWS CLI
speak it) on a local endpoint, until SIGTERM or SIGINT. Prints one line when it listens:
  listening on http://127.0.0.1:8083
STANDARD executions are durable in the store: a server started again on the same store resumes
the executions that were running. Point a client at it with --endpoint-url (AWS CLI) or
`endpoint` (SDKs); see docs/serve.md.

Options:
  --port N                The port (default 8083; 0: any free port, the line above says which)
  --bind ADDR             The address to listen on (default 127.0.0.1; "::1" for IPv6
                          loopback; 0.0.0.0 listens on every address, but without --auth
                          only calls from loopback are answered)
  --auth FILE             Authenticate every call (AWS Signature Version 4 with the access
                          keys, or OIDC bearer tokens) and authorise it with the policies of
                          FILE (docs/security.md). Without it, calls are unsigned and accepted
                          from loopback only
  --history-key FILE      Sign every execution's history with this Ed25519 private key (PEM):
                          a SHA-256 chain over its events, its head signed every 64 events and
                          at the end; `stepfn history verify` checks it (docs/security.md)
  --store DB              The SQLite store (default stepfn-serve.sqlite in the current directory),
                          or a PostgreSQL store (postgresql://...) shared with `stepfn worker`s:
                          this server is one more worker on it (docs/store-postgres.md)
  --mock-config FILE      Answer Task states from a Step Functions Local mock file: an
                          execution started on "<stateMachineArn>#<TestCase>" uses that case
  --invokers FILE         Answer Task resources with real services (see stepfn run --help)
  --in-flight-tasks MODE  After a restart, tasks that were running: fail (default) or redispatch
  --workers N             Threads that run executions (default: the number of cores)
  --io-threads N          Threads that serve connections (default 1)
  --max-connections N     Open connections at most (default 10000; each idle GetActivityTask
                          poll holds one; beyond, a new connection gets 503)
  --region REGION         The region in ARNs (default us-east-1)
  --account ID            The account in ARNs (default 123456789012)
  --log TARGET            Structured transition logs, one JSON object per event, to a file,
                          `stderr` or `syslog` (docs/observability.md)
  --otlp-endpoint URL     Send traces (a span per execution, state and task attempt) to an
                          OpenTelemetry Collector's OTLP/HTTP receiver, e.g.
                          http://127.0.0.1:4318/v1/traces
  --metrics-public        Answer GET /metrics to anyone who can reach the port (a scraper on a
                          private network). Without it, /metrics follows the API's rule:
                          loopback only without --auth; with --auth, callers that
                          authenticate and whom the policies allow stepfn:GetMetrics
  --metrics-token FILE    Also answer GET /metrics to a scraper that sends
                          "Authorization: Bearer <the token in FILE>" (16 to 512 printable
                          characters; Prometheus's authorization.credentials_file)
  --alerts FILE           Alert rules (JSON: rules, interval_seconds, and command or webhook
                          for delivery; without one, alerts are printed to standard error)
  -h, --help              Show this help

Operations: GET /metrics (Prometheus text: AWS's Step Functions metrics, see
docs/observability.md; who may read it: --metrics-public), GET /healthz (200 while running) and
GET /readyz (200 until a stop begins), open to every caller: they say only up or not.

Exit status: 0 after a clean stop; 2 usage error, or a store or port that cannot be opened.
)";

struct serve_settings {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8083;
    std::string store_path = "stepfn-serve.sqlite";
    std::optional<std::string> mock_path;
    std::optional<std::string> invokers_path;
    std::optional<std::string> auth_path;
    std::optional<std::string> history_key_path;
    in_flight_tasks after_restart = in_flight_tasks::fail;
    std::size_t workers = 0;
    std::size_t io_threads = 1;
    std::size_t max_connections = 10000;
    std::string region = "us-east-1";
    std::string account = "123456789012";
    std::optional<std::string> log_target;
    std::optional<std::string> otlp_endpoint;
    std::optional<std::string> alerts_path;
    bool metrics_public = false;
    std::optional<std::string> metrics_token_path;
};

// A count in [min, max], or nullopt.
inline std::optional<std::uint64_t> parse_count(const std::string& text, std::uint64_t min, std::uint64_t max) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value < min || value > max) return std::nullopt;
    return value;
}

inline int parse_serve_arguments(const std::vector<std::string>& args, std::FILE* out, std::FILE* err, serve_settings& settings,
                                 bool& done) {
    constexpr std::string_view hint = "stepfn serve --help";
    auto parsed = parse_arguments(args, {{"--port", true},       {"--bind", true},         {"--store", true},
                                         {"--mock-config", true}, {"--invokers", true},     {"--in-flight-tasks", true},
                                         {"--workers", true},     {"--io-threads", true},   {"--region", true},
                                         {"--account", true},     {"--max-connections", true}, {"--auth", true},
                                         {"--history-key", true}, {"--log", true},   {"--otlp-endpoint", true},
                                         {"--alerts", true},      {"--metrics-public", false},
                                         {"--metrics-token", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    done = parsed->help;
    if (parsed->help) {
        write(out, serve_usage);
        return exit_ok;
    }
    if (!parsed->positional.empty()) return report({"serve takes no arguments; unexpected " + in_quotes(parsed->positional[0]), true}, hint, err);
    if (const std::string* port = parsed->find("--port")) {
        auto value = parse_count(*port, 0, 65535);
        if (!value) return report({"--port must be a number from 0 to 65535, not " + in_quotes(*port), true}, hint, err);
        settings.port = static_cast<std::uint16_t>(*value);
    }
    if (const std::string* bind = parsed->find("--bind")) settings.bind = *bind;
    if (const std::string* store = parsed->find("--store")) {
        if (store->empty()) return report({"--store needs a file name or a postgresql:// URL", true}, hint, err);
#if !defined(STEPFN_WITH_POSTGRES)
        if (is_postgres_store(*store))
            return report({"this stepfn was built without PostgreSQL (stepfn::postgres, libpq); use an SQLite file with --store", false},
                          hint, err);
#endif
        settings.store_path = *store;
    }
    if (const std::string* mock = parsed->find("--mock-config")) settings.mock_path = *mock;
    if (const std::string* invokers = parsed->find("--invokers")) settings.invokers_path = *invokers;
    if (const std::string* auth = parsed->find("--auth")) {
        if (auth->empty()) return report({"--auth needs a file name", true}, hint, err);
        settings.auth_path = *auth;
    }
    if (const std::string* key = parsed->find("--history-key")) {
        if (key->empty()) return report({"--history-key needs a file name", true}, hint, err);
        settings.history_key_path = *key;
    }
    if (const std::string* mode = parsed->find("--in-flight-tasks")) {
        if (*mode == "fail") settings.after_restart = in_flight_tasks::fail;
        else if (*mode == "redispatch") settings.after_restart = in_flight_tasks::redispatch;
        else return report({"--in-flight-tasks must be fail or redispatch, not " + in_quotes(*mode), true}, hint, err);
    }
    if (const std::string* n = parsed->find("--workers")) {
        auto value = parse_count(*n, 1, 1024);
        if (!value) return report({"--workers must be a number from 1 to 1024, not " + in_quotes(*n), true}, hint, err);
        settings.workers = static_cast<std::size_t>(*value);
    }
    if (const std::string* n = parsed->find("--io-threads")) {
        auto value = parse_count(*n, 1, 256);
        if (!value) return report({"--io-threads must be a number from 1 to 256, not " + in_quotes(*n), true}, hint, err);
        settings.io_threads = static_cast<std::size_t>(*value);
    }
    if (const std::string* n = parsed->find("--max-connections")) {
        auto value = parse_count(*n, 1, 1000000);
        if (!value) return report({"--max-connections must be a number from 1 to 1000000, not " + in_quotes(*n), true}, hint, err);
        settings.max_connections = static_cast<std::size_t>(*value);
    }
    if (const std::string* region = parsed->find("--region")) settings.region = *region;
    if (const std::string* account = parsed->find("--account")) {
        if (account->size() != 12 || !parse_count(account->substr(0, 9), 0, 999999999) || !parse_count(account->substr(9), 0, 999))
            return report({"--account must be 12 digits, not " + in_quotes(*account), true}, hint, err);
        settings.account = *account;
    }
    if (const std::string* log = parsed->find("--log")) {
        if (log->empty()) return report({"--log needs a file name, stderr or syslog", true}, hint, err);
        settings.log_target = *log;
    }
    if (const std::string* url = parsed->find("--otlp-endpoint")) {
        if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
            return report({"--otlp-endpoint must be an http:// or https:// URL, not " + in_quotes(*url), true}, hint, err);
        settings.otlp_endpoint = *url;
    }
    if (const std::string* alerts = parsed->find("--alerts")) settings.alerts_path = *alerts;
    settings.metrics_public = parsed->has("--metrics-public");
    if (const std::string* token = parsed->find("--metrics-token")) {
        if (token->empty()) return report({"--metrics-token needs a file name", true}, hint, err);
        if (settings.metrics_public)
            return report({"--metrics-public answers everyone: --metrics-token would change nothing; choose one", true}, hint, err);
        settings.metrics_token_path = *token;
    }
    return exit_ok;
}

} // namespace stepfn::cli::detail

#endif
