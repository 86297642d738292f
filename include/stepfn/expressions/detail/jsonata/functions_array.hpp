#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_ARRAY_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_ARRAY_HPP

// Array, object and higher-order functions. Results that the reference builds as plain arrays
// are JSON arrays (kept even when singletons); those it builds as sequences are sequences.

#include <algorithm>
#include <string>
#include <vector>

#include <stepfn/detail/json_object.hpp>  // reserve_members
#include <stepfn/expressions/detail/jsonata/functions_numeric.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline std::vector<value> items_of(const value& v) {
    std::vector<value> out;
    append_flat(out, v);
    return out;
}
inline value json_array_of(const std::vector<value>& items) {
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(items.size());
    for (const auto& v : items)
        if (!v.undefined()) out.push_back(to_json_or_null(v));
    return value::own(std::move(out));
}
inline value seq_of(std::vector<value> items) {
    auto s = new_seq();
    s->items = std::move(items);
    return value::of(std::move(s));
}

inline result<value> fn_count(call_info&, std::vector<value>& a) { return num_value(static_cast<double>(array_size(arg(a, 0)))); }

inline result<value> fn_append(call_info& c, std::vector<value>& a) {
    const value& x = arg(a, 0);
    const value& y = arg(a, 1);
    if (y.undefined()) return x;
    if (x.undefined()) return y;
    std::vector<value> out = items_of(x);
    append_flat(out, y);
    if (auto r = c.ev.charge(out.size()); !r) return tl::make_unexpected(r.error());
    return json_array_of(out);
}

inline result<value> fn_reverse(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (array_size(a[0]) <= 1) return a[0];
    auto items = items_of(a[0]);
    std::reverse(items.begin(), items.end());
    return json_array_of(items);
}

inline result<value> fn_shuffle(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (array_size(a[0]) <= 1) return a[0];
    auto items = items_of(a[0]);
    for (std::size_t i = items.size() - 1; i > 0; --i) {
        const auto j = static_cast<std::size_t>(c.ev.host().random() % (i + 1));
        std::swap(items[i], items[j]);
    }
    return json_array_of(items);
}

inline result<value> fn_sort(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (array_size(a[0]) <= 1) return a[0];
    auto items = items_of(a[0]);
    if (auto r = c.ev.charge(items.size() * 8); !r) return tl::make_unexpected(r.error());
    const value& fn = arg(a, 1);
    if (fn.undefined()) {
        bool numbers = true;
        bool strings = true;
        for (const auto& v : items) {
            numbers = numbers && v.is_number();
            strings = strings && v.is_string();
        }
        if (!numbers && !strings)
            return fail("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function");
        std::stable_sort(items.begin(), items.end(), [&](const value& x, const value& y) {
            return numbers ? x.num() < y.num() : x.str() < y.str();
        });
        return json_array_of(items);
    }
    // Merge sort as the reference: the function answers "swap?" (x after y).
    error failure;
    bool failed = false;
    std::stable_sort(items.begin(), items.end(), [&](const value& x, const value& y) {
        if (failed) return false;
        std::vector<value> args{y, x};
        auto r = c.ev.apply(fn, args, value{}, "");
        if (!r) {
            failed = true;
            failure = r.error();
            return false;
        }
        auto b = to_boolean(*r);
        return b && *b == 1;
    });
    if (failed) return tl::make_unexpected(failure);
    return json_array_of(items);
}

inline result<value> fn_distinct(call_info& c, std::vector<value>& a) {
    const value& v = arg(a, 0);
    if (!v.is_array() || array_size(v) <= 1) return v;
    std::vector<value> out;
    auto items = items_of(v);
    if (auto r = c.ev.charge(items.size() * items.size() / 4 + items.size()); !r) return tl::make_unexpected(r.error());
    for (const auto& item : items) {
        bool seen = false;
        for (const auto& o : out) seen = seen || values_equal(o, item);
        if (!seen) out.push_back(item);
    }
    return seq_of(std::move(out));
}

inline result<value> fn_zip(call_info&, std::vector<value>& a) {
    std::size_t n = a.empty() ? 0 : static_cast<std::size_t>(-1);
    for (const auto& v : a) n = (std::min)(n, array_size(v));
    json out = json::array();
    for (std::size_t i = 0; i < n; ++i) {
        json row = json::array();
        for (const auto& v : a) row.push_back(to_json_or_null(array_at(v, i)));
        out.push_back(std::move(row));
    }
    return value::own(std::move(out));
}

inline result<value> fn_keys(call_info&, std::vector<value>& a) {
    const value& v = arg(a, 0);
    std::vector<value> out;
    std::vector<std::string> seen;
    const auto add = [&](const value& o) {
        if (!o.is_object()) return;
        for (auto it = o.j().begin(); it != o.j().end(); ++it) {
            if (std::find(seen.begin(), seen.end(), it.key()) != seen.end()) continue;
            seen.push_back(it.key());
            out.push_back(str_value(it.key()));
        }
    };
    if (v.is_array()) for_each_item(v, add);
    else add(v);
    return seq_of(std::move(out));
}

inline result<value> fn_lookup(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    return lookup(a[0], arg(a, 1).str());
}

namespace array_detail {
// $spread of one value: objects into single-key objects, arrays (nested too) member by member.
inline void spread_into(std::vector<value>& out, const value& v, std::size_t depth = 0) {
    if (v.is_array() && depth < 1000) {
        for_each_item(v, [&](const value& m) { spread_into(out, m, depth + 1); });
    } else if (v.is_object()) {
        for (auto it = v.j().begin(); it != v.j().end(); ++it) out.push_back(value::own(json::object({{it.key(), it.value()}})));
    } else {
        out.push_back(v);
    }
}
} // namespace array_detail

inline result<value> fn_spread(call_info&, std::vector<value>& a) {
    const value& v = arg(a, 0);
    std::vector<value> out;
    if (v.is_array()) {  // the reference appends with concat: a plain array once anything is added
        array_detail::spread_into(out, v);
        if (out.empty()) return value{};
        return json_array_of(out);
    }
    if (!v.is_object()) return v;
    array_detail::spread_into(out, v);
    return seq_of(std::move(out));
}

inline result<value> fn_merge(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    json out = json::object();
    if (a[0].is_json_array() && a[0].sole_owner()) {
        // An array made for this call that nothing else holds (`$merge([$states.input, {...}])`):
        // its objects' members move instead of being copied.
        for (auto& o : const_cast<json&>(a[0].j())) {
            if (!o.is_object()) continue;
            if (out.empty()) {
                out = std::move(o);  // whole: no key lookups
                continue;
            }
            reserve_members(out, out.size() + o.size());  // growing it would copy every member
            for (auto it = o.begin(); it != o.end(); ++it) out[it.key()] = std::move(it.value());
        }
        return value::own(std::move(out));
    }
    for_each_item(a[0], [&](const value& o) {
        if (!o.is_object()) return;
        if (out.empty()) {
            out = o.j();  // whole: one copy, no key lookups
            return;
        }
        reserve_members(out, out.size() + o.j().size());
        for (auto it = o.j().begin(); it != o.j().end(); ++it) out[it.key()] = it.value();
    });
    return value::own(std::move(out));
}

inline result<value> fn_sift(call_info& c, std::vector<value>& a) {
    const value& o = arg(a, 0);
    if (!o.is_object()) return value{};
    json out = json::object();
    for (auto it = o.j().begin(); it != o.j().end(); ++it) {
        auto r = c.ev.call_hof(arg(a, 1), o.child(it.value()), str_value(it.key()), o);
        if (!r) return r;
        auto b = to_boolean(*r);
        if (!b) return tl::make_unexpected(b.error());
        if (*b == 1) out[it.key()] = it.value();
    }
    if (out.empty()) return value{};
    return value::own(std::move(out));
}

inline result<value> fn_each(call_info& c, std::vector<value>& a) {
    const value& o = arg(a, 0);
    if (!o.is_object()) return value{};
    std::vector<value> out;
    for (auto it = o.j().begin(); it != o.j().end(); ++it) {
        auto r = c.ev.call_hof(arg(a, 1), o.child(it.value()), str_value(it.key()), o);
        if (!r) return r;
        if (!r->undefined()) out.push_back(std::move(*r));
    }
    return seq_of(std::move(out));
}

// $clone (undocumented in the reference, but there): a deep copy, which for JSON values is the value.
inline result<value> fn_clone(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    return value::own(to_json_or_null(a[0]));
}

inline result<value> fn_error(call_info&, std::vector<value>& a) {
    return fail("D3137", arg(a, 0).undefined() ? std::string("$error() function evaluated") : a[0].str());
}

inline result<value> fn_assert(call_info&, std::vector<value>& a) {
    if (!(arg(a, 0).is_bool() && arg(a, 0).j().get<bool>())) return fail("D3141", arg(a, 1).undefined() ? std::string("$assert() statement failed") : a[1].str());
    return value{};
}

inline result<value> fn_type(call_info&, std::vector<value>& a) {
    const value& v = arg(a, 0);
    if (v.undefined()) return value{};
    if (v.is_fn()) return str_value("function");
    if (v.is_array()) return str_value("array");
    const json& j = v.j();
    if (j.is_null()) return str_value("null");
    if (j.is_number()) return str_value("number");
    if (j.is_string()) return str_value("string");
    if (j.is_boolean()) return str_value("boolean");
    return str_value("object");
}

inline result<value> fn_map(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    auto items = items_of(a[0]);
    std::vector<value> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto r = c.ev.call_hof(arg(a, 1), items[i], num_value(static_cast<double>(i)), a[0]);
        if (!r) return r;
        if (!r->undefined()) out.push_back(std::move(*r));
    }
    return seq_of(std::move(out));
}

inline result<value> fn_filter(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    auto items = items_of(a[0]);
    std::vector<value> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto r = c.ev.call_hof(arg(a, 1), items[i], num_value(static_cast<double>(i)), a[0]);
        if (!r) return r;
        auto b = to_boolean(*r);
        if (!b) return tl::make_unexpected(b.error());
        if (*b == 1) out.push_back(items[i]);
    }
    return seq_of(std::move(out));
}

inline result<value> fn_single(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    auto items = items_of(a[0]);
    bool found = false;
    value one;
    for (std::size_t i = 0; i < items.size(); ++i) {
        bool hit = true;
        if (!arg(a, 1).undefined()) {
            auto r = c.ev.call_hof(a[1], items[i], num_value(static_cast<double>(i)), a[0]);
            if (!r) return r;
            auto b = to_boolean(*r);
            if (!b) return tl::make_unexpected(b.error());
            hit = *b == 1;
        }
        if (!hit) continue;
        if (found) return fail("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.");
        found = true;
        one = items[i];
    }
    if (!found) return fail("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
    return one;
}

inline result<value> fn_reduce(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const value& fn = arg(a, 1);
    const std::size_t n = c.ev.arity(fn);
    if (n < 2) return fail("D3050", "The second argument of reduce function must be a function with at least two arguments");
    auto items = items_of(a[0]);
    std::size_t i = 0;
    value acc = arg(a, 2);
    if (acc.undefined() && !items.empty()) acc = items[i++];
    for (; i < items.size(); ++i) {
        std::vector<value> args{acc, items[i]};
        if (n >= 3) args.push_back(num_value(static_cast<double>(i)));
        if (n >= 4) args.push_back(a[0]);
        auto r = c.ev.apply(fn, args, value{}, "");
        if (!r) return r;
        acc = std::move(*r);
    }
    return acc;
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
