#ifndef STEPFN_LOAD_DETAIL_TEXT_CHECKS_HPP
#define STEPFN_LOAD_DETAIL_TEXT_CHECKS_HPP

// Small checks for the loader: ASL name rules, nesting depth, JSON parse errors. (JSON Pointers
// and UTF-8 have their homes in stepfn/detail/.)

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/detail/json_pointer.hpp>
#include <stepfn/detail/utf8.hpp>
#include <stepfn/expressions/query_language.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

// A JSON value that is a JSONata expression (a string; stepfn::is_jsonata_expression).
inline bool is_jsonata_expression(const json& value) noexcept {
    const auto* text = value.get_ptr<const json::string_t*>();
    return text && stepfn::is_jsonata_expression(*text);
}

// A JSON integer that fits in int64 (floats such as 1.0 are not integers here).
inline std::optional<std::int64_t> as_int64(const json& value) noexcept {
    if (value.is_number_unsigned()) {
        auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    return std::nullopt;
}

// Variable names (asl-reference §9): identifier rules, ≤ 80 characters, not `states`. Unicode
// ID_Start/ID_Continue tables are not worth carrying: any non-ASCII code point counts as a letter.
inline bool is_valid_variable_name(std::string_view name) noexcept {
    if (name.empty() || name == "states" || code_point_count(name) > 80) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        auto c = static_cast<unsigned char>(name[i]);
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
        bool digit = c >= '0' && c <= '9';
        if (i == 0 ? !letter : !(letter || digit)) return false;
    }
    return true;
}

// Map `Label` (asl-reference §3): 1–40 characters, no whitespace, control or reserved characters.
inline std::optional<std::string> label_problem(std::string_view label) {
    auto length = code_point_count(label);
    if (length == 0 || length > 40) return std::string("'Label' must be 1 to 40 characters long");
    constexpr std::string_view forbidden = "?*<>{}[]:;,\\|^~$#%&`\"";
    for (char ch : label) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7F) return std::string("'Label' must not contain whitespace or control characters");
        if (forbidden.find(ch) != std::string_view::npos)
            return std::string("'Label' must not contain the character '") + ch + "'";
    }
    return std::nullopt;
}

// What a definition nested deeper than the limit is told (the loader, YAML, the command).
inline std::string too_deep_message(std::size_t max_depth) {
    return "the definition is nested deeper than " + std::to_string(max_depth) + " levels";
}

// The JSON Pointer of the first value nested deeper than `max_depth` levels (the root object
// or array is level 1), or nullopt. Iterative, so a document nested 100,000 deep is fine.
inline std::optional<std::string> find_too_deep(const json& root, std::size_t max_depth) {
    if (!root.is_structured()) return std::nullopt;
    if (max_depth == 0) return std::string();
    struct pending {
        const json* node;
        json::const_iterator next;
    };
    std::vector<pending> stack;
    stack.push_back({&root, root.cbegin()});
    while (!stack.empty()) {
        pending& top = stack.back();
        if (top.next == top.node->cend()) {
            stack.pop_back();
            continue;
        }
        const json& child = *top.next;
        ++top.next;
        if (!child.is_structured()) continue;
        if (stack.size() + 1 > max_depth) {
            std::string pointer;
            for (const pending& f : stack) {
                auto current = std::prev(f.next);
                if (f.node->is_object()) {
                    pointer = pointer_child(pointer, current.key());
                } else {
                    pointer = pointer_child(
                        pointer, static_cast<std::size_t>(std::distance(f.node->cbegin(), current)));
                }
            }
            return pointer;
        }
        stack.push_back({&child, child.cbegin()});
    }
    return std::nullopt;
}

// A DOM builder that remembers the first syntax error, so that a failed parse says where.
class recording_dom_parser : public nlohmann::detail::json_sax_dom_parser<json> {
public:
    explicit recording_dom_parser(json& out) : nlohmann::detail::json_sax_dom_parser<json>(out, false) {}

    std::string message;

    template <class Exception>
    bool parse_error(std::size_t position, const std::string& last_token, const Exception& ex) {
        std::string_view what = ex.what();
        // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep "parse error at line ...".
        if (auto close = what.find("] "); !what.empty() && what.front() == '[' && close != std::string_view::npos)
            what.remove_prefix(close + 2);
        if (message.empty()) message = printable(what);
        return nlohmann::detail::json_sax_dom_parser<json>::parse_error(position, last_token, ex);
    }
};

// Parses a definition into `out` in one pass; on a syntax error, its message (nullopt when the
// text is JSON). nlohmann's parser is called directly, on a std::string like every other parse
// in stepfn: json::parse would add a callback parser, json::sax_parse the readers of the binary
// formats (CBOR, MessagePack, ...), and a const char* range a second lexer, all compiled in every
// translation unit that loads a machine.
inline std::optional<std::string> parse_definition_text(const std::string& text, json& out) {
    recording_dom_parser handler(out);
    using adapter = decltype(nlohmann::detail::input_adapter(text));
    nlohmann::detail::parser<json, adapter> parser(nlohmann::detail::input_adapter(text), nullptr, false);
    if (parser.sax_parse(&handler, true) && !handler.is_errored()) return std::nullopt;
    return std::move(handler.message);
}

} // namespace stepfn::detail

#endif
