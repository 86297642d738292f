#ifndef STEPFN_INTEGRATIONS_DETAIL_HTTP_ATTEMPT_HPP
#define STEPFN_INTEGRATIONS_DETAIL_HTTP_ATTEMPT_HPP

// Ties the HTTP requests of one Task attempt to the attempt's cancellation: when the engine
// gives up on the attempt (timeout, stop), the request under way is aborted, and no further
// request of the attempt (a redirect, a token fetch) is sent.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/integrations/http_client.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {
namespace detail {

struct http_cancel_link {
    std::weak_ptr<http_client> client;
    std::atomic<std::uint64_t> id{0};
    std::atomic<bool> cancelled{false};
};

inline std::shared_ptr<http_cancel_link> link_cancellation(task_completion& done, const std::shared_ptr<http_client>& client) {
    auto link = std::make_shared<http_cancel_link>();
    link->client = client;
    done.on_cancel([link] {
        link->cancelled.store(true);
        if (auto c = link->client.lock()) c->cancel(link->id.load());
    });
    return link;
}

// Sends one request of the attempt; `then(result<http_response>)` runs on the client's thread.
template <class F>
void send_linked(http_client& client, http_cancel_link& link, http_request request, F&& then) {
    if (link.cancelled.load()) {
        std::forward<F>(then)(make_error(http_errors::cancelled, "the attempt was cancelled"));
        return;
    }
    const std::uint64_t id = client.send(std::move(request), std::forward<F>(then));
    link.id.store(id);
    // A cancel that ran between the check above and the store saw no id: cancel now.
    if (link.cancelled.load()) client.cancel(id);
}

// The time left for an attempt: until the Task's deadline when it has one, else `fallback`;
// never more than `cap` (when non-zero), never less than a millisecond. A deadline already more
// than a second gone comes from a clock that is not the system's (a virtual clock in a test): it
// says nothing about real time, so `fallback` applies.
inline std::chrono::milliseconds time_left(const task_request& request, std::chrono::milliseconds fallback,
                                           std::chrono::milliseconds cap = std::chrono::milliseconds(0)) {
    using std::chrono::milliseconds;
    milliseconds left = fallback;
    if (request.deadline) {
        const auto until = std::chrono::duration_cast<milliseconds>(*request.deadline - std::chrono::system_clock::now());
        if (until > milliseconds(-1000)) left = until;
    }
    if (cap.count() > 0) left = (std::min)(left, cap);
    return (std::max)(left, milliseconds(1));
}

} // namespace detail
} // namespace stepfn

#endif
