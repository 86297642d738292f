#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_FORMAT_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_FORMAT_HPP

// The picture-string functions ($formatNumber, $formatBase, $formatInteger, $parseInteger,
// $fromMillis, $toMillis) and the date/time functions built on them: argument handling here, the
// formatting itself in format_number.hpp, integer_picture.hpp and datetime.hpp.

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/expressions/detail/jsonata/functions_numeric.hpp>

#include <stepfn/expressions/detail/jsonata/datetime.hpp>
#include <stepfn/expressions/detail/jsonata/format_number.hpp>
#include <stepfn/expressions/detail/jsonata/integer_picture.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline std::optional<std::string_view> opt_str(const std::vector<value>& a, std::size_t i) {
    if (arg(a, i).is_string()) return std::string_view(a[i].str());
    return std::nullopt;
}

inline result<value> from_string_result(result<std::string> r) {
    if (!r) return tl::make_unexpected(r.error());
    return str_value(std::move(*r));
}

// The picture of `$formatNumber`, `$formatInteger` or `$fromMillis` (their second argument)
// when the call writes it as a literal: analysed when the expression compiles, used when the
// call's picture is that text (and, for $formatNumber, no options are given).
struct prepared_picture {
    std::string text;
    std::optional<number_detail::number_picture> number;
    std::optional<integer_format> integer;
    std::optional<std::vector<datetime_detail::picture_part>> date;
    std::optional<datetime_detail::date_parser> parser;  // $toMillis's

    const prepared_picture* when(const std::vector<value>& a) const {
        return arg(a, 1).is_string() && a[1].str() == text ? this : nullptr;
    }
};

inline result<value> fn_format_number(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (arg(a, 2).undefined() && c.picture != nullptr && c.picture->number && c.picture->when(a))
        return from_string_result(number_detail::format_number_with(a[0].num(), *c.picture->number));
    const json* options = arg(a, 2).is_object() ? &a[2].j() : nullptr;
    return from_string_result(format_number(a[0].num(), arg(a, 1).str(), options));
}

inline result<value> fn_format_base(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    std::optional<double> radix;
    if (arg(a, 1).is_number()) radix = a[1].num();
    return from_string_result(format_base(a[0].num(), radix));
}

inline result<value> fn_format_integer(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (c.picture != nullptr && c.picture->integer && c.picture->when(a)) {
        auto text = format_integer_with(std::floor(a[0].num()), *c.picture->integer);
        if (!text) return tl::make_unexpected(text.error());
        return str_value(to_utf8(*text));
    }
    return from_string_result(format_integer(a[0].num(), arg(a, 1).str()));
}

inline result<value> fn_parse_integer(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    auto r = parse_integer(a[0].str(), arg(a, 1).str());
    if (!r) return tl::make_unexpected(r.error());
    if (!*r) return value{};
    return num_value(**r);
}

inline result<value> format_millis(double ms, const std::vector<value>& a, std::size_t first) {
    const auto picture = opt_str(a, first);
    const auto zone = opt_str(a, first + 1);
    return from_string_result(from_millis(ms, picture, zone));
}

inline result<value> fn_now(call_info& c, std::vector<value>& a) { return format_millis(c.ev.now_ms(), a, 0); }
inline result<value> fn_millis(call_info& c, std::vector<value>&) { return num_value(c.ev.now_ms()); }

inline result<value> fn_from_millis(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    if (c.picture != nullptr && c.picture->date && c.picture->when(a))
        return from_string_result(datetime_detail::from_millis_with(a[0].num(), *c.picture->date, opt_str(a, 2)));
    return format_millis(a[0].num(), a, 1);
}

inline result<value> fn_to_millis(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    // "Now" is the evaluation's, as $now's (and a constant expression that reads it is not
    // folded at compile time).
    const auto now = [&c] { return c.ev.now_ms(); };
    auto r = c.picture != nullptr && c.picture->parser && c.picture->when(a)
                 ? datetime_detail::parse_date_time_with(*c.picture->parser, a[0].str(), now)
                 : to_millis(a[0].str(), opt_str(a, 1), now);
    if (!r) return tl::make_unexpected(r.error());
    if (!*r) return value{};
    return num_value(**r);
}

inline std::shared_ptr<const prepared_picture> prepare_picture(const builtin_def& b, std::string_view picture) {
    auto p = std::make_shared<prepared_picture>();
    p->text = std::string(picture);
    if (b.impl == fn_format_number) {
        auto r = number_detail::analyse_number_picture(picture, nullptr);
        if (r) p->number = std::move(*r);
    } else if (b.impl == fn_format_integer) {
        auto r = analyse_integer_picture(to_utf16(picture));
        if (r) p->integer = std::move(*r);
    } else if (b.impl == fn_from_millis) {
        auto r = datetime_detail::analyse_picture(to_utf16(picture));
        if (r) p->date = std::move(*r);
    } else if (b.impl == fn_to_millis) {
        auto r = datetime_detail::prepare_date_parser(picture);
        if (r) p->parser = std::move(*r);
    }
    // A picture that does not analyse keeps its error for the call, as the reference reports it.
    if (!p->number && !p->integer && !p->date && !p->parser) return nullptr;
    return p;
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
