#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_TEXT_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_TEXT_HPP

// What the text of a "{% %}" expression says before it is compiled: the expression without its
// delimiters, and which `$states` members it names (the loader checks where each may be read).

#include <cstdint>
#include <string_view>
#include <utility>

namespace stepfn {
namespace detail {

// The bits of stepfn::states_member (jsonata_template.hpp, whose implementation includes this
// header).
inline constexpr std::uint8_t states_input_bit = 1, states_result_bit = 2, states_error_output_bit = 4,
                              states_context_bit = 8, states_execution_input_bit = 16;

inline bool states_name_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
}

// Which `$states` members an expression's text may read: `$states.input` and the like name one;
// any other use of `$states` (passed whole, `$states.*`, a lookup) may read them all, unless
// `conservative` is false: then only the members named are returned.
inline std::uint8_t states_members_read(std::string_view text, bool conservative = true) {
    static constexpr std::pair<std::string_view, std::uint8_t> members[] = {{"input", states_input_bit},
                                                                           {"result", states_result_bit},
                                                                           {"errorOutput", states_error_output_bit},
                                                                           {"context", states_context_bit}};
    std::uint8_t mask = 0;
    constexpr std::string_view name = "$states";
    for (std::size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
        std::size_t end = at + name.size();
        if (end < text.size() && states_name_char(text[end])) continue;  // `$statesX`, another variable
        std::uint8_t found = 0;
        if (end < text.size() && text[end] == '.') {
            const std::string_view rest = text.substr(end + 1);
            for (const auto& m : members)
                if (rest.substr(0, m.first.size()) == m.first &&
                    (rest.size() == m.first.size() || !states_name_char(rest[m.first.size()])))
                    found = static_cast<std::uint8_t>(m.second);
        }
        mask = static_cast<std::uint8_t>(mask | (found ? found : (conservative ? 0x0F : 0)));
    }
    return mask;
}

// Whether an expression's text may read `$states.context.Execution.Input`: the execution's input,
// which a Map iteration's `$states.context` would otherwise copy once per item. Only
// `$states.context.<name>` with another name than `Execution`, and `$states.context.Execution.<name>`
// with another name than `Input`, are certainly not it; anything else (the context passed whole,
// a wildcard, a lookup, `$states` itself) may be.
inline bool states_reads_execution_input(std::string_view text) {
    constexpr std::string_view name = "$states";
    const auto step = [&](std::size_t& at, std::string_view* out) {
        if (at >= text.size() || text[at] != '.') return false;
        const std::size_t start = ++at;
        while (at < text.size() && states_name_char(text[at])) ++at;
        *out = text.substr(start, at - start);
        return !out->empty();
    };
    for (std::size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
        std::size_t end = at + name.size();
        if (end < text.size() && states_name_char(text[end])) continue;  // `$statesX`, another variable
        std::string_view member, first, second;
        if (!step(end, &member)) return true;  // `$states` whole
        if (member != "context") continue;     // `$states.input` and the like
        if (!step(end, &first)) return true;
        if (first != "Execution") continue;
        if (!step(end, &second) || second == "Input") return true;
    }
    return false;
}

inline std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

} // namespace detail
} // namespace stepfn

#endif
