// A part of the engine's definitions (engine_impl.hpp lists them in order). Included first, it
// brings the engine in through engine_core.hpp, so that every part is defined in that order.
#include <stepfn/engine/detail/engine_core.hpp>

#ifndef STEPFN_ENGINE_DETAIL_STATES_WAIT_HPP
#define STEPFN_ENGINE_DETAIL_STATES_WAIT_HPP

// Wait: a timer on the engine clock until Seconds or Timestamp (from the input or literal).

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/config.hpp>
#include <stepfn/engine/detail/history.hpp>
#include <stepfn/engine/detail/pipeline.hpp>
#include <stepfn/engine/detail/scheduling.hpp>

namespace stepfn::detail {

STEPFN_INLINE outcome engine_core::run_wait(const std::shared_ptr<frame>& f, const state& s, const wait_state& w) {
    frame_env env(*this, *f, s);
    auto eff = effective_input(s, std::move(f->input), env);
    if (!eff) return outcome::fail(std::move(eff.error()));
    const time_point now = clock_->now();
    time_point wake = now;
    constexpr std::int64_t max_delay_seconds = 2147483647;  // AWS: "Wait state delay is too long."
    if (w.seconds) {
        wake = now + std::chrono::seconds(*w.seconds);
    } else if (w.seconds_path) {
        auto seconds = positive_from_path(*w.seconds_path, *eff, env, "SecondsPath", true);
        if (!seconds) return outcome::fail(std::move(seconds.error()));
        if (*seconds > max_delay_seconds)
            return outcome::fail(error{errors::runtime, "Wait state delay is too long."});
        wake = now + std::chrono::seconds(*seconds);
    } else {
        std::optional<instant> at;
        if (w.timestamp) {
            at = parse_rfc3339(*w.timestamp);
        } else if (w.timestamp_path) {
            const json* value = w.timestamp_path->is_definite() ? w.timestamp_path->find(*eff, env) : nullptr;
            if (!value)
                return outcome::fail(error{errors::runtime, "The TimestampPath parameter does not reference an input value: " +
                                                                w.timestamp_path->text()});
            if (value->is_string()) at = parse_rfc3339(value->get_ref<const std::string&>());
            if (!at)
                return outcome::fail(error{errors::runtime,
                                           "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                           "offset date-time format string: " +
                                               w.timestamp_path->text() + " == " + json_text(*value)});
        }
        if (at) {
            const auto seconds_ahead = at->seconds - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
            if (seconds_ahead > max_delay_seconds)
                return outcome::fail(error{errors::runtime, "Wait state delay is too long."});
            wake = (std::max)(now, to_time_point(*at));
        }
    }
    json assigned;
    auto out = select_output(*f, s, std::move(*eff), env, s.assign, assigned);
    if (!out) return outcome::fail(std::move(out.error()));

    // Park the frame: the output waits in `input` until the timer fires.
    f->input = std::move(*out);
    f->input_size = unknown_size;
    f->wait_assigned = std::move(assigned);
    f->waiting = true;
    arm_wait(f, wake);
    return outcome::parked();
}

// Also called when a durable execution is restored with the deadline it had.
STEPFN_INLINE void engine_core::arm_wait(const std::shared_ptr<frame>& f, time_point wake) {
    const auto generation = ++f->generation;
    f->timer_at = wake;
    f->timer = arm_timer(f, wake, generation, [](engine_core& core, const std::shared_ptr<frame>& fr) {
        fr->waiting = false;
        fr->timer.reset();
        const state& st = fr->states->states[fr->current];
        core.resume(fr, st, outcome::advance(std::move(fr->input), next_of(st), std::move(fr->wait_assigned)));
    });
}

} // namespace stepfn::detail

#endif
