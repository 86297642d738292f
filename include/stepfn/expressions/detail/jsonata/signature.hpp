#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_SIGNATURE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_SIGNATURE_HPP

// Function signatures such as `<s-nn?:s>`: parsed once, then each call's arguments are matched
// against them as the reference does (types as one letter each, `?` optional, `+` one or more,
// `-` take the context value when missing, `a<n>` arrays of a type), with T0410/T0411/T0412.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/expressions/detail/jsonata/convert.hpp>
#include <stepfn/expressions/detail/jsonata/value.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct sig_param {
    std::string accepts;  // the type letters this parameter matches, `m` (missing) included
    std::uint32_t accepted = 0;  // the same letters as bits (1 << (letter - 'a')): every call tests them
    char type = 'x';
    std::string subtype;  // a<n>: the item type
    bool optional = false;
    bool repeat = false;
    bool context = false;
};

struct signature {
    std::vector<sig_param> params;
};

inline result<std::shared_ptr<const signature>> parse_signature(std::string_view text) {
    auto sig = std::make_shared<signature>();
    const auto bad = [&] { return fail("S0401", "Type parameter can only be applied to functions and arrays (signature " + std::string(text) + ")"); };
    std::size_t i = 1;  // past '<'
    while (i < text.size() && text[i] != ':' && text[i] != '>') {
        const char c = text[i];
        sig_param p;
        switch (c) {
        case 's': case 'n': case 'b': case 'l': case 'o':
            p.type = c;
            p.accepts = std::string(1, c) + "m";
            break;
        case 'a': p.type = 'a'; p.accepts = "asnblfom"; break;
        case 'f': p.type = 'f'; p.accepts = "f"; break;
        case 'j': p.type = 'j'; p.accepts = "asnblom"; break;
        case 'x': p.type = 'x'; p.accepts = "asnblfom"; break;
        case '(': {
            const auto close = text.find(')', i);
            if (close == std::string_view::npos) return bad();
            p.type = '(';
            p.accepts = std::string(text.substr(i + 1, close - i - 1)) + "m";
            i = close;
            break;
        }
        case '?': case '+': case '-':
            if (sig->params.empty()) return bad();
            if (c == '?') sig->params.back().optional = true;
            if (c == '+') sig->params.back().repeat = true;
            if (c == '-') { sig->params.back().context = true; sig->params.back().optional = true; }
            ++i;
            continue;
        case '<': {
            if (sig->params.empty() || (sig->params.back().type != 'a' && sig->params.back().type != 'f')) return bad();
            int depth = 0;
            std::size_t k = i;
            for (; k < text.size(); ++k) {
                if (text[k] == '<') ++depth;
                if (text[k] == '>' && --depth == 0) break;
            }
            if (sig->params.back().type == 'a') sig->params.back().subtype = std::string(text.substr(i + 1, k - i - 1));
            i = k + 1;
            continue;
        }
        default:
            return bad();
        }
        for (const char a : p.accepts)
            if (a >= 'a' && a <= 'z') p.accepted |= std::uint32_t{1} << (a - 'a');
        sig->params.push_back(std::move(p));
        ++i;
    }
    return std::shared_ptr<const signature>(std::move(sig));
}

inline char type_symbol(const value& v) {
    switch (v.type()) {
    case value::kind::undefined: return 'm';
    case value::kind::function: return 'f';
    case value::kind::sequence: return 'a';
    case value::kind::json: break;
    }
    const json& j = v.j();
    if (j.is_string()) return 's';
    if (j.is_number()) return 'n';
    if (j.is_boolean()) return 'b';
    if (j.is_null()) return 'l';
    if (j.is_array()) return 'a';
    return 'o';
}

namespace sig_detail {
// Whether the parameter takes a value of type letter `sym` (type_symbol's letters).
inline bool takes(const sig_param& param, char sym) {
    return sym >= 'a' && sym <= 'z' && (param.accepted >> (sym - 'a') & 1U) != 0;
}

// Greedy, backtracking match of argument symbols against parameters (what the reference's
// regular expression does); fills `counts` with the arguments each parameter took.
inline bool match(const signature& sig, const std::string& syms, std::size_t p, std::size_t a, std::size_t* counts) {
    if (p == sig.params.size()) return a == syms.size();
    const sig_param& param = sig.params[p];
    std::size_t max = 0;
    while (a + max < syms.size() && takes(param, syms[a + max])) {
        ++max;
        if (!param.repeat) break;
    }
    const std::size_t min = param.optional ? 0 : 1;
    for (std::size_t n = max + 1; n-- > min;) {
        if (n == 0 && param.repeat && !param.optional) break;
        counts[p] = n;
        if (match(sig, syms, p + 1, a + n, counts)) return true;
    }
    return false;
}
} // namespace sig_detail

// Checks the arguments: true when they are to be passed as they are, false when the ones to
// pass are in `out` (optional parameters filled, single values wrapped as arrays), or the
// reference's error. `name` is the function as called.
inline result<bool> validate_args(const signature& sig, std::vector<value>& args, const value& context,
                                  std::string_view name, std::vector<value>& out) {
    std::string syms;
    for (const auto& a : args) syms += type_symbol(a);
    // One count per parameter: on the stack for the built-ins' few, every call of which checks.
    std::size_t few[8] = {};
    std::vector<std::size_t> many;
    std::size_t* counts = few;
    if (sig.params.size() > 8) {
        many.assign(sig.params.size(), 0);
        counts = many.data();
    }
    if (!sig_detail::match(sig, syms, 0, 0, counts)) {
        // Report the first argument the parameters cannot take, as the reference's partial matches do.
        std::size_t good = 0;
        for (std::size_t p = 0; p < sig.params.size() && good < syms.size(); ++p) {
            const auto& param = sig.params[p];
            std::size_t n = 0;
            while (good + n < syms.size() && sig_detail::takes(param, syms[good + n])) {
                ++n;
                if (!param.repeat) break;
            }
            if (n == 0 && !param.optional) break;
            good += n;
        }
        return fail("T0410", "Argument " + std::to_string(good + 1) + " of function " + quote(name) + " does not match function signature");
    }
    // The usual call passes one argument per parameter, none to check as an array: the
    // arguments are the result, without a second vector.
    bool as_passed = true;
    for (std::size_t p = 0; p < sig.params.size() && as_passed; ++p) as_passed = counts[p] == 1 && sig.params[p].type != 'a';
    if (as_passed) return true;
    out.reserve(args.size() + 1);
    std::size_t ai = 0;
    for (std::size_t p = 0; p < sig.params.size(); ++p) {
        const sig_param& param = sig.params[p];
        if (counts[p] == 0) {
            if (param.context) {
                if (!sig_detail::takes(param, type_symbol(context)))
                    return fail("T0411", "Context value is not a compatible type with argument " + std::to_string(ai + 1) + " of function " + quote(name));
                out.push_back(context);
            } else {
                out.emplace_back();
            }
            continue;
        }
        for (std::size_t k = 0; k < counts[p]; ++k, ++ai) {
            value& arg = args[ai];
            const char sym = syms[ai];
            if (param.type == 'a' && sym != 'm') {
                bool ok = true;
                if (!param.subtype.empty()) {
                    if (sym != 'a') {
                        ok = std::string(1, sym) == param.subtype;
                    } else if (array_size(arg) > 0) {
                        const char first = type_symbol(array_at(arg, 0));
                        ok = first == param.subtype[0];
                        for_each_item(arg, [&](const value& item) { ok = ok && type_symbol(item) == first; });
                    }
                }
                if (!ok) {
                    const char st = param.subtype.empty() ? 'x' : param.subtype[0];
                    const char* type_name = st == 's' ? "strings" : st == 'n' ? "numbers" : st == 'b' ? "booleans"
                                          : st == 'l' ? "nulls" : st == 'o' ? "objects" : st == 'f' ? "functions" : "arrays";
                    return fail("T0412", "Argument " + std::to_string(ai + 1) + " of function " + quote(name) + " must be an array of " + quote(type_name));
                }
                if (sym != 'a') {  // a single value stands for an array of one (a plain array, kept)
                    if (arg.is_fn()) {
                        auto s = new_seq();
                        s->items.push_back(std::move(arg));
                        s->keep_singleton = true;
                        out.push_back(value::of(std::move(s)));
                    } else {
                        out.push_back(value::own(json::array({to_json_or_null(arg)})));
                    }
                    continue;
                }
            }
            out.push_back(std::move(arg));
        }
    }
    return false;
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
