#ifndef STEPFN_TOOLS_CLI_GRAPH_COMMAND_HPP
#define STEPFN_TOOLS_CLI_GRAPH_COMMAND_HPP

// The stepfn command: `stepfn graph`.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

inline int graph_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn graph --help";
    auto parsed = parse_arguments(args, {{"--format", true}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, graph_usage);
        return exit_ok;
    }
    const auto file = parsed->single_file("graph");
    if (!file) return report(file.error(), hint, err);
    const std::string format = parsed->find("--format") ? *parsed->find("--format") : std::string("dot");
    if (format != "dot" && format != "mermaid")
        return report({"--format must be dot or mermaid, not " + in_quotes(format), true}, hint, err);
    auto loaded = load_definition_named_by_path(*file, in);
    if (!loaded) return report(loaded.error(), hint, err);
    if (!loaded->machine) {
        print_problems(loaded->machine.error(), err, loaded->yaml);
        return exit_failed;
    }
    write(out, format == "dot" ? to_dot(*loaded->machine) : to_mermaid(*loaded->machine));
    return exit_ok;
}

} // namespace stepfn::cli::detail

#endif
