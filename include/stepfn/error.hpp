#ifndef STEPFN_ERROR_HPP
#define STEPFN_ERROR_HPP

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace stepfn {

// ASL's predefined error names. User errors are any other string.
namespace errors {
inline constexpr const char* all = "States.ALL";
inline constexpr const char* heartbeat_timeout = "States.HeartbeatTimeout";
inline constexpr const char* timeout = "States.Timeout";
inline constexpr const char* task_failed = "States.TaskFailed";
inline constexpr const char* permissions = "States.Permissions";
inline constexpr const char* result_path_match_failure = "States.ResultPathMatchFailure";
inline constexpr const char* parameter_path_failure = "States.ParameterPathFailure";
inline constexpr const char* query_evaluation_error = "States.QueryEvaluationError";
inline constexpr const char* branch_failed = "States.BranchFailed";
inline constexpr const char* no_choice_matched = "States.NoChoiceMatched";
inline constexpr const char* intrinsic_failure = "States.IntrinsicFailure";
inline constexpr const char* exceed_tolerated_failure_threshold = "States.ExceedToleratedFailureThreshold";
inline constexpr const char* item_reader_failed = "States.ItemReaderFailed";
inline constexpr const char* result_writer_failed = "States.ResultWriterFailed";
inline constexpr const char* runtime = "States.Runtime";
inline constexpr const char* data_limit_exceeded = "States.DataLimitExceeded";
// Not an ASL runtime error: the name given to a definition that fails validation.
inline constexpr const char* invalid_definition = "States.InvalidDefinition";
} // namespace errors

// One problem found in a definition: where (a JSON Pointer into the definition) and what.
struct diagnostic {
    std::string pointer;
    std::string message;

    friend bool operator==(const diagnostic& a, const diagnostic& b) {
        return a.pointer == b.pointer && a.message == b.message;
    }
};

// An error as a value: the ASL error name and its cause. Definition problems also carry the
// complete list of diagnostics, each with its JSON Pointer.
struct error {
    std::string name;
    std::string cause;
    std::vector<diagnostic> problems;

    error() = default;
    error(std::string error_name, std::string error_cause)
        : name(std::move(error_name)), cause(std::move(error_cause)) {}
    error(std::string error_name, std::string error_cause, std::vector<diagnostic> diagnostics)
        : name(std::move(error_name)), cause(std::move(error_cause)), problems(std::move(diagnostics)) {}
};

template <class T>
using result = tl::expected<T, error>;

inline tl::unexpected<error> make_error(std::string name, std::string cause) {
    return tl::make_unexpected(error{std::move(name), std::move(cause)});
}

// A definition problem list as an error value.
inline tl::unexpected<error> make_invalid(std::vector<diagnostic> problems) {
    std::string cause;
    for (const auto& p : problems) {
        if (!cause.empty()) cause += '\n';
        cause += (p.pointer.empty() ? std::string("/") : p.pointer) + ": " + p.message;
    }
    return tl::make_unexpected(error{errors::invalid_definition, std::move(cause), std::move(problems)});
}

} // namespace stepfn

#endif
