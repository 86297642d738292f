#ifndef STEPFN_TESTS_FUZZ_FUZZ_INPUT_HPP
#define STEPFN_TESTS_FUZZ_FUZZ_INPUT_HPP

// What the harnesses share: a fuzz input is one or two texts separated by the byte 0x01
// (e.g. a path, then the JSON document it is evaluated on). make_corpus.py writes seeds in the
// same shape, so a seed is readable and a crash file shows both parts.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/expressions/eval_env.hpp>
#include <stepfn/json.hpp>

namespace stepfn_fuzz {

inline constexpr char separator = '\x01';

// (first, rest): the text before the first separator and the one after it (empty if none).
inline std::pair<std::string_view, std::string_view> split(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto at = all.find(separator);
    if (at == std::string_view::npos) return {all, std::string_view()};
    return {all.substr(0, at), all.substr(at + 1)};
}

// The document part as JSON; a fixed document when it is absent or not JSON, so every input
// still exercises the evaluator.
inline stepfn::json document(std::string_view text) {
    if (!text.empty()) {
        auto parsed = stepfn::json::parse(text.begin(), text.end(), nullptr, false);
        if (!parsed.is_discarded()) return parsed;
    }
    return stepfn::json::parse(R"({"a": 1, "b": [1, 2, {"c": "x", "d": [true, null]}], "name": "n",
                                    "items": [{"id": 1, "price": 9.5}, {"id": 2, "price": 20}], "s": "a,b,c"})");
}

// An environment with a context object, two variables and a fixed random source. Small
// limits, so the bounds are exercised often and evaluation stays fast.
class fuzz_env final : public stepfn::eval_env {
public:
    fuzz_env()
        : context_(stepfn::json::parse(R"({"Execution": {"Id": "arn:x", "Name": "e", "Input": {"a": 1}},
                                           "State": {"Name": "S", "RetryCount": 0},
                                           "Map": {"Item": {"Index": 0, "Value": {"v": 1}}}})")),
          var_(stepfn::json::parse(R"({"k": [1, 2, 3], "m": {"x": "y"}})")) {
        bounds_.max_payload_bytes = 64 * 1024;
        bounds_.max_path_work = 200000;
    }
    const stepfn::json* context() const override { return &context_; }
    const stepfn::json* variable(std::string_view name) const override {
        if (name == "v") return &var_;
        if (name == "n") return &number_;
        return nullptr;
    }
    std::uint64_t random() const override { return state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL; }
    stepfn::limits bounds() const override { return bounds_; }

private:
    stepfn::json context_;
    stepfn::json var_;
    stepfn::json number_ = 42;
    stepfn::limits bounds_;
    mutable std::uint64_t state_ = 1;
};

} // namespace stepfn_fuzz

#endif
