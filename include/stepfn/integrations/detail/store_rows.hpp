#ifndef STEPFN_INTEGRATIONS_DETAIL_STORE_ROWS_HPP
#define STEPFN_INTEGRATIONS_DETAIL_STORE_ROWS_HPP

// What the database stores (SQLite, PostgreSQL) share: their error names, how times, statuses,
// event types and details are spelled in columns, and how page tokens are made and checked.
// Whatever is read back is checked, since the database is outside.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/hash.hpp>
#include <stepfn/detail/hex.hpp>
#include <stepfn/detail/json_text.hpp>
#include <stepfn/error.hpp>
#include <stepfn/execution_status.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/integrations/detail/bounded_json.hpp>
#include <stepfn/store/stored_execution.hpp>

namespace stepfn {
namespace detail {

// The error names a store's callers see (besides the contract's ExecutionDoesNotExist,
// ExecutionAlreadyExists, InvalidCheckpoint and InvalidToken).
inline constexpr const char* store_unavailable = "StoreUnavailable";  // cannot open, in use, I/O
inline constexpr const char* store_not_a_store = "StoreNotAStepfnStore";
inline constexpr const char* store_corrupted = "StoreCorrupted";
inline constexpr const char* store_too_new = "StoreVersionTooNew";
inline constexpr const char* store_full = "StoreFull";

// Times as integer nanoseconds since the Unix epoch: exact for every clock stepfn runs on.
inline std::int64_t to_store_ns(store_time t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline store_time from_store_ns(std::int64_t ns) {
    return store_time(std::chrono::duration_cast<store_time::duration>(std::chrono::nanoseconds(ns)));
}

inline bool parse_execution_status(std::string_view text, execution_status& out) noexcept {
    for (auto s : {execution_status::running, execution_status::succeeded, execution_status::failed, execution_status::timed_out,
                   execution_status::aborted}) {
        if (text == to_string(s)) {
            out = s;
            return true;
        }
    }
    return false;
}

inline error corrupted_row(const std::string& path, const std::string& what) {
    return error{store_corrupted, "the store " + path + " is corrupted: " + what};
}

// A checkpoint's events as one row's body: [[id, previous id, "Type", timestamp ns, details], ...],
// written in one pass by the engine's text writer (the bytes of nlohmann's dump with
// error_handler_t::replace: strings that are not UTF-8, which only host code can make, are
// stored with U+FFFD rather than stopping the committer). It runs on the engine's thread.
inline std::string events_body(const std::vector<history_event>& events) {
    std::string body;
    json_text_writer writer(body, 16 + 192 * events.size());
    writer.put('[');
    for (std::size_t i = 0; i < events.size(); ++i) {
        const history_event& e = events[i];
        if (i > 0) writer.put(',');
        writer.put('[');
        writer.integer(e.id);
        writer.put(',');
        writer.integer(e.previous_event_id);
        writer.put(",\"", 2);
        const std::string_view type = to_string(e.type);  // AWS's names: letters only, nothing to escape
        writer.put(type.data(), type.size());
        writer.put("\",", 2);
        writer.integer(to_store_ns(e.timestamp));
        writer.put(',');
        writer.value(e.details, 0);
        writer.put(']');
    }
    writer.put(']');
    writer.finish();
    return body;
}

// Reads a row's events back, checking every part (a damaged or hostile file gets an error).
inline result<std::vector<history_event>> read_events(const std::string& body, const std::string& path, std::string_view arn) {
    auto fail = [&](const std::string& what) {
        return tl::make_unexpected(corrupted_row(path, "the history of '" + std::string(arn) + "' " + what));
    };
    // Bounded: a damaged or hostile file cannot hand back a tree deep enough to overflow the stack.
    auto parsed = parse_reply(body, "the history of '" + std::string(arn) + "'", store_corrupted);
    if (!parsed) return tl::make_unexpected(std::move(parsed.error()));
    if (!parsed->is_array()) return fail("is not a list of events");
    std::vector<history_event> events;
    events.reserve(parsed->size());
    for (auto& item : *parsed) {
        if (!item.is_array() || item.size() != 5 || !item[0].is_number_integer() || !item[1].is_number_integer() ||
            !item[2].is_string() || !item[3].is_number_integer() || !item[4].is_object())
            return fail("holds an event that is not [id, previous id, type, timestamp, details]");
        history_event ev;
        ev.id = item[0].get<std::int64_t>();
        ev.previous_event_id = item[1].get<std::int64_t>();
        const std::string& type = item[2].get_ref<const std::string&>();
        if (!parse_event_type(type, ev.type)) return fail("has an event of the type '" + type + "'");
        ev.timestamp = from_store_ns(item[3].get<std::int64_t>());
        ev.details = std::move(item[4]);
        events.push_back(std::move(ev));
    }
    return events;
}

// ---- page tokens: "<kind>1.<hex position>.<hex check>", the check binding the position to the
// request it continues (filter, execution, direction), so a token is refused anywhere else.

inline std::string token_check(std::string_view scope, std::string_view position) {
    std::string text(scope);
    text += '\n';
    text += position;
    return hash_impl::sha256(text).substr(0, 16);
}

inline std::string make_page_token(char kind, std::string_view scope, std::uint64_t a, std::uint64_t b) {
    std::string position;
    append_hex_digits(position, a, 16);
    append_hex_digits(position, b, 16);
    std::string token(1, kind);
    token += "1.";
    token += position;
    token += '.';
    token += token_check(scope, position);
    return token;
}

inline error invalid_token(std::string_view token) {
    std::string shown(token.substr(0, 80));
    if (token.size() > 80) shown += "...";
    return error{"InvalidToken", "the page token '" + shown + "' is not one this store issued for this request"};
}

// The two numbers of a token this store made for `scope`; InvalidToken otherwise.
inline result<std::pair<std::uint64_t, std::uint64_t>> parse_page_token(char kind, std::string_view scope, std::string_view token) {
    // kind '1' '.' 32 hex '.' 16 hex
    if (token.size() != 3 + 32 + 1 + 16 || token[0] != kind || token[1] != '1' || token[2] != '.' || token[35] != '.')
        return tl::make_unexpected(invalid_token(token));
    const std::string_view position = token.substr(3, 32);
    std::uint64_t a = 0, b = 0;
    if (!read_hex(position.substr(0, 16), a) || !read_hex(position.substr(16), b) || token.substr(36) != token_check(scope, position))
        return tl::make_unexpected(invalid_token(token));
    return std::make_pair(a, b);
}

// What a page token is bound to, one per listing, the same in every store: a token is refused
// for any other listing (another machine, status, execution, order, kind or prefix).
inline std::string listing_scope(const execution_filter& filter) {
    return std::string("list\n") + filter.machine_arn + "\n" + (filter.status ? to_string(*filter.status) : "");
}
inline std::string history_scope(std::string_view arn, bool reverse_order) {
    return std::string("history\n") + std::string(arn) + (reverse_order ? "\nreverse" : "\nforward");
}
inline std::string resources_scope(std::string_view kind, std::string_view prefix) {
    return "resources\n" + std::string(kind) + "\n" + std::string(prefix);
}

} // namespace detail
} // namespace stepfn

#endif
