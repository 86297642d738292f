#include "catch.hpp"

#include "cli_helpers.hpp"

namespace cli_test {



TEST_CASE("help and version", "[cli]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
        auto r = run_cli(args);
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn COMMAND"));
        CHECK_THAT(r.out, Catch::Matchers::Contains("validate FILE"));
        CHECK_THAT(r.out, Catch::Matchers::Contains("Exit status"));
        CHECK(r.err.empty());
    }
    SECTION("per command") {
        for (const auto& args : std::vector<std::vector<std::string>>{{"run", "--help"}, {"help", "run"}, {"run", "x.json", "-h"}}) {
            auto r = run_cli(args);
            CHECK(r.code == 0);
            CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn run FILE"));
            for (const char* option : {"--input", "--input-file", "--history", "--virtual-time", "--mock-config",
                                       "--test-case", "--state-machine", "--name"})
                CHECK_THAT(r.out, Catch::Matchers::Contains(option));
        }
        auto r = run_cli({"validate", "--help"});
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Matchers::Contains("Usage: stepfn validate FILE"));
    }
    SECTION("version") {
        const std::string expected = "stepfn " + std::to_string(stepfn::version.major) + "." +
                                     std::to_string(stepfn::version.minor) + "." +
                                     std::to_string(stepfn::version.patch) + "\n";
        CHECK(run_cli({"--version"}).out == expected);
        CHECK(run_cli({"version"}).out == expected);
        CHECK(run_cli({"--version"}).code == 0);
    }
}

TEST_CASE("usage errors exit 2 with a message and a hint", "[cli]") {
    struct usage_case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<usage_case> cases = {
        {{}, "no command given"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"--frob"}, "unknown option '--frob'"},
        {{"help", "frob"}, "unknown command 'frob'"},
        {{"--version", "extra"}, "takes no arguments"},
        {{"validate"}, "validate needs a FILE"},
        {{"validate", "-", "-"}, "only one FILE can be standard input"},
        {{"validate", "--input", "{}", "a.json"}, "unknown option '--input'"},
        {{"run"}, "run needs a FILE"},
        {{"run", "a.json", "--input"}, "--input needs a value"},
        {{"run", "a.json", "--input", "{}", "--input-file", "i.json"}, "not both"},
        {{"run", "a.json", "--input", "{}", "--input", "{}"}, "--input was given more than once"},
        {{"run", "a.json", "--mock-config", "m.json"}, "--mock-config needs --test-case"},
        {{"run", "a.json", "--test-case", "T"}, "--test-case needs --mock-config"},
        {{"run", "a.json", "--virtual-time=yes"}, "--virtual-time takes no value"},
        {{"run", "a.json", "--bogus"}, "unknown option '--bogus'"},
        {{"run", "-", "--input-file", "-"}, "standard input"},
        {{"run", "a.json", "--input-file", "-", "--mock-config", "-", "--test-case", "T"}, "standard input"},
        {{"run", "a.json", "--history", ""}, "--history needs a file name"},
        {{"run", "a.json", "--input-file", ""}, "--input-file needs a file name"},
        {{"run", "a.json", "--mock-config", "m.json", "--test-case", ""}, "--test-case cannot be empty"},
        {{"run", "a.json", "--state-machine", ""}, "--state-machine cannot be empty"},
        {{"run", "a.json", "b.json"}, "unexpected 'b.json'"},
        {{"run", std::string("a\x01\x1b.json"), "b"}, "unexpected 'b'"},
    };
    for (const auto& c : cases) {
        INFO("args: " << c.args.size() << (c.args.empty() ? std::string() : " first " + c.args[0]));
        auto r = run_cli(c.args);
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("stepfn: ", 0) == 0);
        CHECK_THAT(r.err, Catch::Matchers::Contains(c.message));
        CHECK_THAT(r.err, Catch::Matchers::Contains("--help' for more information"));
    }
}

TEST_CASE("control characters in names are escaped in messages", "[cli]") {
    auto r = run_cli({"\x1b[31mred"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Matchers::Contains("unknown command '\\x1b[31mred'"));
    CHECK(r.err.find('\x1b') == std::string::npos);
}

TEST_CASE("validate takes several files: each line names its file, the exit code is the worst", "[cli]") {
    temp_dir dir;
    const std::string good = dir.write("good.asl.json", hello_definition);
    const std::string bad = dir.write("bad.asl.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}})");
    auto r = run_cli({"validate", good, bad});
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Matchers::Contains(good + ": valid"));
    CHECK_THAT(r.err, Catch::Matchers::Contains(bad + ": /States/A/Next:"));
    auto both = run_cli({"validate", good, "-"}, hello_definition);
    CHECK(both.code == 0);
    CHECK_THAT(both.out, Catch::Matchers::Contains("standard input: valid"));
    auto missing = run_cli({"validate", good, dir.path("missing.json"), bad});
    CHECK(missing.code == 2);  // unreadable beats invalid
    CHECK_THAT(missing.out, Catch::Matchers::Contains(good + ": valid"));
    CHECK_THAT(missing.err, Catch::Matchers::Contains("missing.json"));
    CHECK_THAT(missing.err, Catch::Matchers::Contains(bad + ": /States/A/Next:"));
}

TEST_CASE("validate accepts a valid definition", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("hello.asl.json", hello_definition);
    SECTION("from a file") {
        auto r = run_cli({"validate", file});
        CHECK(r.code == 0);
        CHECK(r.out == "valid\n");
        CHECK(r.err.empty());
    }
    SECTION("from standard input") {
        auto r = run_cli({"validate", "-"}, hello_definition);
        CHECK(r.code == 0);
        CHECK(r.out == "valid\n");
    }
    SECTION("after --") {
        auto r = run_cli({"validate", "--", file});
        CHECK(r.code == 0);
    }
    SECTION("with a UTF-8 byte order mark") {
        auto r = run_cli({"validate", dir.write("bom.json", "\xEF\xBB\xBF" + hello_definition)});
        CHECK(r.code == 0);
    }
}

TEST_CASE("validate lists every problem with its JSON Pointer and exits 1", "[cli]") {
    temp_dir dir;
    const std::string file = dir.write("bad.asl.json", R"({
      "StartAt": "A",
      "States": {
        "A": { "Type": "Pass", "Next": "Nowhere" },
        "B": { "Type": "Pass", "Bogus": 1, "End": true }
      }
    })");
    auto r = run_cli({"validate", file});
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Matchers::Contains("/States/A/Next: "));
    CHECK_THAT(r.err, Catch::Matchers::Contains("Nowhere"));
    CHECK_THAT(r.err, Catch::Matchers::Contains("/States/B"));
    // One problem per line, each "<pointer>: <message>".
    std::istringstream lines(r.err);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        CHECK(line.rfind('/', 0) == 0);
        CHECK(line.find(": ") != std::string::npos);
    }
    CHECK(count >= 2);

    SECTION("a problem stays on one line even when a name holds a newline") {
        auto multi = run_cli({"validate", dir.write("newline.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B\nC\u001b"}}})")});
        CHECK(multi.code == 1);
        CHECK(multi.err.find('\x1b') == std::string::npos);
        std::istringstream problems(multi.err);
        for (std::string problem; std::getline(problems, problem);) CHECK(problem.rfind('/', 0) == 0);
    }
    SECTION("the root is written /") {
        auto root = run_cli({"validate", dir.write("empty.json", "{}")});
        CHECK(root.code == 1);
        CHECK(root.err.rfind("/: ", 0) == 0);
    }
    SECTION("JSON that is not an object") {
        auto array = run_cli({"validate", dir.write("array.json", "[1, 2, 3]")});
        CHECK(array.code == 1);
        CHECK(array.err.rfind("/: ", 0) == 0);
    }
}

TEST_CASE("validate refuses what it cannot read with exit 2", "[cli]") {
    temp_dir dir;
    SECTION("a missing file") {
        auto r = run_cli({"validate", dir.path("missing.json")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("cannot open"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("missing.json"));
        // Not a usage mistake: no pointer to --help.
        CHECK_THAT(r.err, !Catch::Matchers::Contains("--help"));
    }
    SECTION("a directory") {
        auto r = run_cli({"validate", dir.dir()});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is a directory"));
    }
    SECTION("text that is not JSON says where") {
        auto r = run_cli({"validate", dir.write("x.json", "{\n  \"StartAt\": \"A\",\n  oops\n}")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
        CHECK_THAT(r.err, Catch::Matchers::Contains("line 3"));
    }
    SECTION("an empty file") {
        auto r = run_cli({"validate", dir.write("empty.json", "")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("empty standard input") {
        auto r = run_cli({"validate", "-"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("standard input is not JSON"));
    }
    SECTION("binary garbage") {
        std::string garbage;
        std::mt19937 random(7);
        for (int i = 0; i < 100000; ++i) garbage += static_cast<char>(random() & 0xff);
        auto r = run_cli({"validate", dir.write("garbage.bin", garbage)});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("JSON followed by more text") {
        auto r = run_cli({"validate", dir.write("two.json", hello_definition + " {}")});
        CHECK(r.code == 2);
    }
    SECTION("invalid UTF-8 in a string") {
        auto r = run_cli({"validate", dir.write("utf8.json", "{\"StartAt\": \"\xff\xfe\"}")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
}

TEST_CASE("validate bounds the size and nesting of a definition", "[cli]") {
    temp_dir dir;
    const std::size_t limit = stepfn::limits{}.max_definition_bytes;
    SECTION("a 50 MB file is refused by its size, without reading it") {
        const std::string file = dir.path("huge.json");
        { std::ofstream(file) << "{"; }
        fs::resize_file(file, std::uintmax_t{50} * 1024 * 1024);  // sparse: no 50 MB write
        const auto started = std::chrono::steady_clock::now();
        auto r = run_cli({"validate", file});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("too large"));
        CHECK_THAT(r.err, Catch::Matchers::Contains(std::to_string(limit)));
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    }
    SECTION("exactly at the limit is read; one byte over is not") {
        std::string at_limit = hello_definition;
        at_limit.resize(limit, ' ');
        CHECK(run_cli({"validate", dir.write("at.json", at_limit)}).code == 0);
        auto r = run_cli({"validate", dir.write("over.json", at_limit + " ")});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("too large"));
    }
    SECTION("standard input over the limit") {
        std::string big = hello_definition;
        big.resize(limit + 100, ' ');
        auto r = run_cli({"validate", "-"}, big);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("standard input is too large"));
    }
    SECTION("a million unclosed [ is not JSON, and does not crash") {
        auto r = run_cli({"validate", dir.write("open.json", std::string(1000000, '['))});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Matchers::Contains("is not JSON"));
    }
    SECTION("deep but well-formed nesting is an invalid definition") {
        const std::size_t depth = 500000;
        auto r = run_cli({"validate", dir.write("deep.json", std::string(depth, '[') + std::string(depth, ']'))});
        CHECK(r.code == 1);
        CHECK_THAT(r.err, Catch::Matchers::Contains("nested"));
    }
    SECTION("deep nesting inside a real definition") {
        std::string deep = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":)";
        deep += std::string(100000, '[') + std::string(100000, ']') + R"(,"End":true}}})";
        auto r = run_cli({"validate", dir.write("deep-result.json", deep)});
        CHECK(r.code == 1);
        CHECK_THAT(r.err, Catch::Matchers::Contains("nested"));
    }
    SECTION("nesting past the loader's limit, under the pre-check's, is the loader's to report") {
        std::string deep = R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":)";
        deep += std::string(100, '[') + std::string(100, ']') + R"(,"End":true}}})";
        auto r = run_cli({"validate", dir.write("deep-100.json", deep)});
        CHECK(r.code == 1);
        CHECK_FALSE(r.err.empty());
    }
}
} // namespace cli_test
