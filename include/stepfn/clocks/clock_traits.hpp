#ifndef STEPFN_CLOCKS_CLOCK_TRAITS_HPP
#define STEPFN_CLOCKS_CLOCK_TRAITS_HPP

#include <type_traits>
#include <utility>

#include <stepfn/job.hpp>
#include <stepfn/clocks/timer.hpp>

namespace stepfn {

// Detection of the Clock concept described in timer.hpp: now(), schedule_at(), cancel().
template <class C, class = void>
struct is_clock : std::false_type {};

template <class C>
struct is_clock<
    C, std::void_t<decltype(time_point(std::declval<const C&>().now())),
                   decltype(timer_id(std::declval<C&>().schedule_at(std::declval<time_point>(),
                                                                    std::declval<job>()))),
                   decltype(static_cast<bool>(std::declval<C&>().cancel(std::declval<timer_id>())))>>
    : std::true_type {};

template <class C>
inline constexpr bool is_clock_v = is_clock<C>::value;

// A virtual clock is a clock whose time moves only when told: the engine calls advance_to_next()
// whenever nothing else can run, so a run with hour-long Waits completes at once.
template <class C, class = void>
struct is_virtual_clock : std::false_type {};

template <class C>
struct is_virtual_clock<C, std::void_t<decltype(static_cast<bool>(std::declval<C&>().advance_to_next()))>>
    : std::bool_constant<is_clock_v<C>> {};

template <class C>
inline constexpr bool is_virtual_clock_v = is_virtual_clock<C>::value;

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
// Named for what it provides; `clock` alone would hide ::clock() inside namespace stepfn.
template <class C>
concept timer_clock = is_clock_v<C>;

template <class C>
concept steppable_clock = is_virtual_clock_v<C>;
#endif

} // namespace stepfn

#endif
