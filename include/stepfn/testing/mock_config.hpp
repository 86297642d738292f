#ifndef STEPFN_TESTING_MOCK_CONFIG_HPP
#define STEPFN_TESTING_MOCK_CONFIG_HPP

// The AWS Step Functions Local mock configuration file (MockConfigFile.json), read unchanged:
//
//   { "StateMachines":   { "<machine>": { "TestCases": { "<case>": { "<state>": "<response>" } } } },
//     "MockedResponses": { "<response>": { "0":   { "Return": <any JSON> },
//                                           "1-2": { "Throw": { "Error": "...", "Cause": "..." } } } } }
//
// Keys of a mocked response are 0-based invocation numbers of the state within one execution,
// "n" or the inclusive range "a-b".

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/json.hpp>

namespace stepfn::testing {

// One response name's entries, sorted by invocation number and never overlapping.
struct mocked_response {
    struct entry {
        std::uint64_t first = 0;  // inclusive
        std::uint64_t last = 0;   // inclusive
        bool throws = false;
        json value;               // Return
        std::string error;        // Throw.Error
        std::string cause;        // Throw.Cause (optional: empty when absent)
    };

    std::string name;
    std::vector<entry> entries;

    // The entry covering a 0-based invocation number, or nullptr.
    const entry* find(std::uint64_t invocation) const {
        auto after = std::upper_bound(entries.begin(), entries.end(), invocation,
                                      [](std::uint64_t n, const entry& e) { return n < e.first; });
        if (after == entries.begin()) return nullptr;
        const entry& candidate = *std::prev(after);
        return invocation <= candidate.last ? &candidate : nullptr;
    }
};

// One test case of one state machine: which mocked response each Task state uses. Holds its
// responses by shared pointer, so it stays valid on its own after the configuration is gone.
struct test_case {
    std::string machine;
    std::string name;
    std::map<std::string, std::shared_ptr<const mocked_response>, std::less<>> states;

    const mocked_response* find(std::string_view state_name) const {
        auto found = states.find(state_name);
        return found == states.end() ? nullptr : found->second.get();
    }
};

namespace detail {

// JSON Pointer reference token escaping (RFC 6901).
inline std::string pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

inline std::string pointer_join(const std::string& base, std::string_view key) {
    return base + '/' + pointer_token(key);
}

inline std::string quote_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ", ";
        out += '"' + n + '"';
    }
    return out.empty() ? std::string("none") : out;
}

inline const char* type_name_of(const json& value) {
    return value.type_name();
}

// A non-negative decimal integer without sign, spaces or overflow.
inline bool parse_invocation_number(std::string_view text, std::uint64_t& out) {
    if (text.empty() || text.size() > 19) return false;  // 19 digits always fit in 64 bits
    std::uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = n;
    return true;
}

// Records a parse error without exceptions, to say where a file stops being JSON.
class syntax_error_finder final : public nlohmann::json_sax<json> {
public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
        message = ex.what();
        return false;
    }
    std::string message;
};

} // namespace detail

class mock_config {
public:
    // Validates the whole document and reports every problem with its JSON Pointer
    // (States.InvalidDefinition with `problems`).
    static result<mock_config> parse(const json& document) {
        mock_config config;
        std::vector<diagnostic> problems;
        if (!document.is_object()) {
            problems.push_back({"", std::string("a mock configuration must be a JSON object, not ") +
                                        detail::type_name_of(document)});
            return make_invalid(std::move(problems));
        }
        for (auto it = document.begin(); it != document.end(); ++it) {
            if (it.key() != "StateMachines" && it.key() != "MockedResponses")
                problems.push_back({detail::pointer_join("", it.key()),
                                    "unknown field; a mock configuration has StateMachines and MockedResponses"});
        }
        config.parse_responses(document, problems);
        config.parse_machines(document, problems);
        if (!problems.empty()) return make_invalid(std::move(problems));
        return config;
    }

    static result<mock_config> parse_text(std::string_view text) {
        json document = json::parse(text.begin(), text.end(), nullptr, false);
        if (document.is_discarded()) {
            detail::syntax_error_finder finder;
            json::sax_parse(text.begin(), text.end(), &finder);
            std::string message = finder.message.empty() ? std::string("invalid JSON") : finder.message;
            return make_invalid({{"", "the mock configuration is not valid JSON: " + message}});
        }
        return parse(document);
    }

    static result<mock_config> load_file(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) return make_error(errors::invalid_definition, "cannot open the mock configuration file \"" + path + "\"");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad()) return make_error(errors::invalid_definition, "cannot read the mock configuration file \"" + path + "\"");
        auto parsed = parse_text(text);
        if (!parsed) {
            error e = std::move(parsed.error());
            e.cause = "mock configuration file \"" + path + "\": " + e.cause;
            return tl::make_unexpected(std::move(e));
        }
        return parsed;
    }

    std::vector<std::string> machine_names() const {
        std::vector<std::string> names;
        names.reserve(machines_.size());
        for (const auto& m : machines_) names.push_back(m.first);
        return names;
    }

    // Empty when the machine is unknown.
    std::vector<std::string> test_case_names(std::string_view machine) const {
        std::vector<std::string> names;
        auto found = machines_.find(machine);
        if (found == machines_.end()) return names;
        for (const auto& c : found->second) names.push_back(c.first);
        return names;
    }

    const test_case* find_case(std::string_view machine, std::string_view case_name) const {
        auto found = machines_.find(machine);
        if (found == machines_.end()) return nullptr;
        auto c = found->second.find(case_name);
        return c == found->second.end() ? nullptr : &c->second;
    }

    const mocked_response* find_response(std::string_view name) const {
        auto found = responses_.find(name);
        return found == responses_.end() ? nullptr : found->second.get();
    }

    // Like find_case, but an empty machine name means "the only one in the file", and a miss
    // is an error that lists what is available.
    result<const test_case*> select(std::string_view machine, std::string_view case_name) const {
        std::string machine_name(machine);
        if (machine_name.empty()) {
            if (machines_.size() != 1)
                return make_error(errors::invalid_definition,
                                  "the mock configuration defines " + std::to_string(machines_.size()) +
                                      " state machines; name one of: " + detail::quote_names(machine_names()));
            machine_name = machines_.begin()->first;
        }
        auto found = machines_.find(machine_name);
        if (found == machines_.end())
            return make_error(errors::invalid_definition, "the mock configuration has no state machine \"" + machine_name +
                                                              "\"; available: " + detail::quote_names(machine_names()));
        auto c = found->second.find(case_name);
        if (c == found->second.end())
            return make_error(errors::invalid_definition,
                              "state machine \"" + machine_name + "\" has no test case \"" + std::string(case_name) +
                                  "\" in the mock configuration; available: " +
                                  detail::quote_names(test_case_names(machine_name)));
        return &c->second;
    }

private:
    using response_map = std::map<std::string, std::shared_ptr<const mocked_response>, std::less<>>;
    using case_map = std::map<std::string, test_case, std::less<>>;

    void parse_responses(const json& document, std::vector<diagnostic>& problems) {
        auto section = document.find("MockedResponses");
        if (section == document.end()) {
            problems.push_back({"/MockedResponses", "required field is missing"});
            return;
        }
        if (!section->is_object()) {
            problems.push_back({"/MockedResponses", std::string("must be an object of mocked responses, not ") +
                                                        detail::type_name_of(*section)});
            return;
        }
        for (auto it = section->begin(); it != section->end(); ++it) {
            const std::string where = detail::pointer_join("/MockedResponses", it.key());
            auto response = parse_response(it.key(), it.value(), where, problems);
            if (response) responses_.emplace(it.key(), std::move(response));
        }
    }

    static std::shared_ptr<const mocked_response> parse_response(const std::string& name, const json& body,
                                                                  const std::string& where,
                                                                  std::vector<diagnostic>& problems) {
        if (!body.is_object()) {
            problems.push_back({where, std::string("a mocked response must be an object of invocation numbers, not ") +
                                           detail::type_name_of(body)});
            return nullptr;
        }
        if (body.empty()) {
            problems.push_back({where, "a mocked response needs at least one invocation entry"});
            return nullptr;
        }
        auto response = std::make_shared<mocked_response>();
        response->name = name;
        bool ok = true;
        std::vector<std::string> entry_pointers;  // parallel to entries, for overlap reports
        std::vector<std::size_t> order;           // entries whose range parsed
        for (auto it = body.begin(); it != body.end(); ++it) {
            const std::string entry_where = detail::pointer_join(where, it.key());
            mocked_response::entry entry;
            if (parse_range(it.key(), entry, entry_where, problems))
                order.push_back(response->entries.size());
            else
                ok = false;
            if (!parse_outcome(it.value(), entry, entry_where, problems)) ok = false;
            response->entries.push_back(std::move(entry));
            entry_pointers.push_back(entry_where);
        }

        // Overlaps are checked even when other entries are broken, so one pass shows them all.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return response->entries[a].first < response->entries[b].first;
        });
        std::size_t reach = order.empty() ? 0 : order[0];  // the entry that ends last so far
        for (std::size_t i = 1; i < order.size(); ++i) {
            const auto& before = response->entries[reach];
            const auto& current = response->entries[order[i]];
            if (current.first <= before.last) {
                problems.push_back({entry_pointers[order[i]], "invocations overlap with \"" +
                                                                  range_text(before) + "\" of the same response"});
                ok = false;
            }
            if (current.last > before.last) reach = order[i];
        }
        if (!ok) return nullptr;
        std::vector<mocked_response::entry> sorted;
        sorted.reserve(order.size());
        for (std::size_t i : order) sorted.push_back(std::move(response->entries[i]));
        response->entries = std::move(sorted);
        return response;
    }

    static std::string range_text(const mocked_response::entry& e) {
        return e.first == e.last ? std::to_string(e.first) : std::to_string(e.first) + "-" + std::to_string(e.last);
    }

    static bool parse_range(std::string_view key, mocked_response::entry& entry, const std::string& where,
                            std::vector<diagnostic>& problems) {
        auto dash = key.find('-');
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        bool valid = dash == std::string_view::npos
                         ? detail::parse_invocation_number(key, first) && ((last = first), true)
                         : detail::parse_invocation_number(key.substr(0, dash), first) &&
                               detail::parse_invocation_number(key.substr(dash + 1), last);
        if (!valid) {
            problems.push_back({where, "\"" + std::string(key) +
                                           "\" is not an invocation number (\"n\") or an inclusive range (\"a-b\") of "
                                           "non-negative integers"});
            return false;
        }
        if (first > last) {
            problems.push_back({where, "the range \"" + std::string(key) + "\" starts after it ends"});
            return false;
        }
        entry.first = first;
        entry.last = last;
        return true;
    }

    static bool parse_outcome(const json& body, mocked_response::entry& entry, const std::string& where,
                              std::vector<diagnostic>& problems) {
        if (!body.is_object()) {
            problems.push_back({where, std::string("an invocation entry must be an object with Return or Throw, not ") +
                                           detail::type_name_of(body)});
            return false;
        }
        bool ok = true;
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (it.key() != "Return" && it.key() != "Throw") {
                problems.push_back({detail::pointer_join(where, it.key()),
                                    "unknown field; an invocation entry has exactly one of Return or Throw"});
                ok = false;
            }
        }
        auto returns = body.find("Return");
        auto throws = body.find("Throw");
        if (returns != body.end() && throws != body.end()) {
            problems.push_back({where, "an invocation entry has exactly one of Return or Throw, not both"});
            return false;
        }
        if (returns == body.end() && throws == body.end()) {
            problems.push_back({where, "an invocation entry needs Return or Throw"});
            return false;
        }
        if (returns != body.end()) {
            entry.value = *returns;
            return ok;
        }
        const std::string throw_where = where + "/Throw";
        entry.throws = true;
        if (!throws->is_object()) {
            problems.push_back({throw_where, std::string("Throw must be an object with Error and Cause, not ") +
                                                 detail::type_name_of(*throws)});
            return false;
        }
        for (auto it = throws->begin(); it != throws->end(); ++it) {
            if (it.key() != "Error" && it.key() != "Cause") {
                problems.push_back({detail::pointer_join(throw_where, it.key()),
                                    "unknown field; Throw has Error and Cause"});
                ok = false;
            }
        }
        for (const char* field : {"Error", "Cause"}) {
            auto value = throws->find(field);
            const std::string field_where = throw_where + "/" + field;
            // Step Functions Local accepts a Throw without Cause: the error then has none.
            if (value == throws->end()) {
                if (field[0] == 'C') continue;
                problems.push_back({field_where, "required field is missing"});
                ok = false;
            } else if (!value->is_string()) {
                problems.push_back({field_where, std::string("must be a string, not ") + detail::type_name_of(*value)});
                ok = false;
            } else {
                (field[0] == 'E' ? entry.error : entry.cause) = value->get_ref<const std::string&>();
            }
        }
        return ok;
    }

    void parse_machines(const json& document, std::vector<diagnostic>& problems) {
        auto section = document.find("StateMachines");
        if (section == document.end()) {
            problems.push_back({"/StateMachines", "required field is missing"});
            return;
        }
        if (!section->is_object()) {
            problems.push_back({"/StateMachines", std::string("must be an object of state machines, not ") +
                                                      detail::type_name_of(*section)});
            return;
        }
        auto declared = document.find("MockedResponses");
        const json* declared_responses = declared != document.end() && declared->is_object() ? &*declared : nullptr;
        for (auto m = section->begin(); m != section->end(); ++m) {
            const std::string machine_where = detail::pointer_join("/StateMachines", m.key());
            if (!m->is_object()) {
                problems.push_back({machine_where, std::string("a state machine entry must be an object with TestCases, not ") +
                                                       detail::type_name_of(*m)});
                continue;
            }
            for (auto it = m->begin(); it != m->end(); ++it) {
                if (it.key() != "TestCases")
                    problems.push_back({detail::pointer_join(machine_where, it.key()),
                                        "unknown field; a state machine entry has TestCases"});
            }
            auto cases = m->find("TestCases");
            const std::string cases_where = machine_where + "/TestCases";
            if (cases == m->end()) {
                problems.push_back({cases_where, "required field is missing"});
                continue;
            }
            if (!cases->is_object()) {
                problems.push_back({cases_where, std::string("must be an object of test cases, not ") +
                                                     detail::type_name_of(*cases)});
                continue;
            }
            case_map& machine_cases = machines_[m.key()];
            for (auto c = cases->begin(); c != cases->end(); ++c) {
                const std::string case_where = detail::pointer_join(cases_where, c.key());
                if (!c->is_object()) {
                    problems.push_back({case_where, std::string("a test case must be an object of state name to mocked "
                                                                "response name, not ") +
                                                        detail::type_name_of(*c)});
                    continue;
                }
                test_case tc;
                tc.machine = m.key();
                tc.name = c.key();
                for (auto s = c->begin(); s != c->end(); ++s) {
                    const std::string state_where = detail::pointer_join(case_where, s.key());
                    if (!s->is_string()) {
                        problems.push_back({state_where, std::string("must be the name of a mocked response, not ") +
                                                             detail::type_name_of(*s)});
                        continue;
                    }
                    const auto& response_name = s->get_ref<const std::string&>();
                    auto response = responses_.find(response_name);
                    if (response != responses_.end()) {
                        tc.states.emplace(s.key(), response->second);
                    } else if (declared_responses && !declared_responses->contains(response_name)) {
                        // An invalid response is reported where it is defined, not at each use.
                        problems.push_back({state_where, "mocked response \"" + response_name +
                                                             "\" is not defined in MockedResponses"});
                    }
                }
                machine_cases.emplace(c.key(), std::move(tc));
            }
        }
    }

    response_map responses_;
    std::map<std::string, case_map, std::less<>> machines_;
};

} // namespace stepfn::testing

#endif
