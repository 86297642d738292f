#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_STRING_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_FUNCTIONS_STRING_HPP

// The string functions. Lengths and positions count Unicode code points, as the reference's
// Array.from(str) does; regex matches go through the Pike VM with its work charged.

#include <cmath>
#include <string>
#include <vector>

#include <stepfn/detail/utf8.hpp>
#include <stepfn/detail/base64.hpp>
#include <stepfn/detail/hex.hpp>
#include <stepfn/expressions/detail/jsonata/evaluator.hpp>
#include <stepfn/expressions/detail/jsonata/regex.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

inline const value& arg(const std::vector<value>& a, std::size_t i) {
    static const value none;
    return i < a.size() ? a[i] : none;
}
inline value str_value(std::string s) { return value::own(json(std::move(s))); }
inline value num_value(double d) { return value::number(d); }
inline value bool_value(bool b) { return value::boolean(b); }

inline result<value> checked_str(std::string s) {
    if (s.size() > max_string_bytes)
        return too_large();
    return str_value(std::move(s));
}


// A string split into code points, with the byte offset of each (and of the end).
struct cp_text {
    std::u32string cps;
    std::vector<std::size_t> at;
    explicit cp_text(const std::string& s) { regex_detail::decode(s, cps, at); }
    std::size_t size() const { return cps.size(); }
};

// JavaScript's slice(begin, end) bounds over `len` items.
inline std::size_t slice_bound(double i, std::size_t len) {
    const double n = static_cast<double>(len);
    if (std::isnan(i)) return 0;
    i = std::trunc(i);
    if (i < 0) return static_cast<std::size_t>((std::max)(n + i, 0.0));
    return static_cast<std::size_t>((std::min)(i, n));
}

// Iterates the matches of a regex function the way the reference's matcher does.
struct match_iter {
    const regex_program& re;
    const std::string& s;
    cp_text text;
    std::vector<long> caps;
    bool has = false;
    match_iter(const regex_program& r, const std::string& str) : re(r), s(str), text(str) {}
    std::size_t start() const { return static_cast<std::size_t>(caps[0]); }
    std::size_t end() const { return static_cast<std::size_t>(caps[1]); }
    std::string piece(long a, long b) const {
        if (a < 0 || b < 0) return std::string();
        return s.substr(text.at[static_cast<std::size_t>(a)], text.at[static_cast<std::size_t>(b)] - text.at[static_cast<std::size_t>(a)]);
    }
    std::string match() const { return piece(caps[0], caps[1]); }
    json groups() const {
        json g = json::array();
        for (std::size_t k = 1; k <= static_cast<std::size_t>(re.groups); ++k) {
            if (caps[2 * k] < 0) g.push_back(nullptr);  // a group that took no part: undefined
            else g.push_back(piece(caps[2 * k], caps[2 * k + 1]));
        }
        return g;
    }
    result<bool> first(evaluator& ev) { return run(ev, 0, false); }
    result<bool> next(evaluator& ev) {
        if (end() >= text.size()) return has = false;
        return run(ev, end(), true);
    }
    result<bool> run(evaluator& ev, std::size_t from, bool check_empty) {
        std::uint64_t work = 0;
        has = regex_search(re, text.cps, from, caps, work);
        if (auto r = ev.charge(work); !r) return tl::make_unexpected(r.error());
        if (has && check_empty && caps[0] == caps[1]) return fail("D1004", "Regular expression matches zero length string");
        return has;
    }
};

inline const regex_program* regex_of(const value& v) {
    if (v.is_fn() && v.fn().k == function_value::kind::regex) return v.fn().re.get();
    return nullptr;
}

inline result<value> fn_string(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    auto b = to_boolean(arg(a, 1));
    if (!b) return tl::make_unexpected(b.error());
    auto s = to_string_value(a[0], *b == 1);
    if (!s) return tl::make_unexpected(s.error());
    return checked_str(std::move(*s));
}

inline result<value> fn_length(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    return num_value(static_cast<double>(cp_text(a[0].str()).size()));
}

inline result<value> fn_substring(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const cp_text t(a[0].str());
    const std::size_t len = t.size();
    double start = arg(a, 1).num();
    if (static_cast<double>(len) + start < 0) start = 0;
    const std::size_t b = slice_bound(start, len);
    std::size_t e = len;
    if (!arg(a, 2).undefined()) {
        const double length = a[2].num();
        if (length <= 0) return str_value("");
        const double end = start >= 0 ? start + length : static_cast<double>(len) + start + length;
        e = slice_bound(end, len);
    }
    if (e <= b) return str_value("");
    return str_value(a[0].str().substr(t.at[b], t.at[e] - t.at[b]));
}

inline result<value> fn_substring_before(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    if (arg(a, 1).undefined()) return a[0];
    const auto pos = s.find(a[1].str());
    return pos == std::string::npos ? a[0] : str_value(s.substr(0, pos));
}

inline result<value> fn_substring_after(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    if (arg(a, 1).undefined()) return a[0];
    const auto pos = s.find(a[1].str());
    return pos == std::string::npos ? a[0] : str_value(s.substr(pos + a[1].str().size()));
}

inline result<value> fn_case(std::vector<value>& a, bool up) {
    if (arg(a, 0).undefined()) return value{};
    const cp_text t(a[0].str());
    std::string out;
    out.reserve(a[0].str().size());
    for (std::size_t i = 0; i < t.cps.size(); ++i) {
        const char32_t c = t.cps[i];
        // The special cases of Unicode's SpecialCasing.txt that change a character's length.
        if (up && c == 0xDF) { out += "SS"; continue; }
        if (up && c == 0xFB01) { out += "FI"; continue; }
        if (up && c == 0xFB02) { out += "FL"; continue; }
        if (!up && c == 0x130) { out += "i\xCC\x87"; continue; }
        if (!up && (c == 0x1C4 || c == 0x1C5)) { append_utf8(out, 0x1C6); continue; }
        if (!up && c == 0x3A3) {  // sigma at the end of a word is final
            const bool letter_before = i > 0 && regex_detail::lower(t.cps[i - 1]) != regex_detail::upper(t.cps[i - 1]);
            const bool letter_after = i + 1 < t.cps.size() && regex_detail::lower(t.cps[i + 1]) != regex_detail::upper(t.cps[i + 1]);
            append_utf8(out, letter_before && !letter_after ? 0x3C2 : 0x3C3);
            continue;
        }
        append_utf8(out, up ? regex_detail::upper(c) : regex_detail::lower(c));
    }
    return str_value(std::move(out));
}
inline result<value> fn_uppercase(call_info&, std::vector<value>& a) { return fn_case(a, true); }
inline result<value> fn_lowercase(call_info&, std::vector<value>& a) { return fn_case(a, false); }

inline result<value> fn_trim(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    std::string out;
    bool space = false;
    for (const char c : a[0].str()) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    if (space) out += ' ';
    if (!out.empty() && out.front() == ' ') out.erase(0, 1);
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return str_value(std::move(out));
}

inline result<value> fn_pad(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    const double width = arg(a, 1).num();
    const std::string pad = arg(a, 2).str().empty() ? std::string(" ") : a[2].str();
    const double missing = std::fabs(width) - static_cast<double>(cp_text(s).size());
    if (missing <= 0) return a[0];
    if (missing * static_cast<double>(pad.size()) > static_cast<double>(max_string_bytes))
        return too_large();
    const auto n = static_cast<std::size_t>(missing);
    std::string padding;
    const cp_text p(pad);
    for (std::size_t i = 0; i < n; ++i) append_utf8(padding, p.cps[i % p.size()]);
    return checked_str(width > 0 ? s + padding : padding + s);
}

inline result<value> fn_contains(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    if (const regex_program* re = regex_of(arg(a, 1))) {
        match_iter m(*re, s);
        auto r = m.first(c.ev);
        if (!r) return tl::make_unexpected(r.error());
        return bool_value(*r);
    }
    return bool_value(s.find(arg(a, 1).str()) != std::string::npos);
}

inline result<value> fn_split(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    double limit = -1;
    if (!arg(a, 2).undefined()) {
        limit = a[2].num();
        if (limit < 0) return fail("D3020", "Third argument of split function must evaluate to a positive number");
    }
    const auto room = [&](std::size_t n) { return limit < 0 || static_cast<double>(n) < std::floor(limit); };
    json out = json::array();
    if (const regex_program* re = regex_of(arg(a, 1))) {
        match_iter m(*re, s);
        auto r = m.first(c.ev);
        if (!r) return tl::make_unexpected(r.error());
        std::size_t start = 0;
        while (m.has && room(out.size())) {
            out.push_back(m.piece(static_cast<long>(start), static_cast<long>(m.start())));
            start = m.end();
            if (auto n = m.next(c.ev); !n) return tl::make_unexpected(n.error());
        }
        if (room(out.size())) out.push_back(m.piece(static_cast<long>(start), static_cast<long>(m.text.size())));
    } else {
        const std::string& sep = arg(a, 1).str();
        if (sep.empty()) {
            const cp_text t(s);
            for (std::size_t i = 0; i < t.size() && room(out.size()); ++i) out.push_back(s.substr(t.at[i], t.at[i + 1] - t.at[i]));
        } else {
            std::size_t pos = 0;
            for (;;) {
                if (!room(out.size())) break;
                const auto hit = s.find(sep, pos);
                if (hit == std::string::npos) {
                    out.push_back(s.substr(pos));
                    break;
                }
                out.push_back(s.substr(pos, hit - pos));
                pos = hit + sep.size();
            }
        }
    }
    return value::own(std::move(out));
}

inline result<value> fn_join(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string sep = arg(a, 1).undefined() ? std::string() : a[1].str();
    std::string out;
    bool first = true;
    for_each_item(a[0], [&](const value& v) {
        if (!first) out += sep;
        first = false;
        out += v.str();
    });
    return checked_str(std::move(out));
}

inline result<value> fn_match(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const regex_program* re = regex_of(arg(a, 1));
    if (re == nullptr) return fail("T0410", "Argument 2 of function " + quote(c.name) + " does not match function signature");
    double limit = -1;
    if (!arg(a, 2).undefined()) {
        limit = a[2].num();
        if (limit < 0) return fail("D3040", "Third argument of match function must evaluate to a positive number");
    }
    auto out = new_seq();
    if (limit == 0) return value::of(std::move(out));
    match_iter m(*re, a[0].str());
    auto r = m.first(c.ev);
    if (!r) return tl::make_unexpected(r.error());
    while (m.has && (limit < 0 || static_cast<double>(out->items.size()) < limit)) {
        json o = json::object();
        o["match"] = m.match();
        o["index"] = m.start();
        o["groups"] = m.groups();
        out->items.push_back(value::own(std::move(o)));
        if (auto n = m.next(c.ev); !n) return tl::make_unexpected(n.error());
    }
    return value::of(std::move(out));
}

// `$0`, `$n` and `$$` in a replacement string, as the reference reads them.
inline std::string substitute(const std::string& replacement, const std::string& match, const json& groups) {
    std::string out;
    std::size_t pos = 0;
    const std::size_t ngroups = groups.size();
    for (auto index = replacement.find('$'); index != std::string::npos && pos < replacement.size(); index = replacement.find('$', pos)) {
        out += replacement.substr(pos, index - pos);
        pos = index + 1;
        const char next = pos < replacement.size() ? replacement[pos] : '\0';
        if (next == '$') { out += '$'; ++pos; continue; }
        if (next == '0') { out += match; ++pos; continue; }
        const std::size_t max_digits = ngroups == 0 ? 1 : static_cast<std::size_t>(std::floor(std::log10(static_cast<double>(ngroups)))) + 1;
        const auto digits_at = [&](std::size_t n) {
            std::size_t k = 0;
            long v = 0;
            while (k < n && pos + k < replacement.size() && replacement[pos + k] >= '0' && replacement[pos + k] <= '9')
                v = v * 10 + (replacement[pos + k++] - '0');
            return std::make_pair(k, v);
        };
        auto d = digits_at(max_digits);
        if (max_digits > 1 && d.second > static_cast<long>(ngroups)) d = digits_at(max_digits - 1);
        if (d.first == 0) { out += '$'; continue; }
        if (ngroups > 0 && d.second >= 1 && static_cast<std::size_t>(d.second) <= ngroups) {
            const json& g = groups[static_cast<std::size_t>(d.second - 1)];
            if (g.is_string()) out += g.get_ref<const std::string&>();  // a group that took no part adds nothing
        }
        pos += std::to_string(d.second).size();
    }
    out += replacement.substr((std::min)(pos, replacement.size()));
    return out;
}

inline result<value> fn_replace(call_info& c, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    const value& pattern = arg(a, 1);
    const value& replacement = arg(a, 2);
    if (pattern.is_string() && pattern.str().empty()) return fail("D3010", "Second argument of replace function cannot be an empty string");
    double limit = -1;
    if (!arg(a, 3).undefined()) {
        limit = a[3].num();
        if (limit < 0) return fail("D3011", "Fourth argument of replace function must evaluate to a positive number");
    }
    const auto room = [&](std::size_t n) { return limit < 0 || static_cast<double>(n) < limit; };
    std::string out;
    std::size_t count = 0;
    if (pattern.is_string()) {
        const std::string& p = pattern.str();
        const std::string rep = replacement.is_string() ? replacement.str() : std::string();
        std::size_t pos = 0;
        for (auto hit = s.find(p); hit != std::string::npos && room(count); hit = s.find(p, pos)) {
            out += s.substr(pos, hit - pos);
            out += rep;
            pos = hit + p.size();
            ++count;
            if (out.size() > max_string_bytes) break;
        }
        out += s.substr(pos);
        return checked_str(std::move(out));
    }
    const regex_program* re = regex_of(pattern);
    if (re == nullptr) return fail("T0410", "Argument 2 of function " + quote(c.name) + " does not match function signature");
    match_iter m(*re, s);
    auto r = m.first(c.ev);
    if (!r) return tl::make_unexpected(r.error());
    std::size_t pos = 0;
    while (m.has && room(count)) {
        out += m.piece(static_cast<long>(pos), static_cast<long>(m.start()));
        if (replacement.is_fn()) {
            json o = json::object();
            o["match"] = m.match();
            o["index"] = m.start();
            o["groups"] = m.groups();
            std::vector<value> args{value::own(std::move(o))};
            auto v = c.ev.apply(replacement, args, value{}, "");
            if (!v) return v;
            if (!v->is_string()) return fail("D3012", "Attempted to replace a matched string with a non-string value");
            out += v->str();
        } else {
            out += substitute(replacement.str(), m.match(), m.groups());
        }
        if (out.size() > max_string_bytes) break;
        pos = m.end();
        ++count;
        if (auto n = m.next(c.ev); !n) return tl::make_unexpected(n.error());
    }
    out += m.piece(static_cast<long>(pos), static_cast<long>(m.text.size()));
    return checked_str(std::move(out));
}

// Node's Buffer 'binary' encoding: one byte per code point (the low eight bits).
inline result<value> fn_base64encode(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    const cp_text t(a[0].str());
    std::string bytes;
    for (const char32_t cp : t.cps) bytes += static_cast<char>(cp & 0xFFU);
    return str_value(base64_encode(bytes));
}

inline result<value> fn_base64decode(call_info&, std::vector<value>& a) {
    if (arg(a, 0).undefined()) return value{};
    std::string bytes;
    std::string text = a[0].str();
    while (text.size() % 4 != 0) text += '=';
    if (!base64_decode(text, bytes)) bytes.clear();
    std::string out;
    for (const char b : bytes) append_utf8(out, static_cast<unsigned char>(b));
    return str_value(std::move(out));
}

inline result<value> url_encode(call_info& c, std::vector<value>& a, bool component) {
    if (arg(a, 0).undefined()) return value{};
    const std::string_view keep = component ? "-_.!~*'()" : "-_.!~*'();/?:@&=+$,#";
    std::string out;
    const std::string& s = a[0].str();
    const cp_text t(s);
    for (const char32_t cp : t.cps) {
        if (cp >= 0xD800 && cp < 0xE000) return fail("D3140", "Malformed URL passed to $" + std::string(c.name) + "(): " + quote(s));
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || (cp < 0x80 && keep.find(static_cast<char>(cp)) != std::string_view::npos)) {
            out += static_cast<char>(cp);
            continue;
        }
        std::string bytes;
        append_utf8(bytes, cp);
        for (const char b : bytes) append_percent_byte(out, static_cast<unsigned char>(b));
    }
    return checked_str(std::move(out));
}
inline result<value> fn_encode_url_component(call_info& c, std::vector<value>& a) { return url_encode(c, a, true); }
inline result<value> fn_encode_url(call_info& c, std::vector<value>& a) { return url_encode(c, a, false); }

inline result<value> url_decode(call_info& c, std::vector<value>& a, bool component) {
    if (arg(a, 0).undefined()) return value{};
    const std::string& s = a[0].str();
    const auto bad = [&] { return fail("D3140", "Malformed URL passed to $" + std::string(c.name) + "(): " + quote(s)); };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') { out += s[i]; continue; }
        std::string bytes;
        std::size_t j = i;
        while (j < s.size() && s[j] == '%') {
            if (j + 2 >= s.size()) return bad();
            const int h = hex_digit_value(s[j + 1]);
            const int l = hex_digit_value(s[j + 2]);
            if (h < 0 || l < 0) return bad();
            bytes += static_cast<char>(h * 16 + l);
            j += 3;
            if (static_cast<unsigned char>(bytes.front()) < 0x80) break;
            if (bytes.size() == regex_detail::utf8_len(static_cast<unsigned char>(bytes.front()))) break;
        }
        const std::size_t need = regex_detail::utf8_len(static_cast<unsigned char>(bytes.front()));
        if (need == 0 || bytes.size() != need) return bad();
        const cp_text check(bytes);
        if (check.size() != 1) return bad();
        if (!component && bytes.size() == 1 && std::string_view(";/?:@&=+$,#").find(bytes[0]) != std::string_view::npos) {
            out += s.substr(i, 3);
        } else {
            out += bytes;
        }
        i = j - 1;
    }
    return str_value(std::move(out));
}
inline result<value> fn_decode_url_component(call_info& c, std::vector<value>& a) { return url_decode(c, a, true); }
inline result<value> fn_decode_url(call_info& c, std::vector<value>& a) { return url_decode(c, a, false); }

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
