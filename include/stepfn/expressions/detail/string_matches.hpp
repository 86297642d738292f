#ifndef STEPFN_EXPRESSIONS_DETAIL_STRING_MATCHES_HPP
#define STEPFN_EXPRESSIONS_DETAIL_STRING_MATCHES_HPP

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stepfn::detail {

// A compiled `StringMatches` pattern: `*` matches any run of characters (including none) and
// a backslash makes the next character literal (`\*`, `\\`); nothing else is special.
//
// The pattern is kept as the literal runs between unescaped stars. With only `*` as a
// wildcard, taking the leftmost occurrence of each run is always right, so matching is one
// forward scan with no backtracking: O(text × pattern) at worst, never exponential.
// Comparison is on UTF-8 bytes; since UTF-8 is self-synchronising, a literal run matches on
// character boundaries exactly when it would character by character.
class wildcard_pattern {
public:
    // nullopt when the pattern ends with a dangling `\`, which escapes nothing.
    static std::optional<wildcard_pattern> compile(std::string_view pattern) {
        wildcard_pattern compiled;
        compiled.segments_.emplace_back();
        for (std::size_t i = 0; i < pattern.size(); ++i) {
            const char c = pattern[i];
            if (c == '*') {
                compiled.segments_.emplace_back();
            } else if (c == '\\') {
                if (++i == pattern.size()) return std::nullopt;
                compiled.segments_.back() += pattern[i];
            } else {
                compiled.segments_.back() += c;
            }
        }
        return compiled;
    }

    bool matches(std::string_view text) const noexcept {
        if (segments_.size() == 1) return text == segments_.front();
        const std::string& first = segments_.front();
        const std::string& last = segments_.back();
        if (text.size() < first.size() + last.size()) return false;
        if (text.compare(0, first.size(), first) != 0) return false;
        if (text.compare(text.size() - last.size(), last.size(), last) != 0) return false;
        const std::string_view middle = text.substr(first.size(), text.size() - first.size() - last.size());
        std::size_t from = 0;
        for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
            const std::string& segment = segments_[i];
            if (segment.empty()) continue;
            const std::size_t found = middle.find(segment, from);
            if (found == std::string_view::npos) return false;
            from = found + segment.size();
        }
        return true;
    }

private:
    std::vector<std::string> segments_;  // one more than the number of unescaped stars
};

} // namespace stepfn::detail

#endif
