#ifndef STEPFN_INTEGRATIONS_DETAIL_API_SERVER_STATE_HPP
#define STEPFN_INTEGRATIONS_DETAIL_API_SERVER_STATE_HPP

// What the API server's connections share: the options, the handler, the registry of open
// connections (for the connection limit and for stop) and the gate that lets a reply from any
// thread reach its connection only while the I/O threads' io_context still exists.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <stepfn/api/api_call.hpp>
#include <stepfn/integrations/api_server_options.hpp>
#include <stepfn/integrations/detail/api_server_protocol.hpp>

namespace stepfn::detail {

class api_connection;

struct api_server_state {
    api_server_state(api_server_options opts, api_handler h) : options(std::move(opts)), handler(std::move(h)) {}

    const api_server_options options;
    const api_handler handler;
    request_id_source request_ids;

    // Held while a reply from another thread is posted to its connection; io_alive turns false
    // (under it) before the io_context goes, so a late reply is dropped, never posted to a
    // destroyed context.
    std::mutex post_mutex;
    bool io_alive = true;
    // Set by stop(): replies go out with Connection: close and no further request is read.
    std::atomic<bool> stopping{false};

    // The open connections, by address; weak: what keeps a connection alive is its own pending
    // operation (a read, a write, the watch on a waiting request), so one with none goes away.
    std::mutex registry_mutex;
    std::condition_variable registry_empty;
    std::unordered_map<const api_connection*, std::weak_ptr<api_connection>> connections;

    std::size_t connection_count() {
        std::lock_guard<std::mutex> lock(registry_mutex);
        return connections.size();
    }
};

} // namespace stepfn::detail

#endif
