#ifndef STEPFN_TOOLS_CLI_ARGUMENTS_HPP
#define STEPFN_TOOLS_CLI_ARGUMENTS_HPP

// The stepfn command: usage errors, output helpers and argument parsing.
// Part of cli.hpp, which includes it after the headers and constants every part uses.

namespace stepfn::cli::detail {

// A problem that ends the command before anything was judged: exit 2 with this message.
struct usage_error {
    std::string message;
    bool show_hint = false;  // usage mistakes point at --help; I/O problems do not
};

template <class T>
using outcome = tl::expected<T, usage_error>;

inline tl::unexpected<usage_error> fail_usage(std::string message) {
    return tl::make_unexpected(usage_error{std::move(message), true});
}
inline tl::unexpected<usage_error> fail_input(std::string message) {
    return tl::make_unexpected(usage_error{std::move(message), false});
}

inline void write(std::FILE* stream, std::string_view text) {
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stream);
}

inline void write_line(std::FILE* stream, std::string_view text) {
    write(stream, text);
    std::fputc('\n', stream);
}

// Text from the user (file names, state names in diagnostics) reaches the terminal with its
// control bytes escaped: a message stays one line and cannot drive the terminal.
inline std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            stepfn::detail::append_hex_byte(out, byte);
        } else {
            out += c;
        }
    }
    return out;
}

inline std::string in_quotes(std::string_view text) {
    return "'" + one_line(text) + "'";
}

inline std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- arguments ----

struct option_spec {
    std::string_view name;
    bool takes_value;
};

struct parsed_arguments {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options;  // name → value ("" for flags)
    bool help = false;

    const std::string* find(std::string_view name) const {
        for (const auto& [key, value] : options)
            if (key == name) return &value;
        return nullptr;
    }
    bool has(std::string_view name) const { return find(name) != nullptr; }

    // The one FILE every command reads: a usage error when there is none, or more than one.
    outcome<std::string> single_file(std::string_view command) const {
        if (positional.empty()) return fail_usage(std::string(command) + " needs a FILE (or - for standard input)");
        if (positional.size() > 1)
            return fail_usage(std::string(command) + " takes one FILE; unexpected " + in_quotes(positional[1]));
        return positional[0];
    }
};

inline outcome<parsed_arguments> parse_arguments(const std::vector<std::string>& args,
                                                 const std::vector<option_spec>& specs) {
    parsed_arguments parsed;
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
            parsed.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            parsed.help = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos && arg.compare(0, 2, "--") == 0) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const option_spec* spec = nullptr;
        for (const auto& candidate : specs)
            if (candidate.name == name) spec = &candidate;
        if (spec == nullptr) return fail_usage("unknown option " + in_quotes(name));
        if (parsed.has(name)) return fail_usage(name + " was given more than once");
        if (!spec->takes_value) {
            if (inline_value) return fail_usage(name + " takes no value");
            parsed.options.emplace_back(std::move(name), std::string());
            continue;
        }
        if (inline_value) {
            parsed.options.emplace_back(std::move(name), std::move(*inline_value));
        } else if (i + 1 < args.size()) {
            parsed.options.emplace_back(std::move(name), args[++i]);
        } else {
            return fail_usage(name + " needs a value");
        }
    }
    return parsed;
}

inline int report(const usage_error& problem, std::string_view help_hint, std::FILE* err) {
    write_line(err, "stepfn: " + one_line(problem.message));
    if (problem.show_hint) write_line(err, "Try '" + std::string(help_hint) + "' for more information.");
    return exit_usage;
}

} // namespace stepfn::cli::detail

#endif
