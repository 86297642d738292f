#ifndef STEPFN_LOAD_DETAIL_LOADER_SCOPES_HPP
#define STEPFN_LOAD_DETAIL_LOADER_SCOPES_HPP

// definition_loader's members:
// state names and transitions, scopes (States objects), one state's common fields, variable scopes.

#include <stepfn/load/detail/definition_loader.hpp>

namespace stepfn::detail {

// First pass: every state name in every scope, so a bad transition can say where the
// name it wanted actually lives, and duplicates across scopes are caught.
inline void definition_loader::collect_names(const json& machine, const std::string& pointer) {
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

inline transition definition_loader::resolve(const json& value, const std::string& pointer, std::string_view field,
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

inline void definition_loader::load_scope(const json& machine, const std::string& pointer, scope_kind kind,
                                          scope& out) {
    const std::size_t enclosing = current_scope_;
    current_scope_ = scope_parent_.size();
    scope_parent_.push_back(enclosing);
    load_scope_body(machine, pointer, kind, out);
    current_scope_ = enclosing;
}

inline void definition_loader::load_scope_body(const json& machine, const std::string& pointer, scope_kind kind,
                                               scope& out) {
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

inline void definition_loader::check_state_name(const std::string& name, const std::string& pointer) {
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
inline void definition_loader::check_graph(const scope& s, const std::string& pointer) {
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

// Returns false when the state's transitions are unknown (no usable Type, Next or End).
inline bool definition_loader::load_state(const json& body, const std::string& name, const std::string& pointer,
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
            if (const json* output = get(body, "Output"))
                out.jsonata_output = jsonata_field(*output, pointer_child(pointer, "Output"), "Output", states_of(*type));
        }
    }
    if (*type != state_type::succeed && *type != state_type::fail)
        if (const json* assign = get(body, "Assign"))
            out.assign = read_assign(*assign, pointer_child(pointer, "Assign"), language, states_of(*type));

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
    case state_type::fail: out.body = load_fail(body, pointer, language); break;
    }
    return transitions_known;
}

// Returns false when neither a Next nor an End could be read.
inline bool definition_loader::read_next_or_end(const json& body, const std::string& pointer,
                                                const scope_names& names, state& out) {
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

inline std::optional<assign_block> definition_loader::read_assign(const json& value, const std::string& pointer,
                                                                  query_language language, std::uint8_t states_allowed) {
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
        block.jsonata = jsonata_field(value, pointer, "Assign", states_allowed);
        if (!block.jsonata) names_ok = false;
    }
    if (!names_ok) return std::nullopt;
    return block;
}

// An inner scope (Parallel branch, Map processor) may read an enclosing scope's variables
// but not assign one of the same name.
inline void definition_loader::check_variable_scopes() {
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

} // namespace stepfn::detail

#endif
