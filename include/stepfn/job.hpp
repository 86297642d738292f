#ifndef STEPFN_JOB_HPP
#define STEPFN_JOB_HPP

#include <stepfn/unique_function.hpp>

namespace stepfn {

// One unit of work the engine hands to an Executor (`post(job)`) or a Clock
// (`schedule_at(when, job)`): a move-only callable, since jobs own JSON values and completion
// handles. Callables of up to four pointers are stored without allocating.
using job = unique_function<void()>;

} // namespace stepfn

#endif
