// Payload templates (Parameters, ResultSelector, ...) and single `.$` values: compile a
// template, evaluate it on a document. Input: TEMPLATE-JSON 0x01 JSON.
#include <cstddef>
#include <cstdint>

#include <stepfn/expressions/payload_template.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [text, rest] = stepfn_fuzz::split(data, size);
    if (text.size() > 16384) return -1;
    stepfn::limits bounds;
    bounds.max_array_range_items = 200;
    bounds.max_intrinsic_string_chars = 2000;
    const stepfn::json doc = stepfn_fuzz::document(rest);
    stepfn_fuzz::fuzz_env env;
    auto source = stepfn::json::parse(text.begin(), text.end(), nullptr, false);
    if (source.is_discarded()) {
        // Not JSON: the text as one `.$` value.
        if (auto value = stepfn::value_expression::parse(text, bounds)) (void)value->evaluate(doc, env);
        return 0;
    }
    if (auto compiled = stepfn::payload_template::compile(source, "/Parameters", bounds))
        (void)compiled->evaluate(doc, env);
    return 0;
}
