#ifndef STEPFN_TOOLS_CLI_SERVE_COMMAND_HPP
#define STEPFN_TOOLS_CLI_SERVE_COMMAND_HPP

// The stepfn command: `stepfn serve`, the AWS Step Functions API on a local endpoint
// (docs/serve.md): the protocol handler (stepfn::step_functions_api) over a durable engine on
// an SQLite store and an in-memory one for EXPRESS machines, mounted in stepfn::api_server.
// Part of cli.hpp, which includes it last.

#if defined(STEPFN_WITH_SERVER) && defined(STEPFN_WITH_SQLITE)
#include <atomic>
#include <csignal>
#include <pthread.h>
#include <thread>

#include <stepfn/api/step_functions_api.hpp>
#include <stepfn/executors/thread_pool_executor.hpp>
#include <stepfn/integrations/api_server.hpp>
#include <stepfn/integrations/auth_handler.hpp>
#include <stepfn/policies/role_guard.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/history/fanout_sink.hpp>
#include <stepfn/history/json_log_sink.hpp>
#include <stepfn/observe/alert_evaluator.hpp>
#include <stepfn/observe/metrics_registry.hpp>
#include <stepfn/observe/prometheus.hpp>
#if defined(STEPFN_WITH_HTTP)
#include <stepfn/integrations/http_alert_webhook.hpp>
#include <stepfn/integrations/otlp_exporter.hpp>
#endif
#endif
#if defined(STEPFN_WITH_SERVER) && defined(STEPFN_WITH_SQLITE) && defined(STEPFN_WITH_AUTH)
#include <stepfn/integrations/auth_config.hpp>
#include <stepfn/integrations/history_signer.hpp>
#if defined(STEPFN_WITH_HTTP)
#include <stepfn/integrations/http_fetch.hpp>
#endif
#endif

#include "serve_arguments.hpp"

namespace stepfn::cli::detail {

#if defined(STEPFN_WITH_SERVER) && defined(STEPFN_WITH_SQLITE)
// What --alerts FILE asks for: the rules, how often they are evaluated and where alerts go.
struct serve_alerts {
    std::vector<alert_rule> rules;
    std::chrono::milliseconds interval{10000};
    alert_hook hook;
};

inline int load_serve_alerts(const std::string& path, std::FILE* in, std::FILE* err, serve_alerts& out) {
    constexpr std::string_view hint = "stepfn serve --help";
    auto text = read_bounded(path, in, std::size_t{1} << 20, "an alert rules file");
    if (!text) return report(text.error(), hint, err);
    auto doc = parse_data(*text, in_quotes(path));
    if (!doc) return report(doc.error(), hint, err);
    auto rules = parse_alert_rules(*doc);
    if (!rules) return report({in_quotes(path) + ": " + rules.error().cause, true}, hint, err);
    for (const auto& item : doc->items())
        if (item.key() != "rules" && item.key() != "interval_seconds" && item.key() != "command" && item.key() != "webhook")
            return report({in_quotes(path) + " has an unknown member \"" + item.key() + "\"", true}, hint, err);
    out.rules = std::move(*rules);
    if (doc->contains("interval_seconds")) {
        const json& v = (*doc)["interval_seconds"];
        if (!v.is_number() || v.get<double>() < 1 || v.get<double>() > 86400)
            return report({in_quotes(path) + ": interval_seconds must be a number from 1 to 86400", true}, hint, err);
        out.interval = std::chrono::milliseconds(static_cast<std::int64_t>(v.get<double>() * 1000));
    }
    if (doc->contains("command")) {
        if (!(*doc)["command"].is_string()) return report({in_quotes(path) + ": command must be a string", true}, hint, err);
        out.hook = command_alert_hook((*doc)["command"].get<std::string>());
    } else if (doc->contains("webhook")) {
#if defined(STEPFN_WITH_HTTP)
        if (!(*doc)["webhook"].is_string()) return report({in_quotes(path) + ": webhook must be a URL", true}, hint, err);
        out.hook = http_alert_webhook(std::make_shared<http_client>(), (*doc)["webhook"].get<std::string>());
#else
        return report({"this stepfn was built without libcurl: no alert webhooks", false}, hint, err);
#endif
    } else {
        auto lock = std::make_shared<std::mutex>();
        out.hook = [err, lock](const alert_event& e) {
            std::lock_guard<std::mutex> guard(*lock);
            write_line(err, "stepfn serve: alert " + e.to_json().dump(-1, ' ', false, json::error_handler_t::replace));
        };
    }
    return exit_ok;
}

inline int run_server(const serve_settings& settings, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn serve --help";
    // SIGTERM and SIGINT are waited for by this thread (sigwait) and blocked in every other:
    // the threads started below inherit the mask, so no signal lands in the middle of a commit.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    task_setup tasks;
    if (int status = load_task_setup(settings.invokers_path, std::nullopt, std::nullopt, std::nullopt, in, err, hint, tasks);
        status != exit_ok)
        return status;
    std::shared_ptr<const testing::mock_config> mocks;
    if (settings.mock_path) {
        std::optional<testing::mock_config> config;
        if (int status = load_mock_config(*settings.mock_path, in, err, hint, config); status != exit_ok) return status;
        mocks = std::make_shared<const testing::mock_config>(std::move(*config));
    }

    // The scrapers' token: read before anything listens; never written anywhere.
    std::string metrics_token;
    if (settings.metrics_token_path) {
        auto text = read_bounded(*settings.metrics_token_path, in, 4096, "a metrics token file");
        if (!text) return report(text.error(), hint, err);
        metrics_token = std::move(*text);
        while (!metrics_token.empty() && (metrics_token.back() == '\n' || metrics_token.back() == '\r' ||
                                          metrics_token.back() == ' ' || metrics_token.back() == '\t'))
            metrics_token.pop_back();
        bool printable = metrics_token.size() >= 16 && metrics_token.size() <= 512;
        for (char c : metrics_token) printable = printable && c > 0x20 && c < 0x7f;
        if (!printable)
            return report({"the metrics token in " + in_quotes(*settings.metrics_token_path) +
                               " must be one line of 16 to 512 printable characters without spaces",
                           false},
                          hint, err);
    }

    serve_alerts alerts_setup;
    if (settings.alerts_path)
        if (int status = load_serve_alerts(*settings.alerts_path, in, err, alerts_setup); status != exit_ok) return status;
    // Observation: the transition log and no_progress's tracker see every event; spans go out
    // through the OTLP exporter.
    std::vector<std::shared_ptr<history_sink>> observers;
    if (settings.log_target) {
        if (*settings.log_target == "stderr") {
            observers.push_back(std::make_shared<json_log_sink>(err));
        } else if (*settings.log_target == "syslog") {
#if STEPFN_HAS_SYSLOG
            observers.push_back(json_log_sink::to_syslog());
#else
            return report({"this system has no syslog", false}, hint, err);
#endif
        } else {
            auto file = json_log_sink::open(*settings.log_target);
            if (!file) return report({file.error().cause, false}, hint, err);
            observers.push_back(*file);
        }
    }
    std::shared_ptr<progress_tracker> progress;
    for (const auto& rule : alerts_setup.rules)
        if (rule.kind == alert_kind::no_progress && !progress) progress = std::make_shared<progress_tracker>();
    if (progress) observers.push_back(progress);
    std::shared_ptr<history_sink> observer;
    if (observers.size() == 1) observer = observers[0];
    else if (observers.size() > 1) observer = std::make_shared<fanout_sink>(std::move(observers));
    std::shared_ptr<span_sink> spans;
    if (settings.otlp_endpoint) {
#if defined(STEPFN_WITH_HTTP)
        otlp_exporter_options otlp;
        otlp.endpoint = *settings.otlp_endpoint;
        otlp.resource.service_name = "stepfn-serve";
        spans = std::make_shared<otlp_exporter>(std::move(otlp));
#else
        return report({"this stepfn was built without libcurl: no OTLP exporter", false}, hint, err);
#endif
    }

    // Authentication and policies, read before anything listens: a bad file stops the start.
    std::shared_ptr<const authorizer> policies;
    api_authenticator authenticate;
    std::shared_ptr<const role_policies> roles;  // execution roles, when the auth file has "roles"
    if (settings.auth_path) {
#if defined(STEPFN_WITH_AUTH)
        auto text = read_bounded(*settings.auth_path, in, max_mock_file_bytes, "an auth configuration");
        if (!text) return report(text.error(), hint, err);
        json file = json::parse(*text, nullptr, false);
        if (file.is_discarded()) return report({"the auth configuration " + in_quotes(*settings.auth_path) + " is not JSON", false}, hint, err);
        auto config = parse_auth_config(file);
        if (!config) return report({*settings.auth_path + ": " + config.error().cause, false}, hint, err);
        jwks_fetcher fetch_uri;
#if defined(STEPFN_WITH_HTTP)
        auto http = std::make_shared<http_client>();
        fetch_uri = [http](const std::string& uri) { return http_fetch(*http, uri); };
#else
        fetch_uri = [](const std::string&) -> result<std::string> {
            return make_error("Unsupported", "this stepfn was built without libcurl; use jwks_file");
        };
#endif
        sigv4_options signing;
        signing.region = settings.region;
        auto authenticator = std::make_shared<caller_authenticator>(*config, signing, fetch_uri);
        if (auto keys = authenticator->preload(); !keys) return report({keys.error().cause, false}, hint, err);
        authenticate = [authenticator](const api_caller& c, std::string_view body) { return (*authenticator)(c, body); };
        policies = config->policies;
        if (!config->roles.empty()) roles = std::make_shared<const role_policies>(config->roles);
        write_line(err, "stepfn serve: --auth " + *settings.auth_path + ": " + std::to_string(config->access_keys.size()) +
                            " access key(s), " + std::to_string(config->oidc.size()) + " OIDC provider(s), " +
                            std::to_string(config->policies->size()) + " policy attachment(s)");
#else
        return report({"this stepfn was built without OpenSSL 3 (stepfn::auth), so it cannot authenticate callers; rebuild with "
                       "libssl-dev installed",
                       false},
                      hint, err);
#endif
    }

    // The store: an SQLite file this process alone runs, or a PostgreSQL database it shares as
    // one more worker (serve_shared.hpp).
    std::shared_ptr<execution_store> executions;
    std::shared_ptr<resource_store> resources;
    std::string store_shown = settings.store_path;  // a PostgreSQL URL's without its password
#if defined(STEPFN_WITH_POSTGRES)
    std::shared_ptr<postgres_store> shared;
    if (is_postgres_store(settings.store_path)) {
        postgres_store_options shared_options;
        shared_options.worker = default_worker_name();
        auto opened = postgres_store::open(settings.store_path, shared_options);
        if (!opened) return report({opened.error().cause, false}, hint, err);
        shared = *opened;
        store_shown = shared->target();
        executions = shared;
        resources = shared;
    }
#endif
    if (!executions) {
        auto opened = sqlite_store::open(settings.store_path);
        if (!opened) return report({opened.error().cause, false}, hint, err);
        executions = *opened;
        resources = *opened;
    }

#if defined(STEPFN_WITH_AUTH)
    std::shared_ptr<history_signer> signer;
#endif
    if (settings.history_key_path) {
#if defined(STEPFN_WITH_AUTH)
        auto pem = read_bounded(*settings.history_key_path, in, 64 * 1024, "a history key");
        if (!pem) return report(pem.error(), hint, err);
        auto created = history_signer::create(executions, resources, *pem);
        if (!created) return report({*settings.history_key_path + ": " + created.error().cause, false}, hint, err);
        signer = std::move(*created);
        executions = signer->store();  // signs each checkpoint's events once they are committed
#else
        return report({"this stepfn was built without OpenSSL 3 (stepfn::auth), so it cannot sign histories", false}, hint, err);
#endif
    }

    const std::size_t cores = std::thread::hardware_concurrency();
    thread_pool_executor pool(settings.workers ? settings.workers : (cores > 1 ? cores : 2));
    system_clock clock;
    // One registry for both engines: series are labelled by state machine.
    auto metrics = std::make_shared<metrics_registry>();
    engine_options standard_options;
    standard_options.metrics = metrics;
    standard_options.history = observer;
    standard_options.spans = spans;
    standard_options.store = executions;
    standard_options.after_restart = settings.after_restart;
    standard_options.region = settings.region;
    standard_options.account = settings.account;
    engine_options express_options;
    express_options.metrics = metrics;
    express_options.history = observer;
    express_options.spans = spans;
    express_options.region = settings.region;
    express_options.account = settings.account;
    using pool_engine = basic_engine<thread_pool_executor, system_clock>;
    auto standard = std::make_unique<pool_engine>(pool, clock, std::move(standard_options));
    auto express = std::make_unique<pool_engine>(pool, clock, std::move(express_options));
    if (!roles) {
        tasks.apply(standard->invokers());
        tasks.apply(express->invokers());
    } else {
        // Least privilege: every Task is checked against its state machine's roleArn (or its
        // Credentials.RoleArn) before whatever answers it runs.
        auto routes = std::make_shared<invoker_registry>();
        tasks.apply(*routes);
        std::shared_ptr<task_invoker> inner = make_invoker([routes](task_request request, task_completion done) {
            if (auto invoker = routes->find(request.resource)) return invoker->invoke(std::move(request), std::move(done));
            done.fail(errors::runtime, "no invoker is registered for the resource '" + request.resource + "'");
        });
        std::shared_ptr<resource_store> records = resources;
        role_guard::options where;
        where.region = settings.region;
        where.account = settings.account;
        auto guard = std::make_shared<role_guard>(inner, roles, [records](const task_request& r) {
            // arn:...:execution:<machine>:<name> -> the machine's record -> its roleArn
            const std::string& arn = r.root_execution_id.empty() ? r.execution_id : r.root_execution_id;
            const std::size_t at = arn.find(":execution:");
            if (at == std::string::npos) return std::string();
            const std::size_t end = arn.find(':', at + 11);
            auto found = records->find_resource(arn.substr(0, at) + ":stateMachine:" + arn.substr(at + 11, end - at - 11));
            if (!found || !*found) return std::string();
            json body = json::parse((*found)->body, nullptr, false);
            auto role = body.is_object() ? body.find("roleArn") : body.end();
            return body.is_object() && role != body.end() && role->is_string() ? role->get<std::string>() : std::string();
        }, where);
        standard->invokers().set_default(guard);
        express->invokers().set_default(guard);
    }

    api_options api_settings;
    api_settings.region = settings.region;
    api_settings.account = settings.account;
    api_settings.resources = resources;
    api_settings.mocks = mocks;
    api_settings.authorizer = policies;
    api_settings.roles = roles;
    // A machine whose role cannot call some of its Tasks is created as AWS would create it; the
    // Tasks are named here (they fail when they run).
    api_settings.role_warnings = [err](const std::string& machine, const std::string& role, const std::vector<diagnostic>& findings) {
        for (const auto& d : findings)
            write_line(err, "stepfn serve: warning: " + machine + " (role " + role + "): " + d.pointer + ": " + d.message);
    };
    std::size_t resumed = 0;
#if defined(STEPFN_WITH_POSTGRES)
    // On PostgreSQL the worker loop claims what is runnable (the others' included) instead of
    // a recover(), which would take executions other workers hold.
    using loop_type = worker_loop<pool_engine>;
    std::unique_ptr<loop_type> loop;
    std::unique_ptr<shared_store_engine<pool_engine>> shared_engine;
    std::atomic<bool> loop_stop{false};
    std::thread loop_thread;
    // Stops the loop on every way out (before the engines and the loop itself go).
    struct loop_joiner {
        std::atomic<bool>& stop;
        std::thread& thread;
        ~loop_joiner() {
            stop = true;
            if (thread.joinable()) thread.join();
        }
    } joiner{loop_stop, loop_thread};
#endif
    // After the loop and the engine it calls (destroyed before them).
    std::unique_ptr<step_functions_api> api_holder;
#if defined(STEPFN_WITH_POSTGRES)
    if (shared) {
        loop = std::make_unique<loop_type>(*shared, *standard, typename loop_type::settings{}, nullptr, err);
        shared_engine = std::make_unique<shared_store_engine<pool_engine>>(*standard, *shared, *loop);
        api_holder = std::make_unique<step_functions_api>(*shared_engine, *express, std::move(api_settings));
        loop_thread = std::thread([&loop, &loop_stop] { loop->run([&loop_stop] { return loop_stop.load(); }); });
    }
#endif
    if (!api_holder) {
        api_holder = std::make_unique<step_functions_api>(*standard, *express, std::move(api_settings));
        // The executions the last server left running go on before anyone can call.
        auto recovered = standard->recover();
        if (!recovered) return report({"resuming the stored executions: " + recovered.error().cause, false}, hint, err);
        for (const auto& problem : recovered->unrecoverable) write_line(err, "stepfn serve: cannot resume: " + problem.cause);
        resumed = recovered->resumed.size();
    }
    step_functions_api& api = *api_holder;

    api_server_options server_options;
    server_options.address = settings.bind;
    server_options.port = settings.port;
    server_options.threads = settings.io_threads;
    server_options.max_connections = settings.max_connections;
    server_options.metrics = [metrics] { return to_prometheus(*metrics); };
    if (settings.metrics_public)
        server_options.metrics_access = [](const api_caller&) { return result<void>{}; };
    else
        server_options.metrics_access = metrics_access_rule(authenticate, policies, metrics_token);
    auto accepting = std::make_shared<std::atomic<bool>>(true);
    server_options.ready = [accepting] { return accepting->load(); };
    api_server server(authenticate ? authenticating_handler(api.handler(), authenticate) : loopback_only_handler(api.handler()),
                      server_options);
    if (auto started = server.start(); !started) return report({started.error().cause, false}, hint, err);
    std::shared_ptr<alert_evaluator> alerts;
    if (!alerts_setup.rules.empty()) {
        alerts = std::make_shared<alert_evaluator>(metrics, std::move(alerts_setup.rules), std::move(alerts_setup.hook), progress);
        alerts->run_every(clock, alerts_setup.interval);
    }
    const bool v6 = settings.bind.find(':') != std::string::npos;
    write_line(out, "listening on http://" + (v6 ? "[" + settings.bind + "]" : settings.bind) + ":" + std::to_string(server.port()));
    std::fflush(out);
    write_line(err, "stepfn serve: store " + store_shown + ", " + std::to_string(resumed) +
                        " execution(s) resumed; SIGTERM or SIGINT stops");
    if (!authenticate)
        write_line(err, "stepfn serve: no --auth: calls are not authenticated and are accepted from loopback only");
    write_line(err, std::string("stepfn serve: GET /metrics: ") +
                        (settings.metrics_public ? "answered to anyone (--metrics-public)"
                         : authenticate          ? "authenticated callers allowed stepfn:GetMetrics"
                                                 : "loopback only") +
                        (metrics_token.empty() ? "" : ", and scrapers with the --metrics-token token"));

    int received = 0;
    sigwait(&stop_signals, &received);
    write_line(err, std::string("stepfn serve: ") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    accepting->store(false);
    // No new connections; requests in flight finish (bounded by the drain timeout); waiting
    // activity polls are answered with no task; then the engines stop. Durable executions stay
    // RUNNING at their last checkpoint for the next server's recover().
    api.shutdown();
    server.stop();
#if defined(STEPFN_WITH_POSTGRES)
    // A worker's clean stop: the loop, then the engines, then what they wrote, then the leases,
    // so that another worker goes on with its executions at once.
    loop_stop = true;
    if (loop_thread.joinable()) loop_thread.join();
#endif
    express.reset();
    standard.reset();
#if defined(STEPFN_WITH_POSTGRES)
    if (loop) loop->clear();
#endif
    if (auto flushed = executions->flush(); !flushed) {
        write_line(err, "stepfn serve: the store could not be flushed: " + flushed.error().cause);
        return exit_failed;
    }
#if defined(STEPFN_WITH_AUTH)
    if (signer) {
        signer->flush();  // the digests of everything committed
        if (signer->failures() > 0)
            write_line(err, "stepfn serve: " + std::to_string(signer->failures()) + " history digest(s) could not be stored");
    }
#endif
#if defined(STEPFN_WITH_POSTGRES)
    if (shared)
        if (auto handed = shared->release_all(); !handed) write_line(err, "stepfn serve: handing leases back: " + handed.error().cause);
#endif
    return exit_ok;
}
#endif

inline int serve_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    serve_settings settings;
    bool done = false;
    if (const int status = parse_serve_arguments(args, out, err, settings, done); status != exit_ok || done) return status;
#if defined(STEPFN_WITH_SERVER) && defined(STEPFN_WITH_SQLITE)
    return run_server(settings, in, out, err);
#else
    (void)in;
    return report({"this stepfn was built without the API server (stepfn::server, Boost.Beast) or SQLite; rebuild with "
                   "libboost-dev and libsqlite3-dev installed",
                   false},
                  "stepfn serve --help", err);
#endif
}

} // namespace stepfn::cli::detail

#endif
