// Definition loading and validation: any text either loads or is refused with diagnostics.
// A loaded machine prints back to ASL that loads again (the printer and the loader agree).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <stepfn/load/loader.hpp>
#include <stepfn/print/to_json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto machine = stepfn::load_machine(text);
    if (!machine) {
        // A refusal always says why.
        if (machine.error().cause.empty()) std::abort();
        return 0;
    }
    auto again = stepfn::load_machine(stepfn::to_asl(*machine));
    if (!again) std::abort();
    return 0;
}
