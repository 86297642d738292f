#ifndef STEPFN_LIMITS_HPP
#define STEPFN_LIMITS_HPP

#include <cstddef>
#include <cstdint>

namespace stepfn {

// Bounds that keep an untrusted definition or input from exhausting the host. Defaults are
// AWS's quotas (asl-reference.md §12); every one can be changed per engine or per load.
struct limits {
    std::size_t max_payload_bytes = 262144;          // state input/output, task result
    std::size_t max_definition_bytes = 1048576;      // definition text
    std::size_t max_state_name_length = 80;          // Unicode characters
    std::size_t max_history_events = 25000;          // Standard workflows
    std::size_t max_nesting_depth = 64;              // nested Parallel/Map and JSON in definitions
    std::size_t max_payload_depth = 512;             // nesting of execution inputs, task results, outputs
    std::size_t max_intrinsic_nesting = 10;          // nested intrinsic calls per field
    std::size_t max_array_range_items = 1000;        // States.ArrayRange
    std::size_t max_intrinsic_string_chars = 10000;  // Base64/Hash input
    std::size_t max_inline_map_concurrency = 40;     // engine cap for MaxConcurrency 0
    std::size_t max_path_work = 4000000;             // nodes visited and copied by one JSONPath evaluation
};

} // namespace stepfn

#endif
