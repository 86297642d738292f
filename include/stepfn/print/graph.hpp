#ifndef STEPFN_PRINT_GRAPH_HPP
#define STEPFN_PRINT_GRAPH_HPP

// A state machine drawn as a graph, for docs and reviews: Graphviz DOT (to_dot) or a Mermaid
// flowchart (to_mermaid). Every state is a node shaped by its type; transitions, Choice rules
// (labelled with the rule), Default and Catch (dashed, labelled with the errors) are edges;
// each Parallel branch and each Map's item processor is a cluster entered from its state.
// `stepfn graph FILE` prints these. Guide: docs/graphs.md.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <stepfn/detail/utf8.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/model/states.hpp>

namespace stepfn {

std::string to_dot(const state_machine& machine);
std::string to_mermaid(const state_machine& machine);

namespace detail {

// The drawing, independent of the output language.
struct graph_drawing {
    enum class node_kind { state, start, finish };
    enum class edge_kind { next, choice, fallback, catcher, enter };

    struct node {
        std::string id;
        std::string name;    // the state's name ("" for start/finish)
        std::string detail;  // a second line: the type and what matters about it
        node_kind kind = node_kind::state;
        state_type type = state_type::pass;
        std::size_t cluster = 0;  // 0 = the top level
    };
    struct edge {
        std::string from, to, label;
        edge_kind kind = edge_kind::next;
    };
    struct cluster {
        std::string id, label;
        std::size_t parent = 0;
    };

    std::vector<node> nodes;
    std::vector<edge> edges;
    std::vector<cluster> clusters{cluster{}};  // [0] stands for the top level
};

// The node a JSON Pointer names in `root`, or nullptr (pointers come from the loader).
inline const json* graph_source_at(const json& root, std::string_view pointer) {
    const json* at = &root;
    std::size_t pos = 0;
    while (pos < pointer.size() && at != nullptr) {
        const std::size_t start = pos + 1;
        std::size_t end = pointer.find('/', start);
        if (end == std::string_view::npos) end = pointer.size();
        std::string token;
        for (std::size_t i = start; i < end; ++i) {
            if (pointer[i] == '~' && i + 1 < end) {
                token += pointer[i + 1] == '1' ? '/' : '~';
                ++i;
            } else {
                token += pointer[i];
            }
        }
        if (at->is_object()) {
            auto it = at->find(token);
            at = it == at->end() ? nullptr : &*it;
        } else if (at->is_array()) {
            std::size_t index = 0;
            bool digits = !token.empty();
            for (char c : token) {
                if (c < '0' || c > '9' || index > at->size()) digits = false;
                else index = index * 10 + static_cast<std::size_t>(c - '0');
            }
            at = digits && index < at->size() ? &(*at)[index] : nullptr;
        } else {
            at = nullptr;
        }
        pos = end;
    }
    return at;
}

inline std::string graph_text(const json& value) {
    if (value.is_string()) return value.get_ref<const std::string&>();
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline std::string shorten(std::string text, std::size_t max_chars = 60) {
    if (text.size() <= max_chars) return text;
    text.resize(detail::utf8_prefix(text, max_chars).size());  // whole UTF-8 characters
    return text + "...";
}

// Comparison operators by their ending, longest first: "NumericLessThanEquals" → "<=".
inline constexpr std::pair<std::string_view, std::string_view> rule_relations[] = {
    {"GreaterThanEquals", ">="}, {"LessThanEquals", "<="}, {"GreaterThan", ">"}, {"LessThan", "<"}, {"Equals", "=="},
};

// "$.order.amount <= 0", "(a and not (b))": a Choice rule as a short readable label.
inline std::string describe_rule(const json& rule) {
    if (!rule.is_object()) return "?";
    if (auto c = rule.find("Condition"); c != rule.end()) return graph_text(*c);
    for (const char* op : {"And", "Or"}) {
        auto list = rule.find(op);
        if (list == rule.end() || !list->is_array()) continue;
        std::string out = "(";
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (i > 0) out += op[0] == 'A' ? " and " : " or ";
            out += describe_rule((*list)[i]);
        }
        return out + ")";
    }
    if (auto n = rule.find("Not"); n != rule.end()) return "not " + describe_rule(*n);
    std::string variable = "?";
    if (auto v = rule.find("Variable"); v != rule.end()) variable = graph_text(*v);
    for (auto it = rule.begin(); it != rule.end(); ++it) {
        std::string_view op = it.key();
        if (op == "Variable" || op == "Next" || op == "Assign" || op == "Comment" || op == "Output") continue;
        if (op.substr(0, 2) == "Is") {
            const bool positive = it->is_boolean() && it->get<bool>();
            std::string what(op.substr(2));
            for (auto& ch : what) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            return variable + (positive ? " is " : " is not ") + what;
        }
        if (op == "StringMatches") return variable + " matches " + it->dump(-1, ' ', false, json::error_handler_t::replace);
        const bool by_path = op.size() > 4 && op.substr(op.size() - 4) == "Path";
        if (by_path) op.remove_suffix(4);
        for (const auto& [suffix, symbol] : rule_relations) {
            if (op.size() >= suffix.size() && op.substr(op.size() - suffix.size()) == suffix) {
                std::string right = by_path ? graph_text(*it) : it->dump(-1, ' ', false, json::error_handler_t::replace);
                return variable + " " + std::string(symbol) + " " + right;
            }
        }
        return variable + " " + std::string(op) + " " + graph_text(*it);
    }
    return variable;
}

inline std::string join_errors(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

class graph_walker {
public:
    explicit graph_walker(const json& source) : source_(source) {}

    graph_drawing drawing;

    // Draws `s` inside cluster `cluster`; returns the id of its start marker.
    std::string walk(const scope& s, std::size_t cluster) {
        const std::string start = "start" + std::to_string(scope_count_);
        const std::string finish = "finish" + std::to_string(scope_count_);
        ++scope_count_;
        const std::size_t first = state_count_;
        state_count_ += s.states.size();
        const auto id_of = [first](state_index i) { return "n" + std::to_string(first + i); };

        drawing.nodes.push_back({start, "", "", graph_drawing::node_kind::start, state_type::pass, cluster});
        if (s.start != no_state && s.start < s.states.size())
            drawing.edges.push_back({start, id_of(s.start), "", graph_drawing::edge_kind::next});
        bool finishes = false;
        const auto go = [&](const std::string& from, const transition& t, std::string label, graph_drawing::edge_kind kind) {
            if (t.index < s.states.size()) drawing.edges.push_back({from, id_of(t.index), std::move(label), kind});
        };

        for (state_index i = 0; i < s.states.size(); ++i) {
            const state& st = s.states[i];
            const std::string id = id_of(i);
            drawing.nodes.push_back({id, st.name, detail_line(st), graph_drawing::node_kind::state, st.type(), cluster});
            if (st.next) go(id, *st.next, "", graph_drawing::edge_kind::next);
            if (st.end || st.type() == state_type::succeed) {
                drawing.edges.push_back({id, finish, "", graph_drawing::edge_kind::next});
                finishes = true;
            }
            if (const auto* choice = std::get_if<choice_state>(&st.body)) {
                for (std::size_t r = 0; r < choice->choices.size(); ++r) {
                    const json* rule = graph_source_at(source_, st.pointer + "/Choices/" + std::to_string(r));
                    go(id, choice->choices[r].next, shorten(rule ? describe_rule(*rule) : "rule " + std::to_string(r + 1)),
                       graph_drawing::edge_kind::choice);
                }
                if (choice->default_) go(id, *choice->default_, "Default", graph_drawing::edge_kind::fallback);
            }
            const recovery* recover = nullptr;
            if (const auto* t = std::get_if<task_state>(&st.body)) recover = &t->recover;
            if (const auto* p = std::get_if<parallel_state>(&st.body)) {
                recover = &p->recover;
                for (std::size_t b = 0; b < p->branches.size(); ++b) {
                    const std::size_t inner = add_cluster(st.name + ": branch " + std::to_string(b + 1), cluster);
                    drawing.edges.push_back({id, walk(p->branches[b], inner), "", graph_drawing::edge_kind::enter});
                }
            }
            if (const auto* m = std::get_if<map_state>(&st.body)) {
                recover = &m->recover;
                if (m->processor) {
                    const std::size_t inner = add_cluster(st.name + ": each item", cluster);
                    drawing.edges.push_back({id, walk(*m->processor, inner), "", graph_drawing::edge_kind::enter});
                }
            }
            if (recover != nullptr)
                for (const auto& c : recover->catch_)
                    go(id, c.next, shorten("catch " + join_errors(c.error_equals)), graph_drawing::edge_kind::catcher);
        }
        if (finishes) drawing.nodes.push_back({finish, "", "", graph_drawing::node_kind::finish, state_type::pass, cluster});
        return start;
    }

private:
    std::size_t add_cluster(std::string label, std::size_t parent) {
        drawing.clusters.push_back({"cluster_" + std::to_string(drawing.clusters.size()), std::move(label), parent});
        return drawing.clusters.size() - 1;
    }

    static std::string detail_line(const state& st) {
        std::string line = to_string(st.type());
        if (const auto* t = std::get_if<task_state>(&st.body)) line += ": " + shorten(t->resource, 48);
        if (const auto* f = std::get_if<fail_state>(&st.body); f != nullptr && f->error) line += ": " + shorten(*f->error, 48);
        if (const auto* w = std::get_if<wait_state>(&st.body)) {
            if (w->seconds) line += ": " + std::to_string(*w->seconds) + " s";
            else if (w->timestamp) line += ": until " + *w->timestamp;
        }
        return line;
    }

    const json& source_;
    std::size_t scope_count_ = 0;
    std::size_t state_count_ = 0;
};

inline graph_drawing draw(const state_machine& machine) {
    graph_walker walker(machine.source());
    walker.walk(machine.top(), 0);
    return std::move(walker.drawing);
}

// ---- Graphviz ----

inline std::string dot_escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
        out += c;
    }
    return out;
}

inline std::string dot_quoted(std::string_view text) { return "\"" + dot_escaped(text) + "\""; }

inline std::string dot_node(const graph_drawing::node& n) {
    using kind = graph_drawing::node_kind;
    if (n.kind == kind::start) return n.id + " [shape=circle, style=filled, fillcolor=black, label=\"\", width=0.2];";
    if (n.kind == kind::finish)
        return n.id + " [shape=doublecircle, style=filled, fillcolor=black, label=\"\", width=0.15];";
    std::string attributes;
    switch (n.type) {
    case state_type::task: attributes = "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9ff\""; break;
    case state_type::pass: attributes = "shape=box, style=filled, fillcolor=\"#f2f2f2\""; break;
    case state_type::choice: attributes = "shape=diamond, style=filled, fillcolor=\"#fff4c2\""; break;
    case state_type::wait: attributes = "shape=box, style=\"filled,dashed\", fillcolor=\"#f2f2f2\""; break;
    case state_type::succeed: attributes = "shape=box, style=\"rounded,filled\", fillcolor=\"#d6f5d6\""; break;
    case state_type::fail: attributes = "shape=octagon, style=filled, fillcolor=\"#ffd6d6\""; break;
    case state_type::parallel:
    case state_type::map: attributes = "shape=box3d, style=filled, fillcolor=\"#e8dcff\""; break;
    }
    // Two lines, joined by DOT's own newline escape.
    return n.id + " [label=\"" + dot_escaped(n.name) + "\\n" + dot_escaped(n.detail) + "\", " + attributes + "];";
}

inline void dot_cluster(const graph_drawing& g, std::size_t cluster, const std::string& indent, std::string& out) {
    for (const auto& n : g.nodes)
        if (n.cluster == cluster) out += indent + dot_node(n) + "\n";
    for (std::size_t c = 1; c < g.clusters.size(); ++c) {
        if (g.clusters[c].parent != cluster) continue;
        out += indent + "subgraph " + g.clusters[c].id + " {\n";
        out += indent + "  label=" + dot_quoted(g.clusters[c].label) + ";\n";
        out += indent + "  style=\"rounded,dashed\";\n";
        dot_cluster(g, c, indent + "  ", out);
        out += indent + "}\n";
    }
}

// ---- Mermaid ----

// Mermaid labels are HTML-ish: quotes, angle brackets and '#' become entities.
inline std::string mermaid_text(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '"': out += "#quot;"; break;
        case '<': out += "#lt;"; break;
        case '>': out += "#gt;"; break;
        case '#': out += "#35;"; break;
        case '&': out += "#amp;"; break;
        default: out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
        }
    }
    return out;
}

inline std::string mermaid_node(const graph_drawing::node& n) {
    using kind = graph_drawing::node_kind;
    if (n.kind == kind::start) return n.id + "((start))";
    if (n.kind == kind::finish) return n.id + "((end))";
    const std::string label = "\"" + mermaid_text(n.name) + "<br/><small>" + mermaid_text(n.detail) + "</small>\"";
    switch (n.type) {
    case state_type::task: return n.id + "(" + label + ")";
    case state_type::choice: return n.id + "{" + label + "}";
    case state_type::wait: return n.id + "[/" + label + "/]";
    case state_type::succeed: return n.id + "([" + label + "])";
    case state_type::fail: return n.id + "{{" + label + "}}";
    case state_type::parallel:
    case state_type::map: return n.id + "[[" + label + "]]";
    case state_type::pass: break;
    }
    return n.id + "[" + label + "]";
}

inline void mermaid_cluster(const graph_drawing& g, std::size_t cluster, const std::string& indent, std::string& out) {
    for (const auto& n : g.nodes)
        if (n.cluster == cluster) out += indent + mermaid_node(n) + "\n";
    for (std::size_t c = 1; c < g.clusters.size(); ++c) {
        if (g.clusters[c].parent != cluster) continue;
        out += indent + "subgraph " + g.clusters[c].id + "[\"" + mermaid_text(g.clusters[c].label) + "\"]\n";
        mermaid_cluster(g, c, indent + "  ", out);
        out += indent + "end\n";
    }
}

} // namespace detail

inline std::string to_dot(const state_machine& machine) {
    const auto g = detail::draw(machine);
    std::string out = "digraph " + detail::dot_quoted(machine.name()) + " {\n";
    out += "  node [fontname=\"Helvetica\", fontsize=11];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    detail::dot_cluster(g, 0, "  ", out);
    using kind = detail::graph_drawing::edge_kind;
    for (const auto& e : g.edges) {
        std::string attributes;
        if (!e.label.empty()) attributes = "label=" + detail::dot_quoted(e.label);
        const char* style = e.kind == kind::catcher ? "style=dashed, color=\"#c0392b\", fontcolor=\"#c0392b\""
                            : e.kind == kind::enter ? "style=dotted"
                            : e.kind == kind::fallback ? "style=bold"
                                                       : "";
        if (*style != '\0') attributes += (attributes.empty() ? "" : ", ") + std::string(style);
        out += "  " + e.from + " -> " + e.to + (attributes.empty() ? "" : " [" + attributes + "]") + ";\n";
    }
    return out + "}\n";
}

inline std::string to_mermaid(const state_machine& machine) {
    const auto g = detail::draw(machine);
    std::string out = "flowchart TD\n";
    detail::mermaid_cluster(g, 0, "  ", out);
    using kind = detail::graph_drawing::edge_kind;
    for (const auto& e : g.edges) {
        const char* arrow = e.kind == kind::catcher || e.kind == kind::enter ? " -.->" : e.kind == kind::fallback ? " ==>" : " -->";
        out += "  " + e.from + arrow;
        if (!e.label.empty()) out += "|\"" + detail::mermaid_text(e.label) + "\"|";
        out += " " + e.to + "\n";
    }
    return out;
}

} // namespace stepfn

#endif
