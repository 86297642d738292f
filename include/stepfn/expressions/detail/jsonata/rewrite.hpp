#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_REWRITE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_REWRITE_HPP

// Turns the parser's raw tree into the evaluated shape, as the reference's post-parse pass
// does: `a.b.c` becomes one path of steps, predicates attach to the step they follow (or to
// the expression when it is not a step), `{}` grouping, `^()` sorting and `@`/`#` bindings
// attach to their step; literals in steps are checked; signatures and regexes are compiled
// and `$name` of a built-in is resolved once.

#include <string>

#include <stepfn/expressions/detail/jsonata/ast.hpp>
#include <stepfn/expressions/detail/jsonata/regex.hpp>
#include <stepfn/expressions/detail/jsonata/signature.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

const builtin_def* find_builtin(std::string_view name);
std::shared_ptr<const prepared_picture> prepare_picture(const builtin_def& b, std::string_view picture);

class rewriter {
public:
    explicit rewriter(arena& nodes) : nodes_(nodes) {}

    result<node*> process(node* n) {
        if (++depth_ > 1000) return fail("S0201", "Syntax error: expression nested too deeply");
        auto r = process_inner(n);
        --depth_;
        return r;
    }

    bool uses_context = false;  // reads the context item at top level
    bool uses_parent = false;   // contains `%`

private:
    result<node*> err(std::string_view code, const std::string& message, const node* n) {
        return fail(code, message + " (position " + std::to_string(n->position) + ")");
    }

    node* as_path(node* n) {
        if (n->type == node_type::path) return n;
        node* p = nodes_.make(node_type::path, n->position);
        p->items.push_back(n);
        return p;
    }

    result<node*> process_inner(node* n) {
        switch (n->type) {
        case node_type::dot: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* path = as_path(*l);
            auto r = process(n->rhs);
            if (!r) return r;
            node* rest = *r;
            if (rest->type == node_type::path) {
                for (node* s : rest->items) path->items.push_back(s);
            } else {
                if (!rest->x().predicates.empty()) {
                    rest->x().stages = std::move(rest->x().predicates);
                    rest->x().predicates.clear();
                }
                path->items.push_back(rest);
            }
            for (node* s : path->items) {
                if (s->type == node_type::number || s->type == node_type::literal)
                    return err("S0213", "The literal value " + s->lit.dump() + " cannot be used as a step within a path expression", s);
                if (s->type == node_type::string) s->type = node_type::name;
                if (s->keep_array) path->keep_singleton_array = true;
            }
            for (std::size_t i = 1; i < path->items.size(); ++i) {
                // `%` needs a step before it that read from an object (as the reference's ancestry).
                const node_type before = path->items[i - 1]->type;
                if (path->items[i]->type == node_type::parent && before != node_type::name && before != node_type::wildcard &&
                    before != node_type::parent && before != node_type::block && before != node_type::path)
                    return err("S0217", "The object representing the 'parent' cannot be derived from this expression", path->items[i]);
            }
            if (path->items.front()->type == node_type::array) path->items.front()->cons_array = true;
            if (path->items.back()->type == node_type::array) path->items.back()->cons_array = true;
            return path;
        }
        case node_type::name: {
            node* p = as_path(n);
            if (n->keep_array) p->keep_singleton_array = true;
            return p;
        }
        case node_type::predicate: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* result = *l;
            node* step = result;
            bool stages = false;
            if (result->type == node_type::path) {
                step = result->items.back();
                stages = true;
            }
            if (step->has_group) return err("S0209", "A predicate cannot follow a grouping expression in a step", n);
            auto pred = process(n->rhs);
            if (!pred) return pred;
            (stages ? step->x().stages : step->x().predicates).push_back(stage{*pred, {}});
            if (n->keep_array) step->keep_array = true, result->keep_singleton_array = result->type == node_type::path || result->keep_singleton_array;
            return result;
        }
        case node_type::group: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* result = *l;
            if (result->has_group) return err("S0210", "Each step can only have one grouping expression", n);
            if (auto r = pairs(n->x().pairs); !r) return tl::make_unexpected(r.error());
            result->x().group = n->x().pairs;
            result->has_group = true;
            return result;
        }
        case node_type::sort_raw: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* path = as_path(*l);
            node* sort = nodes_.make(node_type::sort, n->position);
            for (auto& t : n->x().terms) {
                auto e = process(t.expr);
                if (!e) return e;
                sort->x().terms.push_back(sort_term{*e, t.descending});
            }
            path->items.push_back(sort);
            return path;
        }
        case node_type::focus: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* result = *l;
            node* step = result->type == node_type::path ? result->items.back() : result;
            if (!step->x().stages.empty() || !step->x().predicates.empty())
                return err("S0215", "A context variable binding must precede any predicates on a step", n);
            if (step->type == node_type::sort)
                return err("S0216", "A context variable binding must precede the 'order-by' clause on a step", n);
            if (n->keep_array) step->keep_array = true;
            step->x().focus = n->str;
            step->tuple = true;
            return result;
        }
        case node_type::index: {
            auto l = process(n->lhs);
            if (!l) return l;
            node* result = *l;
            node* step = result;
            if (result->type == node_type::path) {
                step = result->items.back();
            } else {
                result = as_path(result);
                if (!step->x().predicates.empty()) {
                    step->x().stages = std::move(step->x().predicates);
                    step->x().predicates.clear();
                }
            }
            if (step->x().stages.empty()) step->x().index_var = n->str;
            else step->x().stages.push_back(stage{nullptr, n->str});
            step->tuple = true;
            return result;
        }
        case node_type::binary:
        case node_type::bind:
        case node_type::apply:
        case node_type::range:
        case node_type::condition:
        case node_type::transform:
        case node_type::negate:
            return children(n);
        case node_type::array:
        case node_type::block:
            for (auto& item : n->items) {
                auto r = process(item);
                if (!r) return r;
                item = *r;
            }
            if (n->type == node_type::block) n->scope = binds(n, 0);
            return n;
        case node_type::object:
            if (auto r = pairs(n->x().pairs); !r) return tl::make_unexpected(r.error());
            return n;
        case node_type::call:
        case node_type::partial: {
            auto proc = process(n->lhs);
            if (!proc) return proc;
            n->lhs = *proc;
            for (auto& item : n->items) {
                if (item->type == node_type::placeholder) continue;
                auto r = process(item);
                if (!r) return r;
                item = *r;
            }
            // `$formatNumber(x, "#,##0.00")`: the picture is analysed once, here.
            if (n->type == node_type::call && n->lhs->type == node_type::variable && n->lhs->builtin != nullptr &&
                n->items.size() >= 2 && n->items[1]->type == node_type::string)
                n->x().picture = prepare_picture(*n->lhs->builtin, n->items[1]->lit.get<std::string>());
            return n;
        }
        case node_type::lambda: {
            if (!n->str.empty()) {
                auto sig = parse_signature(n->str);
                if (!sig) return tl::make_unexpected(sig.error());
                n->x().sig = *sig;
            }
            const bool outer = uses_context;
            auto body = process(n->rhs);
            if (!body) return body;
            n->rhs = *body;
            uses_context = outer;  // a lambda body's context is the caller's, checked there
            return n;
        }
        case node_type::variable:
            n->builtin = find_builtin(n->str);
            return n;
        case node_type::regex: {
            auto re = compile_regex(n->str, n->lit.get<std::string>());
            if (!re) return err("S0303", re.error().cause, n);
            n->x().re = *re;
            return n;
        }
        case node_type::parent:
            uses_parent = true;
            return n;
        default:
            return n;
        }
    }

    // Whether evaluating `n` may bind a variable in the current frame (lambda bodies and inner
    // blocks have their own).
    static bool binds(const node* n, std::size_t depth) {
        if (n == nullptr || depth > 1000) return n != nullptr;
        if (n->type == node_type::bind) return true;
        if (n->type == node_type::lambda) return false;
        if (n->type == node_type::block && depth > 0) return false;
        for (const node* c : {n->lhs, n->rhs, n->third})
            if (binds(c, depth + 1)) return true;
        for (const node* c : n->items)
            if (c->type != node_type::placeholder && binds(c, depth + 1)) return true;
        for (const auto& p : n->x().pairs)
            if (binds(p.first, depth + 1) || binds(p.second, depth + 1)) return true;
        for (const auto& p : n->x().group)
            if (binds(p.first, depth + 1) || binds(p.second, depth + 1)) return true;
        for (const auto& st : n->x().stages)
            if (binds(st.filter, depth + 1)) return true;
        for (const auto& st : n->x().predicates)
            if (binds(st.filter, depth + 1)) return true;
        for (const auto& t : n->x().terms)
            if (binds(t.expr, depth + 1)) return true;
        return false;
    }

    result<node*> children(node* n) {
        for (node** c : {&n->lhs, &n->rhs, &n->third}) {
            if (*c == nullptr) continue;
            auto r = process(*c);
            if (!r) return r;
            *c = *r;
        }
        return n;
    }

    result<void> pairs(std::vector<std::pair<node*, node*>>& ps) {
        for (auto& p : ps) {
            auto k = process(p.first);
            if (!k) return tl::make_unexpected(k.error());
            auto v = process(p.second);
            if (!v) return tl::make_unexpected(v.error());
            p = {*k, *v};
        }
        return {};
    }

    arena& nodes_;
    std::size_t depth_ = 0;
};

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
