// Intrinsic functions: parse a call (from a string_view of exactly the input's bytes, so a
// read past the text is caught) and evaluate it. Input: CALL 0x01 JSON.
#include <cstddef>
#include <cstdint>
#include <memory>

#include <stepfn/expressions/intrinsic.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [text, rest] = stepfn_fuzz::split(data, size);
    if (text.size() > 4096) return -1;
    // A copy of exactly the call's bytes: no terminator and nothing after it.
    const std::unique_ptr<char[]> exact(new char[text.size()]);
    std::copy(text.begin(), text.end(), exact.get());
    const std::string_view call_text(exact.get(), text.size());
    stepfn::limits bounds;
    bounds.max_array_range_items = 200;
    bounds.max_intrinsic_string_chars = 2000;
    const stepfn::json doc = stepfn_fuzz::document(rest);
    stepfn_fuzz::fuzz_env env;
    (void)stepfn::intrinsic_call::looks_like_call(call_text);
    if (auto call = stepfn::intrinsic_call::parse(call_text, bounds)) (void)call->evaluate(doc, env);
    return 0;
}
