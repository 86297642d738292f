#ifndef STEPFN_TESTS_CLI_RUNNER_HPP
#define STEPFN_TESTS_CLI_RUNNER_HPP

// Runs the `stepfn` command in-process, and scratch directories for its files: shared by the
// command's tests (cli, graph, yaml).

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "tools/stepfn/cli.hpp"

namespace stepfn_test {

struct cli_result {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string read_stream(std::FILE* f) {
    std::string text;
    std::rewind(f);
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, got);
    return text;
}

// Runs `stepfn <args>` with `stdin_text` as its standard input.
inline cli_result run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    std::vector<const char*> argv{"stepfn"};
    for (const auto& a : args) argv.push_back(a.c_str());
    std::FILE* in = std::tmpfile();
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    REQUIRE(in != nullptr);
    REQUIRE(out != nullptr);
    REQUIRE(err != nullptr);
    if (!stdin_text.empty()) std::fwrite(stdin_text.data(), 1, stdin_text.size(), in);
    std::rewind(in);
    cli_result r;
    r.code = stepfn::cli::stepfn_cli(static_cast<int>(argv.size()), argv.data(), in, out, err);
    r.out = read_stream(out);
    r.err = read_stream(err);
    std::fclose(in);
    std::fclose(out);
    std::fclose(err);
    return r;
}

// A scratch directory removed at the end of the test.
class temp_dir {
public:
    temp_dir() {
        static std::atomic<unsigned> counter{0};
        std::random_device seed;
        path_ = std::filesystem::temp_directory_path() /
                ("stepfn-test-" + std::to_string(seed()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string write(const std::string& name, const std::string& content) const {
        const std::filesystem::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }
    std::string dir() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

} // namespace stepfn_test

#endif
