#ifndef STEPFN_LOAD_DETAIL_DEFINITION_LOADER_HPP
#define STEPFN_LOAD_DETAIL_DEFINITION_LOADER_HPP

// The walk over an ASL document that validates it and builds the model at the same time.
// Every problem is recorded (never just the first); the caller decides whether a model is
// returned. Rules and messages: docs/validation.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <stepfn/detail/timestamp.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/load/detail/field_rules.hpp>
#include <stepfn/load/load_options.hpp>
#include <stepfn/load/detail/text_checks.hpp>
#include <stepfn/expressions/choice_rule.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/expressions/intrinsic.hpp>
#include <stepfn/expressions/json_path.hpp>
#include <stepfn/expressions/payload_template.hpp>

namespace stepfn::detail {

inline constexpr std::int64_t max_asl_seconds = 99999999;
inline constexpr std::int64_t max_delay_seconds_limit = 31622400;
inline constexpr std::int64_t max_batch_bytes = 262144;
inline constexpr std::int64_t max_reader_items = 100000000;
inline constexpr std::int64_t unbounded = (std::numeric_limits<std::int64_t>::max)();

class definition_loader {
public:
    explicit definition_loader(const limits& bounds) : bounds_(bounds) {
        if (auto root = json_path::parse("$")) root_path_ = std::move(*root);
    }

    std::vector<diagnostic> problems;

    void load(const json& definition, machine_definition& out) {
        if (!definition.is_object()) {
            report("", "a state machine definition must be a JSON object");
            return;
        }
        for (auto it = definition.cbegin(); it != definition.cend(); ++it) {
            const auto& key = it.key();
            if (key != "StartAt" && key != "States" && key != "Comment" && key != "Version" &&
                key != "TimeoutSeconds" && key != "QueryLanguage")
                report(pointer_child("", key), not_supported(key));
        }
        if (const json* language = get(definition, "QueryLanguage"))
            if (auto parsed = read_language(*language, "/QueryLanguage")) out.language = *parsed;
        machine_language_ = out.language;
        if (const json* version = get(definition, "Version")) {
            if (!version->is_string() || *version != "1.0") report("/Version", "'Version' must be \"1.0\"");
        }
        if (const json* timeout = get(definition, "TimeoutSeconds"))
            out.timeout_seconds = read_int(*timeout, "/TimeoutSeconds", "TimeoutSeconds", 0, max_asl_seconds);

        collect_names(definition, "");
        load_scope(definition, "", scope_kind::top, out.top);
        out.comment = out.top.comment;
        check_variable_scopes();
    }

private:
    enum class scope_kind { top, branch, processor };

    struct scope_names {
        std::unordered_map<std::string_view, state_index> index;
    };

    const limits& bounds_;
    query_language machine_language_ = query_language::jsonpath;
    // Every state name in the machine → the pointer of the first state with that name.
    std::unordered_map<std::string_view, std::string> first_declared_;
    std::optional<json_path> root_path_;

    // Variable scopes (asl-reference §9): each States object is one; Assign names are recorded
    // as they are read and checked against the enclosing scopes once everything is loaded.
    struct assignment {
        std::size_t scope_id;
        std::string name;
        std::string pointer;
    };
    static constexpr std::size_t no_scope = (std::numeric_limits<std::size_t>::max)();
    std::vector<std::size_t> scope_parent_;
    std::size_t current_scope_ = no_scope;
    std::vector<assignment> assignments_;

    // ---- reporting ----------------------------------------------------------------------

    void report(std::string pointer, std::string message) {
        problems.push_back(diagnostic{std::move(pointer), std::move(message)});
    }

    // Problems from a compiler we delegate to (paths, templates, choice rules).
    void merge(const error& e, const std::string& pointer, std::string_view what = {}) {
        if (!e.problems.empty()) {
            problems.insert(problems.end(), e.problems.begin(), e.problems.end());
            return;
        }
        std::string message(what);
        if (!message.empty() && !e.cause.empty()) message += ": ";
        message += e.cause.empty() ? std::string("invalid value") : e.cause;
        report(pointer, std::move(message));
    }

    static std::string not_supported(std::string_view field) {
        return "Field '" + std::string(field) + "' is not supported";
    }

    static std::string quoted(std::string_view field) { return "'" + std::string(field) + "'"; }

    // ---- field access -------------------------------------------------------------------

    // Object lookup by linear scan: states have a handful of fields, and ordered_json's own
    // find() is linear too. Large objects (`States`) are only ever iterated.
    static const json* get(const json& object, std::string_view key) noexcept {
        for (auto it = object.cbegin(); it != object.cend(); ++it)
            if (it.key() == key) return &it.value();
        return nullptr;
    }

    // Reports fields of `object` not in `allowed`.
    template <std::size_t N>
    void check_fields(const json& object, const std::string& pointer, const std::string_view (&allowed)[N]) {
        for (auto it = object.cbegin(); it != object.cend(); ++it) {
            bool known = false;
            for (auto a : allowed)
                if (it.key() == a) known = true;
            if (!known) report(pointer_child(pointer, it.key()), not_supported(it.key()));
        }
    }

    template <std::size_t N>
    void require_fields(const json& object, const std::string& pointer, const std::string_view (&required)[N]) {
        std::string missing;
        for (auto r : required) {
            if (get(object, r)) continue;
            if (!missing.empty()) missing += ", ";
            missing += r;
        }
        if (!missing.empty()) report(pointer, "These fields are required: [" + missing + "]");
    }

    std::optional<std::string> read_string(const json& value, const std::string& pointer, std::string_view field) {
        if (!value.is_string()) {
            report(pointer, quoted(field) + " must be a string");
            return std::nullopt;
        }
        return value.get<std::string>();
    }

    bool expect_object(const json& value, const std::string& pointer, std::string_view field) {
        if (value.is_object()) return true;
        report(pointer, quoted(field) + " must be an object");
        return false;
    }

    bool expect_array(const json& value, const std::string& pointer, std::string_view field) {
        if (value.is_array()) return true;
        report(pointer, quoted(field) + " must be an array");
        return false;
    }

    std::optional<std::int64_t> read_int(const json& value, const std::string& pointer, std::string_view field,
                                         std::int64_t low, std::int64_t high) {
        auto number = as_int64(value);
        if (number && *number >= low && *number <= high) return number;
        std::string message = quoted(field) + " must be ";
        if (high == unbounded && low == 0) message += "a non-negative integer";
        else if (high == unbounded && low == 1) message += "a positive integer";
        else if (high == unbounded) message += "an integer of at least " + std::to_string(low);
        else message += "an integer between " + std::to_string(low) + " and " + std::to_string(high);
        report(pointer, std::move(message));
        return std::nullopt;
    }

    std::optional<query_language> read_language(const json& value, const std::string& pointer) {
        if (value == "JSONPath") return query_language::jsonpath;
        if (value == "JSONata") return query_language::jsonata;
        report(pointer, "'QueryLanguage' must be \"JSONPath\" or \"JSONata\"");
        return std::nullopt;
    }

    // A language override on a state or nested machine; JSONata machines cannot go back.
    query_language language_override(const json& object, const std::string& pointer, query_language inherited) {
        const json* value = get(object, "QueryLanguage");
        if (!value) return inherited;
        auto parsed = read_language(*value, pointer_child(pointer, "QueryLanguage"));
        if (!parsed) return inherited;
        if (*parsed == query_language::jsonpath && machine_language_ == query_language::jsonata) {
            report(pointer_child(pointer, "QueryLanguage"),
                   "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
            return query_language::jsonata;
        }
        return *parsed;
    }

    // ---- paths and templates ------------------------------------------------------------

    std::optional<json_path> compile_path(const json& value, const std::string& pointer, std::string_view field,
                                          bool reference, bool nullable = false) {
        if (!value.is_string()) {
            report(pointer, quoted(field) + (nullable ? " must be a string or null" : " must be a string"));
            return std::nullopt;
        }
        const auto& text = value.get_ref<const std::string&>();
        auto parsed = reference ? json_path::parse_reference(text) : json_path::parse(text);
        if (!parsed) {
            // The path compiler's cause names the text, the kind of path and the column.
            merge(parsed.error(), pointer,
                  parsed.error().cause.empty()
                      ? quoted(field) + (reference ? " is not a valid reference path" : " is not a valid JSONPath")
                      : std::string_view());
            return std::nullopt;
        }
        return std::move(*parsed);
    }

    // InputPath / OutputPath: absent → `$`, null → nullopt (the engine's `{}`), else a full path.
    std::optional<json_path> io_path(const json& object, const std::string& pointer, std::string_view field) {
        const json* value = get(object, field);
        if (!value) return root_path_;
        if (value->is_null()) return std::nullopt;
        return compile_path(*value, pointer_child(pointer, field), field, false, true);
    }

    // ResultPath (state or catcher): absent → `$`, null → nullopt, else a reference path into
    // the input (never `$$` or a variable).
    std::optional<json_path> result_path(const json& object, const std::string& pointer) {
        const json* value = get(object, "ResultPath");
        if (!value) return root_path_;
        if (value->is_null()) return std::nullopt;
        std::string at = pointer_child(pointer, "ResultPath");
        if (value->is_string()) {
            const auto& text = value->get_ref<const std::string&>();
            if (text.rfind("$$", 0) == 0) {
                report(at, "'ResultPath' must not reference the context object ($$)");
                return std::nullopt;
            }
            if (text.size() > 1 && text[0] == '$' && text[1] != '.' && text[1] != '[') {
                report(at, "'ResultPath' must not reference a variable");
                return std::nullopt;
            }
        }
        auto path = compile_path(*value, at, "ResultPath", true, true);
        if (path && path->root() != json_path::root_kind::input) {
            report(at, "'ResultPath' must be a path into the state's input");
            return std::nullopt;
        }
        return path;
    }

    std::optional<json_path> reference_field(const json& object, const std::string& pointer, std::string_view field) {
        const json* value = get(object, field);
        if (!value) return std::nullopt;
        return compile_path(*value, pointer_child(pointer, field), field, true);
    }

    std::optional<payload_template> compile_template(const json& value, const std::string& pointer) {
        auto compiled = payload_template::compile(value, pointer, bounds_);
        if (!compiled) {
            merge(compiled.error(), pointer);
            return std::nullopt;
        }
        return std::move(*compiled);
    }

    std::optional<value_expression> compile_expression(const json& value, const std::string& pointer,
                                                       std::string_view field) {
        auto text = read_string(value, pointer, field);
        if (!text) return std::nullopt;
        auto parsed = value_expression::parse(*text, bounds_);
        if (!parsed) {
            std::string expected = quoted(field) + " must be a valid JSONPath or a valid intrinsic function call";
            // Say why only when the text was meant as a path or a call, as payload templates do.
            bool attempted = (!text->empty() && text->front() == '$') || intrinsic_call::looks_like_call(*text);
            if (attempted && !parsed.error().cause.empty()) expected += ": " + parsed.error().cause;
            report(pointer, std::move(expected));
            return std::nullopt;
        }
        return std::move(*parsed);
    }

    // ---- exclusive pairs and numbers-or-paths -------------------------------------------

    bool exclusive(const json& object, const std::string& pointer, std::string_view a, std::string_view b) {
        if (!get(object, a) || !get(object, b)) return true;
        report(pointer_child(pointer, b), "Fields " + quoted(a) + " and " + quoted(b) + " are mutually exclusive");
        return false;
    }

    // `X` (an integer literal, or a JSONata expression) or `XPath` (a reference path).
    int_or_path int_or_path_field(const json& object, const std::string& pointer, query_language language,
                                  std::string_view field, std::string_view path_field, std::int64_t low,
                                  std::int64_t high) {
        int_or_path out;
        exclusive(object, pointer, field, path_field);
        if (const json* value = get(object, field)) {
            if (!(language == query_language::jsonata && is_jsonata_expression(*value)))
                out.value = read_int(*value, pointer_child(pointer, field), field, low, high);
        }
        out.path = reference_field(object, pointer, path_field);
        return out;
    }

    number_or_path number_or_path_field(const json& object, const std::string& pointer, query_language language,
                                        std::string_view field, std::string_view path_field, double low,
                                        double high) {
        number_or_path out;
        exclusive(object, pointer, field, path_field);
        if (const json* value = get(object, field)) {
            if (!(language == query_language::jsonata && is_jsonata_expression(*value))) {
                if (value->is_number() && value->get<double>() >= low && value->get<double>() <= high)
                    out.value = value->get<double>();
                else
                    report(pointer_child(pointer, field), quoted(field) + " must be a number between " +
                                                              json(low).dump() + " and " + json(high).dump());
            }
        }
        out.path = reference_field(object, pointer, path_field);
        return out;
    }

    // ---- names and transitions ----------------------------------------------------------

    // First pass: every state name in every scope, so a bad transition can say where the
    // name it wanted actually lives, and duplicates across scopes are caught.
    void collect_names(const json& machine, const std::string& pointer) {
        const json* states = get(machine, "States");
        if (!states || !states->is_object()) return;
        std::string states_pointer = pointer_child(pointer, "States");
        for (auto it = states->cbegin(); it != states->cend(); ++it) {
            std::string state_pointer = pointer_child(states_pointer, it.key());
            first_declared_.emplace(std::string_view(it.key()), state_pointer);
            const json& body = it.value();
            if (!body.is_object()) continue;
            const json* type = get(body, "Type");
            if (!type || !type->is_string()) continue;
            if (*type == "Parallel") {
                const json* branches = get(body, "Branches");
                if (!branches || !branches->is_array()) continue;
                std::string branches_pointer = pointer_child(state_pointer, "Branches");
                for (std::size_t i = 0; i < branches->size(); ++i)
                    if ((*branches)[i].is_object())
                        collect_names((*branches)[i], pointer_child(branches_pointer, i));
            } else if (*type == "Map") {
                for (std::string_view field : {"ItemProcessor", "Iterator"})
                    if (const json* processor = get(body, field); processor && processor->is_object())
                        collect_names(*processor, pointer_child(state_pointer, field));
            }
        }
    }

    transition resolve(const json& value, const std::string& pointer, std::string_view field,
                       const scope_names& names) {
        transition out;
        auto name = read_string(value, pointer, field);
        if (!name) return out;
        out.name = std::move(*name);
        auto found = names.index.find(std::string_view(out.name));
        if (found != names.index.end()) {
            out.index = found->second;
            return out;
        }
        std::string message = "no state named \"" + printable(out.name) + "\" in this scope";
        auto elsewhere = first_declared_.find(std::string_view(out.name));
        if (elsewhere != first_declared_.end())
            message += " (a state of that name is at " + elsewhere->second +
                       ", in another scope; transitions cannot leave their scope)";
        report(pointer, std::move(message));
        return out;
    }

    // ---- scopes -------------------------------------------------------------------------

    void load_scope(const json& machine, const std::string& pointer, scope_kind kind, scope& out) {
        const std::size_t enclosing = current_scope_;
        current_scope_ = scope_parent_.size();
        scope_parent_.push_back(enclosing);
        load_scope_body(machine, pointer, kind, out);
        current_scope_ = enclosing;
    }

    void load_scope_body(const json& machine, const std::string& pointer, scope_kind kind, scope& out) {
        out.pointer = pointer;
        out.language = machine_language_;
        if (kind != scope_kind::top) {
            if (kind == scope_kind::processor) {
                static constexpr std::string_view allowed[] = {"StartAt", "States", "Comment", "QueryLanguage",
                                                               "ProcessorConfig"};
                check_fields(machine, pointer, allowed);
            } else {
                static constexpr std::string_view allowed[] = {"StartAt", "States", "Comment", "QueryLanguage"};
                check_fields(machine, pointer, allowed);
            }
            out.language = language_override(machine, pointer, machine_language_);
        }
        static constexpr std::string_view required[] = {"States", "StartAt"};
        require_fields(machine, pointer, required);
        if (const json* comment = get(machine, "Comment"))
            if (auto text = read_string(*comment, pointer_child(pointer, "Comment"), "Comment")) out.comment = *text;

        const json* states = get(machine, "States");
        std::string states_pointer = pointer_child(pointer, "States");
        scope_names names;
        bool graph_known = true;
        if (states && expect_object(*states, states_pointer, "States")) {
            out.states.resize(states->size());
            names.index.reserve(states->size());
            state_index i = 0;
            for (auto it = states->cbegin(); it != states->cend(); ++it, ++i)
                names.index.emplace(std::string_view(it.key()), i);
            i = 0;
            for (auto it = states->cbegin(); it != states->cend(); ++it, ++i) {
                std::string state_pointer = pointer_child(states_pointer, it.key());
                check_state_name(it.key(), state_pointer);
                if (!load_state(it.value(), it.key(), state_pointer, out.language, names, out.states[i]))
                    graph_known = false;
            }
        }
        if (const json* start = get(machine, "StartAt"))
            out.start = resolve(*start, pointer_child(pointer, "StartAt"), "StartAt", names).index;
        // A state whose type or Next/End could not be read might end the scope or reach
        // others; guessing would only add false alarms.
        if (graph_known) check_graph(out, pointer);
    }

    void check_state_name(const std::string& name, const std::string& pointer) {
        if (name.empty()) report(pointer, "a state name must not be empty");
        if (code_point_count(name) > bounds_.max_state_name_length)
            report(pointer, "state name is longer than " + std::to_string(bounds_.max_state_name_length) +
                                " characters");
        auto first = first_declared_.find(std::string_view(name));
        if (first != first_declared_.end() && first->second != pointer)
            report(pointer, "state name \"" + printable(name) + "\" is already used at " + first->second +
                                " (state names must be unique in the whole machine)");
    }

    // Reachability from StartAt and the existence of a state that can end the scope.
    void check_graph(const scope& s, const std::string& pointer) {
        if (s.states.empty()) return;
        bool has_terminal = false;
        for (const auto& st : s.states)
            if (st.end || st.type() == state_type::succeed || st.type() == state_type::fail) has_terminal = true;
        if (!has_terminal)
            report(pointer.empty() ? std::string() : pointer,
                   "no terminal state: the scope needs a state with \"End\": true, or a Succeed or Fail state");
        if (s.start == no_state) return;

        std::vector<bool> reached(s.states.size(), false);
        std::vector<state_index> pending{s.start};
        reached[s.start] = true;
        auto visit = [&](state_index target) {
            if (target == no_state || target >= s.states.size() || reached[target]) return;
            reached[target] = true;
            pending.push_back(target);
        };
        auto visit_catchers = [&](const recovery& r) {
            for (const auto& c : r.catch_) visit(c.next.index);
        };
        while (!pending.empty()) {
            const state& st = s.states[pending.back()];
            pending.pop_back();
            if (st.next) visit(st.next->index);
            if (const auto* choice = std::get_if<choice_state>(&st.body)) {
                for (const auto& branch : choice->choices) visit(branch.next.index);
                if (choice->default_) visit(choice->default_->index);
            } else if (const auto* task = std::get_if<task_state>(&st.body)) {
                visit_catchers(task->recover);
            } else if (const auto* parallel = std::get_if<parallel_state>(&st.body)) {
                visit_catchers(parallel->recover);
            } else if (const auto* map = std::get_if<map_state>(&st.body)) {
                visit_catchers(map->recover);
            }
        }
        for (std::size_t i = 0; i < s.states.size(); ++i)
            if (!reached[i]) report(s.states[i].pointer, "state \"" + printable(s.states[i].name) + "\" is not reachable");
    }

    // ---- states -------------------------------------------------------------------------

    // Returns false when the state's transitions are unknown (no usable Type, Next or End).
    bool load_state(const json& body, const std::string& name, const std::string& pointer,
                    query_language scope_language, const scope_names& names, state& out) {
        out.name = name;
        out.pointer = pointer;
        out.language = scope_language;
        if (!body.is_object()) {
            report(pointer, "a state must be a JSON object");
            return false;
        }
        const json* type_value = get(body, "Type");
        if (!type_value) {
            report(pointer, "These fields are required: [Type]");
            return false;
        }
        std::optional<state_type> type;
        if (type_value->is_string()) type = state_type_from_name(type_value->get_ref<const std::string&>());
        if (!type) {
            report(pointer_child(pointer, "Type"),
                   "'Type' must be one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map");
            return false;
        }
        out.language = language_override(body, pointer, scope_language);
        const query_language language = out.language;
        const bool jsonpath = language == query_language::jsonpath;

        for (auto it = body.cbegin(); it != body.cend(); ++it) {
            const auto& key = it.key();
            if (state_field_allowed(*type, language, key)) continue;
            auto other = jsonpath ? query_language::jsonata : query_language::jsonpath;
            std::string message = not_supported(key);
            if (state_field_allowed(*type, other, key))
                message += std::string(" when QueryLanguage is ") + query_language_name(language);
            else
                message += std::string(" in a ") + to_string(*type) + " state";
            report(pointer_child(pointer, key), std::move(message));
        }

        if (const json* comment = get(body, "Comment"))
            if (auto text = read_string(*comment, pointer_child(pointer, "Comment"), "Comment")) out.comment = *text;

        if (*type != state_type::fail) {
            if (jsonpath) {
                out.input_path = io_path(body, pointer, "InputPath");
                out.output_path = io_path(body, pointer, "OutputPath");
            } else {
                out.input_path = root_path_;
                out.output_path = root_path_;
                if (const json* output = get(body, "Output")) out.jsonata_output = *output;
            }
        }
        if (*type != state_type::succeed && *type != state_type::fail)
            if (const json* assign = get(body, "Assign"))
                out.assign = read_assign(*assign, pointer_child(pointer, "Assign"), language);

        bool transitions_known = true;
        switch (*type) {
        case state_type::task:
        case state_type::parallel:
        case state_type::map:
        case state_type::pass:
        case state_type::wait: transitions_known = read_next_or_end(body, pointer, names, out); break;
        default: break;
        }

        switch (*type) {
        case state_type::task: out.body = load_task(body, pointer, language, names); break;
        case state_type::parallel: out.body = load_parallel(body, pointer, language, names); break;
        case state_type::map: out.body = load_map(body, pointer, language, names); break;
        case state_type::pass: out.body = load_pass(body, pointer, language); break;
        case state_type::wait: out.body = load_wait(body, pointer, language); break;
        case state_type::choice: out.body = load_choice(body, pointer, language, names); break;
        case state_type::succeed: out.body = succeed_state{}; break;
        case state_type::fail: out.body = load_fail(body, pointer); break;
        }
        return transitions_known;
    }

    // Returns false when neither a Next nor an End could be read.
    bool read_next_or_end(const json& body, const std::string& pointer, const scope_names& names, state& out) {
        const json* next = get(body, "Next");
        const json* end = get(body, "End");
        if (end) {
            if (!end->is_boolean()) report(pointer_child(pointer, "End"), "'End' must be a boolean");
            else out.end = end->get<bool>();
        }
        if (next && out.end) {
            report(pointer_child(pointer, "End"), "'Next' and \"End\": true cannot both be set");
            return true;
        }
        if (next) {
            out.next = resolve(*next, pointer_child(pointer, "Next"), "Next", names);
            return true;
        }
        if (out.end) return true;
        if (!end || end->is_boolean()) report(pointer, "the state needs either 'Next' or \"End\": true");
        return false;
    }

    std::optional<assign_block> read_assign(const json& value, const std::string& pointer, query_language language) {
        if (!expect_object(value, pointer, "Assign")) return std::nullopt;
        bool names_ok = true;
        for (auto it = value.cbegin(); it != value.cend(); ++it) {
            std::string_view name = it.key();
            if (language == query_language::jsonpath && name.size() > 2 && name.substr(name.size() - 2) == ".$")
                name.remove_suffix(2);
            if (!is_valid_variable_name(name)) {
                names_ok = false;
                std::string message = "'" + printable(name) + "' is not a valid variable name";
                if (name == "states") message += " ('states' is reserved)";
                else if (code_point_count(name) > 80) message += " (longer than 80 characters)";
                report(pointer_child(pointer, it.key()), std::move(message));
            } else {
                assignments_.push_back({current_scope_, std::string(name), pointer_child(pointer, it.key())});
            }
        }
        assign_block block;
        if (language == query_language::jsonpath) {
            block.jsonpath = compile_template(value, pointer);
            if (!block.jsonpath) names_ok = false;
        } else {
            block.jsonata = value;
        }
        if (!names_ok) return std::nullopt;
        return block;
    }

    // An inner scope (Parallel branch, Map processor) may read an enclosing scope's variables
    // but not assign one of the same name.
    void check_variable_scopes() {
        if (assignments_.empty()) return;
        std::vector<std::unordered_map<std::string_view, const std::string*>> first(scope_parent_.size());
        for (const auto& a : assignments_) first[a.scope_id].emplace(std::string_view(a.name), &a.pointer);
        for (const auto& a : assignments_) {
            for (std::size_t outer = scope_parent_[a.scope_id]; outer != no_scope; outer = scope_parent_[outer]) {
                auto found = first[outer].find(std::string_view(a.name));
                if (found == first[outer].end()) continue;
                report(a.pointer, "variable \"" + printable(a.name) + "\" is already assigned in an enclosing scope (at " +
                                      *found->second + "); a Parallel branch or Map iteration may read it but not "
                                      "assign it");
                break;
            }
        }
    }

    // ---- Retry and Catch ----------------------------------------------------------------

    // Returns the names and whether States.ALL is among them.
    std::pair<std::vector<std::string>, bool> read_error_equals(const json& object, const std::string& pointer) {
        std::pair<std::vector<std::string>, bool> out{{}, false};
        const json* value = get(object, "ErrorEquals");
        if (!value) return out;  // reported by require_fields
        std::string at = pointer_child(pointer, "ErrorEquals");
        if (!value->is_array() || value->empty()) {
            report(at, "'ErrorEquals' must be a non-empty array of error names");
            return out;
        }
        for (std::size_t i = 0; i < value->size(); ++i) {
            const json& item = (*value)[i];
            std::string item_pointer = pointer_child(at, i);
            if (!item.is_string()) {
                report(item_pointer, "an error name must be a string");
                continue;
            }
            const auto& name = item.get_ref<const std::string&>();
            // Any name matches, custom `States.`-prefixed ones too: a Fail state may raise
            // `States.QuorumMet` and a catcher outside catch it (AWS accepts both).
            if (name == errors::all) out.second = true;
            out.first.push_back(name);
        }
        if (out.second && value->size() > 1) report(at, "'States.ALL' must appear alone in 'ErrorEquals'");
        return out;
    }

    std::vector<retrier> load_retry(const json& value, const std::string& pointer) {
        std::vector<retrier> out;
        if (!expect_array(value, pointer, "Retry")) return out;
        out.reserve(value.size());
        for (std::size_t i = 0; i < value.size(); ++i) {
            const json& item = value[i];
            std::string at = pointer_child(pointer, i);
            if (!item.is_object()) {
                report(at, "a retrier must be an object");
                continue;
            }
            static constexpr std::string_view allowed[] = {"ErrorEquals",     "IntervalSeconds", "MaxAttempts",
                                                           "BackoffRate",     "MaxDelaySeconds", "JitterStrategy",
                                                           "Comment"};
            static constexpr std::string_view required[] = {"ErrorEquals"};
            check_fields(item, at, allowed);
            require_fields(item, at, required);
            retrier r;
            auto [names, has_all] = read_error_equals(item, at);
            r.error_equals = std::move(names);
            if (has_all && i + 1 != value.size())
                report(pointer_child(at, "ErrorEquals"), "a retrier with 'States.ALL' must be the last retrier");
            if (const json* v = get(item, "IntervalSeconds"))
                if (auto n = read_int(*v, pointer_child(at, "IntervalSeconds"), "IntervalSeconds", 1, max_asl_seconds))
                    r.interval_seconds = *n;
            if (const json* v = get(item, "MaxAttempts"))
                if (auto n = read_int(*v, pointer_child(at, "MaxAttempts"), "MaxAttempts", 0, max_asl_seconds))
                    r.max_attempts = *n;
            if (const json* v = get(item, "BackoffRate")) {
                if (v->is_number() && v->get<double>() >= 1.0) r.backoff_rate = v->get<double>();
                else report(pointer_child(at, "BackoffRate"), "'BackoffRate' must be a number of at least 1.0");
            }
            if (const json* v = get(item, "MaxDelaySeconds"))
                r.max_delay_seconds = read_int(*v, pointer_child(at, "MaxDelaySeconds"), "MaxDelaySeconds", 1,
                                               max_delay_seconds_limit);
            if (const json* v = get(item, "JitterStrategy")) {
                if (*v == "FULL") r.jitter = jitter_strategy::full;
                else if (*v == "NONE") r.jitter = jitter_strategy::none;
                else report(pointer_child(at, "JitterStrategy"), "'JitterStrategy' must be \"FULL\" or \"NONE\"");
            }
            if (const json* v = get(item, "Comment")) read_string(*v, pointer_child(at, "Comment"), "Comment");
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<catcher> load_catch(const json& value, const std::string& pointer, query_language language,
                                    const scope_names& names) {
        std::vector<catcher> out;
        if (!expect_array(value, pointer, "Catch")) return out;
        out.reserve(value.size());
        const bool jsonpath = language == query_language::jsonpath;
        for (std::size_t i = 0; i < value.size(); ++i) {
            const json& item = value[i];
            std::string at = pointer_child(pointer, i);
            if (!item.is_object()) {
                report(at, "a catcher must be an object");
                continue;
            }
            if (jsonpath) {
                static constexpr std::string_view allowed[] = {"ErrorEquals", "Next", "ResultPath", "Assign",
                                                               "Comment"};
                check_fields(item, at, allowed);
            } else {
                static constexpr std::string_view allowed[] = {"ErrorEquals", "Next", "Output", "Assign", "Comment"};
                check_fields(item, at, allowed);
            }
            static constexpr std::string_view required[] = {"ErrorEquals", "Next"};
            require_fields(item, at, required);
            catcher c;
            auto [error_names, has_all] = read_error_equals(item, at);
            c.error_equals = std::move(error_names);
            if (has_all && i + 1 != value.size())
                report(pointer_child(at, "ErrorEquals"), "a catcher with 'States.ALL' must be the last catcher");
            if (const json* next = get(item, "Next")) c.next = resolve(*next, pointer_child(at, "Next"), "Next", names);
            if (jsonpath) {
                c.result_path = result_path(item, at);
            } else {
                c.result_path = root_path_;
                if (const json* output = get(item, "Output")) c.jsonata_output = *output;
            }
            if (const json* assign = get(item, "Assign"))
                c.assign = read_assign(*assign, pointer_child(at, "Assign"), language);
            if (const json* v = get(item, "Comment")) read_string(*v, pointer_child(at, "Comment"), "Comment");
            out.push_back(std::move(c));
        }
        return out;
    }

    recovery load_recovery(const json& body, const std::string& pointer, query_language language,
                           const scope_names& names) {
        recovery out;
        if (const json* retry = get(body, "Retry")) out.retry = load_retry(*retry, pointer_child(pointer, "Retry"));
        if (const json* c = get(body, "Catch")) out.catch_ = load_catch(*c, pointer_child(pointer, "Catch"), language, names);
        return out;
    }

    // ---- one function per state type ----------------------------------------------------

    std::optional<payload_template> template_field(const json& body, const std::string& pointer,
                                                   std::string_view field) {
        const json* value = get(body, field);
        if (!value) return std::nullopt;
        return compile_template(*value, pointer_child(pointer, field));
    }

    pass_state load_pass(const json& body, const std::string& pointer, query_language language) {
        pass_state out;
        out.result_path = root_path_;
        if (language != query_language::jsonpath) return out;
        if (const json* result = get(body, "Result")) out.result = *result;
        out.parameters = template_field(body, pointer, "Parameters");
        out.result_path = result_path(body, pointer);
        return out;
    }

    task_state load_task(const json& body, const std::string& pointer, query_language language,
                         const scope_names& names) {
        task_state out;
        const bool jsonpath = language == query_language::jsonpath;
        static constexpr std::string_view required[] = {"Resource"};
        require_fields(body, pointer, required);
        if (const json* resource = get(body, "Resource"))
            if (auto text = read_string(*resource, pointer_child(pointer, "Resource"), "Resource"))
                out.resource = std::move(*text);
        if (jsonpath) {
            out.parameters = template_field(body, pointer, "Parameters");
            out.result_selector = template_field(body, pointer, "ResultSelector");
            out.result_path = result_path(body, pointer);
        } else {
            out.result_path = root_path_;
            if (const json* arguments = get(body, "Arguments")) out.jsonata_arguments = *arguments;
        }
        out.timeout_seconds = int_or_path_field(body, pointer, language, "TimeoutSeconds", "TimeoutSecondsPath", 1,
                                                max_asl_seconds);
        out.heartbeat_seconds = int_or_path_field(body, pointer, language, "HeartbeatSeconds",
                                                  "HeartbeatSecondsPath", 1, max_asl_seconds);
        if (out.heartbeat_seconds.value && out.timeout_seconds.value &&
            *out.heartbeat_seconds.value >= *out.timeout_seconds.value)
            report(pointer_child(pointer, "HeartbeatSeconds"),
                   "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'");
        if (const json* credentials = get(body, "Credentials")) load_credentials(*credentials, pointer, language, out);
        out.recover = load_recovery(body, pointer, language, names);
        return out;
    }

    void load_credentials(const json& value, const std::string& state_pointer, query_language language,
                          task_state& out) {
        std::string pointer = pointer_child(state_pointer, "Credentials");
        if (!expect_object(value, pointer, "Credentials")) return;
        out.credentials = value;
        if (language == query_language::jsonata) {
            static constexpr std::string_view allowed[] = {"RoleArn"};
            static constexpr std::string_view required[] = {"RoleArn"};
            check_fields(value, pointer, allowed);
            require_fields(value, pointer, required);
            if (const json* arn = get(value, "RoleArn")) read_string(*arn, pointer_child(pointer, "RoleArn"), "RoleArn");
            return;
        }
        static constexpr std::string_view allowed[] = {"RoleArn", "RoleArn.$", "RoleArnPath"};
        check_fields(value, pointer, allowed);
        const json* arn = get(value, "RoleArn");
        const json* dynamic = get(value, "RoleArn.$");
        const json* path = get(value, "RoleArnPath");
        int given = (arn ? 1 : 0) + (dynamic ? 1 : 0) + (path ? 1 : 0);
        if (given == 0) {
            report(pointer, "'Credentials' requires 'RoleArn' or 'RoleArnPath'");
            return;
        }
        if (given > 1) {
            report(pointer, "only one of 'RoleArn', 'RoleArn.$' and 'RoleArnPath' may be set");
            return;
        }
        if (arn) {
            if (read_string(*arn, pointer_child(pointer, "RoleArn"), "RoleArn"))
                out.credentials_template = compile_template(value, pointer);
        } else if (dynamic) {
            if (read_string(*dynamic, pointer_child(pointer, "RoleArn.$"), "RoleArn.$"))
                out.credentials_template = compile_template(value, pointer);
        } else if (compile_expression(*path, pointer_child(pointer, "RoleArnPath"), "RoleArnPath")) {
            // One shape for the engine: {"RoleArn": <value>} whichever form was written.
            json rewritten = json::object();
            rewritten["RoleArn.$"] = *path;
            out.credentials_template = compile_template(rewritten, pointer);
        }
    }

    choice_state load_choice(const json& body, const std::string& pointer, query_language language,
                             const scope_names& names) {
        choice_state out;
        static constexpr std::string_view required[] = {"Choices"};
        require_fields(body, pointer, required);
        if (const json* choices = get(body, "Choices")) {
            std::string at = pointer_child(pointer, "Choices");
            if (!choices->is_array() || choices->empty()) {
                report(at, "'Choices' must be a non-empty array of choice rules");
            } else {
                out.choices.reserve(choices->size());
                for (std::size_t i = 0; i < choices->size(); ++i)
                    load_choice_rule((*choices)[i], pointer_child(at, i), language, names, out);
            }
        }
        if (const json* fallback = get(body, "Default"))
            out.default_ = resolve(*fallback, pointer_child(pointer, "Default"), "Default", names);
        return out;
    }

    void load_choice_rule(const json& rule, const std::string& pointer, query_language language,
                          const scope_names& names, choice_state& out) {
        choice_branch branch;
        auto compiled = choice_rule::compile(rule, pointer, true, language, bounds_);
        if (compiled) branch.rule = std::move(*compiled);
        else merge(compiled.error(), pointer);
        if (!rule.is_object()) {
            if (compiled) report(pointer, "a choice rule must be an object");
            return;
        }
        if (const json* next = get(rule, "Next")) branch.next = resolve(*next, pointer_child(pointer, "Next"), "Next", names);
        else report(pointer, "These fields are required: [Next]");
        if (const json* assign = get(rule, "Assign"))
            branch.assign = read_assign(*assign, pointer_child(pointer, "Assign"), language);
        if (language == query_language::jsonata)
            if (const json* output = get(rule, "Output")) branch.jsonata_output = *output;
        out.choices.push_back(std::move(branch));
    }

    wait_state load_wait(const json& body, const std::string& pointer, query_language language) {
        wait_state out;
        const bool jsonata = language == query_language::jsonata;
        int given = 0;
        for (std::string_view field : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"})
            if (get(body, field)) ++given;
        if (given == 0) {
            report(pointer, jsonata ? "the Wait state needs 'Seconds' or 'Timestamp'"
                                    : "the Wait state needs one of 'Seconds', 'SecondsPath', 'Timestamp' or "
                                      "'TimestampPath'");
        } else if (given > 1) {
            report(pointer, "only one of 'Seconds', 'SecondsPath', 'Timestamp' and 'TimestampPath' may be set");
        }
        if (const json* seconds = get(body, "Seconds")) {
            if (jsonata && is_jsonata_expression(*seconds)) out.jsonata_seconds = *seconds;
            else out.seconds = read_int(*seconds, pointer_child(pointer, "Seconds"), "Seconds", 0, max_asl_seconds);
        }
        if (const json* timestamp = get(body, "Timestamp")) {
            std::string at = pointer_child(pointer, "Timestamp");
            if (jsonata && is_jsonata_expression(*timestamp)) {
                out.jsonata_timestamp = *timestamp;
            } else if (auto text = read_string(*timestamp, at, "Timestamp")) {
                if (parse_rfc3339(*text)) out.timestamp = std::move(*text);
                else report(at, "String does not match RFC3339 timestamp");
            }
        }
        out.seconds_path = reference_field(body, pointer, "SecondsPath");
        out.timestamp_path = reference_field(body, pointer, "TimestampPath");
        return out;
    }

    // JSONata expressions in Error/Cause are strings too, kept as written.
    fail_state load_fail(const json& body, const std::string& pointer) {
        fail_state out;
        exclusive(body, pointer, "Error", "ErrorPath");
        exclusive(body, pointer, "Cause", "CausePath");
        if (const json* v = get(body, "Error")) out.error = read_string(*v, pointer_child(pointer, "Error"), "Error");
        if (const json* v = get(body, "Cause")) out.cause = read_string(*v, pointer_child(pointer, "Cause"), "Cause");
        if (const json* v = get(body, "ErrorPath"))
            out.error_path = compile_expression(*v, pointer_child(pointer, "ErrorPath"), "ErrorPath");
        if (const json* v = get(body, "CausePath"))
            out.cause_path = compile_expression(*v, pointer_child(pointer, "CausePath"), "CausePath");
        return out;
    }

    parallel_state load_parallel(const json& body, const std::string& pointer, query_language language,
                                 const scope_names& names) {
        parallel_state out;
        static constexpr std::string_view required[] = {"Branches"};
        require_fields(body, pointer, required);
        if (const json* branches = get(body, "Branches")) {
            std::string at = pointer_child(pointer, "Branches");
            if (!branches->is_array() || branches->empty()) {
                report(at, "'Branches' must be a non-empty array of state machines");
            } else {
                out.branches.resize(branches->size());
                for (std::size_t i = 0; i < branches->size(); ++i) {
                    std::string branch_pointer = pointer_child(at, i);
                    if (expect_object((*branches)[i], branch_pointer, "Branches[" + std::to_string(i) + "]"))
                        load_scope((*branches)[i], branch_pointer, scope_kind::branch, out.branches[i]);
                }
            }
        }
        if (language == query_language::jsonpath) {
            out.parameters = template_field(body, pointer, "Parameters");
            out.result_selector = template_field(body, pointer, "ResultSelector");
            out.result_path = result_path(body, pointer);
        } else {
            out.result_path = root_path_;
            if (const json* arguments = get(body, "Arguments")) out.jsonata_arguments = *arguments;
        }
        out.recover = load_recovery(body, pointer, language, names);
        return out;
    }

    map_state load_map(const json& body, const std::string& pointer, query_language language,
                       const scope_names& names) {
        map_state out;
        const bool jsonpath = language == query_language::jsonpath;
        const json* processor = get(body, "ItemProcessor");
        std::string_view processor_field = "ItemProcessor";
        if (!processor) {
            processor = get(body, "Iterator");
            processor_field = "Iterator";
        }
        if (!processor) report(pointer, "These fields are required: [ItemProcessor]");
        exclusive(body, pointer, "ItemProcessor", "Iterator");
        if (processor) {
            std::string at = pointer_child(pointer, processor_field);
            if (expect_object(*processor, at, processor_field)) {
                if (const json* config = get(*processor, "ProcessorConfig"))
                    load_processor_config(*config, pointer_child(at, "ProcessorConfig"), out);
                auto inner = std::make_shared<scope>();
                load_scope(*processor, at, scope_kind::processor, *inner);
                out.processor = std::move(inner);
            }
        }

        if (jsonpath) {
            exclusive(body, pointer, "ItemSelector", "Parameters");
            out.items_path = get(body, "ItemsPath") ? reference_field(body, pointer, "ItemsPath") : root_path_;
            out.item_selector = template_field(body, pointer, "ItemSelector");
            if (!out.item_selector) out.item_selector = template_field(body, pointer, "Parameters");
            out.result_selector = template_field(body, pointer, "ResultSelector");
            out.result_path = result_path(body, pointer);
        } else {
            out.items_path = root_path_;
            out.result_path = root_path_;
            if (const json* items = get(body, "Items")) {
                if (!items->is_array() && !is_jsonata_expression(*items))
                    report(pointer_child(pointer, "Items"), "'Items' must be an array or a JSONata expression");
                out.jsonata_items = *items;
            }
            // ItemSelector in JSONata holds expressions, not `.$` keys; kept as a literal template.
            out.item_selector = template_field(body, pointer, "ItemSelector");
        }

        out.max_concurrency = int_or_path_field(body, pointer, language, "MaxConcurrency", "MaxConcurrencyPath", 0,
                                                unbounded);
        out.tolerated_failure_count = int_or_path_field(body, pointer, language, "ToleratedFailureCount",
                                                        "ToleratedFailureCountPath", 0, unbounded);
        out.tolerated_failure_percentage = number_or_path_field(
            body, pointer, language, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", 0.0, 100.0);
        if (const json* label = get(body, "Label")) {
            std::string at = pointer_child(pointer, "Label");
            if (auto text = read_string(*label, at, "Label")) {
                if (auto problem = label_problem(*text)) report(at, std::move(*problem));
                else out.label = std::move(*text);
            }
        }

        const bool distributed = out.mode == map_mode::distributed;
        for (std::string_view field : {"ItemReader", "ItemBatcher", "ResultWriter"}) {
            const json* value = get(body, field);
            if (!value) continue;
            std::string at = pointer_child(pointer, field);
            if (!distributed) {
                report(at, not_supported(field) + " unless ProcessorConfig.Mode is DISTRIBUTED");
                continue;
            }
            if (!expect_object(*value, at, field)) continue;
            if (field == "ItemReader") {
                load_item_reader(*value, at, language, out);
                out.item_reader = *value;
            } else if (field == "ItemBatcher") {
                load_item_batcher(*value, at, language, out);
                out.item_batcher = *value;
            } else {
                load_result_writer(*value, at, language, out);
                out.result_writer = *value;
            }
        }
        out.recover = load_recovery(body, pointer, language, names);
        return out;
    }

    void load_processor_config(const json& config, const std::string& pointer, map_state& out) {
        if (!expect_object(config, pointer, "ProcessorConfig")) return;
        static constexpr std::string_view allowed[] = {"Mode", "ExecutionType"};
        check_fields(config, pointer, allowed);
        if (const json* mode = get(config, "Mode")) {
            if (*mode == "INLINE") out.mode = map_mode::inline_;
            else if (*mode == "DISTRIBUTED") out.mode = map_mode::distributed;
            else report(pointer_child(pointer, "Mode"), "'Mode' must be \"INLINE\" or \"DISTRIBUTED\"");
        }
        const json* execution_type = get(config, "ExecutionType");
        if (out.mode == map_mode::inline_) {
            if (execution_type)
                report(pointer_child(pointer, "ExecutionType"), not_supported("ExecutionType") + " when Mode is INLINE");
            return;
        }
        if (!execution_type) {
            report(pointer, "These fields are required: [ExecutionType] (Mode is DISTRIBUTED)");
            return;
        }
        if (*execution_type == "STANDARD") out.execution_type = map_execution_type::standard;
        else if (*execution_type == "EXPRESS") out.execution_type = map_execution_type::express;
        else report(pointer_child(pointer, "ExecutionType"), "'ExecutionType' must be \"STANDARD\" or \"EXPRESS\"");
    }

    void enum_field(const json& object, const std::string& pointer, std::string_view field,
                    std::initializer_list<std::string_view> values) {
        const json* value = get(object, field);
        if (!value) return;
        if (value->is_string()) {
            const auto& text = value->get_ref<const std::string&>();
            for (auto v : values)
                if (text == v) return;
        }
        std::string list;
        for (auto v : values) {
            if (!list.empty()) list += ", ";
            list += v;
        }
        report(pointer_child(pointer, field), quoted(field) + " must be one of " + list);
    }

    // Resource and Parameters of an ItemReader or ResultWriter, the Parameters compiled for the
    // engine (JSONata Arguments are kept as written).
    std::optional<payload_template> resource_arguments(const json& object, const std::string& pointer,
                                                       query_language language) {
        std::optional<payload_template> compiled;
        if (language == query_language::jsonpath) {
            if (const json* parameters = get(object, "Parameters"))
                compiled = compile_template(*parameters, pointer_child(pointer, "Parameters"));
        }
        if (const json* resource = get(object, "Resource"))
            read_string(*resource, pointer_child(pointer, "Resource"), "Resource");
        return compiled;
    }

    void load_item_reader(const json& reader, const std::string& pointer, query_language language, map_state& out) {
        if (language == query_language::jsonpath) {
            static constexpr std::string_view allowed[] = {"Resource", "Parameters", "ReaderConfig"};
            check_fields(reader, pointer, allowed);
        } else {
            static constexpr std::string_view allowed[] = {"Resource", "Arguments", "ReaderConfig"};
            check_fields(reader, pointer, allowed);
        }
        static constexpr std::string_view required[] = {"Resource"};
        require_fields(reader, pointer, required);
        out.reader_parameters = resource_arguments(reader, pointer, language);
        const json* config = get(reader, "ReaderConfig");
        if (!config) return;
        std::string at = pointer_child(pointer, "ReaderConfig");
        if (!expect_object(*config, at, "ReaderConfig")) return;
        if (language == query_language::jsonpath) {
            static constexpr std::string_view allowed[] = {
                "InputType", "CSVHeaderLocation", "CSVHeaders",   "CSVDelimiter", "ItemsPointer",
                "Transformation", "ManifestType", "MaxItems",     "MaxItemsPath"};
            check_fields(*config, at, allowed);
        } else {
            static constexpr std::string_view allowed[] = {"InputType",      "CSVHeaderLocation", "CSVHeaders",
                                                           "CSVDelimiter",   "ItemsPointer",      "Transformation",
                                                           "ManifestType",   "MaxItems"};
            check_fields(*config, at, allowed);
        }
        enum_field(*config, at, "InputType", {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"});
        enum_field(*config, at, "CSVHeaderLocation", {"FIRST_ROW", "GIVEN"});
        enum_field(*config, at, "CSVDelimiter", {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"});
        enum_field(*config, at, "Transformation", {"NONE", "LOAD_AND_FLATTEN"});
        enum_field(*config, at, "ManifestType", {"S3_INVENTORY", "ATHENA_DATA"});
        if (const json* headers = get(*config, "CSVHeaders")) {
            bool ok = headers->is_array();
            if (ok)
                for (const auto& h : *headers) ok = ok && h.is_string();
            if (!ok) report(pointer_child(at, "CSVHeaders"), "'CSVHeaders' must be an array of strings");
        }
        if (const json* items_pointer = get(*config, "ItemsPointer"))
            read_string(*items_pointer, pointer_child(at, "ItemsPointer"), "ItemsPointer");
        out.reader_max_items = int_or_path_field(*config, at, language, "MaxItems", "MaxItemsPath", 0, max_reader_items);
    }

    void load_item_batcher(const json& batcher, const std::string& pointer, query_language language, map_state& out) {
        if (language == query_language::jsonpath) {
            static constexpr std::string_view allowed[] = {"MaxItemsPerBatch", "MaxItemsPerBatchPath",
                                                           "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath",
                                                           "BatchInput"};
            check_fields(batcher, pointer, allowed);
        } else {
            static constexpr std::string_view allowed[] = {"MaxItemsPerBatch", "MaxInputBytesPerBatch",
                                                           "BatchInput"};
            check_fields(batcher, pointer, allowed);
        }
        auto items = int_or_path_field(batcher, pointer, language, "MaxItemsPerBatch", "MaxItemsPerBatchPath", 1,
                                       unbounded);
        auto bytes = int_or_path_field(batcher, pointer, language, "MaxInputBytesPerBatch",
                                       "MaxInputBytesPerBatchPath", 1, max_batch_bytes);
        out.batch_max_items = std::move(items);
        out.batch_max_bytes = std::move(bytes);
        if (!get(batcher, "MaxItemsPerBatch") && !get(batcher, "MaxItemsPerBatchPath") &&
            !get(batcher, "MaxInputBytesPerBatch") && !get(batcher, "MaxInputBytesPerBatchPath"))
            report(pointer, "'ItemBatcher' needs at least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', "
                            "'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath'");
        if (language == query_language::jsonpath)
            if (const json* input = get(batcher, "BatchInput"))
                out.batch_input = compile_template(*input, pointer_child(pointer, "BatchInput"));
    }

    void load_result_writer(const json& writer, const std::string& pointer, query_language language, map_state& out) {
        if (language == query_language::jsonpath) {
            static constexpr std::string_view allowed[] = {"Resource", "Parameters", "WriterConfig"};
            check_fields(writer, pointer, allowed);
        } else {
            static constexpr std::string_view allowed[] = {"Resource", "Arguments", "WriterConfig"};
            check_fields(writer, pointer, allowed);
        }
        out.writer_parameters = resource_arguments(writer, pointer, language);
        if ((get(writer, "Parameters") || get(writer, "Arguments")) && !get(writer, "Resource"))
            report(pointer, "These fields are required: [Resource]");
        else if (!get(writer, "Resource") && !get(writer, "WriterConfig"))
            report(pointer, "'ResultWriter' needs 'Resource' or 'WriterConfig'");
        const json* config = get(writer, "WriterConfig");
        if (!config) return;
        std::string at = pointer_child(pointer, "WriterConfig");
        if (!expect_object(*config, at, "WriterConfig")) return;
        static constexpr std::string_view allowed[] = {"Transformation", "OutputType"};
        check_fields(*config, at, allowed);
        enum_field(*config, at, "Transformation", {"NONE", "COMPACT", "FLATTEN"});
        enum_field(*config, at, "OutputType", {"JSON", "JSONL"});
    }
};

// The position of `pointer` in document order: the index of each step among its siblings.
// A step that does not exist sorts after its existing siblings.
inline std::vector<std::size_t> document_position(const json& root, std::string_view pointer) {
    std::vector<std::size_t> position;
    const json* node = &root;
    std::size_t start = 0;
    while (start < pointer.size() && pointer[start] == '/') {
        std::size_t end = pointer.find('/', start + 1);
        if (end == std::string_view::npos) end = pointer.size();
        std::string step;
        for (std::size_t i = start + 1; i < end; ++i) {
            if (pointer[i] == '~' && i + 1 < end) {
                step += pointer[i + 1] == '1' ? '/' : '~';
                ++i;
            } else {
                step += pointer[i];
            }
        }
        start = end;
        std::size_t index = (std::numeric_limits<std::size_t>::max)();
        const json* child = nullptr;
        if (node && node->is_object()) {
            std::size_t i = 0;
            for (auto it = node->cbegin(); it != node->cend(); ++it, ++i) {
                if (it.key() == step) {
                    index = i;
                    child = &it.value();
                    break;
                }
            }
        } else if (node && node->is_array() && !step.empty() &&
                   step.find_first_not_of("0123456789") == std::string::npos && step.size() < 10) {
            index = static_cast<std::size_t>(std::stoul(step));
            if (index < node->size()) child = &(*node)[index];
        }
        position.push_back(index);
        node = child;
    }
    return position;
}

// Document order, parents before children; problems at the same place keep the order found.
// Exact repeats (two compilers reporting the same thing) are dropped.
inline std::vector<diagnostic> in_document_order(const json& root, std::vector<diagnostic> problems) {
    std::vector<std::pair<std::vector<std::size_t>, diagnostic>> keyed;
    keyed.reserve(problems.size());
    for (auto& p : problems) keyed.emplace_back(document_position(root, p.pointer), std::move(p));
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<diagnostic> out;
    out.reserve(keyed.size());
    for (auto& k : keyed) {
        bool seen = false;
        for (const auto& o : out)
            if (o == k.second) seen = true;
        if (!seen) out.push_back(std::move(k.second));
    }
    return out;
}

// Whether any string of the definition, key or value, mentions `$$` (or JSONata's
// `$states`): the only ways an expression reaches the context object. A literal that merely
// contains them makes the answer a harmless "yes".
inline bool mentions_context(const json& node) {
    std::vector<const json*> pending{&node};
    while (!pending.empty()) {
        const json* v = pending.back();
        pending.pop_back();
        if (v->is_string()) {
            const auto& text = v->get_ref<const std::string&>();
            if (text.find("$$") != std::string::npos || text.find("$states") != std::string::npos) return true;
        } else if (v->is_object()) {
            for (auto it = v->begin(); it != v->end(); ++it) {
                if (it.key().find("$$") != std::string::npos) return true;
                pending.push_back(&it.value());
            }
        } else if (v->is_array()) {
            for (const auto& item : *v) pending.push_back(&item);
        }
    }
    return false;
}

// Loads an owned definition (already depth-checked) into a machine.
inline result<state_machine> load_definition(json&& definition, const load_options& options) {
    auto machine = std::make_shared<machine_definition>();
    machine->source = std::move(definition);
    machine->name = options.name;
    machine->bounds = options.bounds;
    definition_loader loader(machine->bounds);
    loader.load(machine->source, *machine);
    if (!loader.problems.empty())
        return make_invalid(in_document_order(machine->source, std::move(loader.problems)));
    machine->reads_context = mentions_context(machine->source);
    return machine_access::make(std::move(machine));
}

inline std::string too_deep_message(std::size_t max_depth) {
    return "the definition is nested deeper than " + std::to_string(max_depth) + " levels";
}

} // namespace stepfn::detail

#endif
