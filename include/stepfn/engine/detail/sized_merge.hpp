#ifndef STEPFN_ENGINE_DETAIL_SIZED_MERGE_HPP
#define STEPFN_ENGINE_DETAIL_SIZED_MERGE_HPP

// A ResultPath merge that knows the size of what it made (pipeline.hpp): free functions over
// JSON and paths only, apart from the engine, so that a test can check them in either mode.

#include <cstddef>
#include <utility>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/detail/json_size.hpp>
#include <stepfn/expressions/json_path.hpp>

namespace stepfn::detail {

// ResultPath over `raw` in place, with the merged document's serialised size worked out from
// `raw_size` (raw's, or unknown_size) and the parts the write replaced and added, so unchanged
// data is never walked. The new part is sized only up to `limit`: a size above `limit` means
// over it, not how far; `value_size`, when known (a task result measured on arrival), spares
// that walk. unknown_size when raw's size was unknown. On failure raw is unchanged; `effect`
// undoes a merge that must not stand (undo_merge).
struct sized_merge {
    json_path::write_effect effect;
    std::size_t size = unknown_size;
};

inline result<sized_merge> merge_sized(const json_path& path, json& raw, std::size_t raw_size, json&& value,
                                       std::size_t limit, std::size_t value_size = unknown_size) {
    auto written = path.exchange(raw, std::move(value));
    if (!written) return tl::make_unexpected(std::move(written.error()));
    sized_merge merged{std::move(*written), unknown_size};
    if (raw_size == unknown_size) return merged;
    const json_path::write_effect& e = merged.effect;
    auto written_size = [&] { return value_size != unknown_size ? value_size : serialized_size(*e.slot, limit); };
    if (e.slot == &raw) {
        merged.size = written_size();
    } else if (e.added_to) {
        // A member appended to an object of n members adds its key, a colon and its value,
        // and a comma when n > 0.
        const auto& members = e.added_to->get_ref<const json::object_t&>();
        const std::size_t added = serialized_string_size(members.back().first) + 1 + (members.size() > 1 ? std::size_t{1} : std::size_t{0});
        merged.size = raw_size + added + written_size();
    } else {
        // raw_size counts the replaced node, so the difference cannot underflow.
        merged.size = raw_size - serialized_size(e.replaced) + written_size();
    }
    return merged;
}

// The merged document's size: worked out by the merge, or measured (up to `limit`) when the
// raw input's size was not known.
inline std::size_t merged_size(const sized_merge& m, const json& merged, std::size_t limit) {
    return m.size == unknown_size ? serialized_size(merged, limit) : m.size;
}

inline void undo_merge(json_path::write_effect& e) {
    if (e.added_to) e.added_to->get_ref<json::object_t&>().pop_back();
    else if (e.slot) *e.slot = std::move(e.replaced);
}

} // namespace stepfn::detail

#endif
