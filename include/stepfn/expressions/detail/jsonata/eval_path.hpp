#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVAL_PATH_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVAL_PATH_HPP

// Paths: each step maps over the previous step's sequence and the results are flattened;
// predicates filter (numbers index, others test truth); steps that bind `@$v` or `#$i` turn the
// path into a stream of tuples; `{...}` groups and `^(...)` sorts. Inputs are held by pointer.

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/detail/json_object.hpp>  // reserve_members
#include <stepfn/expressions/detail/jsonata/evaluator.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline frame_ptr evaluator::tuple_frame(const frame_ptr& env, const tuple& t) {
    auto f = child_frame(env);
    f->vars = t.vars;
    return f;
}

inline result<value> evaluator::eval_path(const node* n, const value& input, const frame_ptr& env) {
    // A step's inputs: `in`, or a single one read where it is (`sole`), so that the usual path,
    // one value per step, allocates no vector. The first step maps over an array input's
    // members, except a variable, which reads the array whole.
    std::vector<value> in;
    const value* sole = &input;
    value one;  // a later step's single input
    if (input.is_array() && n->items.front()->type != node_type::variable) {
        append_flat(in, input);
        sole = nullptr;
    }
    const auto inputs = [&]() -> const std::vector<value>& {  // all of them in `in`
        if (sole != nullptr) in.push_back(*sole);
        sole = nullptr;
        return in;
    };
    bool tuple_mode = false;
    bool have_bindings = false;
    std::vector<tuple> bindings;
    value out;
    const std::size_t count = n->items.size();
    for (std::size_t i = 0; i < count; ++i) {
        const node* step = n->items[i];
        if (step->tuple) tuple_mode = true;
        if (i == 0 && step->cons_array) {
            auto s = new_seq();
            s->items = inputs();
            auto r = eval(step, value::of(std::move(s)), env);
            if (!r) return r;
            out = std::move(*r);
        } else if (tuple_mode) {
            auto r = eval_tuple_step(step, inputs(), have_bindings ? &bindings : nullptr, env);
            if (!r) return tl::make_unexpected(r.error());
            bindings = std::move(*r);
            have_bindings = true;
        } else {
            auto r = sole != nullptr ? eval_step(step, sole, 1, env, i + 1 == count)
                                     : eval_step(step, in.data(), in.size(), env, i + 1 == count);
            if (!r) return r;
            out = std::move(*r);
        }
        if (!tuple_mode && array_size(out) == 0) break;
        if (step->x().focus.empty() && !tuple_mode && i + 1 < count) {
            in.clear();
            sole = nullptr;
            if (out.is_seq() && out.sole_owner()) in.swap(out.seq().items);  // sole owner: take the items
            else if (out.is_array()) append_flat(in, out);
            else one = std::move(out), sole = &one;
            out = value{};
        }
    }
    if (tuple_mode) {
        auto s = new_seq();
        for (auto& t : bindings) s->items.push_back(t.at);
        out = value::of(std::move(s));
    }
    if (n->keep_singleton_array) {
        if (out.is_json_array() && out.cons) {
            auto s = new_seq();
            s->items.push_back(out);
            out = value::of(std::move(s));
        }
        if (!out.is_array() && !out.undefined()) {  // a bare single result still becomes [result]
            auto s = new_seq();
            s->items.push_back(std::move(out));
            out = value::of(std::move(s));
        }
        if (out.is_seq()) out.seq().keep_singleton = true;
    }
    if (n->has_group) {
        if (tuple_mode) return eval_group(n->x().group, nullptr, &bindings, env);
        std::vector<value> items;
        if (out.is_array()) append_flat(items, out);
        else if (!out.undefined()) items.push_back(out);
        return eval_group(n->x().group, &items, nullptr, env);
    }
    return out;
}

inline result<value> evaluator::eval_step(const node* step, const value* in, std::size_t in_count, const frame_ptr& env, bool last) {
    if (step->type == node_type::sort) {
        std::vector<value> items(in, in + in_count);
        if (auto r = sort_items(step, &items, nullptr, env); !r) return tl::make_unexpected(r.error());
        auto s = new_seq();
        s->items = std::move(items);
        value v = value::of(std::move(s));
        for (const auto& st : step->x().stages) {
            if (st.filter == nullptr) continue;
            auto f = eval_filter(st.filter, v, env);
            if (!f) return f;
            v = std::move(*f);
        }
        return v;
    }
    // The common case, one result that is not an array, is returned bare: the sequence it
    // would sit in is only allocated once a second member or an array turns up.
    std::shared_ptr<sequence> s;
    value first;
    std::size_t count = 0;
    for (const value* item = in; item != in + in_count; ++item) {
        auto r = eval(step, *item, env);
        if (!r) return r;
        for (const auto& st : step->x().stages) {
            if (st.filter == nullptr) continue;
            r = eval_filter(st.filter, *r, env);
            if (!r) return r;
        }
        value& v = *r;
        if (v.undefined()) continue;
        if (++count == 1) {
            first = std::move(v);
            continue;
        }
        if (!s) {
            s = new_seq();
            s->items.reserve(in_count);
            if (!first.is_array() || first.cons) s->items.push_back(std::move(first));
            else append_flat(*s, first);
        }
        if (!v.is_array() || v.cons) s->items.push_back(std::move(v));
        else append_flat(*s, v);
    }
    if (count == 1) {
        if (last && first.is_json_array()) return first;
        if (!first.is_array() || first.cons) return first;
        s = new_seq();
        append_flat(*s, first);
    }
    if (!s) s = new_seq();
    return value::of(std::move(s));
}

inline result<std::vector<tuple>> evaluator::eval_tuple_step(const node* step, const std::vector<value>& in,
                                                             std::vector<tuple>* bindings, const frame_ptr& env) {
    std::vector<tuple> out;
    if (step->type == node_type::sort) {
        if (bindings != nullptr) {
            out = *bindings;
            if (auto r = sort_items(step, nullptr, &out, env); !r) return tl::make_unexpected(r.error());
        } else {
            std::vector<value> items = in;
            if (auto r = sort_items(step, &items, nullptr, env); !r) return tl::make_unexpected(r.error());
            for (std::size_t i = 0; i < items.size(); ++i) {
                tuple t;
                t.at = items[i];
                if (!step->x().index_var.empty()) t.vars.emplace_back(step->x().index_var, value::number(static_cast<double>(i)));
                out.push_back(std::move(t));
            }
        }
    } else {
        std::vector<tuple> initial;
        if (bindings == nullptr) {
            for (const auto& item : in) initial.push_back(tuple{item, {}});
            bindings = &initial;
        }
        for (const auto& t : *bindings) {
            auto r = eval(step, t.at, tuple_frame(env, t));
            if (!r) return tl::make_unexpected(r.error());
            if (r->undefined()) continue;
            std::vector<value> members;
            if (r->is_array()) append_flat(members, *r);
            else members.push_back(*r);
            for (std::size_t b = 0; b < members.size(); ++b) {
                tuple next = t;
                const auto bind = [&](std::string_view name, value v) {
                    for (auto& entry : next.vars)
                        if (entry.first == name) { entry.second = std::move(v); return; }
                    next.vars.emplace_back(name, std::move(v));
                };
                if (!step->x().focus.empty()) bind(step->x().focus, members[b]);
                else next.at = members[b];
                if (!step->x().index_var.empty()) bind(step->x().index_var, value::number(static_cast<double>(b)));
                out.push_back(std::move(next));
            }
        }
    }
    for (const auto& st : step->x().stages) {
        if (st.filter != nullptr) {
            auto r = eval_tuple_filter(st.filter, std::move(out), env);
            if (!r) return r;
            out = std::move(*r);
        } else {
            for (std::size_t i = 0; i < out.size(); ++i) {
                auto& vars = out[i].vars;
                value pos = value::number(static_cast<double>(i));
                bool done = false;
                for (auto& entry : vars)
                    if (entry.first == st.index_var) { entry.second = pos; done = true; }
                if (!done) vars.emplace_back(st.index_var, pos);
            }
        }
    }
    return out;
}

namespace path_detail {
// Whether predicate result `r` selects position `index` of `size` (numbers index, else truth).
inline result<bool> selects(const value& r, std::size_t index, std::size_t size) {
    const auto hit = [&](double d) {
        double ii = std::floor(d);
        if (ii < 0) ii += static_cast<double>(size);
        return ii == static_cast<double>(index);
    };
    if (r.is_number()) return hit(r.num());
    if (r.is_array()) {
        bool all_numbers = true;
        for_each_item(r, [&](const value& m) { all_numbers = all_numbers && m.is_number(); });
        if (all_numbers) {
            bool any = false;
            for_each_item(r, [&](const value& m) { any = any || hit(m.num()); });
            return any;
        }
    }
    auto b = to_boolean(r);
    if (!b) return tl::make_unexpected(b.error());
    return *b == 1;
}
} // namespace path_detail

inline result<value> evaluator::eval_filter(const node* pred, const value& input, const frame_ptr& env) {
    if (input.undefined()) {
        // The reference filters [undefined]: the predicate runs (errors and all), and when it
        // selects position 0 the result holds one undefined member, which JSON shows as null.
        if (pred->type == node_type::number) return value{};
        auto r = eval(pred, input, env);
        if (!r) return r;
        auto hit = path_detail::selects(*r, 0, 1);
        if (!hit) return tl::make_unexpected(hit.error());
        if (!*hit) return value{};
        auto s = new_seq();
        s->items.emplace_back();
        return value::of(std::move(s));
    }
    auto s = new_seq();
    const std::size_t size = input.is_array() ? array_size(input) : 1;
    if (pred->type == node_type::number) {
        double index = std::floor(pred->lit.get<double>());
        if (index < 0) index += static_cast<double>(size);
        if (index >= 0 && index < static_cast<double>(size)) {
            value item = input.is_array() ? array_at(input, static_cast<std::size_t>(index)) : input;
            if (item.is_array()) return item;
            s->items.push_back(std::move(item));
        }
        return value::of(std::move(s));
    }
    for (std::size_t i = 0; i < size; ++i) {
        value item = input.is_array() ? array_at(input, i) : input;
        auto r = eval(pred, item, env);
        if (!r) return r;
        auto hit = path_detail::selects(*r, i, size);
        if (!hit) return tl::make_unexpected(hit.error());
        if (*hit) s->items.push_back(std::move(item));
    }
    return value::of(std::move(s));
}

inline result<std::vector<tuple>> evaluator::eval_tuple_filter(const node* pred, std::vector<tuple> input, const frame_ptr& env) {
    std::vector<tuple> out;
    if (pred->type == node_type::number) {
        double index = std::floor(pred->lit.get<double>());
        if (index < 0) index += static_cast<double>(input.size());
        if (index >= 0 && index < static_cast<double>(input.size())) out.push_back(std::move(input[static_cast<std::size_t>(index)]));
        return out;
    }
    for (std::size_t i = 0; i < input.size(); ++i) {
        auto r = eval(pred, input[i].at, tuple_frame(env, input[i]));
        if (!r) return tl::make_unexpected(r.error());
        auto hit = path_detail::selects(*r, i, input.size());
        if (!hit) return tl::make_unexpected(hit.error());
        if (*hit) out.push_back(std::move(input[i]));
    }
    return out;
}

inline result<value> evaluator::eval_group(const std::vector<std::pair<node*, node*>>& pairs, const std::vector<value>* items,
                                           const std::vector<tuple>* tuples, const frame_ptr& env) {
    struct entry {
        std::string key;
        std::size_t pair;
        std::vector<std::size_t> members;
    };
    const bool reduce = tuples != nullptr;
    if (!reduce && items->size() <= 1) {
        // One context item (an object constructor's usual case): each pair is key then value.
        const value none;
        const value& ctx = items->empty() ? none : items->front();
        json out = json::object();
        reserve_members(out, pairs.size());  // growing it would copy every member made so far
        std::vector<std::string> undefined_keys;  // hold their place for the duplicate check
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            auto k = eval(pairs[p].first, ctx, env);
            if (!k) return k;
            if (k->undefined()) continue;
            if (!k->is_string()) return fail("T1003", "Key in object structure must evaluate to a string; got: " + to_json_text(*k));
            if (out.contains(k->str())) return fail("D1009", "Multiple key definitions evaluate to same key: " + quote(k->str()));
            auto v = eval(pairs[p].second, ctx, env);
            if (!v) return v;
            json& slot = out[k->str()];
            if (!v->undefined() && !v->is_fn()) slot = to_json_or_null(*v);
            else undefined_keys.push_back(k->str());
        }
        for (const auto& k : undefined_keys) out.erase(k);
        return value::own(std::move(out));
    }
    std::vector<entry> groups;
    std::unordered_map<std::string, std::size_t> index;
    const std::size_t count = reduce ? tuples->size() : (std::max)(items->size(), std::size_t{1});
    const value none;
    for (std::size_t i = 0; i < count; ++i) {
        const value& ctx = reduce ? (*tuples)[i].at : (items->empty() ? none : (*items)[i]);
        const frame_ptr fenv = reduce ? tuple_frame(env, (*tuples)[i]) : env;
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            auto k = eval(pairs[p].first, ctx, fenv);
            if (!k) return k;
            if (k->undefined()) continue;
            if (!k->is_string()) return fail("T1003", "Key in object structure must evaluate to a string; got: " + to_json_text(*k));
            const std::string& key = k->str();
            const auto it = index.find(key);
            if (it == index.end()) {
                index.emplace(key, groups.size());
                groups.push_back(entry{key, p, {i}});
            } else {
                if (groups[it->second].pair != p) return fail("D1009", "Multiple key definitions evaluate to same key: " + quote(key));
                groups[it->second].members.push_back(i);
            }
        }
    }
    json out = json::object();
    reserve_members(out, groups.size());
    for (const auto& g : groups) {
        value ctx;
        frame_ptr fenv = env;
        const auto combine = [](value& acc, const value& v, bool first) {
            if (first) { acc = v; return; }
            if (v.undefined()) return;
            if (acc.undefined()) { acc = v; return; }
            auto s = new_seq();
            append_flat(*s, acc);
            append_flat(*s, v);
            acc = value::of(std::move(s));
        };
        if (reduce) {
            tuple merged;
            bool first = true;
            for (const std::size_t m : g.members) {
                const tuple& t = (*tuples)[m];
                combine(merged.at, t.at, first);
                for (const auto& var : t.vars) {
                    auto found = std::find_if(merged.vars.begin(), merged.vars.end(), [&](const auto& e) { return e.first == var.first; });
                    if (found == merged.vars.end()) merged.vars.push_back(var);
                    else if (!first) combine(found->second, var.second, false);
                }
                first = false;
            }
            ctx = merged.at;
            fenv = tuple_frame(env, merged);
        } else if (g.members.size() == 1) {
            ctx = items->empty() ? none : (*items)[g.members.front()];
        } else {
            auto s = new_seq();
            for (const std::size_t m : g.members) append_flat(*s, (*items)[m]);
            ctx = value::of(std::move(s));
        }
        auto v = eval(pairs[g.pair].second, ctx, fenv);
        if (!v) return v;
        if (!v->undefined() && !v->is_fn()) out[g.key] = to_json_or_null(*v);
    }
    return value::own(std::move(out));
}

inline result<void> evaluator::sort_items(const node* sort, std::vector<value>* items, std::vector<tuple>* tuples, const frame_ptr& env) {
    const std::size_t n = items != nullptr ? items->size() : tuples->size();
    const std::size_t terms = sort->x().terms.size();
    std::vector<value> keys(n * terms);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t t = 0; t < terms; ++t) {
            auto k = items != nullptr ? eval(sort->x().terms[t].expr, (*items)[i], env)
                                      : eval(sort->x().terms[t].expr, (*tuples)[i].at, tuple_frame(env, (*tuples)[i]));
            if (!k) return tl::make_unexpected(k.error());
            if (n > 1 && !k->undefined() && !k->is_number() && !k->is_string())
                return fail("T2008", "The expressions within an order-by clause must evaluate to numeric or string values");
            keys[i * terms + t] = std::move(*k);
        }
    }
    bool mismatch = false;
    const auto less = [&](std::size_t a, std::size_t b) {
        for (std::size_t t = 0; t < terms; ++t) {
            const value& x = keys[a * terms + t];
            const value& y = keys[b * terms + t];
            int c = 0;
            if (x.undefined()) c = y.undefined() ? 0 : 1;
            else if (y.undefined()) c = -1;
            else if (x.is_number() != y.is_number()) { mismatch = true; c = 0; }
            else if (x.is_number()) c = x.num() < y.num() ? -1 : (x.num() > y.num() ? 1 : 0);
            else c = compare_strings(x.str(), y.str());
            if (c != 0 && sort->x().terms[t].descending && !x.undefined() && !y.undefined()) c = -c;  // undefined stays last
            if (c != 0) return c < 0;
        }
        return false;
    };
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), less);
    if (mismatch) return fail("T2007", "Type mismatch within order-by clause. All values must be of the same type");
    if (items != nullptr) {
        std::vector<value> sorted;
        sorted.reserve(n);
        for (const std::size_t i : order) sorted.push_back((*items)[i]);
        *items = std::move(sorted);
    } else {
        std::vector<tuple> sorted;
        sorted.reserve(n);
        for (const std::size_t i : order) sorted.push_back((*tuples)[i]);
        *tuples = std::move(sorted);
    }
    return {};
}

inline value evaluator::eval_wildcard(const value& input) {
    value in = input;
    if (in.is_seq() && in.seq().outer_wrapper && !in.seq().items.empty()) in = in.seq().items.front();
    auto s = new_seq();
    if (in.is_object() || in.is_json_array()) {  // an array's members are its "fields" here
        const value* parent = in.is_object() ? keep_parent(in) : nullptr;
        for (const auto& member : in.j()) {
            value v = in.child(member);
            if (parent) v.set_parent(parent);
            if (member.is_array()) {
                sequence flat;
                flatten_into(flat, v);
                for (auto& x : flat.items) {
                    if (parent) x.set_parent(parent);
                    s->items.push_back(std::move(x));
                }
            }
            else s->items.push_back(v);
        }
    }
    return value::of(std::move(s));
}

namespace path_detail {
inline void descend(sequence& out, const value& v) {
    if (v.is_array()) {
        for_each_item(v, [&](const value& m) { descend(out, m); });
        return;
    }
    out.items.push_back(v);
    if (v.is_object())
        for (const auto& member : v.j()) descend(out, v.child(member));
}
} // namespace path_detail

inline value evaluator::eval_descendants(const value& input) {
    if (input.undefined()) return value{};
    auto s = new_seq();
    path_detail::descend(*s, input);
    if (s->items.size() == 1) return s->items.front();
    return value::of(std::move(s));
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
