#ifndef STEPFN_TOOLS_CLI_VALIDATE_COMMAND_HPP
#define STEPFN_TOOLS_CLI_VALIDATE_COMMAND_HPP

// The stepfn command: `stepfn validate`.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

#include <stepfn/policies/role_check.hpp>

namespace stepfn::cli::detail {

// The "roles" of an auth configuration (docs/security.md): only those, so that validate needs
// no OpenSSL (the keys and providers of the file are serve's business).
inline outcome<role_policies> load_roles(const std::string& path, std::FILE* in) {
    auto text = read_bounded(path, in, max_mock_file_bytes, "an auth configuration");
    if (!text) return tl::make_unexpected(std::move(text.error()));
    json file = json::parse(*text, nullptr, false);
    if (file.is_discarded() || !file.is_object()) return tl::make_unexpected(usage_error{"the auth configuration " + in_quotes(path) + " is not a JSON object", false});
    role_policies out;
    auto roles = file.find("roles");
    if (roles == file.end()) return out;
    if (!roles->is_object()) return tl::make_unexpected(usage_error{in_quotes(path) + ": roles must be an object of role ARN to IAM policy", false});
    for (auto it = roles->begin(); it != roles->end(); ++it) {
        auto policy = iam_policy::parse(it.value());
        if (!policy) return tl::make_unexpected(usage_error{in_quotes(path) + ": roles[\"" + it.key() + "\"]: " + policy.error().cause, false});
        out.emplace(it.key(), std::move(*policy));
    }
    return out;
}

// One definition: exit_ok, exit_failed (invalid, or Tasks its role cannot call) or a usage
// error's code. `prefix` names the file when several are validated.
inline int validate_one(const std::string& file, const std::string& prefix, const std::optional<role_policies>& roles,
                        const parsed_arguments& parsed, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn validate --help";
    auto loaded = load_definition_named_by_path(file, in);
    if (!loaded) {
        if (prefix.empty()) return report(loaded.error(), hint, err);
        write_line(err, "stepfn: " + loaded.error().message);
        return exit_usage;
    }
    if (!loaded->machine) {
        print_problems(loaded->machine.error(), err, loaded->yaml, prefix);
        return exit_failed;
    }
    if (roles) {
        // The Task states the role cannot call, as serve's CreateStateMachine reports them.
        const std::string* region = parsed.find("--region");
        const std::string* account = parsed.find("--account");
        const std::string r = region ? *region : std::string("us-east-1");
        const std::string a = account ? *account : std::string("123456789012");
        const auto findings = role_findings(loaded->machine->source(), *roles, *parsed.find("--role"), r, a,
                                            "arn:aws:states:" + r + ":" + a + ":stateMachine:" + loaded->machine->name());
        for (const auto& d : findings) write_line(err, prefix + one_line(d.pointer) + ": " + one_line(d.message));
        if (!findings.empty()) return exit_failed;
    }
    write_line(out, prefix + "valid");
    return exit_ok;
}

inline int validate_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn validate --help";
    auto parsed = parse_arguments(args, {{"--auth", true}, {"--role", true}, {"--region", true}, {"--account", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, validate_usage);
        return exit_ok;
    }
    if (parsed->positional.empty()) return report({"validate needs a FILE (or - for standard input)", true}, hint, err);
    std::size_t from_stdin = 0;
    for (const auto& file : parsed->positional) from_stdin += file == "-" ? 1 : 0;
    if (from_stdin > 1) return report({"only one FILE can be standard input", true}, hint, err);
    const std::string* auth = parsed->find("--auth");
    const std::string* role = parsed->find("--role");
    if ((auth == nullptr) != (role == nullptr)) return report({"--auth and --role go together", true}, hint, err);
    std::optional<role_policies> roles;
    if (auth) {
        auto read = load_roles(*auth, in);
        if (!read) return report(read.error(), hint, err);
        roles = std::move(*read);
    }
    if (parsed->positional.size() == 1) return validate_one(parsed->positional[0], {}, roles, *parsed, in, out, err);
    // Several files: each line names its file; the exit code is the worst (2 unreadable, 1 invalid).
    int worst = exit_ok;
    for (const auto& file : parsed->positional) {
        const int status = validate_one(file, one_line(file == "-" ? std::string("standard input") : file) + ": ", roles,
                                        *parsed, in, out, err);
        worst = std::max(worst, status);
    }
    return worst;
}

} // namespace stepfn::cli::detail

#endif
