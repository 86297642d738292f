// Running arbitrary valid definitions: load DEFINITION 0x01 INPUT, run it on the manual
// executor and the virtual clock with every Task answered by a scripted invoker (return its
// input, a value, or one of a few errors, in a cycle picked by the input's bytes). Bounded:
// at most max_steps executor items and max_timers clock jumps, then the engine is dropped with
// the execution unfinished, which must be safe too.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <stepfn/clocks/virtual_clock.hpp>
#include <stepfn/engine/engine.hpp>
#include <stepfn/executors/manual_executor.hpp>
#include <stepfn/load/loader.hpp>
#include <stepfn/tasks/task_invoker.hpp>

#include "fuzz_input.hpp"

namespace {

constexpr std::size_t max_steps = 20000;
constexpr std::size_t max_timers = 500;

// Answers each Task attempt from a fixed script chosen by the fuzz input.
class scripted_invoker final : public stepfn::task_invoker {
public:
    explicit scripted_invoker(std::uint32_t script) : script_(script) {}

    void invoke(stepfn::task_request request, stepfn::task_completion done) override {
        const std::uint32_t pick = (script_ >> ((calls_++ % 8) * 4)) & 0xF;
        switch (pick) {
        case 0: done.fail("States.TaskFailed", "scripted failure"); break;
        case 1: done.fail("States.Timeout", "scripted timeout"); break;
        case 2: done.fail("Custom.Error", ""); break;
        case 3: done.succeed(stepfn::json::array({1, 2, 3})); break;
        case 4: done.succeed(stepfn::json{{"items", stepfn::json::array({stepfn::json{{"id", 1}}, stepfn::json{{"id", 2}}})}}); break;
        case 5: done.succeed(nullptr); break;
        case 6: done.succeed("text"); break;
        case 7: break;  // never answers: the execution waits (on a timeout or forever)
        default: done.succeed(std::move(request.input)); break;
        }
    }

private:
    std::uint32_t script_;
    std::uint32_t calls_ = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [definition, rest] = stepfn_fuzz::split(data, size);
    stepfn::load_options load;
    load.bounds.max_history_events = 2000;
    auto machine = stepfn::load_machine(definition, load);
    if (!machine) return 0;

    std::uint32_t script = 0x88888888u;
    for (std::size_t i = 0; i < size && i < 4; ++i) script ^= static_cast<std::uint32_t>(data[size - 1 - i]) << (8 * i);

    stepfn::manual_executor executor;
    stepfn::virtual_clock clock;
    stepfn::engine_options options;
    options.bounds = load.bounds;
    options.seed = 7;
    {
        stepfn::basic_engine<stepfn::manual_executor, stepfn::virtual_clock> engine(executor, clock, options);
        engine.invokers().set_default(std::make_shared<scripted_invoker>(script));
        auto started = engine.start(*machine, stepfn_fuzz::document(rest));
        if (started) {
            std::size_t steps = 0, timers = 0;
            while (!started->done() && steps < max_steps) {
                if (executor.run_one()) {
                    ++steps;
                    continue;
                }
                if (timers++ >= max_timers || !clock.advance_to_next()) break;
            }
            if (started->done()) (void)started->outcome();
        }
    }
    // What the engine's shutdown left queued.
    for (std::size_t i = 0; i < max_steps && executor.run_one(); ++i) {
    }
    return 0;
}
