#ifndef STEPFN_EXPRESSIONS_DETAIL_JSONATA_VALUE_HPP
#define STEPFN_EXPRESSIONS_DETAIL_JSONATA_VALUE_HPP

// The values an evaluation passes around. JSON is held by pointer: into the caller's input
// (paths copy nothing) or into a shared constructed document (`owner` keeps it alive); small
// scalars made by operators live inline. Besides JSON, JSONata has `undefined`, sequences
// (flattened, unwrapped when singletons) and functions.

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/expressions/detail/jsonata/js_number.hpp>  // fail()
#include <stepfn/expressions/detail/jsonata/number.hpp>
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {
namespace jsonata {

struct sequence;
struct function_value;

// Blocks of one size, freed by evaluation and kept on this thread for the next: every string,
// array, object and sequence an evaluation makes takes one for its shared holder, and an
// evaluation makes and frees them by the handful (malloc and free cost more than the list).
template <std::size_t Size>
class block_cache {
public:
    static void* take() noexcept {
        block_cache* c = get();
        if (c == nullptr || c->free_.empty()) return nullptr;
        void* p = c->free_.back();
        c->free_.pop_back();
        return p;
    }
    // False when the block is not kept (the cache is full, or gone at thread exit).
    static bool give(void* p) noexcept {
        block_cache* c = get();
        if (c == nullptr || c->free_.size() == c->free_.capacity()) return false;
        c->free_.push_back(p);  // within the capacity reserved: never allocates
        return true;
    }
    block_cache(const block_cache&) = delete;
    block_cache& operator=(const block_cache&) = delete;

private:
    block_cache() { free_.reserve(64); }
    ~block_cache() {
        gone() = true;
        for (void* p : free_) ::operator delete(p);
    }
    static bool& gone() noexcept {
        thread_local bool g = false;  // trivially destructible: readable after the cache is gone
        return g;
    }
    static block_cache* get() noexcept {
        if (gone()) return nullptr;
        thread_local block_cache c;
        return &c;
    }
    std::vector<void*> free_;
};

// The allocator of those holders (std::allocate_shared): single objects come from block_cache.
template <class T>
struct cached_allocator {
    using value_type = T;
    cached_allocator() noexcept = default;
    template <class U>
    cached_allocator(const cached_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n == 1)
            if (void* p = block_cache<sizeof(T)>::take()) return static_cast<T*>(p);
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n == 1 && block_cache<sizeof(T)>::give(p)) return;
        ::operator delete(p);
    }
    template <class U>
    bool operator==(const cached_allocator<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const cached_allocator<U>&) const noexcept { return false; }
};

// A document made during evaluation. json destroys an array or object by first moving every
// member onto a stack of its own, which costs more than building it (`[1..1000000]`); here the
// members are destroyed in place, and only nested containers take json's way.
struct made_json {
    json doc;
    explicit made_json(json&& j) noexcept : doc(std::move(j)) {}
    made_json(const made_json&) = delete;
    made_json& operator=(const made_json&) = delete;
    ~made_json() {
        if (doc.is_array()) json::array_t().swap(doc.get_ref<json::array_t&>());
        else if (doc.is_object()) json::object_t().swap(doc.get_ref<json::object_t&>());
    }
};

class value {
public:
    enum class kind : std::uint8_t { undefined, json, sequence, function };

    value() noexcept {}
    value(const value& o) noexcept : cons(o.cons), kind_(o.kind_), parent_(o.parent_), ptr_(o.ptr_) { take_ref(o); }
    value(value&& o) noexcept
        : cons(o.cons), kind_(o.kind_), parent_(o.parent_), ptr_(std::move(o.ptr_)) {
        take_ref(o);
    }
    value& operator=(const value& o) noexcept {
        if (this != &o) {
            cons = o.cons;
            kind_ = o.kind_;
            ptr_ = o.ptr_;
            parent_ = o.parent_;
            take_ref(o);
        }
        return *this;
    }
    value& operator=(value&& o) noexcept {
        if (this != &o) {
            cons = o.cons;
            kind_ = o.kind_;
            ptr_ = std::move(o.ptr_);
            parent_ = o.parent_;
            take_ref(o);
        }
        return *this;
    }
    // inline_ only ever holds a scalar, which owns nothing: ending its lifetime needs no destructor.
    ~value() {}

    // Tags of the constructors that build a JSON value where it is needed (in a result<value>,
    // without a move): `borrowed` refers to JSON that outlives the evaluation, `owned` keeps it.
    struct borrowed_t {};
    struct owned_t {};
    static constexpr borrowed_t borrowed{};
    static constexpr owned_t owned{};
    value(borrowed_t, const json& j) noexcept : kind_(kind::json), ref_(&j) {}
    // Scalars inline, strings and containers shared.
    value(owned_t, json&& j) : kind_(kind::json) {
        if (j.is_object() || j.is_array() || j.is_string()) {
            auto made = std::allocate_shared<made_json>(cached_allocator<made_json>(), std::move(j));
            ref_ = &made->doc;
            ptr_ = std::shared_ptr<const json>(std::move(made), ref_);
        } else {
            ::new (static_cast<void*>(&inline_)) json(std::move(j));
            ref_ = &inline_;
        }
    }

    // A number or boolean made by evaluation, built straight into inline_: no json temporary
    // moved in and then destroyed (json's destructor is an out-of-line call per operator).
    struct scalar_t {};
    static constexpr scalar_t scalar{};
    value(scalar_t, bool b) noexcept : kind_(kind::json) { ref_ = ::new (static_cast<void*>(&inline_)) json(b); }
    value(scalar_t, double d) noexcept : kind_(kind::json) {
        // As make_number: integral values within 2^53 as integers.
        if (integral_number(d)) ref_ = ::new (static_cast<void*>(&inline_)) json(static_cast<std::int64_t>(d));
        else ref_ = ::new (static_cast<void*>(&inline_)) json(d);
    }

    // A value inside a document that lives elsewhere (the input, or `holder`).
    static value ref(const json& j, std::shared_ptr<const json> holder = {}) {
        value v(borrowed, j);
        v.ptr_ = std::move(holder);
        return v;
    }
    // A value made during evaluation.
    static value own(json j) { return value(owned, std::move(j)); }
    static value number(double d) noexcept { return value(scalar, d); }
    static value boolean(bool b) noexcept { return value(scalar, b); }
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

    // A JSON value always has ref_ set: these read it without j()'s fallback, small enough to inline.
    bool is_number() const noexcept { return is_json() && ref_->is_number(); }
    bool is_string() const noexcept { return is_json() && ref_->is_string(); }
    bool is_bool() const noexcept { return is_json() && ref_->is_boolean(); }
    bool is_null() const noexcept { return is_json() && ref_->is_null(); }
    bool is_object() const noexcept { return is_json() && ref_->is_object(); }
    bool is_json_array() const noexcept { return is_json() && ref_->is_array(); }
    // An array in JSONata's sense: a JSON array or a sequence.
    bool is_array() const noexcept { return is_seq() || is_json_array(); }
    // The number (NaN when not a number) and the string ("" when not a string): functions read
    // their checked arguments this way, and an undefined optional argument reads as these.
    double num() const noexcept {
        // Read by type, not through get<double>(), whose throwing path keeps it out of line.
        if (!is_json()) return std::numeric_limits<double>::quiet_NaN();
        const json& x = *ref_;
        switch (x.type()) {
        case json::value_t::number_float: return *x.get_ptr<const double*>();
        case json::value_t::number_integer: return static_cast<double>(*x.get_ptr<const std::int64_t*>());
        case json::value_t::number_unsigned: return static_cast<double>(*x.get_ptr<const std::uint64_t*>());
        default: return std::numeric_limits<double>::quiet_NaN();
        }
    }
    const std::string& str() const noexcept {
        const json& x = j();
        static const std::string empty;
        return x.is_string() ? *x.get_ptr<const std::string*>() : empty;
    }

    // The object this value was read from, kept only when the expression uses `%`.
    const value* parent() const noexcept { return parent_; }
    void set_parent(const value* p) noexcept { parent_ = p; }

    // Made by an array constructor as the first or last step of a path: not flattened there.
    bool cons = false;

private:
    // Points at the JSON: into a document, or at inline_ for a scalar made by evaluation.
    void take_ref(const value& o) noexcept {
        if (o.ref_ == &o.inline_) {
            ref_ = copy_scalar(o.inline_);
        } else {
            ref_ = o.ref_;
        }
    }

    // Builds a copy of the scalar `s` in inline_ by its type: inline, where json's copy
    // constructor is an out-of-line call.
    json* copy_scalar(const json& s) noexcept {
        void* at = &inline_;
        switch (s.type()) {
        case json::value_t::boolean: return ::new (at) json(*s.get_ptr<const bool*>());
        case json::value_t::number_integer: return ::new (at) json(*s.get_ptr<const std::int64_t*>());
        case json::value_t::number_unsigned: return ::new (at) json(*s.get_ptr<const std::uint64_t*>());
        case json::value_t::number_float: return ::new (at) json(*s.get_ptr<const double*>());
        default: return ::new (at) json(s);
        }
    }

    kind kind_ = kind::undefined;
    const json* ref_ = nullptr;
    // Before inline_, apart from ptr_: after ptr_, the compiler copied it together with ptr_'s
    // second word in one 16-byte load, which the CPU cannot forward from the two 8-byte stores
    // that had just written them (a stall on a value's move, and values move through every node).
    const value* parent_ = nullptr;  // kept alive by the evaluator (evaluator::keep_parent)
    // A number, boolean or null made during evaluation, kept without optional's flag and
    // without json's out-of-line destructor: values move through every node.
    union {
        json inline_;
    };
    // What keeps the value alive: the constructed document `ref_` points into, the sequence,
    // or the function (one pointer, so copying a value touches one reference count).
    std::shared_ptr<const void> ptr_;
};

struct sequence {
    std::vector<value> items;
    bool keep_singleton = false;  // `[]` in a path: a single result stays an array
    bool outer_wrapper = false;   // the top-level input array wrapped once
};

inline std::shared_ptr<sequence> new_seq() { return std::allocate_shared<sequence>(cached_allocator<sequence>()); }

// A vector of values lent by a stack of them kept on this thread: a call builds its arguments
// (and, when it checks them, a second vector) in one, and would otherwise allocate it afresh
// each time (each evaluation has a new evaluator, so it cannot keep them). Only for automatic
// variables: they end in the reverse order of their start, so the vectors are lent as a
// stack, by index, and no vector is moved (a move's 16-byte loads of words just written stall).
class value_vector {
public:
    value_vector() noexcept {
        kept& k = stack();
        if (k.depth < k.vectors.size()) v_ = &k.vectors[k.depth++];
    }
    ~value_vector() {
        if (v_ == &own_) return;
        v_->clear();
        if (v_->capacity() > 64) std::vector<value>().swap(*v_);  // a large one is not kept
        --stack().depth;
    }
    value_vector(const value_vector&) = delete;
    value_vector& operator=(const value_vector&) = delete;
    std::vector<value>& operator*() noexcept { return *v_; }

private:
    struct kept {
        std::array<std::vector<value>, 32> vectors;  // deeper calls allocate their own
        std::size_t depth = 0;
    };
    static kept& stack() noexcept {
        thread_local kept k;
        return k;
    }
    std::vector<value> own_;
    std::vector<value>* v_ = &own_;
};

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

// Appends a value as JSONata's fn.append does: arrays are spliced in, undefined is nothing.
// Room for an array's members is made once (growing geometrically across calls).
inline void append_flat(std::vector<value>& out, const value& v) {
    if (v.is_array()) {
        const std::size_t need = out.size() + array_size(v);
        if (need > out.capacity()) out.reserve((std::max)(need, 2 * out.capacity()));
    }
    if (v.is_seq()) {
        out.insert(out.end(), v.seq().items.begin(), v.seq().items.end());
    } else if (v.is_json_array()) {
        for (const auto& item : v.j()) out.push_back(v.child(item));
    } else if (!v.undefined()) {
        out.push_back(v);
    }
}
inline void append_flat(sequence& out, const value& v) { append_flat(out.items, v); }

// The sequence rule applied after each evaluation: empty is undefined, a singleton is its member.
inline value normalize(value v) {
    if (!v.is_seq()) return v;
    auto& s = v.seq();
    if (s.items.empty()) return value{};
    if (s.items.size() == 1 && !s.keep_singleton) return s.items.front();
    return v;
}


// A result holding JSON made by evaluation, built in place (operators return these).
inline result<value> made(json j) { return result<value>(tl::in_place, value::owned, std::move(j)); }
inline result<value> made_number(double d) { return result<value>(tl::in_place, value::scalar, d); }
inline result<value> made_bool(bool b) { return result<value>(tl::in_place, value::scalar, b); }

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
