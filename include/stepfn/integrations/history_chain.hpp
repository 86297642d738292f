#ifndef STEPFN_INTEGRATIONS_HISTORY_CHAIN_HPP
#define STEPFN_INTEGRATIONS_HISTORY_CHAIN_HPP

// A tamper-evident history (target stepfn::auth, OpenSSL 3; docs/security.md). Every event of
// an execution is hashed into a chain: h(0) = SHA-256("stepfn-history-v1\n" + execution ARN),
// h(i) = SHA-256(h(i-1) + the event's canonical bytes). Every N events and at the end of the
// execution, a history_signer (<stepfn/integrations/history_signer.hpp>) signs the chain head
// with the host's Ed25519 key and stores the digest beside the execution (in the resource store,
// kind "historyDigest"): the events it covers, each one's chain hash, the head, the previous
// digest's signature (so digests chain as CloudTrail's digest files do), and the signature.
// verify_history() reads it all back and names the first event that was changed, removed,
// inserted or reordered, or the digest whose signature does not verify; events after the last
// digest are an unsigned tail (history_verification::unsigned_events), not a failure.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <stepfn/error.hpp>
#include <stepfn/history/event.hpp>
#include <stepfn/integrations/detail/ed25519_key.hpp>
#include <stepfn/integrations/detail/openssl_crypto.hpp>
#include <stepfn/json.hpp>
#include <stepfn/store/execution_store.hpp>
#include <stepfn/store/resource_store.hpp>

namespace stepfn {

inline constexpr const char* history_digest_kind = "historyDigest";

// One signed digest, as stored (JSON body of the resource `<execution ARN>/digest/<last id>`).
struct history_digest {
    std::string execution_arn;
    std::int64_t first_event_id = 0;
    std::int64_t last_event_id = 0;
    std::vector<std::string> event_hashes;  // hex, events first..last
    std::string previous_signature;         // base64url; empty for the first digest
    std::string public_key;                 // base64url raw Ed25519 public key of the signer
    std::string signature;                  // base64url
    bool final = false;                     // signed at the end of the execution

    // What the signature covers: the range, every event's chain hash (the last one is the chain
    // head), the previous signature and whether it is the last digest.
    std::string signed_message() const {
        std::string out = "stepfn-history-digest-v1\n" + execution_arn + '\n' + std::to_string(first_event_id) + '\n' +
                          std::to_string(last_event_id) + '\n';
        for (const auto& h : event_hashes) out.append(h).append(1, '\n');
        out.append(previous_signature).append(1, '\n').append(final ? "final" : "partial");
        return out;
    }

    json to_json() const {
        json out = json::object();
        out["executionArn"] = execution_arn;
        out["firstEventId"] = first_event_id;
        out["lastEventId"] = last_event_id;
        out["eventHashes"] = event_hashes;
        out["previousSignature"] = previous_signature;
        out["publicKey"] = public_key;
        out["signature"] = signature;
        out["final"] = final;
        return out;
    }

    static std::optional<history_digest> from_json(const json& j) {
        if (!j.is_object()) return std::nullopt;
        history_digest d;
        auto text = [&](const char* k, std::string& out) {
            auto it = j.find(k);
            if (it == j.end() || !it->is_string()) return false;
            out = it->get<std::string>();
            return true;
        };
        auto number = [&](const char* k, std::int64_t& out) {
            auto it = j.find(k);
            if (it == j.end() || !it->is_number_integer()) return false;
            out = it->get<std::int64_t>();
            return true;
        };
        if (!text("executionArn", d.execution_arn) || !number("firstEventId", d.first_event_id) || !number("lastEventId", d.last_event_id) ||
            !text("previousSignature", d.previous_signature) || !text("publicKey", d.public_key) || !text("signature", d.signature))
            return std::nullopt;
        auto hashes = j.find("eventHashes");
        if (hashes == j.end() || !hashes->is_array()) return std::nullopt;
        for (const auto& h : *hashes) {
            if (!h.is_string()) return std::nullopt;
            d.event_hashes.push_back(h.get<std::string>());
        }
        auto final = j.find("final");
        d.final = final != j.end() && final->is_boolean() && final->get<bool>();
        if (d.first_event_id < 1 || d.last_event_id < d.first_event_id ||
            static_cast<std::int64_t>(d.event_hashes.size()) != d.last_event_id - d.first_event_id + 1)
            return std::nullopt;
        return d;
    }
};

namespace detail {

// The canonical bytes of an event: id, previous id, type, time in nanoseconds and the details
// with sorted keys, so that an event read back from any store hashes as it did when emitted.
inline std::string canonical_event(const history_event& e) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(e.timestamp.time_since_epoch()).count();
    const nlohmann::json sorted = nlohmann::json::parse(e.details.dump(-1, ' ', false, json::error_handler_t::replace), nullptr, false);
    return std::to_string(e.id) + '\n' + std::to_string(e.previous_event_id) + '\n' + to_string(e.type) + '\n' + std::to_string(ns) + '\n' +
           sorted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline std::string chain_start(std::string_view execution_arn) { return sha256_raw("stepfn-history-v1\n" + std::string(execution_arn)); }

inline std::string chain_next(const std::string& previous, const history_event& e) { return sha256_raw(previous + canonical_event(e)); }

inline std::string digest_arn(std::string_view execution_arn, std::int64_t last_event_id) {
    std::string id = std::to_string(last_event_id);
    return std::string(execution_arn) + "/digest/" + std::string(id.size() < 12 ? 12 - id.size() : 0, '0') + id;
}

} // namespace detail

// What verify_history found. `intact` false: `problem` names the first bad event or digest.
struct history_verification {
    bool intact = false;
    std::int64_t events = 0;         // events read
    std::int64_t signed_events = 0;  // covered by a verified signature: events 1..signed_events
    // Events after the last digest. The signer signs only committed events, on its own thread: a
    // process that stops between a commit and its digest leaves them unsigned (as does anyone
    // who removes the newest digests). They are reported, not treated as tampering; whoever
    // needs every event signed checks that this is 0 (`stepfn history verify --require-signed`).
    std::int64_t unsigned_events = 0;
    bool complete = false;           // signed through the execution's end (a final digest last)
    std::size_t digests = 0;
    std::optional<std::int64_t> first_bad_event;
    std::string problem;
};

// Checks an execution's history against its signed digests. `public_key_pem`: the host's Ed25519
// public key, which every digest must be signed with; empty: the key recorded in the digests is
// used (which proves integrity against a careless edit, not against someone who can re-sign).
// An error when the store cannot be read; tampering is a verification with intact = false.
inline result<history_verification> verify_history(execution_store& executions, resource_store& resources, const std::string& arn,
                                                   std::string_view public_key_pem = {}) {
    history_verification out;
    auto fail = [&](std::optional<std::int64_t> event, std::string why) {
        out.intact = false;
        out.first_bad_event = event;
        out.problem = std::move(why);
        return out;
    };
    std::string pinned;
    if (!public_key_pem.empty()) {
        auto key = detail::read_ed25519_pem(public_key_pem, false);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        pinned = detail::base64url_encode(detail::ed25519_public_raw(key->get()));
    }
    auto row = executions.find_execution(arn);
    if (!row) return tl::make_unexpected(std::move(row.error()));
    if (!*row) return make_error("ExecutionDoesNotExist", "no execution '" + arn + "' in the store");

    std::vector<history_event> events;
    history_request request;
    for (;;) {
        auto page = executions.history(arn, request);
        if (!page) return tl::make_unexpected(std::move(page.error()));
        for (auto& e : page->events) events.push_back(std::move(e));
        if (page->next_token.empty()) break;
        request.next_token = page->next_token;
    }
    out.events = static_cast<std::int64_t>(events.size());
    std::vector<history_digest> digests;
    std::string token;
    for (;;) {
        auto page = resources.list_resources(history_digest_kind, arn + "/digest/", 1000, token);
        if (!page) return tl::make_unexpected(std::move(page.error()));
        for (const auto& r : page->resources) {
            auto d = history_digest::from_json(json::parse(r.body, nullptr, false));
            if (!d || d->execution_arn != arn) return fail(std::nullopt, "the digest " + r.arn + " is malformed");
            digests.push_back(std::move(*d));
        }
        if (page->next_token.empty()) break;
        token = page->next_token;
    }
    std::sort(digests.begin(), digests.end(), [](const history_digest& a, const history_digest& b) { return a.last_event_id < b.last_event_id; });
    out.digests = digests.size();

    // The events in order, each its position's id; their chain.
    std::vector<std::string> chain;
    chain.reserve(events.size());
    std::string h = detail::chain_start(arn);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto expected = static_cast<std::int64_t>(i + 1);
        if (events[i].id != expected) {
            if (events[i].id > expected) return fail(expected, "event " + std::to_string(expected) + " is missing");
            return fail(expected, "event " + std::to_string(expected) + " is out of place: an event with id " + std::to_string(events[i].id) +
                                      " was inserted or moved there");
        }
        h = detail::chain_next(h, events[i]);
        chain.push_back(detail::hex_of_bytes(h));
    }

    std::string previous_signature;
    std::int64_t covered = 0;
    bool ended = false;
    for (const auto& d : digests) {
        const std::string name = "the digest of events " + std::to_string(d.first_event_id) + "-" + std::to_string(d.last_event_id);
        if (d.first_event_id != covered + 1)
            return fail(covered + 1, name + " does not follow the previous digest (a digest was removed or inserted)");
        if (d.previous_signature != previous_signature)
            return fail(d.first_event_id, name + " does not chain to the previous digest's signature");
        if (!pinned.empty() && d.public_key != pinned) return fail(d.first_event_id, name + " was signed with another key");
        std::string raw_key, signature;
        if (!detail::base64url_decode(d.public_key, raw_key) || !detail::base64url_decode(d.signature, signature))
            return fail(d.first_event_id, name + " has a malformed key or signature");
        auto key = detail::ed25519_from_public_raw(raw_key);
        if (!key || !detail::ed25519_verify(key->get(), d.signed_message(), signature))
            return fail(d.first_event_id, name + " has a signature that does not verify");
        for (std::int64_t id = d.first_event_id; id <= d.last_event_id; ++id) {
            if (id > out.events)
                return fail(id, "event " + std::to_string(id) + " is missing: the signed history has " + std::to_string(d.last_event_id) +
                                    " events, the store " + std::to_string(out.events));
            const auto i = static_cast<std::size_t>(id - 1);
            if (!detail::constant_time_equals(chain[i], d.event_hashes[static_cast<std::size_t>(id - d.first_event_id)]))
                return fail(id, "event " + std::to_string(id) + " (" + to_string(events[i].type) +
                                    ") was changed: it does not match the signed history");
        }
        covered = d.last_event_id;
        previous_signature = d.signature;
        ended = d.final;
    }
    out.signed_events = covered;
    out.unsigned_events = out.events - covered;
    // After a final digest only a redrive goes on (ExecutionRedriven first); anything else was added.
    if (ended && covered != out.events && events[static_cast<std::size_t>(covered)].type != event_type::execution_redriven)
        return fail(covered + 1, "event " + std::to_string(covered + 1) + " was added after the history was signed as complete");
    out.complete = ended && covered == out.events;
    if ((*row)->event_count != out.events)
        return fail(std::min((*row)->event_count, out.events) + 1, "the execution records " + std::to_string((*row)->event_count) +
                                                                     " events, its history has " + std::to_string(out.events));
    out.intact = true;
    return out;
}

} // namespace stepfn

#endif
