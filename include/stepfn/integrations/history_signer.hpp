#ifndef STEPFN_INTEGRATIONS_HISTORY_SIGNER_HPP
#define STEPFN_INTEGRATIONS_HISTORY_SIGNER_HPP

// The history sink that makes histories tamper-evident (target stepfn::auth; the format and the
// check are <stepfn/integrations/history_chain.hpp>): it hashes each event into its execution's
// chain as the engine emits it and, every `every` events and at the execution's last event,
// signs the chain head with the host's Ed25519 key and stores the digest in the resource store
// (the SQLite store is both, so digests live in the same file as the events).
//
//   auto signer = stepfn::history_signer::create(store, store, pem_private_key, 64);
//   engine_options.history = *signer;   // or in a fanout_sink with others
//
// An execution it has not seen (resumed after a restart, redriven) is picked up from the
// store: the chain of its stored events and its last digest. Signing failures (a store error)
// are counted, never thrown into the engine: `failures()` says how many digests were lost.

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <stepfn/history/history_sink.hpp>
#include <stepfn/integrations/history_chain.hpp>

namespace stepfn {

class history_signer final : public history_sink {
public:
    // `private_key_pem`: the host's Ed25519 key (`openssl genpkey -algorithm ed25519`).
    static result<std::shared_ptr<history_signer>> create(std::shared_ptr<execution_store> executions, std::shared_ptr<resource_store> digests,
                                                          std::string_view private_key_pem, std::size_t every = 64) {
        if (!digests) return make_error("InvalidOptions", "the history signer needs a resource store for its digests");
        if (every == 0) return make_error("InvalidOptions", "the history signer must sign every 1 or more events");
        auto key = detail::read_ed25519_pem(private_key_pem, true);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        return std::shared_ptr<history_signer>(new history_signer(std::move(executions), std::move(digests), std::move(*key), every));
    }

    void record(std::string_view execution_arn, const history_event& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = chains_.find(std::string(execution_arn));
        if (found == chains_.end()) found = chains_.emplace(std::string(execution_arn), resume(execution_arn, event.id)).first;
        chain& c = found->second;
        if (event.id != c.last_id + 1) {
            // Out of sequence (an event this sink missed): the chain cannot go on truthfully.
            ++failures_;
            chains_.erase(found);
            return;
        }
        c.head = detail::chain_next(c.head, event);
        c.last_id = event.id;
        c.pending.push_back(detail::to_hex(c.head));
        const bool last = is_last(event.type);
        if (last || c.pending.size() >= every_) sign(std::string(execution_arn), c, last);
        if (last) chains_.erase(std::string(execution_arn));
    }

    std::size_t failures() const { return failures_.load(); }

private:
    struct chain {
        std::string head;
        std::int64_t last_id = 0;
        std::vector<std::string> pending;  // hashes of the events since the last digest
        std::string previous_signature;
    };

    history_signer(std::shared_ptr<execution_store> executions, std::shared_ptr<resource_store> digests, std::shared_ptr<EVP_PKEY> key,
                   std::size_t every)
        : executions_(std::move(executions)), digests_(std::move(digests)), key_(std::move(key)), every_(every),
          public_key_(detail::base64url_encode(detail::ed25519_public_raw(key_.get()))) {}

    static bool is_last(event_type t) {
        return t == event_type::execution_succeeded || t == event_type::execution_failed || t == event_type::execution_timed_out ||
               t == event_type::execution_aborted;
    }

    // The chain of an execution this sink has not followed: its stored events before `next_id`
    // and the signature of its last digest.
    chain resume(std::string_view arn, std::int64_t next_id) {
        chain c;
        c.head = detail::chain_start(arn);
        if (next_id <= 1 || !executions_) return c;
        history_request request;
        for (;;) {
            auto page = executions_->history(arn, request);
            if (!page) break;
            for (const auto& e : page->events) {
                if (e.id >= next_id) break;
                c.head = detail::chain_next(c.head, e);
                c.last_id = e.id;
                c.pending.push_back(detail::to_hex(c.head));
            }
            if (page->next_token.empty()) break;
            request.next_token = page->next_token;
        }
        // Events already covered by a digest are not signed again.
        std::string token;
        std::int64_t covered = 0;
        for (;;) {
            auto page = digests_->list_resources(history_digest_kind, std::string(arn) + "/digest/", 1000, token);
            if (!page) break;
            for (const auto& r : page->resources) {
                auto d = history_digest::from_json(json::parse(r.body, nullptr, false));
                if (d && d->last_event_id > covered) {
                    covered = d->last_event_id;
                    c.previous_signature = d->signature;
                }
            }
            if (page->next_token.empty()) break;
            token = page->next_token;
        }
        const auto drop = static_cast<std::size_t>(covered - (c.last_id - static_cast<std::int64_t>(c.pending.size())));
        c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(drop < c.pending.size() ? drop : c.pending.size()));
        return c;
    }

    void sign(const std::string& arn, chain& c, bool final) {
        if (c.pending.empty()) return;
        history_digest d;
        d.execution_arn = arn;
        d.last_event_id = c.last_id;
        d.first_event_id = c.last_id - static_cast<std::int64_t>(c.pending.size()) + 1;
        d.event_hashes = std::move(c.pending);
        c.pending.clear();
        d.previous_signature = c.previous_signature;
        d.public_key = public_key_;
        d.final = final;
        const std::string signature = detail::ed25519_sign(key_.get(), d.signed_message());
        if (signature.empty()) {
            ++failures_;
            return;
        }
        d.signature = detail::base64url_encode(signature);
        auto stored = digests_->insert_resource(stored_resource{detail::digest_arn(arn, d.last_event_id), history_digest_kind, d.to_json().dump(), 0});
        if (!stored || !*stored) {
            ++failures_;
            return;
        }
        c.previous_signature = d.signature;
    }

    std::shared_ptr<execution_store> executions_;
    std::shared_ptr<resource_store> digests_;
    std::shared_ptr<EVP_PKEY> key_;
    std::size_t every_;
    std::string public_key_;
    std::mutex mutex_;
    std::map<std::string, chain> chains_;
    std::atomic<std::size_t> failures_{0};
};

} // namespace stepfn

#endif
