// Built with nothing but `pkg-config --cflags --libs stepfn` against an installed stepfn.
#include <cstdio>

#include <stepfn/expressions/json_path.hpp>
#include <stepfn/load/loader.hpp>

int main() {
    auto machine = stepfn::load_machine(R"({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})");
    auto path = stepfn::json_path::parse("$.a[0]");
    if (!machine || !path) return 1;
    stepfn::empty_env env;
    auto value = path->evaluate(stepfn::json::parse(R"({"a": [7]})"), env);
    if (!value || *value != 7) return 1;
    std::printf("pkg-config consumer: %s\n", value->dump().c_str());
    return 0;
}
