#ifndef STEPFN_TOOLS_CLI_VALIDATE_COMMAND_HPP
#define STEPFN_TOOLS_CLI_VALIDATE_COMMAND_HPP

// The stepfn command: `stepfn validate`.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

inline int validate_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn validate --help";
    auto parsed = parse_arguments(args, {});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, validate_usage);
        return exit_ok;
    }
    const auto file = parsed->single_file("validate");
    if (!file) return report(file.error(), hint, err);
    auto loaded = load_definition_named_by_path(*file, in);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_failed;
    }
    write_line(out, "valid");
    return exit_ok;
}

} // namespace stepfn::cli::detail

#endif
