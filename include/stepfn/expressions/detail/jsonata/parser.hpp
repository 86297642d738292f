#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_PARSER_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_PARSER_HPP

// A Pratt parser with the reference's binding powers. It builds the raw tree (`.`, `[`, `{`,
// `@`, `#`, `^` as binary shapes); rewrite.hpp then turns it into the evaluated shape.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/expressions/detail/jsonata/ast.hpp>
#include <stepfn/expressions/detail/jsonata/lexer.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

class parser {
public:
    parser(std::string_view text, arena& nodes, std::size_t max_depth)
        : lex_(text), nodes_(nodes), max_depth_(max_depth) {}

    result<node*> parse() {
        if (auto r = advance(true); !r) return tl::make_unexpected(r.error());
        auto e = expression(0);
        if (!e) return e;
        if (cur_.kind != token_kind::end) return syntax_error("S0201", "Syntax error: " + describe(cur_), cur_.position);
        return e;
    }

private:
    static int lbp(const token& t) {
        if (t.kind != token_kind::op) return 0;
        const std::string& o = t.text;
        if (o == "." ) return 75;
        if (o == "[" || o == "(" || o == "@" || o == "#") return 80;
        if (o == "{") return 70;
        if (o == "*" || o == "/" || o == "%") return 60;
        if (o == "+" || o == "-" || o == "&") return 50;
        if (o == "=" || o == "<" || o == ">" || o == "^" || o == "!=" || o == "<=" || o == ">=" || o == "~>" || o == "in") return 40;
        if (o == "and") return 30;
        if (o == "or") return 25;
        if (o == "?") return 20;
        if (o == ":=") return 10;
        return 0;  // ] } ) , ; : .. | and unknown
    }

    static std::string describe(const token& t) {
        if (t.kind == token_kind::number || t.kind == token_kind::literal) return t.lit.dump();
        return quote(t.text);
    }

    bool is_op(std::string_view o) const { return cur_.kind == token_kind::op && cur_.text == o; }

    // Moves to the next token; `operand` when the token after the current one starts an operand.
    result<void> advance(bool operand) {
        auto t = lex_.next(operand);
        if (!t) return tl::make_unexpected(t.error());
        cur_ = std::move(*t);
        return {};
    }
    // The token after an operand or closing bracket is an operator; after anything else an operand.
    // `*`, `**` and `%` count as operands here, as the reference reads `* / 2` as a division.
    result<void> step() {
        const bool after_operand = cur_.kind != token_kind::op || cur_.text == ")" || cur_.text == "]" || cur_.text == "}" ||
                                   cur_.text == "*" || cur_.text == "**" || cur_.text == "%";
        return advance(!after_operand);
    }
    result<void> expect(std::string_view o) {
        if (cur_.kind == token_kind::end)
            return syntax_error("S0203", "Expected " + quote(o) + " before end of expression", cur_.position);
        if (!is_op(o)) return syntax_error("S0202", "Expected " + quote(o) + ", got " + describe(cur_), cur_.position);
        return step();
    }

    node* make(node_type type, std::size_t position) { return nodes_.make(type, position); }

    // At the end of the text inside a bracketed list the reference reports the missing closer.
    result<void> not_at_end(std::string_view closer) {
        if (cur_.kind == token_kind::end) return expect(closer);
        return {};
    }

    result<node*> expression(int rbp) {
        if (++depth_ > max_depth_) return fail("S0201", "Syntax error: expression nested too deeply (position " + std::to_string(cur_.position) + ")");
        token t = cur_;
        if (t.kind == token_kind::end) return syntax_error("S0207", "Unexpected end of expression", t.position);
        if (auto r = step(); !r) return tl::make_unexpected(r.error());
        auto left = nud(t);
        if (!left) return left;
        while (rbp < lbp(cur_)) {
            t = cur_;
            if (auto r = step(); !r) return tl::make_unexpected(r.error());
            left = led(t, *left);
            if (!left) return left;
        }
        --depth_;
        return left;
    }

    result<node*> nud(const token& t) {
        switch (t.kind) {
        case token_kind::string: {
            node* n = make(node_type::string, t.position);
            n->str = t.text;
            n->lit = t.text;
            return n;
        }
        case token_kind::number:
        case token_kind::literal: {
            node* n = make(t.kind == token_kind::number ? node_type::number : node_type::literal, t.position);
            n->lit = t.lit;
            return n;
        }
        case token_kind::name: {
            node* n = make(node_type::name, t.position);
            n->str = t.text;
            return n;
        }
        case token_kind::variable: {
            node* n = make(node_type::variable, t.position);
            n->str = t.text;
            return n;
        }
        case token_kind::regex: {
            node* n = make(node_type::regex, t.position);
            n->str = t.text;
            n->lit = t.flags;
            return n;
        }
        case token_kind::end:
            return syntax_error("S0207", "Unexpected end of expression", t.position);
        case token_kind::op:
            break;
        }
        const std::string& o = t.text;
        if (o == "and" || o == "or" || o == "in") {  // operators double as field names
            node* n = make(node_type::name, t.position);
            n->str = o;
            return n;
        }
        if (o == "-") {
            auto e = expression(70);
            if (!e) return e;
            if ((*e)->type == node_type::number) {
                (*e)->lit = make_number(-(*e)->lit.get<double>());
                return e;
            }
            node* n = make(node_type::negate, t.position);
            n->lhs = *e;
            return n;
        }
        if (o == "*") return make(node_type::wildcard, t.position);
        if (o == "**") return make(node_type::descendant, t.position);
        if (o == "%") return make(node_type::parent, t.position);
        if (o == "(") {
            node* n = make(node_type::block, t.position);
            while (!is_op(")")) {
                if (auto r = not_at_end(")"); !r) return tl::make_unexpected(r.error());
                auto e = expression(0);
                if (!e) return e;
                n->items.push_back(*e);
                if (!is_op(";")) break;
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
            }
            if (auto r = expect(")"); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "[") {
            node* n = make(node_type::array, t.position);
            while (!is_op("]")) {
                if (auto r = not_at_end("]"); !r) return tl::make_unexpected(r.error());
                auto e = expression(0);
                if (!e) return e;
                node* item = *e;
                if (is_op("..")) {
                    const std::size_t p = cur_.position;
                    if (auto r = step(); !r) return tl::make_unexpected(r.error());
                    auto hi = expression(0);
                    if (!hi) return hi;
                    node* range = make(node_type::range, p);
                    range->lhs = item;
                    range->rhs = *hi;
                    item = range;
                }
                n->items.push_back(item);
                if (!is_op(",")) break;
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
            }
            if (auto r = expect("]"); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "{") {
            node* n = make(node_type::object, t.position);
            if (auto r = pairs(n->x().pairs); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "|") {
            node* n = make(node_type::transform, t.position);
            auto pattern = expression(0);
            if (!pattern) return pattern;
            if (auto r = expect("|"); !r) return tl::make_unexpected(r.error());
            auto update = expression(0);
            if (!update) return update;
            n->lhs = *pattern;
            n->rhs = *update;
            if (is_op(",")) {
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
                auto del = expression(0);
                if (!del) return del;
                n->third = *del;
            }
            if (auto r = expect("|"); !r) return tl::make_unexpected(r.error());
            return n;
        }
        return syntax_error("S0211", "The symbol " + quote(o) + " cannot be used as a unary operator", t.position);
    }

    result<void> pairs(std::vector<std::pair<node*, node*>>& out) {
        while (!is_op("}")) {
            if (auto r = not_at_end(":"); !r) return r;
            auto k = expression(0);
            if (!k) return tl::make_unexpected(k.error());
            if (auto r = expect(":"); !r) return r;
            auto v = expression(0);
            if (!v) return tl::make_unexpected(v.error());
            out.emplace_back(*k, *v);
            if (!is_op(",")) break;
            if (auto r = step(); !r) return r;
        }
        return expect("}");
    }

    result<node*> binary(node_type type, const token& t, node* left, node* right) {
        node* n = make(type, t.position);
        n->str = t.text;
        n->lhs = left;
        n->rhs = right;
        return n;
    }

    result<node*> led(const token& t, node* left) {
        if (t.kind != token_kind::op) return syntax_error("S0201", "Syntax error: " + describe(t), t.position);
        const std::string& o = t.text;
        const int bp = lbp(t);
        if (o == "(") return call(t, left);
        if (o == "[") {
            if (is_op("]")) {  // `[]`: keep singleton arrays
                node* s = left;
                while (s->type == node_type::predicate) s = s->lhs;
                s->keep_array = true;
                // The reference reads what follows `[]` as an operand: `a[] / 2` starts a regex there.
                if (auto r = advance(true); !r) return tl::make_unexpected(r.error());
                return left;
            }
            auto rhs = expression(0);
            if (!rhs) return rhs;
            if (auto r = expect("]"); !r) return tl::make_unexpected(r.error());
            return binary(node_type::predicate, t, left, *rhs);
        }
        if (o == "{") {
            node* n = make(node_type::group, t.position);
            n->lhs = left;
            if (auto r = pairs(n->x().pairs); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "^") {
            if (auto r = expect("("); !r) return tl::make_unexpected(r.error());
            node* n = make(node_type::sort_raw, t.position);
            n->lhs = left;
            for (;;) {
                sort_term term;
                if (is_op("<") || is_op(">")) {
                    term.descending = cur_.text == ">";
                    if (auto r = advance(true); !r) return tl::make_unexpected(r.error());
                }
                auto e = expression(0);
                if (!e) return e;
                term.expr = *e;
                n->x().terms.push_back(term);
                if (!is_op(",")) break;
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
            }
            if (!is_op(")")) {
                auto r = expect(")");  // not ")": the error saying what came instead
                return tl::make_unexpected(r.error());
            }
            // As after `[]`, the reference reads what follows `^(...)` as an operand.
            if (auto r = advance(true); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "@" || o == "#") {
            if (cur_.kind != token_kind::variable)
                return syntax_error("S0214", "The right side of " + quote(o) + " must be a variable name (start with $)", cur_.position);
            node* n = make(o == "@" ? node_type::focus : node_type::index, t.position);
            n->lhs = left;
            n->str = cur_.text;
            if (auto r = step(); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (o == "?") {
            node* n = make(node_type::condition, t.position);
            n->lhs = left;
            auto then = expression(0);
            if (!then) return then;
            n->rhs = *then;
            if (is_op(":")) {
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
                auto otherwise = expression(0);
                if (!otherwise) return otherwise;
                n->third = *otherwise;
            }
            return n;
        }
        if (o == ":=") {
            if (left->type != node_type::variable)
                return syntax_error("S0212", "The left side of := must be a variable name (start with $)", t.position);
            auto rhs = expression(bp - 1);
            if (!rhs) return rhs;
            return binary(node_type::bind, t, left, *rhs);
        }
        auto rhs = expression(bp);
        if (!rhs) return rhs;
        if (o == ".") return binary(node_type::dot, t, left, *rhs);
        if (o == "~>") return binary(node_type::apply, t, left, *rhs);
        static constexpr std::pair<std::string_view, binary_op> ops[] = {
            {"+", binary_op::add}, {"-", binary_op::sub}, {"*", binary_op::mul}, {"/", binary_op::div},
            {"%", binary_op::mod}, {"=", binary_op::eq}, {"!=", binary_op::ne}, {"<", binary_op::lt},
            {"<=", binary_op::le}, {">", binary_op::gt}, {">=", binary_op::ge}, {"&", binary_op::concat},
            {"and", binary_op::and_}, {"or", binary_op::or_}, {"in", binary_op::in}};
        for (const auto& entry : ops) {
            if (entry.first == o) {
                auto n = binary(node_type::binary, t, left, *rhs);
                (*n)->op = entry.second;
                return n;
            }
        }
        return syntax_error("S0204", "Unknown operator: " + quote(o), t.position);
    }

    result<node*> call(const token& t, node* left) {
        const bool is_lambda = left->type == node_type::name && (left->str == "function" || left->str == "\xCE\xBB");
        node* n = make(is_lambda ? node_type::lambda : node_type::call, t.position);
        n->lhs = left;
        while (!is_op(")")) {
            if (auto r = not_at_end(")"); !r) return tl::make_unexpected(r.error());
            if (!is_lambda && is_op("?")) {
                n->type = node_type::partial;
                n->items.push_back(make(node_type::placeholder, cur_.position));
                if (auto r = step(); !r) return tl::make_unexpected(r.error());
            } else {
                auto e = expression(0);
                if (!e) return e;
                if (is_lambda && (*e)->type != node_type::variable)
                    return syntax_error("S0208", "Parameter " + quote((*e)->str) + " of function definition must be a variable name (start with $)", (*e)->position);
                n->items.push_back(*e);
            }
            if (!is_op(",")) break;
            if (auto r = step(); !r) return tl::make_unexpected(r.error());
        }
        if (!is_lambda) {
            if (auto r = expect(")"); !r) return tl::make_unexpected(r.error());
            return n;
        }
        if (!is_op(")")) return syntax_error("S0202", "Expected \")\", got " + describe(cur_), cur_.position);
        std::string sig;
        if (lex_.signature(sig)) n->str = sig;  // parsed into a signature by rewrite
        if (auto r = advance(false); !r) return tl::make_unexpected(r.error());
        if (auto r = expect("{"); !r) return tl::make_unexpected(r.error());
        if (auto r = not_at_end("}"); !r) return tl::make_unexpected(r.error());
        auto body = expression(0);
        if (!body) return body;
        n->rhs = *body;
        if (auto r = expect("}"); !r) return tl::make_unexpected(r.error());
        return n;
    }

    lexer lex_;
    arena& nodes_;
    token cur_;
    std::size_t depth_ = 0;
    std::size_t max_depth_;
};

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
