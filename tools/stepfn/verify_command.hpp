#ifndef STEPFN_TOOLS_CLI_VERIFY_COMMAND_HPP
#define STEPFN_TOOLS_CLI_VERIFY_COMMAND_HPP

// The stepfn command: `stepfn history verify`, which checks an execution's history in an SQLite
// store against the digests a history signer stored beside it (docs/security.md). Part of
// cli.hpp, which includes it after store_commands.hpp.

#if defined(STEPFN_WITH_SQLITE) && defined(STEPFN_WITH_AUTH)
#include <stepfn/integrations/history_chain.hpp>
#endif

namespace stepfn::cli::detail {

inline constexpr std::string_view history_verify_usage =
    R"(Usage: stepfn history verify --store DB NAME_OR_ARN [--public-key FILE] [--require-signed]

Checks that the history of one execution of the store DB is the one that was signed: every
event's SHA-256 chain against the signed digests `stepfn serve --history-key` stored, the
digests' chain, and their Ed25519 signatures. Prints one line saying what was checked.

Events after the last digest are an unsigned tail, reported but accepted: the signer signs
only committed events, on its own thread, so a server stopped between a commit and its digest
leaves one (a running execution's tail is signed with its next checkpoint). Removing the
newest digests looks the same, so --require-signed refuses any unsigned event.

Options:
  --store DB          The SQLite store to read
  --public-key FILE   The host's Ed25519 public key (PEM); every digest must be signed with it.
                      Without it, the key recorded in the digests is used, which detects
                      edits but not a forger who re-signs with a key of their own
  --require-signed    Exit 1 unless every event is signed and, for an execution that ended,
                      the last digest is its final one
  -h, --help          Show this help

Exit status: 0 the history is intact; 1 it is not (the first changed, removed, inserted or
reordered event, or the digest that does not verify, is named on stderr), or events are
unsigned with --require-signed, or no such execution; 2 usage errors, or a store or key that
cannot be read.
)";

inline int history_verify_command(const std::vector<std::string>& args, std::FILE* in, std::FILE* out, std::FILE* err) {
    constexpr std::string_view hint = "stepfn history verify --help";
    auto parsed = parse_arguments(args, {{"--store", true}, {"--public-key", true}, {"--require-signed", false}});
    if (!parsed) return report(parsed.error(), hint, err);
    if (parsed->help) {
        write(out, history_verify_usage);
        return exit_ok;
    }
    const std::string* store_path = parsed->find("--store");
    if (store_path == nullptr) return report({"history verify needs --store DB", true}, hint, err);
    if (parsed->positional.size() != 1) return report({"history verify takes one execution NAME or ARN", true}, hint, err);
#if defined(STEPFN_WITH_SQLITE) && defined(STEPFN_WITH_AUTH)
    std::string pem;
    if (const std::string* key = parsed->find("--public-key")) {
        auto text = read_bounded(*key, in, 64 * 1024, "a public key");
        if (!text) return report(text.error(), hint, err);
        pem = std::move(*text);
    }
    auto store = open_store_for_reading(*store_path);
    if (!store) return report(store.error(), hint, err);
    std::string arn;
    if (const int found = resolve_execution(**store, parsed->positional[0], arn, err); found != exit_ok) return found;
    // The signed digests sit beside the execution, in the same store's resource records (SQLite
    // and PostgreSQL stores keep both).
    auto* digests = dynamic_cast<resource_store*>(store->get());
    if (digests == nullptr) return report({"the store " + in_quotes(*store_path) + " keeps no signed digests", false}, hint, err);
    auto checked = verify_history(**store, *digests, arn, pem);
    if (!checked) return report({checked.error().cause, false}, hint, err);
    if (!checked->intact) {
        write_line(err, "stepfn: the history of " + arn + " is not intact: " + checked->problem);
        return exit_failed;
    }
    std::string tail;
    if (checked->unsigned_events > 0)
        tail = "; events " + std::to_string(checked->signed_events + 1) + "-" + std::to_string(checked->events) +
               " are an unsigned tail (not signed yet, or their digests were removed)";
    auto row = (*store)->find_execution(arn);
    const bool ended = row && *row && (*row)->status != execution_status::running;
    const bool unsigned_end = ended && !checked->complete;
    if (unsigned_end && checked->unsigned_events == 0) tail = "; the execution ended but its last digest is not a final one";
    write_line(out, "intact: " + std::to_string(checked->events) + " events, " + std::to_string(checked->signed_events) +
                        " signed in " + std::to_string(checked->digests) + " digest(s)" + tail +
                        (pem.empty() ? "; the signer's key was not pinned (--public-key)" : ""));
    if (parsed->has("--require-signed") && (checked->unsigned_events > 0 || unsigned_end)) {
        write_line(err, "stepfn: the history of " + arn + " is not signed through its " + (ended ? "end" : "latest event") +
                            " (--require-signed)");
        return exit_failed;
    }
    return exit_ok;
#else
    (void)in;
    return report({"this stepfn was built without SQLite or OpenSSL 3 (stepfn::auth), so it cannot verify histories", false}, hint, err);
#endif
}

} // namespace stepfn::cli::detail

#endif
