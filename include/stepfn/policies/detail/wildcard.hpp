#ifndef STEPFN_POLICIES_DETAIL_WILDCARD_HPP
#define STEPFN_POLICIES_DETAIL_WILDCARD_HPP

// IAM's wildcard match: `*` any run of characters (also none), `?` exactly one. Greedy with
// one backtrack point, so the work is at most (pattern length x text length) steps: a hostile
// pattern of many stars costs time proportional to its size, never exponential.

#include <cstddef>
#include <string_view>

namespace stepfn::detail {

inline char lower_ascii_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case = false) {
    std::size_t p = 0, t = 0;
    std::size_t star = std::string_view::npos, resume = 0;
    auto same = [ignore_case](char a, char b) { return ignore_case ? lower_ascii_char(a) == lower_ascii_char(b) : a == b; };
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_ascii_char(a[i]) != lower_ascii_char(b[i])) return false;
    return true;
}

} // namespace stepfn::detail

#endif
