#ifndef STEPFN_LOAD_DETAIL_DEFINITION_LOADER_HPP
#define STEPFN_LOAD_DETAIL_DEFINITION_LOADER_HPP

// The walk over an ASL document that validates it and builds the model at the same time.
// Every problem is recorded (never just the first); the caller decides whether a model is
// returned. Rules and messages: docs/validation.md.
//
// The class is declared here once, as a table of contents; its members are defined in one
// file per concern (loader_fields, loader_scopes, loader_recovery, loader_states, loader_map),
// included at the bottom.

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
#include <stepfn/load/detail/document_order.hpp>
#include <stepfn/load/detail/field_rules.hpp>
#include <stepfn/load/load_options.hpp>
#include <stepfn/load/detail/text_checks.hpp>
#include <stepfn/expressions/choice_rule.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>
#include <stepfn/expressions/intrinsic.hpp>
#include <stepfn/expressions/json_path.hpp>
#include <stepfn/expressions/payload_template.hpp>
#include <stepfn/expressions/jsonata_template.hpp>

namespace stepfn::detail {

inline constexpr std::int64_t max_asl_seconds = 99999999;
inline constexpr std::int64_t max_delay_seconds_limit = 31622400;
inline constexpr std::int64_t max_batch_bytes = 262144;
inline constexpr std::int64_t max_reader_items = 100000000;
inline constexpr std::int64_t unbounded = (std::numeric_limits<std::int64_t>::max)();

// Where `$states.result` and `$states.errorOutput` exist (asl-reference.md §10): `result` in
// the Output and Assign of a Task, Parallel or Map; `errorOutput` in a Catcher's. `input` and
// `context` exist everywhere.
inline constexpr std::uint8_t states_everywhere =
    static_cast<std::uint8_t>(states_member::input) | static_cast<std::uint8_t>(states_member::context);
inline constexpr std::uint8_t states_with_result =
    states_everywhere | static_cast<std::uint8_t>(states_member::result);
inline constexpr std::uint8_t states_with_error =
    states_everywhere | static_cast<std::uint8_t>(states_member::error_output);

// The `$states` members a state's own Output and Assign may read.
inline std::uint8_t states_of(state_type t) noexcept {
    return t == state_type::task || t == state_type::parallel || t == state_type::map ? states_with_result
                                                                                       : states_everywhere;
}

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

    // ---- reporting (loader_fields.hpp) ---------------------------------------------------

    void report(std::string pointer, std::string message);
    void merge(const error& e, const std::string& pointer, std::string_view what = {});
    static std::string not_supported(std::string_view field);
    static std::string quoted(std::string_view field);

    // ---- field access (loader_fields.hpp) ------------------------------------------------

    static const json* get(const json& object, std::string_view key) noexcept;
    template <std::size_t N>
    void check_fields(const json& object, const std::string& pointer, const std::string_view (&allowed)[N]);
    template <std::size_t N>
    void require_fields(const json& object, const std::string& pointer, const std::string_view (&required)[N]);
    const json* required_list(const json& object, const std::string& pointer, std::string_view field,
                              std::string_view items);
    std::optional<std::string> read_string(const json& value, const std::string& pointer, std::string_view field);
    bool expect_object(const json& value, const std::string& pointer, std::string_view field);
    bool expect_array(const json& value, const std::string& pointer, std::string_view field);
    std::optional<std::int64_t> read_int(const json& value, const std::string& pointer, std::string_view field,
                                         std::int64_t low, std::int64_t high);
    std::optional<query_language> read_language(const json& value, const std::string& pointer);
    query_language language_override(const json& object, const std::string& pointer, query_language inherited);

    // ---- paths and templates (loader_fields.hpp) -----------------------------------------

    std::optional<json_path> compile_path(const json& value, const std::string& pointer, std::string_view field,
                                          bool reference, bool nullable = false);
    std::optional<json_path> io_path(const json& object, const std::string& pointer, std::string_view field);
    std::optional<json_path> result_path(const json& object, const std::string& pointer);
    std::optional<json_path> reference_field(const json& object, const std::string& pointer, std::string_view field);
    std::optional<payload_template> compile_template(const json& value, const std::string& pointer);
    std::optional<value_expression> compile_expression(const json& value, const std::string& pointer,
                                                       std::string_view field);

    // ---- JSONata fields (loader_jsonata.hpp) ---------------------------------------------

    void check_states_members(const json& value, const std::string& pointer, std::uint8_t allowed, std::size_t depth);
    std::optional<jsonata_template> jsonata_field(const json& value, const std::string& pointer, std::string_view field,
                                                  std::uint8_t allowed);
    std::optional<jsonata_template> jsonata_expression_field(const json& value, const std::string& pointer,
                                                             std::string_view field);

    // ---- exclusive pairs and numbers-or-paths (loader_fields.hpp) ------------------------

    bool exclusive(const json& object, const std::string& pointer, std::string_view a, std::string_view b);
    int_or_path int_or_path_field(const json& object, const std::string& pointer, query_language language,
                                  std::string_view field, std::string_view path_field, std::int64_t low,
                                  std::int64_t high);
    number_or_path number_or_path_field(const json& object, const std::string& pointer, query_language language,
                                        std::string_view field, std::string_view path_field, double low,
                                        double high);

    // ---- names and transitions (loader_scopes.hpp) ---------------------------------------

    void collect_names(const json& machine, const std::string& pointer);
    transition resolve(const json& value, const std::string& pointer, std::string_view field,
                       const scope_names& names);

    // ---- scopes (loader_scopes.hpp) ------------------------------------------------------

    void load_scope(const json& machine, const std::string& pointer, scope_kind kind, scope& out);
    void load_scope_body(const json& machine, const std::string& pointer, scope_kind kind, scope& out);
    void check_state_name(const std::string& name, const std::string& pointer);
    void check_graph(const scope& s, const std::string& pointer);

    // ---- states (loader_scopes.hpp) ------------------------------------------------------

    bool load_state(const json& body, const std::string& name, const std::string& pointer,
                    query_language scope_language, const scope_names& names, state& out);
    bool read_next_or_end(const json& body, const std::string& pointer, const scope_names& names, state& out);
    std::optional<assign_block> read_assign(const json& value, const std::string& pointer, query_language language,
                                            std::uint8_t states_allowed);
    void check_variable_scopes();

    // ---- Retry and Catch (loader_recovery.hpp) -------------------------------------------

    std::pair<std::vector<std::string>, bool> read_error_equals(const json& object, const std::string& pointer);
    std::vector<retrier> load_retry(const json& value, const std::string& pointer);
    std::vector<catcher> load_catch(const json& value, const std::string& pointer, query_language language,
                                    const scope_names& names);
    recovery load_recovery(const json& body, const std::string& pointer, query_language language,
                           const scope_names& names);

    // ---- one function per state type (loader_states.hpp) ---------------------------------

    std::optional<payload_template> template_field(const json& body, const std::string& pointer,
                                                   std::string_view field);
    template <class State>
    void read_work_fields(const json& body, const std::string& pointer, query_language language, State& out);
    pass_state load_pass(const json& body, const std::string& pointer, query_language language);
    task_state load_task(const json& body, const std::string& pointer, query_language language,
                         const scope_names& names);
    void load_credentials(const json& value, const std::string& state_pointer, query_language language,
                          task_state& out);
    choice_state load_choice(const json& body, const std::string& pointer, query_language language,
                             const scope_names& names);
    void load_choice_rule(const json& rule, const std::string& pointer, query_language language,
                          const scope_names& names, choice_state& out);
    wait_state load_wait(const json& body, const std::string& pointer, query_language language);
    fail_state load_fail(const json& body, const std::string& pointer, query_language language);
    parallel_state load_parallel(const json& body, const std::string& pointer, query_language language,
                                 const scope_names& names);

    // ---- the Map state and its reader, batcher and writer (loader_map.hpp) ---------------
    map_state load_map(const json& body, const std::string& pointer, query_language language,
                       const scope_names& names);
    void load_processor_config(const json& config, const std::string& pointer, map_state& out);
    void enum_field(const json& object, const std::string& pointer, std::string_view field,
                    std::initializer_list<std::string_view> values);
    std::optional<payload_template> resource_arguments(const json& object, const std::string& pointer,
                                                       query_language language);
    void load_item_reader(const json& reader, const std::string& pointer, query_language language, map_state& out);
    void load_item_batcher(const json& batcher, const std::string& pointer, query_language language, map_state& out);
    void load_result_writer(const json& writer, const std::string& pointer, query_language language, map_state& out);
};

} // namespace stepfn::detail

#include <stepfn/load/detail/loader_fields.hpp>
#include <stepfn/load/detail/loader_jsonata.hpp>
#include <stepfn/load/detail/loader_scopes.hpp>
#include <stepfn/load/detail/loader_recovery.hpp>
#include <stepfn/load/detail/loader_states.hpp>
#include <stepfn/load/detail/loader_map.hpp>

namespace stepfn::detail {

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

} // namespace stepfn::detail

#endif
