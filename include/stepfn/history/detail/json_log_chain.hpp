#ifndef STEPFN_HISTORY_DETAIL_JSON_LOG_CHAIN_HPP
#define STEPFN_HISTORY_DETAIL_JSON_LOG_CHAIN_HPP

// What json_log_sink works out from the history's links: which state an event belongs to (only
// Entered/Exited events name it) and how long a state, task attempt or execution took. Each
// event inherits from the event it links to (previousEventId), so branches and iterations are
// told apart; an entry is dropped once followed, except at fan-out points (several branches or
// iterations link to one event) which go with their execution.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

struct log_link {
    std::string state;
    std::optional<double> duration;  // milliseconds
};

// "arn:aws:states:r:a:execution:<machine>:<name>" -> "<machine>" (a Map Run child's
// "<machine>/<label>" as it is); empty for anything else.
inline std::string_view machine_of_arn(std::string_view arn) {
    constexpr std::string_view marker = ":execution:";
    const auto at = arn.find(marker);
    if (at == std::string_view::npos) return {};
    std::string_view rest = arn.substr(at + marker.size());
    const auto colon = rest.rfind(':');
    return colon == std::string_view::npos ? rest : rest.substr(0, colon);
}

inline void replace_all(std::string& text, std::string_view what, std::string_view with) {
    if (what.empty()) return;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
}

// Member names that hold secrets, in payloads that are logged (compared without case).
inline bool secret_member(std::string_view key) {
    std::string k;
    for (char c : key)
        if (c != '_' && c != '-') k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    for (std::string_view s : {"password", "passwd", "secret", "token", "apikey", "authorization", "credential",
                               "privatekey", "accesskey", "sessionkey", "cookie"})
        if (k.find(s) != std::string::npos) return true;
    return false;
}

inline void mask_secrets(json& value, int depth = 0) {
    if (depth > 64) return;
    if (value.is_object()) {
        for (auto& item : value.items()) {
            if (secret_member(item.key())) item.value() = "***";
            else mask_secrets(item.value(), depth + 1);
        }
    } else if (value.is_array()) {
        for (auto& v : value) mask_secrets(v, depth + 1);
    }
}

// A payload as JSON text with its secret-named members masked (text that is not JSON: as is).
inline json masked_payload(const std::string& text) {
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) return text;
    mask_secrets(value);
    return value;
}

class log_chains {
public:
    log_link follow(std::string_view arn, const history_event& event) {
        auto& exec = executions_[std::string(arn)];
        log_link out;
        entry current;
        if (auto prev = exec.links.find(event.previous_event_id); prev != exec.links.end()) {
            current = prev->second;
            if (!current.fan_out) exec.links.erase(prev);
        }
        current.fan_out = false;
        const auto ms = [&](std::chrono::system_clock::time_point from) {
            return std::chrono::duration<double, std::milli>(event.timestamp - from).count();
        };
        const char* name = nullptr;
        if (event.details.is_object())
            if (auto n = event.details.find("name"); n != event.details.end() && n->is_string())
                name = n->get_ref<const std::string&>().c_str();
        const std::string_view type_name = to_string(event.type);
        const bool entered = type_name.size() > 7 && type_name.substr(type_name.size() - 7) == "Entered";
        const bool exited = type_name.size() > 6 && type_name.substr(type_name.size() - 6) == "Exited";
        const task_event_kind task_step = task_event_of(event.type);
        if (task_step == task_event_kind::started) current.task_started = event.timestamp;
        if ((task_step == task_event_kind::succeeded || task_step == task_event_kind::failed ||
             task_step == task_event_kind::timed_out) &&
            current.task_started)
            out.duration = ms(*current.task_started);
        switch (event.type) {
        case event_type::execution_started:
        case event_type::execution_redriven: exec.started = event.timestamp; break;
        case event_type::parallel_state_started:
        case event_type::map_state_started:
            current.fan_out = true;
            current.enclosing.push_back(current.state);  // the branches' events still know their Parallel/Map
            break;
        case event_type::map_iteration_started:
        case event_type::map_run_started: current.fan_out = true; break;
        case event_type::parallel_state_succeeded:
        case event_type::parallel_state_failed:
        case event_type::parallel_state_aborted:
        case event_type::map_state_succeeded:
        case event_type::map_state_failed:
        case event_type::map_state_aborted:
            // Linked to a branch's last event: back to the Parallel or Map state itself.
            if (!current.enclosing.empty()) {
                current.state = std::move(current.enclosing.back());
                current.enclosing.pop_back();
            }
            break;
        default: break;
        }
        if (entered && name) {
            current.state = name;
            current.entered = event.timestamp;
            current.task_started.reset();
        }
        if (exited && current.entered) out.duration = ms(*current.entered);
        out.state = name ? std::string(name) : current.state;
        const bool ends = event.type == event_type::execution_succeeded || event.type == event_type::execution_failed ||
                          event.type == event_type::execution_timed_out || event.type == event_type::execution_aborted;
        if (ends) {
            if (exec.started) out.duration = ms(*exec.started);
            out.state.clear();
            executions_.erase(std::string(arn));
            return out;
        }
        exec.links[event.id] = std::move(current);
        return out;
    }

private:
    struct entry {
        std::string state;
        std::optional<std::chrono::system_clock::time_point> entered, task_started;
        std::vector<std::string> enclosing;  // the Parallel/Map states this event is inside
        bool fan_out = false;
    };
    struct execution_links {
        std::optional<std::chrono::system_clock::time_point> started;
        std::unordered_map<std::int64_t, entry> links;
    };
    std::unordered_map<std::string, execution_links> executions_;
};

} // namespace stepfn::detail

#endif
