#ifndef STEPFN_CLOCKS_TIMER_HPP
#define STEPFN_CLOCKS_TIMER_HPP

#include <chrono>
#include <cstdint>

namespace stepfn {

// Clocks work in wall-clock time points: Wait's `Timestamp`, history timestamps and
// `$$.Execution.StartTime` are all wall-clock instants.
using time_point = std::chrono::system_clock::time_point;

// Names a timer scheduled on a clock, for cancel().
using timer_id = std::uint64_t;

// The Clock concept, as the engine uses it:
//   time_point now() const;
//   timer_id schedule_at(time_point when, job fn);  // fn runs once, on any thread
//   bool cancel(timer_id id);                        // true when it had not fired yet
// A virtual clock additionally has
//   bool advance_to_next();                          // jump to the earliest timer and fire what is due
// and the engine jumps it whenever nothing else can run.

} // namespace stepfn

#endif
