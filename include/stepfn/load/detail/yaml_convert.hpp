#ifndef STEPFN_LOAD_DETAIL_YAML_CONVERT_HPP
#define STEPFN_LOAD_DETAIL_YAML_CONVERT_HPP

// YAML (a yaml-cpp node tree) → JSON, recording where each value was written so that a
// loader diagnostic's JSON Pointer can be shown as a YAML line and column.
//
// Plain scalars are typed by the YAML 1.2 core schema (null, true/false, integers, floats),
// which is what JSON means by them; quoted scalars are always strings. YAML 1.1's yes/no/on/off
// stay strings. Aliases are expanded, with a cap on the values produced, so a small document
// cannot expand into a huge one.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <stepfn/detail/hex.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/load/detail/text_checks.hpp>

namespace stepfn {

// A place in YAML text, 1-based as editors show it.
struct yaml_mark {
    std::size_t line = 0;
    std::size_t column = 0;
};

namespace detail {

inline std::optional<yaml_mark> to_yaml_mark(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0) return std::nullopt;
    return yaml_mark{static_cast<std::size_t>(mark.line) + 1, static_cast<std::size_t>(mark.column) + 1};
}

inline std::string describe_mark(const yaml_mark& mark) {
    return "line " + std::to_string(mark.line) + ", column " + std::to_string(mark.column);
}

inline bool all_of_chars(std::string_view text, bool (*accept)(char)) {
    if (text.empty()) return false;
    for (char c : text)
        if (!accept(c)) return false;
    return true;
}

inline bool is_decimal_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }
inline bool is_hex_digit(char c) { return hex_digit_value(c) >= 0; }

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? as JSON number text, or nullopt.
inline std::optional<std::string> yaml_float_as_json(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        if (text[i] == '-') out += '-';
        ++i;
    }
    std::size_t digits = 0;
    std::string whole;
    while (i < text.size() && is_decimal_digit(text[i])) whole += text[i++], ++digits;
    // JSON allows no leading zeros: "007" is 7.
    std::size_t lead = 0;
    while (lead + 1 < whole.size() && whole[lead] == '0') ++lead;
    out += whole.empty() ? "0" : whole.substr(lead);
    if (i < text.size() && text[i] == '.') {
        ++i;
        std::string fraction;
        while (i < text.size() && is_decimal_digit(text[i])) fraction += text[i++], ++digits;
        out += "." + (fraction.empty() ? std::string("0") : fraction);
    }
    if (digits == 0) return std::nullopt;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        out += 'e';
        ++i;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) out += text[i++];
        std::size_t exponent_digits = 0;
        while (i < text.size() && is_decimal_digit(text[i])) out += text[i++], ++exponent_digits;
        if (exponent_digits == 0) return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    return out;
}

// A problem found while reading the YAML itself, before the loader sees anything.
struct yaml_problem {
    std::string pointer;
    std::optional<yaml_mark> mark;
    std::string message;
};

class yaml_converter {
public:
    // `max_depth` bounds the recursion; `loader_depth` is the loader's own limit, which the
    // message names (anything deeper than max_depth is deeper than that too).
    yaml_converter(std::size_t max_depth, std::size_t loader_depth, std::size_t max_values)
        : max_depth_(max_depth), loader_depth_(loader_depth), max_values_(max_values) {}

    std::vector<yaml_problem> problems;
    std::unordered_map<std::string, yaml_mark> marks;

    json convert(const YAML::Node& node, const std::string& pointer, const YAML::Mark& written_at, std::size_t depth) {
        if (stopped_) return json();
        if (auto mark = to_yaml_mark(written_at)) marks.emplace(pointer, *mark);
        if (++values_ > max_values_) {
            stop(pointer, "the YAML expands to more than " + std::to_string(max_values_) +
                              " values (through aliases?); the limit follows the definition size limit");
            return json();
        }
        if (depth > max_depth_) {
            stop(pointer, "the definition is nested deeper than " + std::to_string(loader_depth_) + " levels");
            return json();
        }
        switch (node.Type()) {
        case YAML::NodeType::Map: {
            json out = json::object();
            for (auto it = node.begin(); it != node.end() && !stopped_; ++it) {
                // Copies (handles to the same node), not references: `it->` yields a temporary
                // pair, so a reference to its member dangles at the end of the statement.
                const YAML::Node key = it->first;
                const YAML::Node value = it->second;
                if (!key.IsScalar()) {
                    report(pointer, key.Mark(), "a mapping key must be a plain value, not a mapping or a sequence");
                    continue;
                }
                const std::string& name = key.Scalar();
                const std::string child = pointer_child(pointer, name);
                if (out.contains(name)) {
                    report(child, key.Mark(), "duplicate key '" + printable(name) + "'");
                    continue;
                }
                out[name] = convert(value, child, key.Mark(), depth + 1);
            }
            return out;
        }
        case YAML::NodeType::Sequence: {
            json out = json::array();
            std::size_t index = 0;
            for (auto it = node.begin(); it != node.end() && !stopped_; ++it, ++index) {
                const YAML::Node item = *it;
                out.push_back(convert(item, pointer_child(pointer, index), item.Mark(), depth + 1));
            }
            return out;
        }
        case YAML::NodeType::Scalar: return scalar(node, pointer);
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: break;
        }
        return json();
    }

private:
    void report(const std::string& pointer, const YAML::Mark& mark, std::string message) {
        problems.push_back(yaml_problem{pointer, to_yaml_mark(mark), std::move(message)});
    }

    void stop(const std::string& pointer, std::string message) {
        stopped_ = true;
        std::optional<yaml_mark> mark;
        if (auto found = marks.find(pointer); found != marks.end()) mark = found->second;
        problems.push_back(yaml_problem{pointer, mark, std::move(message)});
    }

    json scalar(const YAML::Node& node, const std::string& pointer) {
        const std::string& text = node.Scalar();
        const std::string& tag = node.Tag();
        constexpr std::string_view core = "tag:yaml.org,2002:";
        // "!" marks a quoted (non-plain) scalar: always a string.
        if (tag == "!" || tag == std::string(core) + "str") return json(text);
        if (tag != "?" && !tag.empty()) {
            const std::string_view name = std::string_view(tag).substr(0, core.size()) == core
                                              ? std::string_view(tag).substr(core.size())
                                              : std::string_view();
            if (name != "null" && name != "bool" && name != "int" && name != "float") {
                report(pointer, node.Mark(), "unsupported YAML tag '" + printable(tag) + "'");
                return json();
            }
        }
        if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return json();
        if (text == "true" || text == "True" || text == "TRUE") return json(true);
        if (text == "false" || text == "False" || text == "FALSE") return json(false);
        if (auto number = integer(text, pointer, node.Mark())) return *number;
        if (auto number_text = yaml_float_as_json(text)) {
            json number = json::parse(*number_text, nullptr, false);
            if (!number.is_discarded()) return number;
        }
        std::string_view unsigned_text = text;
        if (!unsigned_text.empty() && (unsigned_text[0] == '-' || unsigned_text[0] == '+')) unsigned_text.remove_prefix(1);
        if (unsigned_text == ".inf" || unsigned_text == ".Inf" || unsigned_text == ".INF" || text == ".nan" ||
            text == ".NaN" || text == ".NAN") {
            report(pointer, node.Mark(), "'" + text + "' has no JSON equivalent");
            return json();
        }
        return json(text);
    }

    // Decimal, 0o octal and 0x hexadecimal integers.
    std::optional<json> integer(const std::string& text, const std::string& pointer, const YAML::Mark& mark) {
        std::string_view digits = text;
        const bool negative = !digits.empty() && digits[0] == '-';
        if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
        int base = 10;
        if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'x') && text[0] != '-' &&
            text[0] != '+') {
            base = digits[1] == 'o' ? 8 : 16;
            digits.remove_prefix(2);
        }
        const bool ok = base == 10 ? all_of_chars(digits, is_decimal_digit)
                        : base == 8 ? all_of_chars(digits, is_octal_digit)
                                    : all_of_chars(digits, is_hex_digit);
        if (!ok) return std::nullopt;
        if (base == 10) {
            // As the JSON loader reads it (big integers become doubles, like nlohmann's parser).
            std::size_t lead = 0;
            while (lead + 1 < digits.size() && digits[lead] == '0') ++lead;
            json number = json::parse(std::string(negative ? "-" : "") + std::string(digits.substr(lead)), nullptr, false);
            if (!number.is_discarded()) return number;
            return std::nullopt;
        }
        std::uint64_t value = 0;
        for (char c : digits) {
            const auto d = static_cast<std::uint64_t>(hex_digit_value(c));  // the digits were checked for their base
            if (value > ((std::numeric_limits<std::uint64_t>::max)() - d) / static_cast<std::uint64_t>(base)) {
                report(pointer, mark, "the integer '" + text + "' is too large");
                return json();
            }
            value = value * static_cast<std::uint64_t>(base) + d;
        }
        return json(value);
    }

    std::size_t max_depth_;
    std::size_t loader_depth_;
    std::size_t max_values_;
    std::size_t values_ = 0;
    bool stopped_ = false;
};

} // namespace detail
} // namespace stepfn

#endif
