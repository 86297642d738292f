#ifndef STEPFN_API_DETAIL_REQUEST_FIELDS_HPP
#define STEPFN_API_DETAIL_REQUEST_FIELDS_HPP

// Reading an action's request fields as AWS validates them: a missing required member or a
// value out of its constraints is a ValidationException worded as AWS words it; a member of the
// wrong JSON type is a SerializationException; names and ARNs have their own exceptions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <stepfn/api/api_error.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

template <class T>
using field = tl::expected<T, api_error>;

inline tl::unexpected<api_error> validation_error(std::string_view member, const std::string& shown, std::string_view constraint) {
    return api_fail("ValidationException", "1 validation error detected: Value " + shown + " at '" + std::string(member) +
                                               "' failed to satisfy constraint: Member must " + std::string(constraint));
}

inline tl::unexpected<api_error> wrong_type(std::string_view member, std::string_view expected) {
    return api_fail("SerializationException", "the member '" + std::string(member) + "' must be " + std::string(expected));
}

// A string member; nullopt when absent (or null). Lengths count code points, as AWS does.
inline field<std::optional<std::string>> optional_string(const json& request, const char* member, std::size_t min_length,
                                                         std::size_t max_length) {
    auto it = request.find(member);
    if (it == request.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) return wrong_type(member, "a string");
    const std::string& value = it->get_ref<const std::string&>();
    std::size_t length = 0;
    for (char c : value) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (length < min_length)
        return validation_error(member, "'" + value + "'", "have length greater than or equal to " + std::to_string(min_length));
    if (length > max_length) {
        // AWS shows the value; a long one is cut so that the message stays short.
        std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
        return validation_error(member, "'" + shown + "'", "have length less than or equal to " + std::to_string(max_length));
    }
    return std::optional<std::string>(value);
}

inline field<std::string> required_string(const json& request, const char* member, std::size_t min_length, std::size_t max_length) {
    auto value = optional_string(request, member, min_length, max_length);
    if (!value) return tl::make_unexpected(std::move(value.error()));
    if (!*value) return validation_error(member, "null", "not be null");
    return std::move(**value);
}

inline field<std::optional<bool>> optional_bool(const json& request, const char* member) {
    auto it = request.find(member);
    if (it == request.end() || it->is_null()) return std::optional<bool>();
    if (!it->is_boolean()) return wrong_type(member, "a boolean");
    return std::optional<bool>(it->get<bool>());
}

inline field<std::optional<std::int64_t>> optional_integer(const json& request, const char* member, std::int64_t min,
                                                           std::int64_t max) {
    auto it = request.find(member);
    if (it == request.end() || it->is_null()) return std::optional<std::int64_t>();
    if (!it->is_number_integer()) return wrong_type(member, "an integer");
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
        return validation_error(member, it->dump(), "have value less than or equal to " + std::to_string(max));
    const auto value = it->get<std::int64_t>();
    if (value < min) return validation_error(member, it->dump(), "have value greater than or equal to " + std::to_string(min));
    if (value > max) return validation_error(member, it->dump(), "have value less than or equal to " + std::to_string(max));
    return std::optional<std::int64_t>(value);
}

// AWS's name rule (state machines, executions, activities, versions' aliases): 1 to 80
// characters, none of whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or control characters.
inline bool valid_resource_name(std::string_view name) {
    if (name.empty()) return false;
    std::size_t length = 0;
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        length += (c & 0xC0) != 0x80;
        if (c <= 0x20 || c == 0x7F) return false;
        if (std::string_view("<>{}[]?*\"#%\\^|~`$&,;:/").find(static_cast<char>(c)) != std::string_view::npos) return false;
    }
    return length <= 80;
}

// arn:<partition>:states:<region>:<account>:<type>:<name>[:<qualifier>]
struct parsed_arn {
    std::string region;
    std::string account;
    std::string type;       // stateMachine, execution, express, activity, mapRun, ...
    std::string name;       // for an execution: its state machine's name
    std::string qualifier;  // for an execution: its name; for a state machine: a version or alias
};

inline std::optional<parsed_arn> parse_arn(std::string_view arn) {
    std::string parts[8];
    std::size_t count = 0, start = 0;
    for (std::size_t i = 0; i <= arn.size(); ++i) {
        if (i == arn.size() || arn[i] == ':') {
            if (count == 8) return std::nullopt;
            parts[count++] = std::string(arn.substr(start, i - start));
            start = i + 1;
        }
    }
    if (count < 7 || parts[0] != "arn" || parts[1].empty() || parts[2] != "states") return std::nullopt;
    for (std::size_t i = 3; i < count; ++i)
        if (parts[i].empty()) return std::nullopt;
    return parsed_arn{parts[3], parts[4], parts[5], parts[6], count == 8 ? parts[7] : std::string()};
}

inline tl::unexpected<api_error> invalid_arn(std::string_view arn, std::string_view why = "Resource type not valid in this context") {
    return api_fail("InvalidArn", "Invalid Arn: '" + std::string(why) + ": " + std::string(arn) + "'");
}

} // namespace stepfn::detail

#endif
