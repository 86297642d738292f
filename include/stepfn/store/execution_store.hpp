#ifndef STEPFN_STORE_EXECUTION_STORE_HPP
#define STEPFN_STORE_EXECUTION_STORE_HPP

// The home of durability: an execution store keeps what an execution is, one transition at a
// time, so that another process can go on after a crash. It receives what the engine's
// transition hook sees. The default keeps nothing: executions live in memory only, as AWS's
// Express workflows do, and cost nothing extra.

#include <stepfn/error.hpp>
#include <stepfn/observe/transition_hook.hpp>

namespace stepfn {

class execution_store {
public:
    virtual ~execution_store() = default;
    // Makes one applied transition durable. An error stops the execution rather than let it
    // run ahead of what is stored.
    virtual result<void> record(const transition_info& change) = 0;
};

// Keeps nothing.
class no_store final : public execution_store {
public:
    result<void> record(const transition_info&) override { return {}; }
};

} // namespace stepfn

#endif
