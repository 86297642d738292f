#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_VALUE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_VALUE_HPP

// The values an evaluation passes around. JSON is held by pointer: into the caller's input
// (paths copy nothing) or into a shared constructed document (`owner` keeps it alive); small
// scalars made by operators live inline. Besides JSON, JSONata has `undefined`, sequences
// (flattened, unwrapped when singletons) and functions.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/js_number.hpp>  // fail()
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct sequence;
struct function_value;

class value {
public:
    enum class kind : std::uint8_t { undefined, json, sequence, function };

    value() = default;

    // A value inside a document that lives elsewhere (the input, or `holder`).
    static value ref(const json& j, std::shared_ptr<const json> holder = {}) {
        value v;
        v.kind_ = kind::json;
        v.ref_ = &j;
        v.ptr_ = std::move(holder);
        return v;
    }
    // A value made during evaluation: scalars inline, strings and containers shared.
    static value own(json j) {
        value v;
        v.kind_ = kind::json;
        if (j.is_object() || j.is_array() || j.is_string()) {
            auto holder = std::make_shared<const json>(std::move(j));
            v.ref_ = holder.get();
            v.ptr_ = std::move(holder);
        } else {
            v.inline_.emplace(std::move(j));
        }
        return v;
    }
    static value of(std::shared_ptr<sequence> s) {
        value v;
        v.kind_ = kind::sequence;
        v.ptr_ = std::move(s);
        return v;
    }
    static value of(std::shared_ptr<const function_value> f) {
        value v;
        v.kind_ = kind::function;
        v.ptr_ = std::move(f);
        return v;
    }

    kind type() const noexcept { return kind_; }
    bool undefined() const noexcept { return kind_ == kind::undefined; }
    bool is_json() const noexcept { return kind_ == kind::json; }
    bool is_seq() const noexcept { return kind_ == kind::sequence; }
    bool is_fn() const noexcept { return kind_ == kind::function; }

    // The JSON value; null for a value that is not JSON, so a misuse can never read nothing.
    const json& j() const noexcept {
        if (ref_ != nullptr) return *ref_;
        if (inline_) return *inline_;
        static const json none;
        return none;
    }
    // The document a JSON reference points into, when evaluation made it.
    std::shared_ptr<const json> holder() const noexcept {
        return is_json() ? std::static_pointer_cast<const json>(ptr_) : std::shared_ptr<const json>();
    }
    bool shares(const std::shared_ptr<const json>& doc) const noexcept { return is_json() && ptr_ == doc; }
    sequence& seq() const noexcept { return *const_cast<sequence*>(static_cast<const sequence*>(ptr_.get())); }
    std::shared_ptr<sequence> seq_ptr() const noexcept { return std::const_pointer_cast<sequence>(std::static_pointer_cast<const sequence>(ptr_)); }
    bool sole_owner() const noexcept { return ptr_.use_count() == 1; }
    const function_value& fn() const noexcept { return *static_cast<const function_value*>(ptr_.get()); }
    const void* identity() const noexcept { return ptr_.get(); }

    // A child of this JSON value, sharing its storage. The members of an array read from an
    // object keep that object as their parent (lookup sets the parent of an object's fields).
    value child(const json& c) const {
        value v;
        v.kind_ = kind::json;
        v.ref_ = &c;
        v.ptr_ = ptr_;
        v.parent_ = parent_;
        return v;
    }

    bool is_number() const noexcept { return is_json() && j().is_number(); }
    bool is_string() const noexcept { return is_json() && j().is_string(); }
    bool is_bool() const noexcept { return is_json() && j().is_boolean(); }
    bool is_null() const noexcept { return is_json() && j().is_null(); }
    bool is_object() const noexcept { return is_json() && j().is_object(); }
    bool is_json_array() const noexcept { return is_json() && j().is_array(); }
    // An array in JSONata's sense: a JSON array or a sequence.
    bool is_array() const noexcept { return is_seq() || is_json_array(); }
    // The number (NaN when not a number) and the string ("" when not a string): functions read
    // their checked arguments this way, and an undefined optional argument reads as these.
    double num() const noexcept {
        const json& x = j();
        return x.is_number() ? x.get<double>() : std::numeric_limits<double>::quiet_NaN();
    }
    const std::string& str() const noexcept {
        const json& x = j();
        static const std::string empty;
        return x.is_string() ? *x.get_ptr<const std::string*>() : empty;
    }

    // The object this value was read from, kept only when the expression uses `%`.
    const value* parent() const noexcept { return parent_.get(); }
    void set_parent(std::shared_ptr<const value> p) { parent_ = std::move(p); }

    // Made by an array constructor as the first or last step of a path: not flattened there.
    bool cons = false;

private:
    kind kind_ = kind::undefined;
    const json* ref_ = nullptr;
    std::optional<json> inline_;  // optional: most values are references and skip json's destructor
    // What keeps the value alive: the constructed document `ref_` points into, the sequence,
    // or the function (one pointer, so copying a value touches one reference count).
    std::shared_ptr<const void> ptr_;
    std::shared_ptr<const value> parent_;
};

struct sequence {
    std::vector<value> items;
    bool keep_singleton = false;  // `[]` in a path: a single result stays an array
    bool outer_wrapper = false;   // the top-level input array wrapped once
};

inline std::shared_ptr<sequence> new_seq() { return std::make_shared<sequence>(); }

// Number of members of an array-like value (1 for anything else defined).
inline std::size_t array_size(const value& v) {
    if (v.is_seq()) return v.seq().items.size();
    if (v.is_json_array()) return v.j().size();
    return v.undefined() ? 0 : 1;
}
// The i-th member of an array-like value.
inline value array_at(const value& v, std::size_t i) {
    if (v.is_seq()) return v.seq().items[i];
    if (v.is_json_array()) return v.child(v.j()[i]);
    return v;
}
template <class F>
inline void for_each_item(const value& v, F&& f) {
    if (v.is_seq()) {
        for (const auto& item : v.seq().items) f(item);
    } else if (v.is_json_array()) {
        for (const auto& item : v.j()) f(v.child(item));
    } else if (!v.undefined()) {
        f(v);
    }
}

// Appends a value to a sequence as JSONata's fn.append does: arrays are spliced in.
inline void append_flat(sequence& out, const value& v) {
    if (v.is_seq()) {
        for (const auto& item : v.seq().items) out.items.push_back(item);
    } else if (v.is_json_array()) {
        for (const auto& item : v.j()) out.items.push_back(v.child(item));
    } else if (!v.undefined()) {
        out.items.push_back(v);
    }
}

// The sequence rule applied after each evaluation: empty is undefined, a singleton is its member.
inline value normalize(value v) {
    if (!v.is_seq()) return v;
    auto& s = v.seq();
    if (s.items.empty()) return value{};
    if (s.items.size() == 1 && !s.keep_singleton) return s.items.front();
    return v;
}


// Strings built by evaluation are bounded by the ASL payload limit.
inline constexpr std::size_t max_string_bytes = 262144;

inline tl::unexpected<error> too_large() {
    return fail("U1002", "Result too large: a string would exceed " + std::to_string(max_string_bytes) + " bytes");
}

// A token or value quoted as the reference's messages quote them (JSON.stringify).
inline std::string quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace jsonata
} // namespace detail
} // namespace stepfn

#endif
