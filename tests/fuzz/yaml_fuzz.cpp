// The YAML front end: any text parses to JSON with marks, loads, or is refused; never hangs
// (yaml-cpp 0.7's LoadAll looped forever on `,`) and never reads freed memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <stepfn/load/yaml.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto document = stepfn::parse_yaml(text)) (void)document->locate("/States/A/Next");
    (void)stepfn::load_yaml(text);
    return 0;
}
