#ifndef STEPFN_LOAD_YAML_HPP
#define STEPFN_LOAD_YAML_HPP

// The optional YAML front end: the same ASL definitions written in YAML, loaded through the
// JSON loader (same rules, same messages), with every problem placed at its YAML line and
// column. Needs yaml-cpp: link stepfn::yaml (CMake option STEPFN_WITH_YAML). Never included by
// the umbrella header. Guide: docs/yaml.md.
//
//   auto machine = stepfn::load_yaml(text);
//   // on error: machine.error().cause is one line per problem,
//   //   line 7, column 5: /States/Charge/Next: no state named "Chrage" in this scope

#include <algorithm>
#include <cstddef>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stepfn/config.hpp>
#if !STEPFN_HAS_EXCEPTIONS
#error "stepfn's YAML front end needs exceptions: yaml-cpp reports every problem by throwing. Build without -fno-exceptions, or load JSON (<stepfn/load/loader.hpp>)."
#endif

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <stepfn/load/loader.hpp>
#include <stepfn/error.hpp>
#include <stepfn/json.hpp>
#include <stepfn/limits.hpp>
#include <stepfn/load/detail/yaml_convert.hpp>
#include <stepfn/model/state_machine.hpp>

namespace stepfn {

// YAML converted to JSON, and where each value was written.
class yaml_document {
public:
    yaml_document(json value, std::unordered_map<std::string, yaml_mark> marks)
        : value_(std::move(value)), marks_(std::move(marks)) {}

    const json& value() const& noexcept { return value_; }
    json value() && noexcept { return std::move(value_); }

    // Where the node at `pointer` was written: a mapping member at its key, a sequence item at
    // the item. A pointer to something not written (a missing field) gives its nearest
    // written ancestor.
    yaml_mark locate(std::string_view pointer) const {
        std::string at(pointer);
        for (;;) {
            if (auto found = marks_.find(at); found != marks_.end()) return found->second;
            if (at.empty()) return yaml_mark{1, 1};
            at.erase(at.rfind('/'));
        }
    }

    // "line 7, column 5: /States/Charge/Next: no state named ..." (`/` for the root).
    std::string describe(const diagnostic& problem) const {
        return detail::describe_mark(locate(problem.pointer)) + ": " +
               (problem.pointer.empty() ? std::string("/") : problem.pointer) + ": " + problem.message;
    }

    // A loader error in YAML terms: each problem keeps its pointer and gets its place in front
    // of its message; the cause lists them as describe() does.
    error locate_all(error loader_error) const {
        if (loader_error.problems.empty()) return loader_error;
        std::string cause;
        for (auto& p : loader_error.problems) {
            if (!cause.empty()) cause += '\n';
            cause += describe(p);
            p.message = detail::describe_mark(locate(p.pointer)) + ": " + p.message;
        }
        loader_error.cause = std::move(cause);
        return loader_error;
    }

private:
    json value_;
    std::unordered_map<std::string, yaml_mark> marks_;
};

namespace detail {
// Problems with the YAML itself, in the form the loader's problems get from locate_all.
inline tl::unexpected<error> yaml_invalid(std::vector<yaml_problem> found) {
    std::string cause;
    std::vector<diagnostic> problems;
    for (auto& p : found) {
        const std::string place = p.mark ? describe_mark(*p.mark) + ": " : std::string();
        if (!cause.empty()) cause += '\n';
        cause += place + (p.pointer.empty() ? std::string("/") : p.pointer) + ": " + p.message;
        problems.push_back(diagnostic{std::move(p.pointer), place + p.message});
    }
    return tl::make_unexpected(error{errors::invalid_definition, std::move(cause), std::move(problems)});
}
// Where each document starts, for telling one document from several without YAML::LoadAll.
class yaml_document_probe final : public YAML::EventHandler {
public:
    std::optional<YAML::Mark> start;
    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

inline bool same_place(const YAML::Mark& a, const YAML::Mark& b) { return a.pos == b.pos && a.line == b.line; }

// A problem when `text` holds no document or more than one; nullopt for exactly one. Reads at
// most three documents, and a document that starts where the previous one did means the
// parser is stuck (yaml-cpp 0.7 yields the same empty document forever on a stray `,`).
// Throws YAML::Exception on a syntax error, as YAML::Load would.
inline std::optional<yaml_problem> count_yaml_documents(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    yaml_document_probe first, second, third;
    if (!parser.HandleNextDocument(first)) return yaml_problem{"", std::nullopt, "the file holds no YAML document"};
    if (!parser.HandleNextDocument(second)) return std::nullopt;
    const YAML::Mark at = second.start.value_or(YAML::Mark::null_mark());
    const bool third_found = parser.HandleNextDocument(third);
    if ((first.start && second.start && same_place(*first.start, *second.start)) ||
        (third_found && second.start && third.start && same_place(*second.start, *third.start)))
        return yaml_problem{"", to_yaml_mark(at),
                            "the definition is not valid YAML: the parser makes no progress here "
                            "(a stray ',' outside brackets?)"};
    return yaml_problem{"", to_yaml_mark(at), "the file holds more than one YAML document; a definition is exactly one"};
}
} // namespace detail

// YAML text → JSON with its marks. Errors (States.InvalidDefinition): YAML syntax, more than one
// document, duplicate keys, non-scalar keys, unsupported tags, .inf/.nan, over the size or
// nesting limits.
inline result<yaml_document> parse_yaml(std::string_view text, const limits& bounds = {}) {
    if (text.size() > bounds.max_definition_bytes)
        return detail::yaml_invalid({{"", std::nullopt,
                                      "the definition is " + std::to_string(text.size()) +
                                          " bytes long, more than the limit of " +
                                          std::to_string(bounds.max_definition_bytes) + " bytes"}});
    // yaml-cpp reports with exceptions; none leaves this function.
    try {
        const std::string owned(text);
        if (auto many = detail::count_yaml_documents(owned)) return detail::yaml_invalid({std::move(*many)});
        // One document only: yaml-cpp 0.7's LoadAll never returns on some inputs (`,`).
        const YAML::Node root = YAML::Load(owned);
        // Well beyond the loader's own nesting limit, which then explains ordinary cases.
        const std::size_t max_depth = (std::max)(bounds.max_nesting_depth * 4, std::size_t{256});
        detail::yaml_converter converter(max_depth, bounds.max_nesting_depth, bounds.max_definition_bytes);
        json value = converter.convert(root, "", root.Mark(), 0);
        if (!converter.problems.empty()) return detail::yaml_invalid(std::move(converter.problems));
        return yaml_document(std::move(value), std::move(converter.marks));
    } catch (const YAML::Exception& e) {
        return detail::yaml_invalid({{"", detail::to_yaml_mark(e.mark), "the definition is not valid YAML: " + e.msg}});
    } catch (const std::exception& e) {
        return detail::yaml_invalid({{"", std::nullopt, std::string("the definition could not be read as YAML: ") + e.what()}});
    }
}

// Loads an ASL definition written in YAML: parse_yaml, then load_machine_json, with the
// loader's problems placed at their YAML line and column.
inline result<state_machine> load_yaml(std::string_view text, const load_options& options = {}) {
    auto document = parse_yaml(text, options.bounds);
    if (!document) return tl::make_unexpected(std::move(document.error()));
    auto machine = load_machine_json(document->value(), options);
    if (!machine) return tl::make_unexpected(document->locate_all(std::move(machine.error())));
    return machine;
}

} // namespace stepfn

#endif
