#ifndef STEPFN_DETAIL_JSON_POINTER_HPP
#define STEPFN_DETAIL_JSON_POINTER_HPP

// JSON Pointers (RFC 6901), the one home of their escaping: every diagnostic names the node it
// is about by its pointer into the definition.

#include <cstddef>
#include <string>
#include <string_view>

namespace stepfn::detail {

// One reference token: `~` → `~0`, `/` → `~1`.
inline std::string escape_pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (const char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

// `base` + "/" + the escaped `key`.
inline std::string pointer_child(std::string_view base, std::string_view key) {
    std::string out;
    out.reserve(base.size() + key.size() + 1);
    out.append(base);
    out += '/';
    out += escape_pointer_token(key);
    return out;
}

inline std::string pointer_child(std::string_view base, std::size_t index) {
    std::string out(base);
    out += '/';
    out += std::to_string(index);
    return out;
}

// Whether `text` is a well-formed pointer: empty, or `/`-led tokens in which every `~` is
// followed by `0` or `1` (what nlohmann's json_pointer would otherwise throw on).
inline bool is_json_pointer(std::string_view text) noexcept {
    if (text.empty()) return true;
    if (text.front() != '/') return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '~' && (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) return false;
    return true;
}

} // namespace stepfn::detail

#endif
