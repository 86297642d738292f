#ifndef STEPFN_TASKS_ITEM_READER_HPP
#define STEPFN_TASKS_ITEM_READER_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/model/distributed_map.hpp>
#include <stepfn/tasks/detail/resource_router.hpp>

namespace stepfn {

// What a reader is asked for: the ItemReader's Resource, its evaluated Parameters (JSONPath) or
// Arguments (JSONata), e.g. {"Bucket": "b", "Key": "k"}, and the ReaderConfig.
struct item_read_request {
    std::string resource;      // "arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2", ...
    json parameters = json::object();
    reader_config config;
    std::string map_run_arn;
};

// The items of a distributed Map. Return a JSON array; the engine applies MaxItems again, so a
// reader may but need not stop early. An error becomes States.ItemReaderFailed with its cause.
// Called on an executor thread; must be thread-safe if one reader serves several engines.
class item_reader {
public:
    virtual ~item_reader() = default;
    virtual result<json> read(const item_read_request& request) = 0;
};

// The engine's ItemReader routing, like invoker_registry: exact Resource, longest prefix, default
// (registering nullptr removes).
// stepfn::local_storage (local_storage.hpp) is a ready-made reader for files under a directory.
class item_reader_registry : public detail::resource_router<item_reader> {};

} // namespace stepfn

#endif
