#ifndef STEPFN_TOOLS_STEPFN_INVOKERS_FILE_HPP
#define STEPFN_TOOLS_STEPFN_INVOKERS_FILE_HPP

// `stepfn run --invokers FILE`: which real service answers each Task resource.
//
//   {
//     "connections": {"arn:aws:events:...:connection/Api/1": {<an EventBridge connection>}},
//     "orders":   {"http": {"url": "https://orders.internal/run", "headers": {...},
//                           "caFile": "...", "clientCertificate": "...", "clientKey": "...",
//                           "timeoutSeconds": 30}},
//     "svc:":     {"prefix": true, "http": {"url": "http://127.0.0.1:8080/tasks/"}},
//     "resize":   {"command": ["resize-image", "--quality", "80"], "env": {"TMPDIR": "/tmp"},
//                  "cwd": "/srv/images", "timeoutSeconds": 60, "error": "Resize.Failed"},
//     "render":   {"container": {"engine": "podman", "image": "localhost/render:1",
//                                "command": ["render"], "env": {...}, "mounts": ["/srv:/srv:ro"]}}
//   }
//
// Every other key is a Task Resource, matched exactly, or as a prefix with "prefix": true.
// `arn:aws:states:::http:invoke` (the HTTP Task) is answered with the "connections" whenever
// the command is built with HTTP support.

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/task_invoker.hpp>

#if defined(STEPFN_WITH_HTTP)
#include <stepfn/integrations/http_connection.hpp>
#include <stepfn/integrations/http_invoker.hpp>
#include <stepfn/integrations/http_task.hpp>
#endif
#if defined(STEPFN_WITH_PROCESS)
#include <stepfn/integrations/container_invoker.hpp>
#include <stepfn/integrations/process_invoker.hpp>
#endif

namespace stepfn::cli {

// The invokers an --invokers file configures, and the loops they share.
struct invokers_setup {
    struct entry {
        std::string resource;
        bool prefix = false;
        std::shared_ptr<task_invoker> invoker;
    };
    std::vector<entry> entries;
#if defined(STEPFN_WITH_HTTP)
    std::shared_ptr<http_client> http;
#endif
#if defined(STEPFN_WITH_PROCESS)
    std::shared_ptr<process_runner> processes;
#endif

    void apply(invoker_registry& registry) const {
        for (const auto& e : entries) {
            if (e.prefix) registry.add_prefix(e.resource, e.invoker);
            else registry.add(e.resource, e.invoker);
        }
    }
};

// Routes by the setup's resources; a mock file's fallback for the states it does not mock.
class routing_invoker final : public task_invoker {
public:
    explicit routing_invoker(const invokers_setup& setup) { setup.apply(routes_); }
    void invoke(task_request request, task_completion done) override {
        if (auto invoker = routes_.find(request.resource)) return invoker->invoke(std::move(request), std::move(done));
        done.fail(errors::runtime, "neither the mock file nor the invokers file answers the resource '" + request.resource + "'");
    }

private:
    invoker_registry routes_;
};

namespace detail {

inline result<std::string> string_field(const json& object, const char* name, const std::string& at, bool required) {
    auto it = object.find(name);
    if (it == object.end()) {
        if (required) return make_error(errors::runtime, at + ": \"" + name + "\" is required");
        return std::string();
    }
    if (!it->is_string()) return make_error(errors::runtime, at + "." + name + " must be a string");
    return it->get<std::string>();
}

inline result<std::vector<std::string>> string_list(const json& value, const std::string& at) {
    std::vector<std::string> out;
    if (!value.is_array()) return make_error(errors::runtime, at + " must be an array of strings");
    for (const auto& v : value) {
        if (!v.is_string()) return make_error(errors::runtime, at + " must be an array of strings");
        out.push_back(v.get<std::string>());
    }
    return out;
}

inline result<std::vector<std::pair<std::string, std::string>>> string_map(const json& object, const char* name,
                                                                            const std::string& at) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = object.find(name);
    if (it == object.end()) return out;
    if (!it->is_object()) return make_error(errors::runtime, at + "." + name + " must be an object of strings");
    for (auto kv = it->begin(); kv != it->end(); ++kv) {
        if (!kv.value().is_string()) return make_error(errors::runtime, at + "." + name + "." + kv.key() + " must be a string");
        out.emplace_back(kv.key(), kv.value().get<std::string>());
    }
    return out;
}

inline result<std::chrono::milliseconds> seconds_field(const json& object, const char* name, const std::string& at,
                                                       std::chrono::milliseconds fallback) {
    auto it = object.find(name);
    if (it == object.end()) return fallback;
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 31536000.0)
        return make_error(errors::runtime, at + "." + name + " must be a number of seconds (0 to a year)");
    return std::chrono::milliseconds(static_cast<long long>(std::llround(it->get<double>() * 1000.0)));
}

#define STEPFN_CLI_TRY(target, expression)                                                                                   \
    auto target = (expression);                                                                                              \
    if (!target) return tl::make_unexpected(std::move(target.error()))

#if defined(STEPFN_WITH_HTTP)
inline result<std::shared_ptr<task_invoker>> http_entry(const json& spec, const std::string& at, const std::string& prefix,
                                                        invokers_setup& setup) {
    if (!spec.is_object()) return make_error(errors::runtime, at + " must be an object");
    http_endpoint e;
    STEPFN_CLI_TRY(url, string_field(spec, "url", at, true));
    e.url = *url;
    STEPFN_CLI_TRY(method, string_field(spec, "method", at, false));
    if (!method->empty()) e.method = *method;
    STEPFN_CLI_TRY(headers, string_map(spec, "headers", at));
    e.headers = std::move(*headers);
    STEPFN_CLI_TRY(ca, string_field(spec, "caFile", at, false));
    STEPFN_CLI_TRY(cert, string_field(spec, "clientCertificate", at, false));
    STEPFN_CLI_TRY(key, string_field(spec, "clientKey", at, false));
    e.tls.ca_file = *ca;
    e.tls.client_certificate = *cert;
    e.tls.client_key = *key;
    STEPFN_CLI_TRY(timeout, seconds_field(spec, "timeoutSeconds", at, e.timeout));
    e.timeout = *timeout;
    if (auto f = spec.find("followRedirects"); f != spec.end()) {
        if (!f->is_boolean()) return make_error(errors::runtime, at + ".followRedirects must be true or false");
        e.follow_redirects = f->get<bool>();
    }
    e.prefix = prefix;
    return make_http_invoker(setup.http, std::move(e));
}
#endif

#if defined(STEPFN_WITH_PROCESS)
inline result<void> process_limits(const json& spec, const std::string& at, std::chrono::milliseconds& timeout,
                                   std::chrono::milliseconds& grace, std::string& error_name) {
    STEPFN_CLI_TRY(t, seconds_field(spec, "timeoutSeconds", at, timeout));
    STEPFN_CLI_TRY(g, seconds_field(spec, "killGraceSeconds", at, grace));
    STEPFN_CLI_TRY(e, string_field(spec, "error", at, false));
    timeout = *t;
    grace = *g;
    if (!e->empty()) error_name = *e;
    return {};
}

inline result<std::shared_ptr<task_invoker>> command_entry(const json& entry, const std::string& at, invokers_setup& setup) {
    process_spec p;
    STEPFN_CLI_TRY(command, string_list(entry["command"], at + ".command"));
    if (command->empty()) return make_error(errors::runtime, at + ".command must name a program");
    p.command = std::move(*command);
    STEPFN_CLI_TRY(env, string_map(entry, "env", at));
    p.env = std::move(*env);
    STEPFN_CLI_TRY(cwd, string_field(entry, "cwd", at, false));
    p.working_directory = *cwd;
    if (auto inherit = entry.find("inheritEnv"); inherit != entry.end()) {
        if (!inherit->is_boolean()) return make_error(errors::runtime, at + ".inheritEnv must be true or false");
        p.inherit_environment = inherit->get<bool>();
    }
    STEPFN_CLI_TRY(limits, process_limits(entry, at, p.timeout, p.kill_grace, p.error_name));
    return make_process_invoker(setup.processes, std::move(p));
}

inline result<std::shared_ptr<task_invoker>> container_entry(const json& spec, const std::string& at, invokers_setup& setup) {
    if (!spec.is_object()) return make_error(errors::runtime, at + " must be an object");
    container_spec c;
    STEPFN_CLI_TRY(engine, string_field(spec, "engine", at, false));
    if (!engine->empty()) c.engine = *engine;
    STEPFN_CLI_TRY(image, string_field(spec, "image", at, true));
    c.image = *image;
    if (spec.contains("command")) {
        STEPFN_CLI_TRY(command, string_list(spec["command"], at + ".command"));
        c.command = std::move(*command);
    }
    STEPFN_CLI_TRY(env, string_map(spec, "env", at));
    c.env = std::move(*env);
    for (const char* list : {"mounts", "options"}) {
        if (!spec.contains(list)) continue;
        STEPFN_CLI_TRY(values, string_list(spec[list], at + "." + list));
        (std::string(list) == "mounts" ? c.mounts : c.run_options) = std::move(*values);
    }
    STEPFN_CLI_TRY(limits, process_limits(spec, at, c.timeout, c.kill_grace, c.error_name));
    return make_container_invoker(setup.processes, std::move(c));
}
#endif

} // namespace detail

// Reads an --invokers file's JSON. Errors say where (e.g. `"orders".http.url`).
inline result<invokers_setup> read_invokers_file(const json& document) {
    invokers_setup setup;
    if (!document.is_object()) return make_error(errors::runtime, "the invokers file must be a JSON object");
#if defined(STEPFN_WITH_HTTP)
    setup.http = std::make_shared<http_client>();
    auto http_task = make_http_task_invoker(setup.http);
    if (auto connections = document.find("connections"); connections != document.end()) {
        if (!connections->is_object()) return make_error(errors::runtime, "\"connections\" must map connection ARNs to connections");
        for (auto it = connections->begin(); it != connections->end(); ++it) {
            auto c = parse_http_connection(it.value());
            if (!c) return make_error(errors::runtime, "connection \"" + it.key() + "\": " + c.error().cause);
            http_task->add_connection(it.key(), std::move(*c));
        }
    }
    setup.entries.push_back({http_task_resource, false, http_task});
#else
    if (document.contains("connections"))
        return make_error(errors::runtime, "\"connections\" (the HTTP Task) needs a stepfn built with HTTP support (libcurl)");
#endif
#if defined(STEPFN_WITH_PROCESS)
    setup.processes = std::make_shared<process_runner>();
#endif
    for (auto it = document.begin(); it != document.end(); ++it) {
        if (it.key() == "connections") continue;
        const std::string at = "\"" + it.key() + "\"";
        const json& entry = it.value();
        if (!entry.is_object()) return make_error(errors::runtime, at + " must be an object");
        bool prefix = false;
        if (auto p = entry.find("prefix"); p != entry.end()) {
            if (!p->is_boolean()) return make_error(errors::runtime, at + ".prefix must be true or false");
            prefix = p->get<bool>();
        }
        const int kinds = int(entry.contains("http")) + int(entry.contains("command")) + int(entry.contains("container"));
        if (kinds != 1) return make_error(errors::runtime, at + " needs exactly one of \"http\", \"command\" or \"container\"");
        result<std::shared_ptr<task_invoker>> invoker = make_error(errors::runtime, at + ": not supported by this build");
        if (entry.contains("http")) {
#if defined(STEPFN_WITH_HTTP)
            invoker = detail::http_entry(entry["http"], at + ".http", prefix ? it.key() : std::string(), setup);
#else
            return make_error(errors::runtime, at + ": \"http\" needs a stepfn built with HTTP support (libcurl)");
#endif
        } else {
#if defined(STEPFN_WITH_PROCESS)
            invoker = entry.contains("command") ? detail::command_entry(entry, at, setup)
                                                : detail::container_entry(entry["container"], at + ".container", setup);
#else
            return make_error(errors::runtime, at + ": commands and containers need a POSIX build");
#endif
        }
        if (!invoker) return tl::make_unexpected(std::move(invoker.error()));
        setup.entries.push_back({it.key(), prefix, std::move(*invoker)});
    }
    return setup;
}

#undef STEPFN_CLI_TRY

} // namespace stepfn::cli

#endif
