#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_AWS_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_AWS_HPP

// The functions AWS Step Functions adds to JSONata: $partition, $range, $hash, $uuid, $parse
// ($random with a seed is in functions_numeric.hpp). Their errors carry our codes D3201..D3205:
// the reference has none for them and AWS does not publish its texts.

#include <cmath>
#include <string>
#include <vector>

#include <stepfn/detail/hash.hpp>
#include <stepfn/detail/uuid_text.hpp>
#include <stepfn/expressions/detail/jsonata/functions_array.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline constexpr double max_range_items = 1000;  // as States.ArrayRange

inline result<value> fn_partition(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const double size = arg(a, 1).num();
    if (!is_integer(size) || size < 1) return fail("D3201", "The chunk size of $partition must be a positive integer");
    const auto items = items_of(a[0]);
    json out = json::array();
    const auto chunk = static_cast<std::size_t>((std::min)(size, 1e9));
    for (std::size_t i = 0; i < items.size(); i += chunk) {
        json part = json::array();
        for (std::size_t k = i; k < items.size() && k < i + chunk; ++k) part.push_back(to_json_or_null(items[k]));
        out.push_back(std::move(part));
    }
    return value::own(std::move(out));
}

inline result<value> fn_range(call_info&, std::vector<value>& a) {
    const double start = arg(a, 0).num();
    const double end = arg(a, 1).num();
    const double step = arg(a, 2).undefined() ? 1 : a[2].num();
    if (!is_integer(start) || !is_integer(end) || !is_integer(step) || step == 0)
        return fail("D3202", "The arguments of $range must be integers and the step must not be zero");
    const double count = std::floor((end - start) / step) + 1;
    if (count > max_range_items)
        return fail("D3202", "$range would produce more than " + js_number_to_string(max_range_items) + " items");
    json out = json::array();
    for (double i = 0; i < count; ++i) out.push_back(make_number(start + i * step));
    return value::own(std::move(out));
}

inline result<value> fn_hash(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string algorithm = arg(a, 1).undefined() ? std::string("SHA-256") : a[1].str();
    hash_algorithm alg{};
    if (!parse_hash_algorithm(algorithm, alg))
        return fail("D3203", "The hash algorithm " + quote(algorithm) + " is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
    return str_value(hex_digest(alg, a[0].str()));
}

inline result<value> fn_uuid(call_info& c, std::vector<value>&) {
    const std::uint64_t hi = c.ev.host().random();
    const std::uint64_t lo = c.ev.host().random();
    // $uuid() has always laid each draw's bytes out low byte first (States.UUID high byte
    // first), so that a seed gives the same text as before, the words are read in that order.
    unsigned char bytes[16];
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<unsigned char>(hi >> (8 * i));
        bytes[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
    }
    return str_value(uuid_v4_text(hash_impl::load_be64(bytes), hash_impl::load_be64(bytes + 8)));
}

inline result<value> fn_parse(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    json parsed = json::parse(a[0].str(), nullptr, false);
    if (parsed.is_discarded()) return fail("D3205", "The argument of $parse is not a valid JSON string");
    return value::own(std::move(parsed));
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
