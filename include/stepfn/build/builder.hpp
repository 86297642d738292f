#ifndef STEPFN_BUILD_BUILDER_HPP
#define STEPFN_BUILD_BUILDER_HPP

// The code-first builder: a state machine written in C++ instead of ASL JSON.
//
//   stepfn::machine_builder b;
//   b.task("Charge").resource("payments:charge").result_path("$.payment").next("Done")
//       .bind([](const stepfn::json& in) { return charge(in); });
//   b.succeed("Done");
//   auto bundle = b.build();            // result<machine_bundle>
//   bundle->register_on(engine.invokers());
//
// The builder writes ASL JSON and loads it through load_machine_json, so a builder
// mistake gets exactly the diagnostics (message and JSON Pointer) the same mistake in a JSON
// file gets, and the machine prints back (`to_json()`, or the built machine's `source()`) as a
// definition `stepfn validate` accepts. Guide: docs/builder.md.
//
// The builder checks nothing itself beyond what JSON cannot say (a name declared twice with
// two types in one scope); everything else is the loader's job. It only fills in one default:
// a scope without start_at() starts at its first state.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/build/detail/built_state.hpp>
#include <stepfn/build/detail/dispatch_invoker.hpp>
#include <stepfn/build/detail/state_builders.hpp>
#include <stepfn/build/rules.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/tasks/callable_invoker.hpp>
#include <stepfn/tasks/invoker_registry.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace stepfn {

// ---- scopes ------------------------------------------------------------------------------

// One `States` object with its `StartAt`: the machine's top level, a Parallel branch or a
// Map's ItemProcessor. States appear in the definition in the order they are declared.
class scope_builder {
public:
    scope_builder() = default;
    scope_builder(const scope_builder&) = delete;
    scope_builder& operator=(const scope_builder&) = delete;
    scope_builder(scope_builder&&) = default;
    scope_builder& operator=(scope_builder&&) = default;
    ~scope_builder() = default;

    // Default: the first state declared.
    scope_builder& start_at(std::string state) { return header("StartAt", std::move(state)); }
    scope_builder& comment(std::string text) { return header("Comment", std::move(text)); }
    scope_builder& query_language(stepfn::query_language language) {
        return header("QueryLanguage", detail::language_name(language));
    }
    // Any scope-level field by its ASL name.
    scope_builder& field(std::string key, json value) { return header(std::move(key), std::move(value)); }

    // Declares a state, or reopens it when a state of the same type and name exists here.
    task_builder task(std::string name) { return task_builder(declare(std::move(name), state_type::task)); }
    pass_builder pass(std::string name) { return pass_builder(declare(std::move(name), state_type::pass)); }
    choice_builder choice(std::string name) { return choice_builder(declare(std::move(name), state_type::choice)); }
    wait_builder wait(std::string name) { return wait_builder(declare(std::move(name), state_type::wait)); }
    succeed_builder succeed(std::string name) {
        return succeed_builder(declare(std::move(name), state_type::succeed));
    }
    fail_builder fail(std::string name) { return fail_builder(declare(std::move(name), state_type::fail)); }
    parallel_builder parallel(std::string name) {
        return parallel_builder(declare(std::move(name), state_type::parallel));
    }
    map_builder map(std::string name) { return map_builder(declare(std::move(name), state_type::map)); }

    // The scope as ASL JSON.
    json to_json() const { return emit("", nullptr); }

protected:
    friend class parallel_builder;
    friend class map_builder;
    friend class machine_builder;

    scope_builder& header(std::string key, json value) {
        header_[std::move(key)] = std::move(value);
        return *this;
    }

    detail::built_state* declare(std::string name, state_type type) {
        for (auto& s : states_) {
            if (s->name != name) continue;
            if (s->type == type) return s.get();
            // Kept aside (never emitted) so the handle still works; build() reports it.
            conflicts_.push_back(std::make_unique<detail::built_state>());
            conflicts_.back()->name = std::move(name);
            conflicts_.back()->type = type;
            return conflicts_.back().get();
        }
        states_.push_back(std::make_unique<detail::built_state>());
        auto& s = *states_.back();
        s.name = std::move(name);
        s.type = type;
        s.fields["Type"] = to_string(type);
        return &s;
    }

    // The JSON of this scope at `pointer`; builder problems are added to `problems` if given.
    json emit(const std::string& pointer, std::vector<diagnostic>* problems) const {
        json out = json::object();
        for (auto it = header_.cbegin(); it != header_.cend(); ++it) {
            if (it.key() == "States") continue;  // ours, written below
            out[it.key()] = it.value();
        }
        if (!out.contains("StartAt") && !states_.empty()) out["StartAt"] = states_.front()->name;
        const std::string states_pointer = detail::pointer_child(pointer, "States");
        json states = json::object();
        for (const auto& s : states_) states[s->name] = emit_state(*s, detail::pointer_child(states_pointer, s->name), problems);
        out["States"] = std::move(states);
        if (problems != nullptr) {
            for (const auto& c : conflicts_) {
                const auto* first = find(c->name);
                problems->push_back(diagnostic{detail::pointer_child(states_pointer, c->name),
                                               "state \"" + detail::printable(c->name) + "\" is declared as a " +
                                                   to_string(first != nullptr ? first->type : c->type) +
                                                   " and again as a " + to_string(c->type) + " in this scope"});
            }
        }
        return out;
    }

    static json emit_state(const detail::built_state& s, const std::string& pointer, std::vector<diagnostic>* problems) {
        json out = s.fields;
        if (auto it = out.find("Branches"); it != out.end() && !s.branches.empty()) {
            json branches = json::array();
            const std::string branches_pointer = detail::pointer_child(pointer, "Branches");
            for (std::size_t i = 0; i < s.branches.size(); ++i)
                branches.push_back(s.branches[i]->emit(detail::pointer_child(branches_pointer, i), problems));
            *it = std::move(branches);
        }
        if (auto it = out.find("ItemProcessor"); it != out.end() && s.processor)
            *it = s.processor->emit(detail::pointer_child(pointer, "ItemProcessor"), problems);
        return out;
    }

    const detail::built_state* find(std::string_view name) const {
        for (const auto& s : states_)
            if (s->name == name) return s.get();
        return nullptr;
    }

    // Every bound Task of this scope and the scopes inside it, in declaration order.
    void collect_bindings(std::vector<detail::binding_site>& out) const {
        for (const auto& s : states_) {
            if (s->invoker) {
                auto it = s->fields.find("Resource");
                if (it != s->fields.end() && it->is_string())
                    out.push_back({it->get<std::string>(), s->name, s->invoker});
            }
            for (const auto& b : s->branches) b->collect_bindings(out);
            if (s->processor) s->processor->collect_bindings(out);
        }
    }

    json header_ = json::object();
    std::vector<std::unique_ptr<detail::built_state>> states_;
    std::vector<std::unique_ptr<detail::built_state>> conflicts_;
};

inline scope_builder& parallel_builder::branch() {
    if (!state_->fields.contains("Branches")) state_->fields["Branches"] = json::array();
    state_->branches.push_back(std::make_unique<scope_builder>());
    return *state_->branches.back();
}

inline scope_builder& map_builder::item_processor() {
    if (!state_->processor) state_->processor = std::make_unique<scope_builder>();
    if (!state_->fields.contains("ItemProcessor")) state_->fields["ItemProcessor"] = json::object();
    return *state_->processor;
}

inline map_builder& map_builder::processor_mode(map_mode mode, std::optional<map_execution_type> type) {
    json config = json::object();
    config["Mode"] = mode == map_mode::distributed ? "DISTRIBUTED" : "INLINE";
    if (type) config["ExecutionType"] = *type == map_execution_type::express ? "EXPRESS" : "STANDARD";
    item_processor().field("ProcessorConfig", std::move(config));
    return *this;
}

// ---- the machine -------------------------------------------------------------------------

// A built machine and the callables bound to its Task states.
struct machine_bundle {
    state_machine machine;
    // Resource → invoker, one entry per Resource (a Resource shared by several bound states
    // gets one invoker that dispatches on the state's name).
    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> invokers;

    // Registers every bound Resource (an exact match, replacing what was there).
    void register_on(invoker_registry& registry) const {
        for (const auto& [resource, invoker] : invokers) registry.add(resource, invoker);
    }
};

class machine_builder : public scope_builder {
public:
    machine_builder& start_at(std::string state) { return as_machine(scope_builder::start_at(std::move(state))); }
    machine_builder& comment(std::string text) { return as_machine(scope_builder::comment(std::move(text))); }
    machine_builder& query_language(stepfn::query_language language) {
        return as_machine(scope_builder::query_language(language));
    }
    machine_builder& timeout_seconds(std::int64_t s) { return as_machine(header("TimeoutSeconds", s)); }
    machine_builder& version(std::string v) { return as_machine(header("Version", std::move(v))); }

    // A callable for every Task whose Resource is `resource` and that has no bind() of its own.
    template <class F>
    machine_builder& bind(std::string resource, F callable) {
        std::shared_ptr<task_invoker> invoker;
        if constexpr (std::is_convertible_v<F, std::shared_ptr<task_invoker>>)
            invoker = std::shared_ptr<task_invoker>(std::move(callable));
        else
            invoker = make_invoker(std::move(callable));
        for (auto& [name, existing] : resource_bindings_) {
            if (name == resource) {
                existing = std::move(invoker);
                return *this;
            }
        }
        resource_bindings_.emplace_back(std::move(resource), std::move(invoker));
        return *this;
    }

    // Validates and compiles through the loader (same rules, same messages, same pointers).
    result<machine_bundle> build(const load_options& options = {}) const {
        std::vector<diagnostic> problems;
        json definition = emit("", &problems);
        auto machine = load_machine_json(definition, options);
        if (!machine) {
            auto loader_problems = std::move(machine.error().problems);
            problems.insert(problems.end(), loader_problems.begin(), loader_problems.end());
            if (problems.empty()) return tl::make_unexpected(std::move(machine.error()));
        }
        if (!problems.empty()) return make_invalid(std::move(problems));
        return machine_bundle{std::move(*machine), collect_invokers()};
    }

private:
    machine_builder& as_machine(scope_builder&) noexcept { return *this; }

    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> collect_invokers() const {
        std::vector<detail::binding_site> sites;
        collect_bindings(sites);
        std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> out;
        std::vector<std::string> resources;
        for (const auto& site : sites)
            if (std::find(resources.begin(), resources.end(), site.resource) == resources.end())
                resources.push_back(site.resource);
        for (const auto& [resource, invoker] : resource_bindings_)
            if (std::find(resources.begin(), resources.end(), resource) == resources.end()) resources.push_back(resource);

        for (const auto& resource : resources) {
            std::vector<const detail::binding_site*> routes;
            for (const auto& site : sites)
                if (site.resource == resource) routes.push_back(&site);
            std::shared_ptr<task_invoker> fallback;
            for (const auto& [name, invoker] : resource_bindings_)
                if (name == resource) fallback = invoker;
            if (routes.empty()) {
                out.emplace_back(resource, std::move(fallback));
            } else if (routes.size() == 1 && !fallback && only_user(resource, routes.front()->state_name)) {
                out.emplace_back(resource, routes.front()->invoker);
            } else {
                auto dispatch = std::make_shared<detail::dispatch_invoker>(std::move(fallback));
                for (const auto* site : routes) dispatch->routes().set(site->state_name, site->invoker);
                out.emplace_back(resource, std::move(dispatch));
            }
        }
        return out;
    }

    // True when no other Task in the machine uses `resource`: the bound callable can then be
    // registered directly, without a dispatcher in front.
    bool only_user(const std::string& resource, const std::string& state_name) const {
        bool alone = true;
        visit_tasks(*this, [&](const detail::built_state& s) {
            auto it = s.fields.find("Resource");
            if (s.name != state_name && it != s.fields.end() && *it == resource) alone = false;
        });
        return alone;
    }

    template <class Visit>
    static void visit_tasks(const scope_builder& scope, const Visit& visit) {
        for (const auto& s : scope.states_) {
            if (s->type == state_type::task) visit(*s);
            for (const auto& b : s->branches) visit_tasks(*b, visit);
            if (s->processor) visit_tasks(*s->processor, visit);
        }
    }

    std::vector<std::pair<std::string, std::shared_ptr<task_invoker>>> resource_bindings_;
};

} // namespace stepfn

#endif
