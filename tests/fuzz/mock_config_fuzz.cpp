// Step Functions Local mock files: parse, select each test case, build its mock invoker and
// answer a few invocations of every mocked state.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <stepfn/tasks/task_invoker.hpp>
#include <stepfn/testing/mock_config.hpp>
#include <stepfn/testing/mock_invoker.hpp>

namespace {
class ignore_target final : public stepfn::detail::completion_target {
public:
    void complete(stepfn::result<stepfn::json>) override {}
    void heartbeat() override {}
    bool cancelled() const override { return false; }
    void on_cancel(std::function<void()>) override {}
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = stepfn::testing::mock_config::parse_text(text);
    if (!config) return 0;
    const stepfn::json document = stepfn::json::parse(text.begin(), text.end(), nullptr, false);
    const auto machines = document.find("StateMachines");
    if (machines == document.end() || !machines->is_object()) return 0;
    for (auto m = machines->begin(); m != machines->end(); ++m) {
        const auto cases = m->find("TestCases");
        if (cases == m->end() || !cases->is_object()) continue;
        for (auto c = cases->begin(); c != cases->end(); ++c) {
            auto invoker = stepfn::testing::mock_invoker::create(*config, m.key(), c.key());
            if (!invoker || !c->is_object()) continue;
            for (auto s = c->begin(); s != c->end(); ++s) {
                for (int attempt = 0; attempt < 3; ++attempt) {
                    stepfn::task_request request;
                    request.resource = "arn:aws:lambda:us-east-1:123456789012:function:F";
                    request.execution_id = "arn:aws:states:us-east-1:1:execution:M:e";
                    request.state_name = s.key();
                    (*invoker)->invoke(std::move(request), stepfn::task_completion(std::make_shared<ignore_target>()));
                }
            }
        }
    }
    return 0;
}
