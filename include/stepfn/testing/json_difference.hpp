#ifndef STEPFN_TESTING_JSON_DIFFERENCE_HPP
#define STEPFN_TESTING_JSON_DIFFERENCE_HPP

// Compares two JSON documents as values, the way a test means them: object members in any
// order, numbers by value (1 equals 1.0), arrays in order. stepfn::json keeps insertion order
// and its == compares it, so two objects that differ only in key order would fail a check while
// printing alike; the first difference, named by its JSON Pointer, says where they really differ.
//
//   if (auto d = stepfn::testing::first_difference(expected, actual)) std::cout << d->text();

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stepfn/json.hpp>

namespace stepfn::testing {

struct json_difference {
    std::string pointer;  // RFC 6901, "" for the whole document
    std::string what;     // e.g. `expected 3 but found 4`, `missing member`, `unexpected member`

    std::string text() const { return "at " + (pointer.empty() ? std::string("the top") : pointer) + ": " + what; }
};

namespace detail {

inline std::string pointer_token(const std::string& key) {
    std::string out;
    out.reserve(key.size());
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

inline const char* json_kind(const json& v) {
    if (v.is_object()) return "an object";
    if (v.is_array()) return "an array";
    if (v.is_string()) return "a string";
    if (v.is_number()) return "a number";
    if (v.is_boolean()) return "a boolean";
    return "null";
}

inline std::string short_json(const json& v) {
    std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

} // namespace detail

// The first place where `actual` differs from `expected`, in `expected`'s document order (a
// member `actual` lacks comes before one it has in addition); nothing when they are equal.
// Iterative, so a deeply nested document cannot overflow the stack.
inline std::optional<json_difference> first_difference(const json& expected, const json& actual) {
    struct pending {
        const json* expected;
        const json* actual;      // null: `expected` names a member that `actual` lacks
        std::string pointer;
        bool extras_of = false;  // check `actual`'s object for members `expected`'s lacks
    };
    std::vector<pending> stack;
    stack.push_back({&expected, &actual, std::string()});
    while (!stack.empty()) {
        pending p = std::move(stack.back());
        stack.pop_back();
        const json& e = *p.expected;
        if (!p.actual) return json_difference{std::move(p.pointer), "missing member (expected " + detail::short_json(e) + ")"};
        const json& a = *p.actual;
        if (p.extras_of) {
            for (auto it = a.begin(); it != a.end(); ++it) {
                if (!e.contains(it.key())) {
                    return json_difference{p.pointer + "/" + detail::pointer_token(it.key()),
                                           "unexpected member " + detail::short_json(*it)};
                }
            }
            continue;
        }
        if (!(e.is_number() && a.is_number()) && e.type() != a.type()) {
            return json_difference{std::move(p.pointer), "expected " + detail::short_json(e) + " (" + detail::json_kind(e) +
                                                             ") but found " + detail::short_json(a) + " (" +
                                                             detail::json_kind(a) + ")"};
        }
        if (e.is_object()) {
            // Visited after the members, which are pushed last-first so that the stack takes them
            // in the expected document's order.
            stack.push_back({&e, &a, p.pointer, true});
            std::vector<std::pair<const json*, std::string>> members;
            for (auto it = e.begin(); it != e.end(); ++it) members.emplace_back(&*it, it.key());
            for (auto m = members.rbegin(); m != members.rend(); ++m) {
                auto found = a.find(m->second);
                stack.push_back({m->first, found == a.end() ? nullptr : &*found,
                                 p.pointer + "/" + detail::pointer_token(m->second)});
            }
        } else if (e.is_array()) {
            if (e.size() != a.size()) {
                return json_difference{std::move(p.pointer), "expected " + std::to_string(e.size()) + " items but found " +
                                                                 std::to_string(a.size())};
            }
            for (std::size_t i = e.size(); i-- > 0;) stack.push_back({&e[i], &a[i], p.pointer + "/" + std::to_string(i)});
        } else if (!(e == a)) {
            return json_difference{std::move(p.pointer),
                                   "expected " + detail::short_json(e) + " but found " + detail::short_json(a)};
        }
    }
    return std::nullopt;
}

// Equal as values: object members in any order, numbers by value, arrays in order.
inline bool same_json(const json& expected, const json& actual) { return !first_difference(expected, actual); }

} // namespace stepfn::testing

#endif
