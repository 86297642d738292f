// stepfn's loader as the other side of the comparison with AWS's validator: reads JSON lines
// {"id", "text"} on standard input and writes {"id", "valid", "errors"} per definition.
#include <iostream>
#include <string>

#include <stepfn/json.hpp>
#include <stepfn/load/loader.hpp>

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        const auto request = stepfn::json::parse(line, nullptr, false);
        if (request.is_discarded() || !request.contains("id") || !request.contains("text")) {
            std::cerr << "not a request: " << line.substr(0, 80) << "\n";
            return 2;
        }
        const std::string& text = request["text"].get_ref<const std::string&>();
        auto machine = stepfn::load_machine(text);
        stepfn::json errors = stepfn::json::array();
        if (!machine) {
            for (const auto& p : machine.error().problems) errors.push_back(p.pointer + ": " + p.message);
            if (errors.empty()) errors.push_back(machine.error().cause);
        }
        std::cout << stepfn::json{{"id", request["id"]}, {"valid", static_cast<bool>(machine)}, {"errors", errors}}.dump(
                         -1, ' ', false, stepfn::json::error_handler_t::replace)
                  << "\n";
    }
    return 0;
}
