#ifndef STEPFN_TESTS_PROMETHEUS_CHECKER_HPP
#define STEPFN_TESTS_PROMETHEUS_CHECKER_HPP

// A checker for Prometheus's text exposition format 0.0.4, from its grammar: every line is a
// `# HELP name text`, a `# TYPE name type`, another comment, or a sample
// `name[{label="value",...}] value [timestamp]`. Beyond the grammar it checks what a scraper
// relies on: one TYPE per family, before its samples; no series twice; histogram buckets with
// increasing `le`, cumulative counts, a +Inf bucket equal to _count, and a _sum.

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace prom_check {

struct sample {
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
};

struct parsed {
    std::vector<std::string> errors;
    std::vector<sample> samples;
    std::map<std::string, std::string> types;  // family -> counter, gauge, histogram...
    std::map<std::string, std::string> help;

    // The value of one series, or NaN.
    double value(const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
        for (const auto& s : samples)
            if (s.name == name && s.labels == labels) return s.value;
        return std::nan("");
    }
};

inline bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
inline bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

inline bool parse_name(std::string_view line, std::size_t& i, std::string& out, bool label) {
    std::size_t start = i;
    if (i >= line.size() || !name_start(line[i]) || (label && line[i] == ':')) return false;
    while (i < line.size() && name_char(line[i]) && !(label && line[i] == ':')) ++i;
    out.assign(line.substr(start, i - start));
    return true;
}

inline bool parse_value(std::string_view text, double& out) {
    if (text == "+Inf" || text == "Inf") return out = HUGE_VAL, true;
    if (text == "-Inf") return out = -HUGE_VAL, true;
    if (text == "NaN") return out = std::nan(""), true;
    if (text.empty()) return false;
    std::string s(text);
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

// The family a sample belongs to: a histogram's _bucket/_sum/_count series belong to it.
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        std::string_view n(name), x(suffix);
        if (n.size() > x.size() && n.substr(n.size() - x.size()) == x) {
            std::string base(n.substr(0, n.size() - x.size()));
            auto it = types.find(base);
            if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
        }
    }
    return name;
}

inline parsed check(std::string_view text) {
    parsed out;
    std::set<std::string> seen_series, families_with_samples;
    std::size_t line_no = 0;
    if (!text.empty() && text.back() != '\n') out.errors.push_back("the text does not end with a newline");
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        const std::string where = "line " + std::to_string(line_no) + ": ";
        if (line.empty()) continue;
        if (line[0] == '#') {
            if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
                const bool is_type = line[2] == 'T';
                std::size_t i = 7;
                std::string name;
                if (!parse_name(line, i, name, false)) {
                    out.errors.push_back(where + "bad metric name in a comment");
                    continue;
                }
                std::string rest = i < line.size() && line[i] == ' ' ? std::string(line.substr(i + 1)) : std::string();
                if (is_type) {
                    static const std::set<std::string> kinds{"counter", "gauge", "histogram", "summary", "untyped"};
                    if (!kinds.count(rest)) out.errors.push_back(where + "unknown type '" + rest + "'");
                    if (out.types.count(name)) out.errors.push_back(where + "a second TYPE for " + name);
                    if (families_with_samples.count(name)) out.errors.push_back(where + "TYPE after samples of " + name);
                    out.types[name] = rest;
                } else {
                    if (out.help.count(name)) out.errors.push_back(where + "a second HELP for " + name);
                    for (std::size_t k = 0; k < rest.size(); ++k)
                        if (rest[k] == '\\' && (k + 1 >= rest.size() || (rest[k + 1] != '\\' && rest[k + 1] != 'n')))
                            out.errors.push_back(where + "bad escape in HELP");
                        else if (rest[k] == '\\') ++k;
                    out.help[name] = rest;
                }
            }
            continue;
        }
        sample s;
        std::size_t i = 0;
        if (!parse_name(line, i, s.name, false)) {
            out.errors.push_back(where + "bad metric name");
            continue;
        }
        bool ok = true;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (ok && i < line.size() && line[i] != '}') {
                std::string label, value;
                if (!parse_name(line, i, label, true) || i >= line.size() || line[i] != '=' || ++i >= line.size() ||
                    line[i] != '"') {
                    ok = false;
                    break;
                }
                ++i;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (i + 1 >= line.size()) {
                            ok = false;
                            break;
                        }
                        const char e = line[i + 1];
                        if (e == 'n') value += '\n';
                        else if (e == '\\' || e == '"') value += e;
                        else ok = false;
                        i += 2;
                    } else {
                        value += line[i++];
                    }
                }
                if (i >= line.size()) ok = false;
                else ++i;  // the closing quote
                for (const auto& l : s.labels)
                    if (l.first == label) ok = false;  // a label twice
                s.labels.emplace_back(label, value);
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (ok && (i >= line.size() || line[i] != '}')) ok = false;
            ++i;
        }
        if (!ok || i >= line.size() || line[i] != ' ') {
            out.errors.push_back(where + "bad labels or no value: " + std::string(line));
            continue;
        }
        std::string_view rest = line.substr(i + 1);
        auto space = rest.find(' ');
        std::string_view value = rest.substr(0, space);
        if (!parse_value(value, s.value)) out.errors.push_back(where + "bad value '" + std::string(value) + "'");
        if (space != std::string_view::npos) {
            double ts = 0;
            if (!parse_value(rest.substr(space + 1), ts)) out.errors.push_back(where + "bad timestamp");
        }
        std::string key = s.name;
        for (const auto& l : s.labels) key += "|" + l.first + "=" + l.second;
        if (!seen_series.insert(key).second) out.errors.push_back(where + "a series twice: " + key);
        const std::string family = family_of(s.name, out.types);
        families_with_samples.insert(family);
        out.samples.push_back(std::move(s));
    }
    // Histograms: per label set (without le), buckets by increasing le, cumulative, +Inf == _count.
    for (const auto& t : out.types) {
        if (t.second != "histogram") continue;
        std::map<std::vector<std::pair<std::string, std::string>>, std::vector<std::pair<double, double>>> buckets;
        for (const auto& s : out.samples) {
            if (s.name != t.first + "_bucket") continue;
            auto labels = s.labels;
            double le = std::nan("");
            for (auto it = labels.begin(); it != labels.end(); ++it)
                if (it->first == "le") {
                    if (!parse_value(it->second, le)) out.errors.push_back(t.first + ": bad le '" + it->second + "'");
                    labels.erase(it);
                    break;
                }
            if (std::isnan(le)) out.errors.push_back(t.first + ": a bucket without le");
            buckets[labels].emplace_back(le, s.value);
        }
        for (const auto& b : buckets) {
            for (std::size_t k = 1; k < b.second.size(); ++k) {
                if (!(b.second[k].first > b.second[k - 1].first)) out.errors.push_back(t.first + ": le not increasing");
                if (b.second[k].second < b.second[k - 1].second) out.errors.push_back(t.first + ": buckets not cumulative");
            }
            if (b.second.empty() || !std::isinf(b.second.back().first))
                out.errors.push_back(t.first + ": no +Inf bucket");
            else if (out.value(t.first + "_count", b.first) != b.second.back().second)
                out.errors.push_back(t.first + ": the +Inf bucket differs from _count");
            if (std::isnan(out.value(t.first + "_sum", b.first))) out.errors.push_back(t.first + ": no _sum");
        }
    }
    return out;
}

} // namespace prom_check

#endif
