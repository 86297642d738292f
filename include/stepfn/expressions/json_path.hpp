#ifndef STEPFN_EXPRESSIONS_JSON_PATH_HPP
#define STEPFN_EXPRESSIONS_JSON_PATH_HPP

#include <memory>
#include <string>
#include <string_view>

#include <stepfn/config.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace stepfn {

// A compiled JSONPath (Jayway semantics, as AWS exhibits them; asl-reference.md §4.2).
// Parsed once at load time; evaluation never looks at the text again.
//
// The root is `$` (the input document), `$$` (the context object) or `$name` (a variable).
// A *definite* path (only names and single indexes) selects one node; an *indefinite* one
// (wildcards, slices, unions, filters, recursive descent) selects a list.
class json_path {
public:
    enum class root_kind { input, context, variable };

    // Full JSONPath. On failure the error's cause says what is wrong and where in the text.
    static result<json_path> parse(std::string_view text);
    // A Reference Path: only `.name`, `['name']` and `[index]` steps (a definite path).
    static result<json_path> parse_reference(std::string_view text);

    const std::string& text() const noexcept;
    root_kind root() const noexcept;
    // The variable's name (without `$`) when root() == variable.
    const std::string& variable_name() const noexcept;
    bool is_definite() const noexcept;
    // Exactly `$`: the identity.
    bool is_root() const noexcept;

    // Definite path: the selected value. Indefinite: the array of matches (`[]` when none).
    // A definite path that matches nothing → error States.Runtime whose cause is Jayway's
    // text, e.g. "Invalid path '$.x' : No results for path: $['x']".
    result<json> evaluate(const json& input, const eval_env& env) const;

    // Definite paths only: the selected node, or nullptr when it does not exist. No copy.
    const json* find(const json& input, const eval_env& env) const;

    // Definite paths from `$` only: whether the nodes this and `other` select can be neither the
    // same node nor one inside the other, so that both may be moved out of one document. True
    // when their steps part where both name a member, or both give a non-negative index; false
    // when one path leads into the other, or it cannot be told (a negative index).
    bool disjoint_from(const json_path& other) const noexcept;

    // Same as evaluate, but takes the input by value so a selected subtree is moved out.
    result<json> extract(json&& input, const eval_env& env) const;

    // ResultPath semantics: writes `value` at this (reference, input-rooted) path inside
    // `target`, creating intermediate objects. A non-object on the way →
    // States.ResultPathMatchFailure.
    result<void> assign(json& target, json&& value) const;

    // What one assign() did, for a caller that accounts for the write (the engine's payload
    // limit) or undoes it. `slot` is the node written. When the write added a member (with any
    // objects created on the way), `added_to` is the object it was appended to, the member being
    // its last; otherwise `replaced` holds the value the write overwrote.
    struct write_effect {
        json* slot = nullptr;
        json* added_to = nullptr;
        json replaced;
    };
    // assign(), saying what the write displaced. On failure `target` is unchanged.
    result<write_effect> exchange(json& target, json&& value) const;

private:
    struct impl;
    std::shared_ptr<const impl> impl_;
};

} // namespace stepfn

// Header-only: the bodies. Compiled mode (STEPFN_SEPARATE_COMPILATION): src/stepfn.cpp has them.
#if !defined(STEPFN_SEPARATE_COMPILATION)
#include <stepfn/expressions/detail/json_path_impl.hpp>
#endif

#endif
