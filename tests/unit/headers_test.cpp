#include "catch.hpp"

#include <stepfn/error.hpp>
#include <stepfn/model/state_machine.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/history/history_sink.hpp>
#include <stepfn/tasks/task_invoker.hpp>

namespace headers_test {

TEST_CASE("error values carry a name and a cause", "[basics]") {
    stepfn::error e{"States.Timeout", "too slow"};
    CHECK(e.name == "States.Timeout");
    CHECK(e.cause == "too slow");
}
} // namespace headers_test
