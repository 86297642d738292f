#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVALUATOR_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_EVALUATOR_HPP

// The tree walker. One evaluator lives for one evaluation: it counts work and depth against
// the bounds, fixes $now/$millis, and resolves `$name` through lexical frames, then the host's
// variables, then the built-in functions. Paths and calls are in eval_path.hpp and
// eval_call.hpp; the operators are here.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/ast.hpp>
#include <stepfn/expressions/detail/jsonata/convert.hpp>
#include <stepfn/expressions/detail/jsonata/signature.hpp>
#include <stepfn/expressions/detail/jsonata/value.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct frame;
using frame_ptr = std::shared_ptr<frame>;

// Lexical variables of one block, lambda call or tuple; names point into the compiled tree.
struct frame {
    frame_ptr parent;
    std::vector<std::pair<std::string_view, value>> vars;

    const value* find(std::string_view name) const {
        for (const frame* f = this; f != nullptr; f = f->parent.get())
            for (auto it = f->vars.rbegin(); it != f->vars.rend(); ++it)
                if (it->first == name) return &it->second;
        return nullptr;
    }
    void bind(std::string_view name, value v) {
        for (auto& entry : vars) {
            if (entry.first == name) {
                entry.second = std::move(v);
                return;
            }
        }
        vars.emplace_back(name, std::move(v));
    }
};

inline frame_ptr child_frame(const frame_ptr& parent) {
    auto f = std::make_shared<frame>();
    f->parent = parent;
    return f;
}

class evaluator;
struct regex_program;

struct call_info {
    evaluator& ev;
    const value& context;  // the context item at the call
    std::string_view name; // the function as called, for messages
    const prepared_picture* picture;  // the call's literal picture, analysed at compile time, or nullptr
};

using builtin_impl = result<value> (*)(call_info&, std::vector<value>&);

struct builtin_def {
    const char* name;
    const char* sig;
    builtin_impl impl;
    int arity;
    bool aws;
    std::shared_ptr<const signature> parsed;
    std::shared_ptr<const function_value> fn;
};

const builtin_def* find_builtin(std::string_view name);  // functions.hpp
// The analysis of a literal picture for a call of `b`, or nullptr (functions_format.hpp).
std::shared_ptr<const prepared_picture> prepare_picture(const builtin_def& b, std::string_view picture);

struct function_value {
    enum class kind : std::uint8_t { lambda, builtin, partial, regex, chain, transform };
    kind k = kind::lambda;
    const node* def = nullptr;   // lambda or transform node
    frame_ptr env;               // lambda closure
    value input;                 // lambda: the context item where it was defined
    const builtin_def* builtin = nullptr;
    value target;                // partial: function applied; chain: first
    value second;                // chain: second
    std::vector<value> bound;    // partial: arguments, with `holes` where placeholders were
    std::vector<bool> holes;
    std::shared_ptr<const regex_program> re;
};

// One stream entry when a path binds focus or index variables: the context item plus the
// variables bound so far along the path.
struct tuple {
    value at;
    std::vector<std::pair<std::string_view, value>> vars;
};

// A literal with nothing applied after it: its value is the node's own JSON.
inline bool plain_literal(const node* n) noexcept {
    return (n->type == node_type::number || n->type == node_type::string || n->type == node_type::literal) &&
           n->parts_ == nullptr && !n->has_group && !n->keep_array;
}

class evaluator {
public:
    evaluator(const eval_env& host, std::size_t max_depth, std::uint64_t max_steps, bool aws_functions)
        : host_(host), max_depth_(max_depth), max_steps_(max_steps), aws_(aws_functions) {}

    // A closure bound in the frame it closes over is a reference cycle; nothing outlives the
    // evaluation (results leave as JSON), so the frames that got functions are emptied here.
    ~evaluator() {
        for (const auto& f : watched_) f->vars.clear();
    }
    evaluator(const evaluator&) = delete;
    evaluator& operator=(const evaluator&) = delete;

    result<value> eval(const node* n, const value& input, const frame_ptr& env);
    result<value> apply(const value& proc, std::vector<value>& args, const value& input, std::string_view name,
                        const prepared_picture* picture = nullptr);
    // Calls a function argument of a higher-order function with as many of (v, i, a) as it takes.
    result<value> call_hof(const value& fn, const value& v, const value& i, const value& a);
    std::size_t arity(const value& fn) const;

    const eval_env& host() const noexcept { return host_; }
    bool aws_functions() const noexcept { return aws_; }
    // The time of this evaluation: read once, on first use, then fixed (as the reference fixes it).
    double now_ms() {
        if (now_ms_ < 0)
            now_ms_ = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count());
        return now_ms_;
    }
    bool read_clock() const noexcept { return now_ms_ >= 0; }
    value root;  // `$$`
    bool parents_ = false;  // the expression uses `%`: values read from objects remember them
    // The object `v` was read from, kept for the evaluation (values point at it), when `%` is used.
    const value* keep_parent(const value& v) { return convert_detail::keep_parent(parents_ ? &parent_store_ : nullptr, v); }

    // Work units for functions that loop over data themselves.
    result<void> charge(std::uint64_t units) {
        steps_ += units;
        if (steps_ > max_steps_) return fail("U1001", "Expression evaluation timeout: Check for infinite loop");
        return {};
    }

private:
    struct depth_guard {
        std::size_t& d;
        explicit depth_guard(std::size_t& depth) : d(depth) { ++d; }
        ~depth_guard() { --d; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
    };

    result<value> eval_node(const node* n, const value& input, const frame_ptr& env);
    // Whether the step eval() would count for `n` is within the bounds, counted when it is;
    // past them eval() reports the error.
    bool step_in_bounds() noexcept {
        if (steps_ >= max_steps_ || depth_ >= max_depth_ * 4) return false;
        ++steps_;
        return true;
    }
    // eval() of an operand; a plain literal is borrowed where it is, without the call.
    result<value> operand(const node* n, const value& input, const frame_ptr& env) {
        if (plain_literal(n) && step_in_bounds()) return result<value>(tl::in_place, value::borrowed, n->lit);
        return eval(n, input, env);
    }
    result<value> eval_binary(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_variable(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_array(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_range(const node* n, const value& input, const frame_ptr& env);
    result<std::optional<std::pair<double, double>>> range_bounds(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_block(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_condition(const node* n, const value& input, const frame_ptr& env);
    // eval_path.hpp
    result<value> eval_path(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_step(const node* step, const value* in, std::size_t in_count, const frame_ptr& env, bool last);
    result<std::vector<tuple>> eval_tuple_step(const node* step, const std::vector<value>& in, std::vector<tuple>* bindings, const frame_ptr& env);
    result<value> eval_filter(const node* pred, const value& input, const frame_ptr& env);
    result<std::vector<tuple>> eval_tuple_filter(const node* pred, std::vector<tuple> input, const frame_ptr& env);
    result<value> eval_group(const std::vector<std::pair<node*, node*>>& pairs, const std::vector<value>* items,
                             const std::vector<tuple>* tuples, const frame_ptr& env);
    result<void> sort_items(const node* sort, std::vector<value>* items, std::vector<tuple>* tuples, const frame_ptr& env);
    value eval_wildcard(const value& input);
    value eval_descendants(const value& input);
    static frame_ptr tuple_frame(const frame_ptr& env, const tuple& t);
    // eval_call.hpp
    result<value> eval_call(const node* n, const value& input, const frame_ptr& env, const value* applied_to);
    const builtin_def* called_builtin(const node* proc, const frame_ptr& env);
    result<value> apply_builtin(const builtin_def& b, std::vector<value>& args, const value& input, std::string_view name,
                                const prepared_picture* picture);
    result<value> eval_partial(const node* n, const value& input, const frame_ptr& env);
    result<value> eval_apply(const node* n, const value& input, const frame_ptr& env);
    result<value> apply_lambda(const function_value& f, std::vector<value>& args, std::string_view name);
    result<value> apply_transform(const function_value& f, std::vector<value>& args);
    result<value> make_regex(const node* n);

    const eval_env& host_;
    std::size_t max_depth_;
    std::uint64_t max_steps_;
    bool aws_;
    double now_ms_ = -1;
    std::size_t depth_ = 0;
    std::size_t calls_ = 0;
    std::uint64_t steps_ = 0;
    std::vector<frame_ptr> watched_;
    std::forward_list<value> parent_store_;  // see keep_parent; no allocation unless `%` is used
};

// Node types whose result is never a sequence, or one eval() already normalized (a branch, a
// block's last expression, a bound value): eval() has nothing to do after them.
inline bool yields_normalized(node_type t) noexcept {
    switch (t) {
    case node_type::string: case node_type::number: case node_type::literal: case node_type::binary:
    case node_type::negate: case node_type::condition: case node_type::block: case node_type::bind:
    case node_type::lambda: case node_type::transform: case node_type::regex:
        return true;
    default:
        return false;
    }
}

inline result<value> evaluator::eval(const node* n, const value& input, const frame_ptr& env) {
    if (++steps_ > max_steps_) return fail("U1001", "Expression evaluation timeout: Check for infinite loop");
    if (depth_ >= max_depth_ * 4)
        return fail("U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
    // A plain literal (an operand, most often) is answered here, without a call.
    if (plain_literal(n)) return result<value>(tl::in_place, value::borrowed, n->lit);
    depth_guard guard(depth_);
    // Nothing to apply after the node: its result is returned in place, never moved.
    if (!n->has_predicates() && !n->has_group && !n->keep_array && yields_normalized(n->type)) return eval_node(n, input, env);
    auto r = eval_node(n, input, env);
    if (!r || (!n->has_predicates() && !n->has_group && !r->is_seq())) return r;
    value v = std::move(*r);
    for (const auto& p : n->x().predicates) {
        auto f = eval_filter(p.filter, v, env);
        if (!f) return f;
        v = std::move(*f);
    }
    if (n->has_group && n->type != node_type::path) {
        std::vector<value> items;
        if (v.is_array()) append_flat(items, v);
        else items.push_back(v);
        auto g = eval_group(n->x().group, &items, nullptr, env);
        if (!g) return g;
        v = std::move(*g);
    }
    if (v.is_seq()) {
        if (n->keep_array) v.seq().keep_singleton = true;
        return normalize(std::move(v));
    }
    return v;
}

inline result<value> evaluator::eval_node(const node* n, const value& input, const frame_ptr& env) {
    switch (n->type) {
    case node_type::path: return eval_path(n, input, env);
    case node_type::binary: return eval_binary(n, input, env);
    case node_type::string:
    case node_type::number:
    case node_type::literal: return result<value>(tl::in_place, value::borrowed, n->lit);
    case node_type::name: return lookup(input, n->str, parents_ ? &parent_store_ : nullptr);
    case node_type::wildcard: return eval_wildcard(input);
    case node_type::descendant: return eval_descendants(input);
    case node_type::variable: return eval_variable(n, input, env);
    case node_type::negate: {
        auto v = eval(n->lhs, input, env);
        if (!v || v->undefined()) return v;
        if (!v->is_number()) return fail("D1002", "Cannot negate a non-numeric value: " + to_json_text(*v));
        return made_number(-v->num());
    }
    case node_type::array: return eval_array(n, input, env);
    case node_type::object: {
        std::vector<value> items;
        if (input.is_array()) append_flat(items, input);
        else items.push_back(input);
        return eval_group(n->x().pairs, &items, nullptr, env);
    }
    case node_type::range: return eval_range(n, input, env);
    case node_type::block: return eval_block(n, input, env);
    case node_type::condition: return eval_condition(n, input, env);
    case node_type::bind: {
        auto v = eval(n->rhs, input, env);
        if (!v) return v;
        if (v->is_fn() || v->is_seq()) watched_.push_back(env);
        env->bind(n->lhs->str, *v);
        return v;
    }
    case node_type::regex: return make_regex(n);
    case node_type::call: return eval_call(n, input, env, nullptr);
    case node_type::partial: return eval_partial(n, input, env);
    case node_type::lambda: {
        auto f = std::make_shared<function_value>();
        f->k = function_value::kind::lambda;
        f->def = n;
        f->env = env;
        f->input = input;
        return value::of(std::shared_ptr<const function_value>(std::move(f)));
    }
    case node_type::apply: return eval_apply(n, input, env);
    case node_type::transform: {
        auto f = std::make_shared<function_value>();
        f->k = function_value::kind::transform;
        f->def = n;
        f->env = env;
        return value::of(std::shared_ptr<const function_value>(std::move(f)));
    }
    case node_type::sort: {
        std::vector<value> items;
        append_flat(items, input);
        if (auto r = sort_items(n, &items, nullptr, env); !r) return tl::make_unexpected(r.error());
        auto s = new_seq();
        s->items = std::move(items);
        return value::of(std::move(s));
    }
    case node_type::parent:
        if (input.parent() != nullptr) return *input.parent();
        return value{};
    default:
        return fail("S0201", "Syntax error: unexpected expression");
    }
}

inline result<value> evaluator::eval_variable(const node* n, const value& input, const frame_ptr& env) {
    if (n->str.empty()) {
        if (input.is_seq() && input.seq().outer_wrapper && !input.seq().items.empty()) return input.seq().items.front();
        return input;
    }
    if (const value* v = env->find(n->str)) return *v;
    if (n->str == "$") return root;
    if (const json* j = host_.variable(n->str)) return value::ref(*j);
    if (n->builtin != nullptr && (aws_ || !n->builtin->aws)) return value::of(n->builtin->fn);
    return value{};
}

inline result<value> evaluator::eval_block(const node* n, const value& input, const frame_ptr& env) {
    const frame_ptr inner = n->scope ? child_frame(env) : env;  // a frame only where `:=` binds
    value last;
    for (const node* e : n->items) {
        auto v = eval(e, input, inner);
        if (!v) return v;
        last = std::move(*v);
    }
    return last;
}

inline result<value> evaluator::eval_condition(const node* n, const value& input, const frame_ptr& env) {
    auto c = eval(n->lhs, input, env);
    if (!c) return c;
    auto b = to_boolean(*c);
    if (!b) return tl::make_unexpected(b.error());
    if (*b == 1) return eval(n->rhs, input, env);
    if (n->third != nullptr) return eval(n->third, input, env);
    return value{};
}

inline result<value> evaluator::eval_array(const node* n, const value& input, const frame_ptr& env) {
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(n->items.size());  // one member per item, the usual case
    for (const node* item : n->items) {
        if (item->type == node_type::range && !item->has_predicates() && !item->has_group && !item->keep_array) {
            // `[1..n]`: the numbers go straight into the array, without a sequence of values.
            if (auto r = charge(1); !r) return tl::make_unexpected(r.error());  // the step eval() counts
            auto bounds = range_bounds(item, input, env);
            if (!bounds) return tl::make_unexpected(bounds.error());
            if (!*bounds) continue;
            auto& members = out.get_ref<json::array_t&>();
            members.reserve(members.size() + static_cast<std::size_t>((*bounds)->second - (*bounds)->first + 1));
            for_each_in_range((*bounds)->first, (*bounds)->second, [&](json x) { members.push_back(std::move(x)); });
            continue;
        }
        auto v = eval(item, input, env);
        if (!v) return v;
        if (v->undefined()) continue;
        if (item->type == node_type::array || !v->is_array()) {
            out.push_back(to_json_or_null(*v));
        } else {
            for_each_item(*v, [&](const value& member) {
                if (!member.undefined()) out.push_back(to_json_or_null(member));
            });
        }
    }
    if (auto r = charge(out.size()); !r) return tl::make_unexpected(r.error());
    value v = value::own(std::move(out));
    v.cons = n->cons_array;
    return v;
}

inline result<value> evaluator::eval_range(const node* n, const value& input, const frame_ptr& env) {
    auto bounds = range_bounds(n, input, env);
    if (!bounds) return tl::make_unexpected(bounds.error());
    if (!*bounds) return value{};
    const auto [a, b] = **bounds;
    auto s = new_seq();
    s->items.reserve(static_cast<std::size_t>(b - a + 1));
    for_each_in_range(a, b, [&](json x) { s->items.push_back(value::own(std::move(x))); });
    return value::of(std::move(s));
}

// The checked bounds of `lo..hi`, its size charged; nullopt for an empty range.
inline result<std::optional<std::pair<double, double>>> evaluator::range_bounds(const node* n, const value& input,
                                                                                 const frame_ptr& env) {
    using bounds = std::optional<std::pair<double, double>>;
    auto lo = eval(n->lhs, input, env);
    if (!lo) return tl::make_unexpected(lo.error());
    auto hi = eval(n->rhs, input, env);
    if (!hi) return tl::make_unexpected(hi.error());
    if (!lo->undefined() && (!lo->is_number() || !is_integer(lo->num())))
        return fail("T2003", "The left side of the range operator (..) must evaluate to an integer");
    if (!hi->undefined() && (!hi->is_number() || !is_integer(hi->num())))
        return fail("T2004", "The right side of the range operator (..) must evaluate to an integer");
    if (lo->undefined() || hi->undefined()) return bounds();
    const double a = lo->num();
    const double b = hi->num();
    if (a > b) return bounds();
    const double size = b - a + 1;
    if (size > 1e6)  // the reference allows 1e7 while its message says 1e6; we hold to the message
        return fail("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  Attempted to allocate " + js_number_to_string(size) + ".");
    if (auto r = charge(static_cast<std::uint64_t>(size)); !r) return tl::make_unexpected(r.error());
    return bounds(std::in_place, a, b);
}

inline result<value> evaluator::eval_binary(const node* n, const value& input, const frame_ptr& env) {
    auto lhs = operand(n->lhs, input, env);
    if (!lhs) return lhs;
    const binary_op op = n->op;
    if (op == binary_op::and_ || op == binary_op::or_) {
        auto lb = to_boolean(*lhs);
        if (!lb) return tl::make_unexpected(lb.error());
        const bool l = *lb == 1;
        if (op == binary_op::and_ && !l) return made_bool(false);
        if (op == binary_op::or_ && l) return made_bool(true);
        auto rhs = operand(n->rhs, input, env);
        if (!rhs) return rhs;
        auto rb = to_boolean(*rhs);
        if (!rb) return tl::make_unexpected(rb.error());
        return made_bool(*rb == 1);
    }
    auto rhs = operand(n->rhs, input, env);
    if (!rhs) return rhs;
    const value& l = *lhs;
    const value& r = *rhs;
    const auto token = [n] { return quote(n->str); };  // only errors need it
    switch (op) {
    case binary_op::add: case binary_op::sub: case binary_op::mul: case binary_op::div: case binary_op::mod: {
        if (!l.undefined() && !l.is_number()) return fail("T2001", "The left side of the " + token() + " operator must evaluate to a number");
        if (!r.undefined() && !r.is_number()) return fail("T2002", "The right side of the " + token() + " operator must evaluate to a number");
        if (l.undefined() || r.undefined()) return value{};
        const double a = l.num();
        const double b = r.num();
        if (!std::isfinite(a) || !std::isfinite(b)) return fail("D1001", "Number out of range: " + js_number_to_string(std::isfinite(a) ? b : a));
        double x = 0;
        switch (op) {
        case binary_op::add: x = a + b; break;
        case binary_op::sub: x = a - b; break;
        case binary_op::mul: x = a * b; break;
        case binary_op::div: x = a / b; break;
        default: x = std::fmod(a, b); break;
        }
        return made_number(x);
    }
    case binary_op::eq: case binary_op::ne: {
        if (l.undefined() || r.undefined()) return made_bool(false);
        const bool eq = values_equal(l, r);
        return made_bool(op == binary_op::eq ? eq : !eq);
    }
    case binary_op::lt: case binary_op::le: case binary_op::gt: case binary_op::ge: {
        const auto comparable = [](const value& v) { return v.undefined() || v.is_string() || v.is_number(); };
        if (!comparable(l) || !comparable(r))
            return fail("T2010", "The expressions either side of operator " + token() + " must evaluate to numeric or string values");
        if (l.undefined() || r.undefined()) return value{};
        if (l.is_number() != r.is_number())
            return fail("T2009", "The values " + to_json_text(l) + " and " + to_json_text(r) + " either side of operator " + token() + " must be of the same data type");
        int c = 0;
        if (l.is_number()) {
            const double a = l.num();
            const double b = r.num();
            c = a < b ? -1 : (a > b ? 1 : 0);
            if (std::isnan(a) || std::isnan(b)) return made_bool(false);
        } else {
            c = compare_strings(l.str(), r.str());
        }
        bool out = false;
        switch (op) {
        case binary_op::lt: out = c < 0; break;
        case binary_op::le: out = c <= 0; break;
        case binary_op::gt: out = c > 0; break;
        default: out = c >= 0; break;
        }
        return made_bool(out);
    }
    case binary_op::concat: {
        std::string s;
        if (!l.undefined())
            if (auto a = append_string_value(s, l); !a) return tl::make_unexpected(a.error());
        if (!r.undefined())
            if (auto a = append_string_value(s, r); !a) return tl::make_unexpected(a.error());
        if (s.size() > max_string_bytes) return too_large();
        return made(json(std::move(s)));
    }
    case binary_op::in: {
        if (l.undefined() || r.undefined()) return made_bool(false);
        bool found = false;
        for_each_item(r, [&](const value& item) { found = found || strict_equal(l, item); });
        return made_bool(found);
    }
    default:
        return fail("S0204", "Unknown operator: " + token());
    }
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
