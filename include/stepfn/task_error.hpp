#ifndef STEPFN_TASK_ERROR_HPP
#define STEPFN_TASK_ERROR_HPP

#include <exception>
#include <string>
#include <utility>

namespace stepfn {

// An exception host code may throw from a task callable to fail with a named ASL error.
// `throw stepfn::task_error{"Payment.Declined", "card expired"};` Any other exception becomes
// States.TaskFailed with its what() as the cause. (A basic type, so that detail::guarded_call,
// the one place that turns exceptions into error values, can name it.)
class task_error : public std::exception {
public:
    task_error(std::string error_name, std::string error_cause)
        : name(std::move(error_name)), cause(std::move(error_cause)) {}
    const char* what() const noexcept override { return cause.c_str(); }

    std::string name;
    std::string cause;
};

} // namespace stepfn

#endif
