// JSONPath: parse (full and Reference Path), then evaluate, find, extract and assign on a
// document. Input: PATH 0x01 JSON.
#include <cstddef>
#include <cstdint>

#include <stepfn/expressions/json_path.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [text, rest] = stepfn_fuzz::split(data, size);
    if (text.size() > 4096) return -1;
    const stepfn::json doc = stepfn_fuzz::document(rest);
    stepfn_fuzz::fuzz_env env;
    if (auto path = stepfn::json_path::parse(text)) {
        (void)path->evaluate(doc, env);
        (void)path->find(doc, env);
        (void)path->extract(stepfn::json(doc), env);
        (void)path->is_definite();
    }
    if (auto reference = stepfn::json_path::parse_reference(text)) {
        stepfn::json target = doc;
        (void)reference->assign(target, stepfn::json{{"x", 1}});
    }
    return 0;
}
