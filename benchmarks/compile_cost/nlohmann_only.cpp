// The yardstick for the compile-cost probe: a TU that includes only nlohmann/json and uses
// ordered_json a little (parse, build, dump), as any JSON-handling source file does.
#include <nlohmann/json.hpp>

#include <cstdio>

int main() {
    auto value = nlohmann::ordered_json::parse(R"({"StartAt":"Hello","States":{"Hello":{"Type":"Pass","End":true}}})");
    value["out"] = nlohmann::ordered_json::object();
    std::printf("%s\n", value.dump().c_str());
    return 0;
}
