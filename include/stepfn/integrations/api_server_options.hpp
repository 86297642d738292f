#ifndef STEPFN_INTEGRATIONS_API_SERVER_OPTIONS_HPP
#define STEPFN_INTEGRATIONS_API_SERVER_OPTIONS_HPP

// The settings of stepfn::api_server (<stepfn/integrations/api_server.hpp>, docs/server.md):
// where it listens, how many I/O threads it runs, and the bounds that keep one slow or hostile
// client from costing the others anything.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <stepfn/api/api_call.hpp>
#include <stepfn/error.hpp>

namespace stepfn {

struct api_server_options {
    std::string address = "127.0.0.1";    // an IPv4 or IPv6 address ("0.0.0.0", "::1", "::"); no host names
    std::uint16_t port = 8083;            // Step Functions Local's; 0 = any free port (api_server::port() says which)
    std::size_t threads = 1;              // I/O threads; connections never get threads of their own
    std::size_t max_connections = 10000;  // open connections at most; beyond, a new one gets 503 and is closed
    std::size_t max_header_bytes = 16 * 1024;        // request line and headers; beyond: 431, closed
    std::size_t max_body_bytes = 1024 * 1024 + 64 * 1024;  // a 1 MiB definition (AWS's limit) plus its JSON envelope; beyond: 413, closed
    std::chrono::milliseconds request_timeout{30000};  // from a request's first byte to its last; beyond: closed
    std::chrono::milliseconds idle_timeout{60000};     // keep-alive: from a reply (or the accept) to the next request's first byte
    std::chrono::milliseconds write_timeout{30000};    // to write one reply to a client that does not read
    std::chrono::milliseconds drain_timeout{10000};    // stop(): how long requests in flight get to finish
    int listen_backlog = 1024;
    // GET /metrics answers with this text (Prometheus's format, e.g. stepfn::to_prometheus of
    // the engine's metrics_registry); unset: 404. Called on an I/O thread: keep it quick.
    std::function<std::string()> metrics;
    // Who may GET /metrics (the text names machines, resources and rates): success lets the
    // caller in; an error refuses it, named as AWS names it, with 403 for AccessDeniedException
    // and 401 for any other (a failed authentication). Unset: callers from loopback only, as
    // the API without authentication. metrics_access_rule (auth_handler.hpp) is stepfn serve's.
    std::function<result<void>(const api_caller& caller)> metrics_access;
    // GET /readyz answers 200 when this says ready, else 503 (unset: ready once listening);
    // GET /healthz answers 200 while the server runs (liveness).
    std::function<bool()> ready;
};

} // namespace stepfn

#endif
