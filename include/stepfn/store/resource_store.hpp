#ifndef STEPFN_STORE_RESOURCE_STORE_HPP
#define STEPFN_STORE_RESOURCE_STORE_HPP

// Where the AWS Step Functions API keeps what is not an execution: state machines, their
// versions and aliases, activities, and their tags. Each is a record under its ARN, of a kind,
// with a body the API defines (JSON text): the store only keeps, orders and pages them, so a
// store (SQLite, PostgreSQL) needs one table for all of them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stepfn/error.hpp>

namespace stepfn {

struct stored_resource {
    std::string arn;
    std::string kind;        // "stateMachine", "stateMachineVersion", "activity", ...
    std::string body;        // JSON text, as the API wrote it
    std::uint64_t revision = 0;  // set by the store: 1 when inserted, +1 on every update
};

// ListStateMachines, ListActivities: in creation order, a page at a time.
struct resource_page {
    std::vector<stored_resource> resources;
    std::string next_token;  // empty on the last page
};

class resource_store {
public:
    virtual ~resource_store() = default;

    // Stores a new record; false (and nothing changes) when the ARN is taken.
    virtual result<bool> insert_resource(const stored_resource& resource) = 0;
    // Replaces a record's kind and body if its revision is still `resource.revision` (a
    // compare-and-set, so that two servers updating one state machine cannot lose an update);
    // false when it is missing or changed meanwhile.
    virtual result<bool> update_resource(const stored_resource& resource) = 0;
    // False when there was nothing to delete.
    virtual result<bool> delete_resource(std::string_view arn) = 0;
    virtual result<std::optional<stored_resource>> find_resource(std::string_view arn) = 0;
    // The records of one kind whose ARN starts with `arn_prefix` (empty: all of that kind).
    virtual result<resource_page> list_resources(std::string_view kind, std::string_view arn_prefix,
                                                 std::size_t max_results, std::string_view next_token) = 0;
};

} // namespace stepfn

#endif
