#ifndef STEPFN_EXPRESSIONS_DETAIL_PAYLOAD_TEMPLATE_IMPL_HPP
#define STEPFN_EXPRESSIONS_DETAIL_PAYLOAD_TEMPLATE_IMPL_HPP

#include <stepfn/config.hpp>
#include <stepfn/expressions/payload_template.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/expressions/detail/json_path_eval.hpp>

namespace stepfn {

struct value_expression::impl {
    std::string text;
    bool is_path = false;
    json_path path;
    intrinsic_call call;
};

STEPFN_INLINE result<value_expression> value_expression::parse(std::string_view text, const limits& bounds) {
    auto m = std::make_shared<impl>();
    m->text = std::string(text);
    if (!text.empty() && text.front() == '$') {
        auto path = json_path::parse(text);
        if (!path) return tl::make_unexpected(std::move(path.error()));
        m->is_path = true;
        m->path = std::move(*path);
    } else if (intrinsic_call::looks_like_call(text)) {
        auto call = intrinsic_call::parse(text, bounds);
        if (!call) return tl::make_unexpected(std::move(call.error()));
        m->call = std::move(*call);
    } else {
        return make_error(errors::invalid_definition,
                          "The value for the field must be a valid JSONPath or a valid intrinsic function call");
    }
    value_expression out;
    out.impl_ = std::move(m);
    return out;
}

STEPFN_INLINE const std::string& value_expression::text() const noexcept {
    static const std::string none;
    return impl_ ? impl_->text : none;
}

STEPFN_INLINE bool value_expression::is_path() const noexcept { return impl_ && impl_->is_path; }

STEPFN_INLINE const json_path& value_expression::path() const noexcept {
    static const json_path none;
    return impl_ ? impl_->path : none;
}

STEPFN_INLINE result<json> value_expression::evaluate(const json& input, const eval_env& env) const {
    if (!impl_) return make_error(errors::runtime, "The value expression is empty");
    if (impl_->is_path) return impl_->path.evaluate(input, env);
    return impl_->call.evaluate(input, env);
}

namespace detail::templates {

struct member;

// A template compiled so that evaluation only walks nodes: subtrees without any `.$` key are
// single literal nodes that point into the stored source and are copied whole.
struct node {
    enum class kind : std::uint8_t { literal, object, array, expression };
    kind type = kind::literal;
    const json* literal = nullptr; // into payload_template::impl::source
    std::vector<member> members;   // object, in written order
    std::vector<node> elements;    // array
    value_expression expression;
    std::string field; // the key as written ("x.$"), for messages
};

struct member {
    std::string name; // `.$` stripped
    node value;
};

inline bool ends_with_dollar(std::string_view key) noexcept {
    return key.size() >= 2 && key.substr(key.size() - 2) == ".$";
}

struct compiler {
    const limits& bounds;
    std::vector<diagnostic>& problems;

    node compile(const json& value, const std::string& pointer, std::size_t depth) {
        node out;
        out.literal = &value;
        if (!value.is_structured() || value.empty()) return out;
        if (depth >= bounds.max_nesting_depth) {
            problems.push_back({pointer, "the template is nested more than " +
                                             std::to_string(bounds.max_nesting_depth) + " levels deep"});
            return out;
        }
        bool dynamic = false;
        if (value.is_array()) {
            out.elements.reserve(value.size());
            std::size_t index = 0;
            for (const auto& element : value) {
                out.elements.push_back(compile(element, pointer + "/" + std::to_string(index++), depth + 1));
                dynamic = dynamic || out.elements.back().type != node::kind::literal;
            }
            if (dynamic) out.type = node::kind::array;
            else out.elements.clear();
            return out;
        }
        // Output name → the key that produced it, to catch "a" beside "a.$".
        std::unordered_map<std::string_view, const std::string*> produced;
        out.members.reserve(value.size());
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string& key = it.key();
            const bool is_expression = ends_with_dollar(key);
            const std::string_view name = is_expression ? std::string_view(key).substr(0, key.size() - 2) : key;
            const std::string child_pointer = pointer + "/" + escape_pointer_token(key);
            const auto seen = produced.emplace(name, &key);
            if (!seen.second)
                problems.push_back({child_pointer, "the field '" + key + "' duplicates the field '" +
                                                       *seen.first->second +
                                                       "' (keys must be unique once '.$' is removed)"});
            member m;
            m.name = std::string(name);
            if (is_expression) {
                dynamic = true;
                m.value.type = node::kind::expression;
                m.value.field = key;
                compile_expression(*it, key, child_pointer, m.value);
            } else {
                m.value = compile(*it, child_pointer, depth + 1);
                dynamic = dynamic || m.value.type != node::kind::literal;
            }
            out.members.push_back(std::move(m));
        }
        if (dynamic) out.type = node::kind::object;
        else out.members.clear();
        return out;
    }

    void compile_expression(const json& value, const std::string& key, const std::string& pointer, node& out) {
        const std::string expected = "the value for the field '" + key +
                                     "' must be a valid JSONPath or a valid intrinsic function call";
        if (!value.is_string()) {
            problems.push_back({pointer, expected + " (found a " + std::string(value.type_name()) + ", not a string)"});
            return;
        }
        const std::string& text = value.get_ref<const std::string&>();
        auto parsed = value_expression::parse(text, bounds);
        if (!parsed) {
            // Say why when the text was meant as a path or a call; otherwise the message is all.
            const bool attempted = (!text.empty() && text.front() == '$') || intrinsic_call::looks_like_call(text);
            problems.push_back({pointer, attempted ? expected + ": " + parsed.error().cause : expected});
            return;
        }
        out.expression = std::move(*parsed);
    }
};

inline result<json> evaluate_field(const node& n, const json& input, const eval_env& env) {
    const value_expression& e = n.expression;
    if (!e.is_path()) return e.evaluate(input, env);
    const json_path& path = e.path();
    if (path.is_definite())
        if (const json* hit = path.find(input, env)) return *hit;
    auto value = path.evaluate(input, env);
    // An indefinite path selects an empty list rather than fail, so its errors are the limits
    // of one evaluation (work, size): those say more than "could not be found".
    if (value || !path.is_definite() || value.error().name != errors::runtime) return value;
    const json* document = &input;
    if (path.root() == json_path::root_kind::context) document = env.context();
    if (path.root() == json_path::root_kind::variable) {
        document = env.variable(path.variable_name());
        if (!document) return value; // unassigned variable: its own message says so
    }
    return make_error(errors::runtime, "The JSONPath '" + path.text() + "' specified for the field '" + n.field +
                                           "' could not be found in the input '" +
                                           (document ? jsonpath::compact(*document) : std::string("null")) + "'");
}

// The template's value, each `.$` field's from `leaf` (the first error stops it).
template <class Leaf>
result<json> assemble(const node& n, Leaf& leaf) {
    switch (n.type) {
    case node::kind::literal:
        return *n.literal;
    case node::kind::expression:
        return leaf(n);
    case node::kind::array: {
        json out = json::array();
        auto& elements = out.get_ref<json::array_t&>();
        elements.reserve(n.elements.size());
        for (const auto& element : n.elements) {
            auto value = assemble(element, leaf);
            if (!value) return value;
            elements.push_back(std::move(*value));
        }
        return out;
    }
    case node::kind::object: {
        json out = json::object();
        // Keys are unique by construction, so append without json's per-insert search
        // (ordered_json's object is a vector of pairs).
        auto& members = out.get_ref<json::object_t&>();
        members.reserve(n.members.size());
        for (const auto& m : n.members) {
            auto value = assemble(m.value, leaf);
            if (!value) return value;
            members.emplace_back(m.name, std::move(*value));
        }
        return out;
    }
    }
    return json();
}

inline result<json> evaluate(const node& n, const json& input, const eval_env& env) {
    auto leaf = [&](const node& field) { return evaluate_field(field, input, env); };
    return assemble(n, leaf);
}

// Templates whose values may be moved out of their input: every `.$` field a definite path from
// `$`, each disjoint from the others (json_path::disjoint_from), so that no value is selected
// twice and none lies inside another. At most `max_taken` of them (the pointers are found before
// any is moved).
constexpr std::size_t max_taken = 16;

inline bool collect_takeable(const node& n, std::vector<const json_path*>& paths) {
    switch (n.type) {
    case node::kind::literal: return true;
    case node::kind::expression: {
        if (!n.expression.is_path() || paths.size() == max_taken) return false;
        const json_path& path = n.expression.path();
        if (!path.is_definite() || path.root() != json_path::root_kind::input) return false;
        for (const json_path* seen : paths)
            if (!path.disjoint_from(*seen)) return false;
        paths.push_back(&path);
        return true;
    }
    case node::kind::array:
        return std::all_of(n.elements.begin(), n.elements.end(), [&](const node& e) { return collect_takeable(e, paths); });
    case node::kind::object:
        return std::all_of(n.members.begin(), n.members.end(), [&](const member& m) { return collect_takeable(m.value, paths); });
    }
    return false;
}

// The selected values, in the order evaluate() meets them; false when one is missing.
inline bool find_taken(const node& n, const json& input, const eval_env& env, std::array<const json*, max_taken>& found,
                       std::size_t& count) {
    switch (n.type) {
    case node::kind::literal: return true;
    case node::kind::expression: return (found[count++] = n.expression.path().find(input, env)) != nullptr;
    case node::kind::array:
        return std::all_of(n.elements.begin(), n.elements.end(), [&](const node& e) { return find_taken(e, input, env, found, count); });
    case node::kind::object:
        return std::all_of(n.members.begin(), n.members.end(),
                           [&](const member& m) { return find_taken(m.value, input, env, found, count); });
    }
    return false;
}

// evaluate() with the values found beforehand, moved out of the input that holds them.
inline result<json> build_taken(const node& n, const std::array<const json*, max_taken>& found) {
    std::size_t next = 0;
    auto leaf = [&](const node&) -> result<json> { return std::move(*const_cast<json*>(found[next++])); };  // the caller's, not const
    return assemble(n, leaf);
}

} // namespace detail::templates

struct payload_template::impl {
    json source;
    detail::templates::node root;
    bool takeable = false;  // see detail::templates::collect_takeable
};

STEPFN_INLINE result<payload_template> payload_template::compile(const json& source, std::string_view pointer,
                                                          const limits& bounds) {
    auto m = std::make_shared<impl>();
    m->source = source;
    std::vector<diagnostic> problems;
    // Literal nodes point into m->source, which stays put inside the shared impl.
    m->root = detail::templates::compiler{bounds, problems}.compile(m->source, std::string(pointer), 0);
    if (!problems.empty()) return make_invalid(std::move(problems));
    std::vector<const json_path*> paths;
    m->takeable = detail::templates::collect_takeable(m->root, paths);
    payload_template out;
    out.impl_ = std::move(m);
    return out;
}

STEPFN_INLINE const json& payload_template::source() const noexcept {
    static const json none;
    return impl_ ? impl_->source : none;
}

STEPFN_INLINE result<json> payload_template::evaluate(const json& input, const eval_env& env) const {
    if (!impl_) return json();
    return detail::templates::evaluate(impl_->root, input, env);
}

STEPFN_INLINE result<json> payload_template::evaluate_taking(json& input, const eval_env& env) const {
    if (!impl_) return json();
    if (impl_->takeable) {
        std::array<const json*, detail::templates::max_taken> found{};
        std::size_t count = 0;
        // Every value is found before any is moved: a missing one fails as evaluate() says,
        // naming the input as it was.
        if (detail::templates::find_taken(impl_->root, input, env, found, count))
            return detail::templates::build_taken(impl_->root, found);
    }
    return detail::templates::evaluate(impl_->root, input, env);
}

} // namespace stepfn

#endif
