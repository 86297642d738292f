#ifndef STEPFN_TESTING_TEST_STATE_HPP
#define STEPFN_TESTING_TEST_STATE_HPP

// One state of a machine run on its own, as AWS's TestState API does: a given input, a mocked
// result or error, variables; back come the output, the error, the next state, the status
// (SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR), the data at each stage of the state's data flow
// and the Retry/Catch decision.
//
// How: the state's JSON is taken from the machine's source (Parallel branches and Map
// processors included) into a one-state machine whose transitions (Next, Choice targets,
// catchers' Next) lead to placeholder Succeed states, so the state is never cut short and the
// placeholder reached names the next state. Variables are set by a Pass state with Assign run
// first. The run stops at the retry decision instead of waiting for the retry.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/load/loader.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/observe/state_inspector.hpp>
#include <stepfn/testing/harness.hpp>
#include <stepfn/testing/history_view.hpp>

namespace stepfn::testing {

enum class test_state_status { succeeded, failed, retriable, caught_error };

inline const char* to_string(test_state_status s) noexcept {
    switch (s) {
    case test_state_status::succeeded: return "SUCCEEDED";
    case test_state_status::failed: return "FAILED";
    case test_state_status::retriable: return "RETRIABLE";
    case test_state_status::caught_error: return "CAUGHT_ERROR";
    }
    return "";
}

struct test_state_options {
    json input = json::object();
    // The tested Task's answer (AWS: mock.result / mock.errorOutput). For a Parallel or Map
    // state, the whole state's result: its branches or iterations then do not run.
    std::optional<json> result;
    std::optional<error> error_output;
    // Variables in scope when the state starts (an object of name → value).
    json variables = json::object();
    // Retries the matching retrier has already made (AWS: stateConfiguration.retrierRetryCount):
    // the state runs that many retries first, on virtual time, with the error mocked each time.
    std::int64_t retrier_retry_count = 0;
    // Answers of the Task states inside a tested Parallel or Map, by state name.
    state_mock& mock(std::string state_name) {
        return inner_mocks.insert_or_assign(state_name, state_mock(state_name)).first->second;
    }
    std::map<std::string, state_mock, std::less<>> inner_mocks;
    // Answers Tasks nothing above mocks (a real invoker under test), by resource.
    std::shared_ptr<task_invoker> invoker;
    harness_options harness;
};

// The data at each stage (AWS: inspectionData). A stage the state does not have is empty.
struct inspection_data {
    json input;
    std::optional<json> after_input_path;
    std::optional<json> after_parameters;
    std::optional<json> after_arguments;   // JSONata: the evaluated Arguments
    std::optional<json> result;
    std::optional<json> after_result_selector;
    std::optional<json> after_result_path;
    std::optional<json> variables;         // after the state, when any are set
    // Every stage the engine reported, by its AWS-style name ("afterItemsPath", "output", ...).
    std::map<std::string, json> stages;

    // AWS: inspectionData.errorDetails.
    std::optional<std::size_t> retry_index;
    std::optional<double> retry_backoff_seconds;
    std::optional<std::size_t> catch_index;
};

struct test_state_result {
    test_state_status status = test_state_status::succeeded;
    json output;              // SUCCEEDED and CAUGHT_ERROR
    std::string error;        // FAILED, RETRIABLE and CAUGHT_ERROR
    std::string cause;
    std::string next_state;   // empty at the end of the machine, on FAILED and on RETRIABLE
    inspection_data inspection;
    std::optional<error_decision> decision;  // the engine's last decision about an error
    history_view history;     // the one-state run's events (the variables' Pass included)

    json to_json() const {
        json out = json::object();
        if (status == test_state_status::succeeded || status == test_state_status::caught_error)
            out["output"] = output;
        if (!error.empty()) out["error"] = error;
        if (!cause.empty()) out["cause"] = cause;
        if (!next_state.empty()) out["nextState"] = next_state;
        out["status"] = to_string(status);
        json data = json::object();
        data["input"] = inspection.input;
        auto put = [&](const char* key, const std::optional<json>& value) {
            if (value) data[key] = *value;
        };
        put("afterInputPath", inspection.after_input_path);
        put("afterParameters", inspection.after_parameters);
        put("afterArguments", inspection.after_arguments);
        put("result", inspection.result);
        put("afterResultSelector", inspection.after_result_selector);
        put("afterResultPath", inspection.after_result_path);
        put("variables", inspection.variables);
        if (inspection.retry_index || inspection.catch_index) {
            json details = json::object();
            if (inspection.catch_index) details["catchIndex"] = *inspection.catch_index;
            if (inspection.retry_index) details["retryIndex"] = *inspection.retry_index;
            if (inspection.retry_backoff_seconds) details["retryBackoffIntervalSeconds"] = *inspection.retry_backoff_seconds;
            data["errorDetails"] = std::move(details);
        }
        out["inspectionData"] = std::move(data);
        return out;
    }
};

namespace detail {

// The state's definition anywhere in the machine, or nullptr.
inline const json* find_state_definition(const json& container, std::string_view name, int depth = 0) {
    if (depth > 64 || !container.is_object()) return nullptr;
    auto states = container.find("States");
    if (states == container.end() || !states->is_object()) return nullptr;
    for (auto it = states->begin(); it != states->end(); ++it) {
        if (it.key() == name) return &it.value();
        if (!it->is_object()) continue;
        if (auto branches = it->find("Branches"); branches != it->end() && branches->is_array())
            for (const auto& branch : *branches)
                if (const json* found = find_state_definition(branch, name, depth + 1)) return found;
        for (const char* processor : {"ItemProcessor", "Iterator"})
            if (auto p = it->find(processor); p != it->end())
                if (const json* found = find_state_definition(*p, name, depth + 1)) return found;
    }
    return nullptr;
}

inline std::string unused_name(const std::set<std::string>& taken, std::string base) {
    std::string name = base;
    for (int n = 2; taken.count(name); ++n) name = base + " " + std::to_string(n);
    return name;
}

// Records the stages and decisions of the tested state (and nothing of other states).
class test_state_inspector final : public state_inspector {
public:
    explicit test_state_inspector(std::string state) : state_(std::move(state)) {}

    void stage(std::string_view state_name, std::string_view stage_name, const json& value) override {
        if (state_name != state_) return;
        std::lock_guard<std::mutex> lock(mutex_);
        stages_[std::string(stage_name)] = value;  // a retry's stages replace the attempt before
    }
    void decision(std::string_view state_name, const error& e, const error_decision& what) override {
        if (state_name != state_) return;
        std::lock_guard<std::mutex> lock(mutex_);
        decisions_.push_back({e, what});
    }

    std::map<std::string, json> stages() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stages_;
    }
    std::vector<std::pair<error, error_decision>> decisions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return decisions_;
    }

private:
    std::string state_;
    mutable std::mutex mutex_;
    std::map<std::string, json> stages_;
    std::vector<std::pair<error, error_decision>> decisions_;
};

inline error invalid_request(std::string message) { return error{"ValidationException", std::move(message)}; }

} // namespace detail

// Runs `state_name` of `machine` once. Errors (ValidationException) only for a request that
// cannot be run: an unknown state, a mock for a state type that calls nothing, variables that
// are not an object, a one-state machine the loader rejects.
inline result<test_state_result> test_state(const state_machine& machine, std::string_view state_name,
                                            test_state_options options = {}) {
    const json& source = machine.source();
    const json* found = detail::find_state_definition(source, state_name);
    if (!found || !found->is_object())
        return tl::make_unexpected(detail::invalid_request("the state machine has no state \"" + std::string(state_name) + "\""));
    const std::string name(state_name);
    const std::string type = detail::string_field(*found, "Type");
    const bool mocked = options.result || options.error_output;
    if (mocked && type != "Task" && type != "Parallel" && type != "Map")
        return tl::make_unexpected(detail::invalid_request("a mocked result or error applies to a Task, Parallel or Map "
                                                           "state, and \"" + name + "\" is a " + type + " state"));
    if (!options.variables.is_object())
        return tl::make_unexpected(detail::invalid_request("variables must be an object of name to value"));

    json tested = *found;
    // A mocked Parallel or Map becomes a Task with the same data flow, answered by the mock.
    if (mocked && type != "Task") {
        for (const char* field : {"Branches", "ItemsPath", "Items", "ItemSelector", "ItemProcessor", "Iterator",
                                  "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ResultWriter", "ItemBatcher",
                                  "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
                                  "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"})
            tested.erase(field);
        if (type == "Map") tested.erase("Parameters");  // a Map's Parameters shape each item
        tested["Type"] = "Task";
        tested["Resource"] = "stepfn:testing:mocked-" + type;
    }

    // Every transition leads to a placeholder; one back to the state itself gets its own name.
    std::set<std::string> taken{name};
    std::map<std::string, std::string> placeholder_of;  // placeholder → the real target
    auto redirect = [&](json& holder, const char* key) {
        if (!holder.is_object()) return;
        auto target = holder.find(key);
        if (target == holder.end() || !target->is_string()) return;
        const std::string real = target->get<std::string>();
        std::string placeholder = real;
        if (real == name) {
            placeholder = detail::unused_name(taken, name + " (next)");
            *target = placeholder;
        }
        taken.insert(placeholder);
        placeholder_of[placeholder] = real;
    };
    redirect(tested, "Next");
    redirect(tested, "Default");
    for (const char* list : {"Choices", "Catch"})
        if (auto entries = tested.find(list); entries != tested.end() && entries->is_array())
            for (auto& entry : *entries) redirect(entry, "Next");

    json states = json::object();
    const bool with_variables = !options.variables.empty();
    const bool jsonata = detail::string_field(source, "QueryLanguage") == "JSONata";
    const std::string prelude = detail::unused_name(taken, "stepfn.testing: variables");
    if (with_variables) {
        json assign = json::object();
        for (auto it = options.variables.begin(); it != options.variables.end(); ++it) {
            if (jsonata)
                assign[it.key()] = "{% $states.input.variables.`" + it.key() + "` %}";
            else
                assign[it.key() + ".$"] = "$.variables['" + it.key() + "']";
        }
        json pass = json::object();
        pass["Type"] = "Pass";
        pass["Assign"] = std::move(assign);
        if (jsonata)
            pass["Output"] = "{% $states.input.input %}";
        else
            pass["OutputPath"] = "$.input";
        pass["Next"] = name;
        states[prelude] = std::move(pass);
    }
    states[name] = tested;
    for (const auto& [placeholder, real] : placeholder_of) states[placeholder] = json{{"Type", "Succeed"}};

    json definition = json::object();
    if (auto language = source.find("QueryLanguage"); language != source.end()) definition["QueryLanguage"] = *language;
    definition["StartAt"] = with_variables ? prelude : name;
    definition["States"] = std::move(states);

    load_options load;
    load.name = machine.name();
    load.bounds = machine.definition().bounds;
    auto one_state = load_machine_json(definition, load);
    if (!one_state) {
        error e = std::move(one_state.error());
        std::string message = "state \"" + name + "\" cannot run on its own: " + e.cause;
        for (const auto& p : e.problems) message += "\n  " + p.pointer + ": " + p.message;
        return tl::make_unexpected(detail::invalid_request(std::move(message)));
    }

    workflow_test harness(std::move(*one_state), options.harness);
    for (auto& [inner, script] : options.inner_mocks) harness.mock(inner) = std::move(script);
    if (options.result) harness.mock(name).returns(*options.result);
    if (options.error_output) harness.mock(name).throws(options.error_output->name, options.error_output->cause);
    if (options.invoker) harness.resources().set_default(options.invoker);

    auto inspector = std::make_shared<detail::test_state_inspector>(name);
    json input = with_variables ? json{{"variables", options.variables}, {"input", options.input}} : options.input;
    start_options start;
    start.inspector = inspector;
    auto started = harness.start(std::move(input), std::move(start));
    if (!started) return tl::make_unexpected(std::move(started.error()));
    test_run& run = *started;

    // Drive by hand so that the run can stop at the retry decision asked for.
    auto retry_decided = [&] {
        for (const auto& [e, d] : inspector->decisions())
            if (d.action == error_decision::kind::retry && d.retry_count >= options.retrier_retry_count) return true;
        return false;
    };
    bool retriable = false;
    while (!run.done()) {
        if (harness.executor().run() > 0) continue;
        if (run.done()) break;
        if (retry_decided()) {
            retriable = true;
            break;
        }
        if (!harness.clock().advance_to_next()) break;
    }
    if (retriable) harness.engine().stop(run.handle());
    harness.executor().run();

    test_state_result out;
    out.history = run.history();
    const auto stages = inspector->stages();
    const auto decisions = inspector->decisions();
    auto stage = [&](const char* key) -> std::optional<json> {
        auto it = stages.find(key);
        return it == stages.end() ? std::nullopt : std::optional<json>(it->second);
    };
    out.inspection.input = options.input;
    out.inspection.after_input_path = stage("afterInputPath");
    out.inspection.after_parameters = stage("afterParameters");
    out.inspection.after_arguments = stage("afterArguments");
    out.inspection.result = stage("result");
    out.inspection.after_result_selector = stage("afterResultSelector");
    out.inspection.after_result_path = stage("afterResultPath");
    out.inspection.stages = stages;

    // Variables: the given ones, then what the state (or its catcher) assigned.
    json variables = options.variables;
    for (const auto& e : out.history.events()) {
        if (!detail::is_state_exited(e.type) || detail::string_field(e.details, "name") != name) continue;
        const json assigned = detail::field(e.details, "assignedVariables");
        if (!assigned.is_object()) continue;
        for (auto it = assigned.begin(); it != assigned.end(); ++it) variables[it.key()] = detail::parse_payload(*it);
    }
    if (!variables.empty()) out.inspection.variables = std::move(variables);

    if (!decisions.empty()) {
        const auto& [e, d] = decisions.back();
        out.decision = d;
        out.error = e.name;
        out.cause = e.cause;
        if (d.action == error_decision::kind::retry) {
            out.inspection.retry_index = d.retrier;
            out.inspection.retry_backoff_seconds = d.delay_seconds;
        } else if (d.action == error_decision::kind::catch_) {
            out.inspection.catch_index = d.catcher;
        }
    }

    if (retriable) {
        out.status = test_state_status::retriable;
        return out;
    }
    const run_result ended = run.snapshot();
    if (ended.status != execution_status::succeeded) {
        out.status = test_state_status::failed;
        out.error = ended.failure.name;
        out.cause = ended.failure.cause;
        if (ended.status == execution_status::running) {
            out.error = "Testing.Stalled";
            out.cause = "the state did not finish: a task neither mocked nor completed?";
        }
        return out;
    }
    out.output = ended.output;
    for (const auto& visited : out.history.states_visited())
        if (auto p = placeholder_of.find(visited); p != placeholder_of.end()) out.next_state = p->second;
    const bool caught = !decisions.empty() && decisions.back().second.action == error_decision::kind::catch_;
    out.status = caught ? test_state_status::caught_error : test_state_status::succeeded;
    if (!caught) {
        out.error.clear();
        out.cause.clear();
    }
    return out;
}

// The same for a state given as ASL JSON on its own (AWS TestState's `definition`), as the
// only state of a machine; `query_language` "JSONata" for a JSONata state.
inline result<test_state_result> test_state(const json& state_definition, test_state_options options = {},
                                            std::string_view query_language = {}) {
    if (!state_definition.is_object())
        return tl::make_unexpected(detail::invalid_request("a state definition must be a JSON object"));
    json definition = json::object();
    if (!query_language.empty()) definition["QueryLanguage"] = std::string(query_language);
    const std::string name = "TestState";
    definition["StartAt"] = name;
    json state = state_definition;
    json states = json::object();
    // The lone state's own transitions must resolve for the loader; test_state redirects them.
    std::set<std::string> targets;
    auto collect = [&](const json& holder, const char* key) {
        if (holder.is_object())
            if (auto t = holder.find(key); t != holder.end() && t->is_string()) targets.insert(t->get<std::string>());
    };
    collect(state, "Next");
    collect(state, "Default");
    for (const char* list : {"Choices", "Catch"})
        if (auto entries = state.find(list); entries != state.end() && entries->is_array())
            for (const auto& entry : *entries) collect(entry, "Next");
    states[name] = std::move(state);
    for (const auto& t : targets)
        if (t != name) states[t] = json{{"Type", "Succeed"}};
    definition["States"] = std::move(states);
    auto machine = load_machine_json(definition);
    if (!machine) {
        std::string message = "the state definition is not valid: " + machine.error().cause;
        for (const auto& p : machine.error().problems) message += "\n  " + p.pointer + ": " + p.message;
        return tl::make_unexpected(detail::invalid_request(std::move(message)));
    }
    return test_state(*machine, name, std::move(options));
}

} // namespace stepfn::testing

#endif
