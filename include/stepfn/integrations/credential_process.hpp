#ifndef STEPFN_INTEGRATIONS_CREDENTIAL_PROCESS_HPP
#define STEPFN_INTEGRATIONS_CREDENTIAL_PROCESS_HPP

// A credentials provider that runs a command and reads the credentials it prints, in the AWS
// `credential_process` convention (target stepfn::process; POSIX):
//
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...", "SessionToken": "...",
//    "Expiration": "2026-12-05T12:00:00Z"}
//
// The role's ARN is passed in the environment as STEPFN_ROLE_ARN. The command runs without a
// shell, with a timeout, its output bounded; an error says how it failed and never repeats
// what it printed (which may hold a secret).

#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stepfn/detail/timestamp_impl.hpp>
#include <stepfn/json.hpp>
#include <stepfn/policies/credentials_provider.hpp>

extern char** environ;

namespace stepfn {

class credential_process_provider final : public credentials_provider {
public:
    explicit credential_process_provider(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::milliseconds(30000))
        : argv_(std::move(argv)), timeout_(timeout) {}

    result<credentials> fetch(const std::string& role_arn) override {
        if (argv_.empty()) return make_error("CredentialsUnavailable", "the credential process has no command");
        auto output = run(role_arn);
        if (!output) return tl::make_unexpected(std::move(output.error()));
        json doc = json::parse(*output, nullptr, false);
        auto text = [&](const char* key) {
            auto it = doc.is_object() ? doc.find(key) : doc.end();
            return doc.is_object() && it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        const auto version = doc.is_object() ? doc.find("Version") : doc.end();
        const bool version_one = doc.is_object() && version != doc.end() && version->is_number_integer() && *version == 1;
        if (!version_one || text("AccessKeyId").empty() || text("SecretAccessKey").empty())
            return make_error("CredentialsUnavailable", "the credential process " + argv_[0] +
                                                            " did not print {\"Version\": 1, \"AccessKeyId\", \"SecretAccessKey\", ...}");
        credentials c;
        c.access_key_id = text("AccessKeyId");
        c.secret_access_key = text("SecretAccessKey");
        c.session_token = text("SessionToken");
        if (const std::string expiration = text("Expiration"); !expiration.empty()) {
            auto at = detail::parse_rfc3339(expiration);
            if (!at) return make_error("CredentialsUnavailable", "the credential process " + argv_[0] + " printed an Expiration that is not RFC 3339");
            c.expires = detail::to_time_point(*at);
        }
        return c;
    }

private:
    result<std::string> run(const std::string& role_arn) const {
        int out[2];
        if (pipe2(out, O_CLOEXEC) != 0) return make_error("CredentialsUnavailable", "cannot create a pipe for the credential process");
        std::vector<std::string> env_text;
        for (char** e = environ; e && *e; ++e)
            if (std::strncmp(*e, "STEPFN_ROLE_ARN=", 16) != 0) env_text.emplace_back(*e);
        env_text.push_back("STEPFN_ROLE_ARN=" + role_arn);
        std::vector<char*> envp, argv;
        for (auto& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::vector<std::string> args = argv_;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        pid_t pid = -1;
        const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        if (spawned != 0) {
            close(out[0]);
            return make_error("CredentialsUnavailable", "cannot run the credential process " + argv_[0]);
        }
        std::string output;
        const auto deadline = std::chrono::steady_clock::now() + timeout_;
        bool timed_out = false;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0) {
                timed_out = true;
                break;
            }
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left < 1000 ? left : 1000)) <= 0) continue;
            char buf[4096];
            const ssize_t n = read(out[0], buf, sizeof buf);
            if (n <= 0) break;
            output.append(buf, static_cast<std::size_t>(n));
            if (output.size() > 64 * 1024) {
                timed_out = true;  // treated as a failure: kill it
                break;
            }
        }
        close(out[0]);
        if (timed_out) kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (timed_out) return make_error("CredentialsUnavailable", "the credential process " + argv_[0] + " took too long or printed too much");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return make_error("CredentialsUnavailable", "the credential process " + argv_[0] + " failed (exit status " +
                                                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
        return output;
    }

    std::vector<std::string> argv_;
    std::chrono::milliseconds timeout_;
};

} // namespace stepfn

#endif
