// stepfn's JSONata differential test: every corpus case compiled and evaluated by stepfn and
// compared with what the reference implementation (npm jsonata 2.0.6, run by oracle.js)
// produced for it. Prints each disagreement and a closing "N passed, N failed"; exits non-zero
// when a case fails that tests/jsonata/known_differences.jsonl does not list.
//
// Usage: stepfn_jsonata_differential CORPUS_DIR DOCUMENTS_DIR EXPECTED.jsonl KNOWN.jsonl [--quiet]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <stepfn/expressions/jsonata.hpp>
#include <stepfn/json.hpp>
#include <stepfn/expressions/eval_env.hpp>

namespace {

namespace fs = std::filesystem;
using stepfn::json;

struct corpus_case {
    std::string id;
    std::string expr;
    std::optional<std::string> doc;
    json bindings = json::object();
};

struct known_difference {
    std::string reason;
    // "error": stepfn must refuse the expression (AWS does, the reference does not);
    // "undefined": stepfn must give no value. Empty: a disagreement that is tolerated.
    std::string expect;
};

// The variables of one case ($x is bindings["x"]); no context object; a fixed random source.
class bindings_env final : public stepfn::eval_env {
public:
    explicit bindings_env(const json& bindings) : bindings_(bindings) {}
    const json* context() const override { return nullptr; }
    const json* variable(std::string_view name) const override {
        const auto it = bindings_.find(std::string(name));
        return it == bindings_.end() ? nullptr : &*it;
    }
    std::uint64_t random() const override {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    const json& bindings_;
    mutable std::uint64_t state_ = 0;
};

std::optional<json> parse_line(const std::string& line, const std::string& where) {
    json value = json::parse(line, nullptr, false);
    if (value.is_discarded()) {
        std::cerr << where << ": not JSON\n";
        return std::nullopt;
    }
    return value;
}

std::vector<std::string> read_lines(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
    }
    return lines;
}

// Corpus files in name order, as oracle.js reads them.
std::vector<corpus_case> read_corpus(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<corpus_case> cases;
    for (const auto& file : files) {
        for (const auto& line : read_lines(file)) {
            const auto value = parse_line(line, file.string());
            if (!value || !value->is_object()) continue;
            corpus_case c;
            c.id = value->value("id", "");
            c.expr = value->value("expr", "");
            if (value->contains("doc") && (*value)["doc"].is_string()) c.doc = (*value)["doc"].get<std::string>();
            if (value->contains("bindings") && (*value)["bindings"].is_object()) c.bindings = (*value)["bindings"];
            cases.push_back(std::move(c));
        }
    }
    return cases;
}

// JSON values equal as the reference sees them: numbers by their double value, objects
// whatever the order of their members.
bool same_value(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!same_value(a[i], b[i])) return false;
        }
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (const auto& [key, value] : a.items()) {
            const auto it = b.find(key);
            if (it == b.end() || !same_value(value, *it)) return false;
        }
        return true;
    }
    return a == b;
}

std::string error_code(const std::string& cause) {
    const auto colon = cause.find(':');
    return colon == std::string::npos ? cause : cause.substr(0, colon);
}

std::string describe(const json& expected) {
    if (expected.contains("error")) return "error " + expected["error"].dump();
    if (expected.contains("undefined")) return "undefined";
    if (expected.contains("nonfinite")) return expected["nonfinite"].get<std::string>();
    return expected.value("result", json()).dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: " << argv[0] << " CORPUS_DIR DOCUMENTS_DIR EXPECTED.jsonl KNOWN.jsonl [--quiet]\n";
        return 2;
    }
    const bool quiet = argc > 5 && std::string(argv[5]) == "--quiet";
    const auto cases = read_corpus(argv[1]);

    std::map<std::string, json> documents;
    for (const auto& entry : fs::directory_iterator(argv[2])) {
        if (entry.path().extension() != ".json") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        documents[entry.path().stem().string()] = json::parse(text.str(), nullptr, false);
    }
    std::map<std::string, json> expected;
    for (const auto& line : read_lines(argv[3])) {
        if (auto value = parse_line(line, argv[3])) expected[value->value("id", "")] = *value;
    }
    std::map<std::string, known_difference> known;
    for (const auto& line : read_lines(argv[4])) {
        if (auto value = parse_line(line, argv[4])) {
            known[value->value("id", "")] = {value->value("reason", ""), value->value("expect", "")};
        }
    }
    if (expected.size() < cases.size()) {
        std::cerr << "expected.jsonl has " << expected.size() << " entries for " << cases.size() << " cases: run oracle.js again\n";
        return 2;
    }

    std::size_t passed = 0, failed = 0, failed_unlisted = 0;
    std::map<std::string, std::size_t> failures_by_group;
    for (const auto& c : cases) {
        const json& want = expected[c.id];
        const json* input = nullptr;
        if (c.doc) {
            const auto it = documents.find(*c.doc);
            if (it != documents.end()) input = &it->second;
        }
        // Both sides' outcome: a value, undefined, or an error code.
        std::optional<json> got;
        std::optional<std::string> got_error;
        auto compiled = stepfn::jsonata_expression::compile(c.expr);
        if (!compiled) {
            got_error = compiled.error().cause;
        } else {
            const bindings_env env(c.bindings);
            auto value = compiled->evaluate(input, env);
            if (!value) got_error = value.error().cause;
            else got = *value;
        }

        const auto listed = known.find(c.id);
        bool ok;
        const std::string expect = listed == known.end() ? std::string() : listed->second.expect;
        if (expect == "error") {
            ok = got_error.has_value();
        } else if (expect == "undefined") {
            ok = !got_error && !got;
        } else if (want.contains("error")) {
            const json& code = want["error"]["code"];
            // A reference failure without a JSONata code (a JavaScript TypeError or a stack
            // overflow) agrees with any stepfn error.
            ok = got_error && (!code.is_string() || error_code(*got_error) == code.get<std::string>());
        } else if (want.contains("undefined")) {
            ok = !got_error && !got;
        } else if (want.contains("nonfinite")) {
            const std::string kind = want["nonfinite"].get<std::string>();
            ok = !got_error && got && got->is_number();
            if (ok) {
                const double v = got->get<double>();
                ok = kind == "NaN" ? std::isnan(v) : (std::isinf(v) && (v < 0) == (kind[0] == '-'));
            }
        } else {
            ok = !got_error && got && same_value(want.value("result", json()), *got);
        }

        if (ok) {
            ++passed;
            if (listed != known.end() && expect.empty() && !quiet) {
                std::cout << "NOW AGREES " << c.id << " (listed as a known difference: " << listed->second.reason << ")\n";
            }
            continue;
        }
        ++failed;
        ++failures_by_group[c.id.substr(0, c.id.rfind('-'))];
        if (listed == known.end()) ++failed_unlisted;
        if (!quiet || listed == known.end()) {
            std::cout << (listed == known.end() ? "FAIL " : "KNOWN ") << c.id << ": " << c.expr << (c.doc ? "   [doc " + *c.doc + "]" : "")
                      << "\n  expected: " << (expect.empty() ? describe(want) : expect + " (" + describe(want) + " from the reference)")
                      << "\n  got:      "
                      << (got_error ? "error " + *got_error
                                    : got ? got->dump(-1, ' ', false, json::error_handler_t::replace) : std::string("undefined"))
                      << "\n";
            if (listed != known.end()) std::cout << "  known:    " << listed->second.reason << "\n";
        }
    }
    if (!failures_by_group.empty()) {
        std::cout << "failures by group:";
        for (const auto& [group, n] : failures_by_group) std::cout << " " << group << "=" << n;
        std::cout << "\n";
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed_unlisted == 0 ? 0 : 1;
}
