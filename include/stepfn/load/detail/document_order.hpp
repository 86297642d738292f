#ifndef STEPFN_LOAD_DETAIL_DOCUMENT_ORDER_HPP
#define STEPFN_LOAD_DETAIL_DOCUMENT_ORDER_HPP

// Where a problem sits in the definition's document order (so that problems are reported top
// to bottom), and whether the definition can reach the context object at all.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn::detail {

// The position of `pointer` in document order: the index of each step among its siblings.
// A step that does not exist sorts after its existing siblings.
inline std::vector<std::size_t> document_position(const json& root, std::string_view pointer) {
    std::vector<std::size_t> position;
    const json* node = &root;
    std::size_t start = 0;
    while (start < pointer.size() && pointer[start] == '/') {
        std::size_t end = pointer.find('/', start + 1);
        if (end == std::string_view::npos) end = pointer.size();
        std::string step;
        for (std::size_t i = start + 1; i < end; ++i) {
            if (pointer[i] == '~' && i + 1 < end) {
                step += pointer[i + 1] == '1' ? '/' : '~';
                ++i;
            } else {
                step += pointer[i];
            }
        }
        start = end;
        std::size_t index = (std::numeric_limits<std::size_t>::max)();
        const json* child = nullptr;
        if (node && node->is_object()) {
            std::size_t i = 0;
            for (auto it = node->cbegin(); it != node->cend(); ++it, ++i) {
                if (it.key() == step) {
                    index = i;
                    child = &it.value();
                    break;
                }
            }
        } else if (node && node->is_array() && !step.empty() &&
                   step.find_first_not_of("0123456789") == std::string::npos && step.size() < 10) {
            index = static_cast<std::size_t>(std::stoul(step));
            if (index < node->size()) child = &(*node)[index];
        }
        position.push_back(index);
        node = child;
    }
    return position;
}

// Document order, parents before children; problems at the same place keep the order found.
// Exact repeats (two compilers reporting the same thing) are dropped.
inline std::vector<diagnostic> in_document_order(const json& root, std::vector<diagnostic> problems) {
    std::vector<std::pair<std::vector<std::size_t>, diagnostic>> keyed;
    keyed.reserve(problems.size());
    for (auto& p : problems) keyed.emplace_back(document_position(root, p.pointer), std::move(p));
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<diagnostic> out;
    out.reserve(keyed.size());
    for (auto& k : keyed) {
        bool seen = false;
        for (const auto& o : out)
            if (o == k.second) seen = true;
        if (!seen) out.push_back(std::move(k.second));
    }
    return out;
}

// Whether any string of the definition, key or value, mentions `$$` (or JSONata's
// `$states`): the only ways an expression reaches the context object. A literal that merely
// contains them makes the answer a harmless "yes".
inline bool mentions_context(const json& node) {
    std::vector<const json*> pending{&node};
    while (!pending.empty()) {
        const json* v = pending.back();
        pending.pop_back();
        if (v->is_string()) {
            const auto& text = v->get_ref<const std::string&>();
            if (text.find("$$") != std::string::npos || text.find("$states") != std::string::npos) return true;
        } else if (v->is_object()) {
            for (auto it = v->begin(); it != v->end(); ++it) {
                if (it.key().find("$$") != std::string::npos) return true;
                pending.push_back(&it.value());
            }
        } else if (v->is_array()) {
            for (const auto& item : *v) pending.push_back(&item);
        }
    }
    return false;
}

} // namespace stepfn::detail

#endif
