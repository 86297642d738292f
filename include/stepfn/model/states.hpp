#ifndef STEPFN_MODEL_STATES_HPP
#define STEPFN_MODEL_STATES_HPP

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <stepfn/json.hpp>
#include <stepfn/model/distributed_map.hpp>
#include <stepfn/model/task_resource.hpp>
#include <stepfn/expressions/choice_rule.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/expressions/json_path.hpp>
#include <stepfn/expressions/jsonata_template.hpp>
#include <stepfn/expressions/payload_template.hpp>

namespace stepfn {

// The immutable, compiled model of a state machine: one plain struct per state type held in a
// std::variant (not a class hierarchy). Built by the loader or the builder, read by the engine.
// Transitions are resolved to indexes into their scope's `states` at load time, so running a
// machine never looks a name up.

using state_index = std::uint32_t;
inline constexpr state_index no_state = (std::numeric_limits<state_index>::max)();

// `Next` resolved: the name as written and its index in the same scope.
struct transition {
    std::string name;
    state_index index = no_state;
};

// An integer field that may instead come from a reference path at run time
// (`TimeoutSeconds` / `TimeoutSecondsPath`, `MaxConcurrency` / `MaxConcurrencyPath`, ...) or,
// in a JSONata state, from an expression.
struct int_or_path {
    std::optional<std::int64_t> value;
    std::optional<json_path> path;
    std::optional<jsonata_template> expression;
    bool present() const noexcept { return value.has_value() || path.has_value() || expression.has_value(); }
};

// Same for a number that may be fractional (`ToleratedFailurePercentage`).
struct number_or_path {
    std::optional<double> value;
    std::optional<json_path> path;
    std::optional<jsonata_template> expression;
    bool present() const noexcept { return value.has_value() || path.has_value() || expression.has_value(); }
};

// `Assign` (JSONPath: a payload template whose values see `$` as the state's result;
// JSONata: the object with its "{% %}" expressions compiled).
struct assign_block {
    std::optional<payload_template> jsonpath;
    std::optional<jsonata_template> jsonata;  // JSONata mode only
};

enum class jitter_strategy { none, full };

struct retrier {
    std::vector<std::string> error_equals;
    std::int64_t interval_seconds = 1;
    std::int64_t max_attempts = 3;
    double backoff_rate = 2.0;
    std::optional<std::int64_t> max_delay_seconds;
    jitter_strategy jitter = jitter_strategy::none;
};

struct catcher {
    std::vector<std::string> error_equals;
    transition next;
    // JSONPath: where the error output goes in the raw input. Default `$`; nullopt = `null`
    // (discard the error output, keep the input).
    std::optional<json_path> result_path;
    std::optional<assign_block> assign;
    std::optional<jsonata_template> jsonata_output;  // JSONata `Output` (default: $states.errorOutput)
};

// Fields that every recoverable state (Task, Parallel, Map) shares.
struct recovery {
    std::vector<retrier> retry;
    std::vector<catcher> catch_;
};

// ---- state types -------------------------------------------------------------------------

struct pass_state {
    std::optional<json> result;                 // `Result`: a literal, never a template
    std::optional<payload_template> parameters;
    std::optional<json_path> result_path;       // default `$`; nullopt = null
};

struct task_state {
    std::string resource;
    task_resource_traits traits;        // what `resource` says, set by the loader
    std::optional<payload_template> parameters;
    std::optional<payload_template> result_selector;
    std::optional<json_path> result_path;       // default `$`; nullopt = null
    int_or_path timeout_seconds;                // absent = AWS's default (99,999,999)
    int_or_path heartbeat_seconds;
    json credentials;                           // as written (null when absent)
    std::optional<payload_template> credentials_template;
    recovery recover;
    std::optional<jsonata_template> jsonata_arguments;    // JSONata `Arguments` (default: the input)
    std::optional<jsonata_template> jsonata_credentials;  // JSONata `Credentials`
};

struct choice_branch {
    choice_rule rule;
    transition next;
    std::optional<assign_block> assign;
    std::optional<jsonata_template> jsonata_output;
};

struct choice_state {
    std::vector<choice_branch> choices;
    std::optional<transition> default_;
};

struct wait_state {
    std::optional<std::int64_t> seconds;
    std::optional<json_path> seconds_path;
    std::optional<std::string> timestamp;       // RFC 3339, validated
    std::optional<json_path> timestamp_path;
    std::optional<jsonata_template> jsonata_seconds;    // JSONata expression forms
    std::optional<jsonata_template> jsonata_timestamp;
};

struct succeed_state {};

struct fail_state {
    std::optional<std::string> error;
    std::optional<std::string> cause;
    std::optional<value_expression> error_path;
    std::optional<value_expression> cause_path;
    std::optional<jsonata_template> jsonata_error;  // JSONata "{% %}" Error / Cause
    std::optional<jsonata_template> jsonata_cause;
};

struct scope;

struct parallel_state {
    std::vector<scope> branches;
    std::optional<payload_template> parameters;
    std::optional<payload_template> result_selector;
    std::optional<json_path> result_path;
    recovery recover;
    std::optional<jsonata_template> jsonata_arguments;
};

enum class map_mode { inline_, distributed };
enum class map_execution_type { standard, express };

struct map_state {
    std::shared_ptr<const scope> processor;     // ItemProcessor (or legacy Iterator)
    map_mode mode = map_mode::inline_;
    std::optional<map_execution_type> execution_type;
    std::optional<json_path> items_path;        // default `$`
    std::optional<jsonata_template> jsonata_items;         // JSONata `Items` (default: the input)
    std::optional<jsonata_template> jsonata_item_selector; // JSONata `ItemSelector`
    std::optional<payload_template> item_selector;  // ItemSelector or legacy Parameters
    int_or_path max_concurrency;                // absent = 0 (no limit)
    int_or_path tolerated_failure_count;
    number_or_path tolerated_failure_percentage;
    std::optional<item_reader_spec> item_reader;    // distributed fields, read by the loader
    std::optional<item_batcher_spec> item_batcher;
    std::optional<result_writer_spec> result_writer;
    // The distributed fields' templates and numbers, compiled by the loader (JSONPath).
    std::optional<payload_template> reader_parameters;   // ItemReader.Parameters
    int_or_path reader_max_items;                         // ReaderConfig.MaxItems / MaxItemsPath
    int_or_path batch_max_items;                          // ItemBatcher.MaxItemsPerBatch(Path)
    int_or_path batch_max_bytes;                          // ItemBatcher.MaxInputBytesPerBatch(Path)
    std::optional<payload_template> batch_input;          // ItemBatcher.BatchInput
    std::optional<payload_template> writer_parameters;   // ResultWriter.Parameters
    // The same fields in a JSONata state.
    std::optional<jsonata_template> jsonata_reader_arguments;  // ItemReader.Arguments
    std::optional<jsonata_template> jsonata_batch_input;       // ItemBatcher.BatchInput
    std::optional<jsonata_template> jsonata_writer_arguments;  // ResultWriter.Arguments
    std::optional<std::string> label;
    std::optional<payload_template> result_selector;
    std::optional<json_path> result_path;
    recovery recover;
};

enum class state_type { task, parallel, map, pass, wait, choice, succeed, fail };

// The ASL spelling of a state type ("Task", "Pass", ...).
inline const char* to_string(state_type t) noexcept {
    switch (t) {
    case state_type::task: return "Task";
    case state_type::parallel: return "Parallel";
    case state_type::map: return "Map";
    case state_type::pass: return "Pass";
    case state_type::wait: return "Wait";
    case state_type::choice: return "Choice";
    case state_type::succeed: return "Succeed";
    case state_type::fail: return "Fail";
    }
    return "";
}

struct state {
    std::string name;
    std::string pointer;                        // JSON Pointer of the state in the definition
    std::string comment;
    query_language language = query_language::jsonpath;
    std::optional<json_path> input_path;        // default `$`; nullopt = null (→ {})
    std::optional<json_path> output_path;       // default `$`; nullopt = null (→ {})
    std::optional<transition> next;             // nullopt with end == true, or Choice/Succeed/Fail
    bool end = false;
    std::optional<assign_block> assign;
    std::optional<jsonata_template> jsonata_output;  // JSONata `Output` (default: result or input)
    std::variant<task_state, parallel_state, map_state, pass_state, wait_state, choice_state,
                 succeed_state, fail_state>
        body;

    // The order of alternatives in `body` is the order of state_type.
    state_type type() const noexcept { return static_cast<state_type>(body.index()); }
};

// One `States` object: the top level, each Parallel branch, each Map processor. Transitions
// stay inside a scope.
struct scope {
    std::vector<state> states;
    state_index start = no_state;
    std::string comment;
    query_language language = query_language::jsonpath;
    std::string pointer;                        // JSON Pointer of this scope's object

    // Linear lookup: only for tools and tests, never on the engine's hot path.
    const state* find(std::string_view name) const noexcept {
        for (const auto& s : states)
            if (s.name == name) return &s;
        return nullptr;
    }
};

} // namespace stepfn

#endif
