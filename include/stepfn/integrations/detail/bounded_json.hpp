#ifndef STEPFN_INTEGRATIONS_DETAIL_BOUNDED_JSON_HPP
#define STEPFN_INTEGRATIONS_DETAIL_BOUNDED_JSON_HPP

// Parsing JSON that came from outside (a server's response, a process's stdout): nesting is
// checked first with the SAX parser, which does not recurse, so a hostile reply cannot build a
// tree that later code would recurse through without end.

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn {
namespace detail {

inline constexpr std::size_t max_reply_depth = 512;

class reply_depth_checker {
public:
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const json::string_t&) { return true; }
    bool string(json::string_t&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool key(json::string_t&) { return true; }
    bool start_object(std::size_t) { return ++depth_ <= max_reply_depth; }
    bool end_object() { return --depth_, true; }
    bool start_array(std::size_t) { return ++depth_ <= max_reply_depth; }
    bool end_array() { return --depth_, true; }
    bool parse_error(std::size_t, const std::string&, const std::exception& ex) {
        message = ex.what();
        return false;
    }
    std::size_t depth_ = 0;
    std::string message;
};

// The JSON value of `text`; an error (States.TaskFailed by default) saying why it is not one.
inline result<json> parse_reply(std::string_view text, const std::string& what, const char* error_name = errors::task_failed) {
    reply_depth_checker checker;
    if (!json::sax_parse(text.begin(), text.end(), &checker)) {
        if (checker.message.empty())
            return make_error(error_name, what + " nests JSON more than " + std::to_string(max_reply_depth) + " levels deep");
        return make_error(error_name, what + " is not JSON: " + checker.message);
    }
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) return make_error(error_name, what + " is not JSON");
    return value;
}

// `{"error": "...", "cause": "..."}` (cause optional, nothing else): a reply that names an error.
inline bool is_error_object(const json& value) {
    if (!value.is_object() || value.empty() || value.size() > 2) return false;
    auto e = value.find("error");
    if (e == value.end() || !e->is_string()) return false;
    if (value.size() == 2) {
        auto c = value.find("cause");
        return c != value.end() && (c->is_string() || c->is_null());
    }
    return true;
}

inline error error_from_object(const json& value) {
    auto c = value.find("cause");
    std::string cause = (c != value.end() && c->is_string()) ? c->get<std::string>() : std::string();
    return error{value.find("error")->get<std::string>(), std::move(cause)};
}

// AWS caps an error's cause at 32,768 characters; a longer one is cut (on a UTF-8 boundary).
inline std::string bounded_cause(std::string text, std::size_t limit = 32768) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    return text;
}

} // namespace detail
} // namespace stepfn

#endif
