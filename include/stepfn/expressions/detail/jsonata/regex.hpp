#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_REGEX_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_REGEX_HPP

// Regular expressions for /.../ literals: the ECMAScript subset JSONata users write (classes,
// escapes \d \w \s \b, groups, alternation, greedy and lazy quantifiers, anchors, flags i and
// m), compiled to a program for a Pike VM. The VM runs in time linear in the text for a given
// pattern, so no input can make it backtrack catastrophically; backreferences and lookaround
// are refused at compile time instead of being half supported.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/detail/hex.hpp>
#include <stepfn/expressions/detail/jsonata/value.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct regex_program {
    enum class op : std::uint8_t { chr, any, cls, split, jmp, save, match, bol, eol, word, nonword };
    struct inst {
        op o;
        char32_t c;
        int x;
        int y;
    };
    struct char_class {
        std::vector<std::pair<char32_t, char32_t>> ranges;
        bool negated = false;
    };
    std::vector<inst> code;
    std::vector<char_class> classes;
    int groups = 0;  // capturing groups, not counting the whole match
    bool icase = false;
    bool multiline = false;
};

namespace regex_detail {

// Latin Extended-A pairs its letters as (upper, lower) at even/odd or odd/even code points.
inline bool latin_ext_upper(char32_t c) {
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c % 2 == 0;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1;
    return false;
}
inline bool latin_ext_lower(char32_t c) {
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c % 2 == 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 0;
    return false;
}

inline char32_t lower(char32_t c) {
    if (latin_ext_upper(c)) return c + 1;
    if (c == 0x178) return 0xFF;
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9) || (c >= 0x410 && c <= 0x42F)) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}
inline char32_t upper(char32_t c) {
    if (latin_ext_lower(c)) return c - 1;
    if (c == 0xFF) return 0x178;
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if (c == 0x3C2) return 0x3A3;  // final sigma
    if (c == 0x1C4 || c == 0x1C5 || c == 0x1C6) return 0x1C4;
    if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F)) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}
inline bool is_word(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
inline bool is_line_end(char32_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }

// Bytes in the UTF-8 sequence a lead byte starts (0 when it cannot start one).
inline std::size_t utf8_len(unsigned char b) {
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

// UTF-8 to code points, with each code point's byte offset (plus one past the end).
inline void decode(std::string_view s, std::u32string& out, std::vector<std::size_t>& offsets) {
    out.clear();
    offsets.clear();
    std::size_t i = 0;
    while (i < s.size()) {
        offsets.push_back(i);
        const auto b = static_cast<unsigned char>(s[i]);
        char32_t cp = b;
        std::size_t n = 1;
        if (b >= 0xF0) { cp = b & 0x07U; n = 4; }
        else if (b >= 0xE0) { cp = b & 0x0FU; n = 3; }
        else if (b >= 0xC0) { cp = b & 0x1FU; n = 2; }
        if (i + n > s.size()) n = 1, cp = b;
        for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
        out.push_back(cp);
        i += n;
    }
    offsets.push_back(s.size());
}

struct ast {
    enum class kind { empty, chr, any, cls, group, concat, alt, repeat, bol, eol, word, nonword } k = kind::empty;
    char32_t c = 0;
    int index = 0;  // class index or group number
    int min = 0;
    int max = -1;
    bool greedy = true;
    std::vector<std::unique_ptr<ast>> kids;
};
using ast_ptr = std::unique_ptr<ast>;

class compiler {
public:
    compiler(std::u32string pattern, regex_program& prog) : p_(std::move(pattern)), prog_(prog) {}

    result<ast_ptr> parse() {
        auto a = alternation(0);
        if (!a) return a;
        if (i_ < p_.size()) return bad("Unmatched ')'");
        return a;
    }

    result<void> emit(const ast& a) {
        using op = regex_program::op;
        if (prog_.code.size() > 20000) return bad("Regular expression too large");
        switch (a.k) {
        case ast::kind::empty: break;
        case ast::kind::chr: add(op::chr, a.c); break;
        case ast::kind::any: add(op::any); break;
        case ast::kind::cls: add(op::cls, 0, a.index); break;
        case ast::kind::bol: add(op::bol); break;
        case ast::kind::eol: add(op::eol); break;
        case ast::kind::word: add(op::word); break;
        case ast::kind::nonword: add(op::nonword); break;
        case ast::kind::group:
            add(op::save, 0, 2 * a.index);
            if (auto r = emit(*a.kids[0]); !r) return r;
            add(op::save, 0, 2 * a.index + 1);
            break;
        case ast::kind::concat:
            for (const auto& k : a.kids)
                if (auto r = emit(*k); !r) return r;
            break;
        case ast::kind::alt: {
            std::vector<std::size_t> jumps;
            for (std::size_t n = 0; n < a.kids.size(); ++n) {
                if (n + 1 < a.kids.size()) {
                    const std::size_t split = add(op::split);
                    prog_.code[split].x = static_cast<int>(split + 1);
                    if (auto r = emit(*a.kids[n]); !r) return r;
                    jumps.push_back(add(op::jmp));
                    prog_.code[split].y = static_cast<int>(prog_.code.size());
                } else if (auto r = emit(*a.kids[n]); !r) {
                    return r;
                }
            }
            for (const auto j : jumps) prog_.code[j].x = static_cast<int>(prog_.code.size());
            break;
        }
        case ast::kind::repeat: {
            for (int n = 0; n < a.min; ++n)
                if (auto r = emit(*a.kids[0]); !r) return r;
            if (a.max < 0) {
                const std::size_t split = add(op::split);
                if (auto r = emit(*a.kids[0]); !r) return r;
                const std::size_t back = add(op::jmp);
                prog_.code[back].x = static_cast<int>(split);
                branch(split, split + 1, prog_.code.size(), a.greedy);
            } else {
                std::vector<std::size_t> splits;
                for (int n = a.min; n < a.max; ++n) {
                    splits.push_back(add(op::split));
                    if (auto r = emit(*a.kids[0]); !r) return r;
                }
                for (const auto s : splits) branch(s, s + 1, prog_.code.size(), a.greedy);
            }
            break;
        }
        }
        return {};
    }

private:
    tl::unexpected<stepfn::error> bad(const std::string& what) const { return fail("S0303", "Invalid regular expression: " + what); }

    std::size_t add(regex_program::op o, char32_t c = 0, int x = 0) {
        prog_.code.push_back(regex_program::inst{o, c, x, 0});
        return prog_.code.size() - 1;
    }
    void branch(std::size_t split, std::size_t body, std::size_t out, bool greedy) {
        prog_.code[split].x = static_cast<int>(greedy ? body : out);
        prog_.code[split].y = static_cast<int>(greedy ? out : body);
    }

    bool more() const { return i_ < p_.size(); }

    result<ast_ptr> alternation(int depth) {
        if (depth > 100) return bad("nested too deeply");
        auto alt = std::make_unique<ast>();
        alt->k = ast::kind::alt;
        for (;;) {
            auto c = concat(depth);
            if (!c) return c;
            alt->kids.push_back(std::move(*c));
            if (more() && p_[i_] == '|') { ++i_; continue; }
            break;
        }
        if (alt->kids.size() == 1) return std::move(alt->kids.front());
        return alt;
    }

    result<ast_ptr> concat(int depth) {
        auto seq = std::make_unique<ast>();
        seq->k = ast::kind::concat;
        while (more() && p_[i_] != '|' && p_[i_] != ')') {
            auto atom_r = atom(depth);
            if (!atom_r) return atom_r;
            ast_ptr a = std::move(*atom_r);
            if (more() && (p_[i_] == '*' || p_[i_] == '+' || p_[i_] == '?' || (p_[i_] == '{' && counted_ahead()))) {
                if (a->k == ast::kind::bol || a->k == ast::kind::eol || a->k == ast::kind::word || a->k == ast::kind::nonword)
                    return bad("Nothing to repeat");
                auto rep = std::make_unique<ast>();
                rep->k = ast::kind::repeat;
                const char32_t q = p_[i_++];
                if (q == '*') { rep->min = 0; rep->max = -1; }
                else if (q == '+') { rep->min = 1; rep->max = -1; }
                else if (q == '?') { rep->min = 0; rep->max = 1; }
                else {
                    rep->min = number();
                    rep->max = rep->min;
                    if (p_[i_] == ',') {
                        ++i_;
                        rep->max = p_[i_] == '}' ? -1 : number();
                    }
                    ++i_;  // '}'
                    if (rep->max >= 0 && rep->max < rep->min) return bad("numbers out of order in {} quantifier");
                    if (rep->min > 1000 || rep->max > 1000) return bad("repetition count too large");
                }
                if (more() && p_[i_] == '?') { rep->greedy = false; ++i_; }
                rep->kids.push_back(std::move(a));
                a = std::move(rep);
            }
            seq->kids.push_back(std::move(a));
        }
        return seq;
    }

    bool counted_ahead() const {
        std::size_t k = i_ + 1;
        bool digits = false;
        while (k < p_.size() && p_[k] >= '0' && p_[k] <= '9') { ++k; digits = true; }
        if (!digits) return false;
        if (k < p_.size() && p_[k] == ',') {
            ++k;
            while (k < p_.size() && p_[k] >= '0' && p_[k] <= '9') ++k;
        }
        return k < p_.size() && p_[k] == '}';
    }
    int number() {
        int n = 0;
        while (more() && p_[i_] >= '0' && p_[i_] <= '9') {
            n = (std::min)(n * 10 + static_cast<int>(p_[i_] - '0'), 100000);
            ++i_;
        }
        return n;
    }

    static ast_ptr leaf(ast::kind k, char32_t c = 0, int index = 0) {
        auto a = std::make_unique<ast>();
        a->k = k;
        a->c = c;
        a->index = index;
        return a;
    }

    int new_class(std::vector<std::pair<char32_t, char32_t>> ranges, bool negated) {
        prog_.classes.push_back(regex_program::char_class{std::move(ranges), negated});
        return static_cast<int>(prog_.classes.size() - 1);
    }

    static void add_named_class(char32_t e, std::vector<std::pair<char32_t, char32_t>>& r) {
        switch (e) {
        case 'd': r.emplace_back('0', '9'); break;
        case 'w': r.emplace_back('a', 'z'); r.emplace_back('A', 'Z'); r.emplace_back('0', '9'); r.emplace_back('_', '_'); break;
        case 's':
            r.emplace_back('\t', '\r'); r.emplace_back(' ', ' '); r.emplace_back(0xA0, 0xA0); r.emplace_back(0x1680, 0x1680);
            r.emplace_back(0x2000, 0x200A); r.emplace_back(0x2028, 0x2029); r.emplace_back(0x202F, 0x202F);
            r.emplace_back(0x205F, 0x205F); r.emplace_back(0x3000, 0x3000); r.emplace_back(0xFEFF, 0xFEFF);
            break;
        default: break;
        }
    }

    // One escaped character after '\' (i_ at the character); -1 when it is a class escape.
    result<char32_t> escape_char() {
        if (!more()) return bad("\\ at end of pattern");
        const char32_t e = p_[i_++];
        switch (e) {
        case 'n': return U'\n';
        case 'r': return U'\r';
        case 't': return U'\t';
        case 'f': return U'\f';
        case 'v': return U'\v';
        case '0': return U'\0';
        case 'x': case 'u': {
            const std::size_t digits = e == 'x' ? 2 : 4;
            if (i_ + digits > p_.size()) return bad("bad escape");
            char32_t cp = 0;
            for (std::size_t k = 0; k < digits; ++k) {
                const char32_t h = p_[i_++];
                const int d = h < 0x80 ? hex_digit_value(static_cast<char>(h)) : -1;
                if (d < 0) return bad("bad escape");
                cp = cp * 16 + static_cast<char32_t>(d);
            }
            return cp;
        }
        default:
            if (e >= '1' && e <= '9') return bad("backreferences are not supported");
            return e;
        }
    }

    result<ast_ptr> atom(int depth) {
        const char32_t c = p_[i_++];
        switch (c) {
        case '.': return leaf(ast::kind::any);
        case '^': return leaf(ast::kind::bol);
        case '$': return leaf(ast::kind::eol);
        case '*': case '+': case '?': return bad("Nothing to repeat");
        case '(': {
            int group = 0;
            if (more() && p_[i_] == '?') {
                if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
                    i_ += 2;
                    group = -1;
                } else if (i_ + 1 < p_.size() && p_[i_ + 1] == '<' && i_ + 2 < p_.size() && p_[i_ + 2] != '=' && p_[i_ + 2] != '!') {
                    while (more() && p_[i_] != '>') ++i_;
                    ++i_;
                } else {
                    return bad("lookaround assertions are not supported");
                }
            }
            if (group == 0) group = ++prog_.groups;
            auto inner = alternation(depth + 1);
            if (!inner) return inner;
            if (!more() || p_[i_] != ')') return bad("Unterminated group");
            ++i_;
            if (group < 0) return inner;
            auto g = leaf(ast::kind::group, 0, group);
            g->kids.push_back(std::move(*inner));
            return g;
        }
        case '[': return char_class();
        case '\\': {
            if (!more()) return bad("\\ at end of pattern");
            const char32_t e = p_[i_];
            if (e == 'b' || e == 'B') { ++i_; return leaf(e == 'b' ? ast::kind::word : ast::kind::nonword); }
            if (e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S') {
                ++i_;
                std::vector<std::pair<char32_t, char32_t>> r;
                add_named_class(lower(e), r);
                return leaf(ast::kind::cls, 0, new_class(std::move(r), e < 'a'));
            }
            auto ch = escape_char();
            if (!ch) return tl::make_unexpected(ch.error());
            return leaf(ast::kind::chr, *ch);
        }
        default: return leaf(ast::kind::chr, c);
        }
    }

    result<ast_ptr> char_class() {
        bool negated = false;
        if (more() && p_[i_] == '^') { negated = true; ++i_; }
        std::vector<std::pair<char32_t, char32_t>> r;
        bool first = true;
        while (more() && (p_[i_] != ']' || (first && false))) {
            first = false;
            char32_t lo = p_[i_++];
            if (lo == '\\') {
                if (!more()) break;
                const char32_t e = p_[i_];
                if (e == 'd' || e == 'w' || e == 's') { ++i_; add_named_class(e, r); continue; }
                if (e == 'D' || e == 'W' || e == 'S') return bad("negated class escapes inside [] are not supported");
                if (e == 'b') { ++i_; lo = U'\b'; }
                else {
                    auto ch = escape_char();
                    if (!ch) return tl::make_unexpected(ch.error());
                    lo = *ch;
                }
            }
            char32_t hi = lo;
            if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
                ++i_;
                hi = p_[i_++];
                if (hi == '\\') {
                    auto ch = escape_char();
                    if (!ch) return tl::make_unexpected(ch.error());
                    hi = *ch;
                }
                if (hi < lo) return bad("Range out of order in character class");
            }
            r.emplace_back(lo, hi);
        }
        if (!more()) return bad("Unterminated character class");
        ++i_;
        return leaf(ast::kind::cls, 0, new_class(std::move(r), negated));
    }

    std::u32string p_;
    regex_program& prog_;
    std::size_t i_ = 0;
};

inline bool class_has(const regex_program::char_class& k, char32_t c, bool icase) {
    bool in = false;
    for (const auto& r : k.ranges) {
        if ((c >= r.first && c <= r.second) ||
            (icase && ((lower(c) >= r.first && lower(c) <= r.second) || (upper(c) >= r.first && upper(c) <= r.second)))) {
            in = true;
            break;
        }
    }
    return in != k.negated;
}

} // namespace regex_detail

inline result<std::shared_ptr<const regex_program>> compile_regex(std::string_view pattern, std::string_view flags) {
    auto prog = std::make_shared<regex_program>();
    prog->icase = flags.find('i') != std::string_view::npos;
    prog->multiline = flags.find('m') != std::string_view::npos;
    std::u32string text;
    std::vector<std::size_t> offsets;
    regex_detail::decode(pattern, text, offsets);
    regex_detail::compiler c(std::move(text), *prog);
    auto tree = c.parse();
    if (!tree) return tl::make_unexpected(tree.error());
    prog->code.push_back(regex_program::inst{regex_program::op::save, 0, 0, 0});
    if (auto r = c.emit(**tree); !r) return tl::make_unexpected(r.error());
    prog->code.push_back(regex_program::inst{regex_program::op::save, 0, 1, 0});
    prog->code.push_back(regex_program::inst{regex_program::op::match, 0, 0, 0});
    return std::shared_ptr<const regex_program>(std::move(prog));
}

// Searches `text` (code points) from `start`; on a match fills `caps` with code point positions
// of the match and each group (-1 when a group did not take part). `work` counts VM steps.
inline bool regex_search(const regex_program& prog, const std::u32string& text, std::size_t start,
                         std::vector<long>& caps, std::uint64_t& work) {
    using op = regex_program::op;
    const std::size_t ncap = 2 * static_cast<std::size_t>(prog.groups + 1);
    struct thread {
        int pc;
        std::vector<long> caps;
    };
    std::vector<thread> clist;
    std::vector<thread> nlist;
    std::vector<std::size_t> mark(prog.code.size(), static_cast<std::size_t>(-1));
    bool matched = false;
    const auto assert_ok = [&](op o, std::size_t pos) {
        const bool at_start = pos == 0;
        const bool at_end = pos == text.size();
        switch (o) {
        case op::bol: return at_start || (prog.multiline && regex_detail::is_line_end(text[pos - 1]));
        case op::eol: return at_end || (prog.multiline && regex_detail::is_line_end(text[pos]));
        default: {
            const bool before = !at_start && regex_detail::is_word(text[pos - 1]);
            const bool after = !at_end && regex_detail::is_word(text[pos]);
            return (before != after) == (o == op::word);
        }
        }
    };
    // Follows jumps, splits, saves and assertions in priority order.
    const auto add = [&](std::vector<thread>& list, int pc0, std::vector<long> caps0, std::size_t pos, std::size_t gen) {
        std::vector<thread> stack;
        stack.push_back(thread{pc0, std::move(caps0)});
        while (!stack.empty()) {
            thread t = std::move(stack.back());
            stack.pop_back();
            const auto upc = static_cast<std::size_t>(t.pc);
            if (mark[upc] == gen) continue;
            mark[upc] = gen;
            ++work;
            const auto& in = prog.code[upc];
            switch (in.o) {
            case op::jmp: stack.push_back(thread{in.x, std::move(t.caps)}); break;
            case op::split:
                stack.push_back(thread{in.y, t.caps});
                stack.push_back(thread{in.x, std::move(t.caps)});
                break;
            case op::save:
                t.caps[static_cast<std::size_t>(in.x)] = static_cast<long>(pos);
                stack.push_back(thread{t.pc + 1, std::move(t.caps)});
                break;
            case op::bol: case op::eol: case op::word: case op::nonword:
                if (assert_ok(in.o, pos)) stack.push_back(thread{t.pc + 1, std::move(t.caps)});
                break;
            default: list.push_back(std::move(t)); break;
            }
        }
    };
    std::size_t gen = 0;
    for (std::size_t pos = start;; ++pos) {
        if (!matched) add(clist, 0, std::vector<long>(ncap, -1), pos, gen);
        ++gen;
        if (clist.empty()) {  // nothing alive here: try the next start, unless done
            if (matched || pos >= text.size()) break;
            continue;
        }
        for (auto& t : clist) {
            const auto& in = prog.code[static_cast<std::size_t>(t.pc)];
            ++work;
            if (in.o == op::match) {
                matched = true;
                caps = t.caps;
                break;  // lower-priority threads lose
            }
            if (pos >= text.size()) continue;
            const char32_t c = text[pos];
            bool ok = false;
            if (in.o == op::chr) ok = c == in.c || (prog.icase && regex_detail::lower(c) == regex_detail::lower(in.c));
            else if (in.o == op::any) ok = !regex_detail::is_line_end(c);
            else if (in.o == op::cls) ok = regex_detail::class_has(prog.classes[static_cast<std::size_t>(in.x)], c, prog.icase);
            if (ok) add(nlist, t.pc + 1, std::move(t.caps), pos + 1, gen);
        }
        clist.swap(nlist);
        nlist.clear();
        if (pos >= text.size()) {
            // Threads left here can only finish with a match instruction at the end.
            for (auto& t : clist) {
                if (prog.code[static_cast<std::size_t>(t.pc)].o == op::match) {
                    matched = true;
                    caps = t.caps;
                    break;
                }
            }
            break;
        }
        if (matched && clist.empty()) break;
    }
    return matched;
}

// The reference's match object for one match at or after `from` (code points): {match, start,
// end, groups}; undefined when there is none.
inline value regex_match_value(const regex_program& prog, const std::string& s, std::size_t from) {
    std::u32string text;
    std::vector<std::size_t> offsets;
    regex_detail::decode(s, text, offsets);
    std::vector<long> caps;
    std::uint64_t work = 0;
    if (!regex_search(prog, text, from, caps, work)) return value{};
    const auto piece = [&](long a, long b) {
        if (a < 0 || b < 0) return std::string();
        return s.substr(offsets[static_cast<std::size_t>(a)], offsets[static_cast<std::size_t>(b)] - offsets[static_cast<std::size_t>(a)]);
    };
    json m = json::object();
    m["match"] = piece(caps[0], caps[1]);
    m["start"] = caps[0];
    m["end"] = caps[1];
    json groups = json::array();
    for (std::size_t g = 1; g <= static_cast<std::size_t>(prog.groups); ++g) groups.push_back(piece(caps[2 * g], caps[2 * g + 1]));
    m["groups"] = std::move(groups);
    return value::own(std::move(m));
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
