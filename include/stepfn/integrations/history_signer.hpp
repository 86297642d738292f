#ifndef STEPFN_INTEGRATIONS_HISTORY_SIGNER_HPP
#define STEPFN_INTEGRATIONS_HISTORY_SIGNER_HPP

// What makes histories tamper-evident (target stepfn::auth; the format and the check are
// <stepfn/integrations/history_chain.hpp>): it hashes each event into its execution's chain and,
// every `every` events and at the execution's last event, signs the chain head with the host's
// Ed25519 key and stores the digest in the resource store (the SQLite store is both, so digests
// live in the same file as the events). While it is behind (16 x `every` events waiting), a
// digest covers up to 16 x `every` events, so that it catches up.
//
//   auto signer = stepfn::history_signer::create(store, store, pem_private_key, 64);
//   engine_options.store = (*signer)->store();   // the engine writes through it
//
// Only committed events are signed: store() forwards every checkpoint to the execution store and
// hands its events to the signer once the store says they are durable, so a digest never covers
// an event a crash could lose. The hashing, signing and digest writes run on the signer's own
// thread, never on the engine's or the store's. A crash between a commit and its digest leaves
// an unsigned tail, which verify_history reports as such (not as tampering); the tail of an
// execution that goes on after a restart is signed with its next checkpoint.
//
// An execution it has not seen (resumed after a restart, redriven) is picked up from the store:
// the chain of its stored events and its last digest. Signing failures (a store error) are
// counted, never thrown into the engine: `failures()` says how many digests were lost.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <stepfn/integrations/history_chain.hpp>
#include <stepfn/store/execution_store.hpp>

namespace stepfn {

class history_signer : public std::enable_shared_from_this<history_signer> {
public:
    // `private_key_pem`: the host's Ed25519 key (`openssl genpkey -algorithm ed25519`).
    // `executions`: the store the events are committed to (and read back from on resume).
    static result<std::shared_ptr<history_signer>> create(std::shared_ptr<execution_store> executions, std::shared_ptr<resource_store> digests,
                                                          std::string_view private_key_pem, std::size_t every = 64) {
        if (!executions) return make_error("InvalidOptions", "the history signer needs the execution store its events are committed to");
        if (!digests) return make_error("InvalidOptions", "the history signer needs a resource store for its digests");
        if (every == 0) return make_error("InvalidOptions", "the history signer must sign every 1 or more events");
        auto key = detail::read_ed25519_pem(private_key_pem, true);
        if (!key) return tl::make_unexpected(std::move(key.error()));
        return std::shared_ptr<history_signer>(new history_signer(std::move(executions), std::move(digests), std::move(*key), every));
    }

    history_signer(const history_signer&) = delete;
    history_signer& operator=(const history_signer&) = delete;

    // Signs what is queued, then stops.
    ~history_signer() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (worker_.joinable()) worker_.join();
    }

    // The execution store for the engine: the signer's store, whose committed events are signed.
    std::shared_ptr<execution_store> store();

    // The events of a checkpoint that `executions` has made durable (store() calls it; a host
    // with a store of its own calls it from that store's commit callback). Never blocks on
    // signing: the work is queued for the signer's thread.
    void committed(const std::string& execution_arn, std::vector<history_event> events) {
        if (events.empty()) return;
        const std::int64_t through = events.back().id;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++queued_;
            if (queued_events_ + events.size() > max_queued_events) {
                // Bounded memory: the events are in the store; the signer reads them back.
                events.clear();
            }
            queued_events_ += events.size();
            queue_.push_back(item{execution_arn, std::move(events), through});
        }
        wake_.notify_one();
    }

    // Blocks until everything committed so far is signed (or failed): flushes the execution
    // store, then waits for the signer's thread.
    void flush() {
        (void)executions_->flush();
        std::unique_lock<std::mutex> lock(mutex_);
        const std::uint64_t target = queued_;
        idle_.wait(lock, [&] { return done_ >= target; });
    }

    std::size_t failures() const { return failures_.load(); }

    // At most this many events wait in memory for the signer; beyond, a checkpoint is queued
    // without its events and they are read back from the store.
    static constexpr std::size_t max_queued_events = 100000;

private:
    struct chain {
        std::string head;
        std::int64_t last_id = 0;
        std::vector<std::string> pending;  // hashes of the events since the last digest
        std::string previous_signature;
    };
    struct item {
        std::string arn;
        std::vector<history_event> events;  // empty: read them from the store
        std::int64_t through = 0;           // the id of the checkpoint's last event
    };

    history_signer(std::shared_ptr<execution_store> executions, std::shared_ptr<resource_store> digests, std::shared_ptr<EVP_PKEY> key,
                   std::size_t every)
        : executions_(std::move(executions)), digests_(std::move(digests)), key_(std::move(key)), every_(every),
          public_key_(detail::base64url_encode(detail::ed25519_public_raw(key_.get()))) {
        worker_ = std::thread([this] { run(); });
    }

    static bool is_last(event_type t) {
        return t == event_type::execution_succeeded || t == event_type::execution_failed || t == event_type::execution_timed_out ||
               t == event_type::execution_aborted;
    }

    void run() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything is signed
            item next = std::move(queue_.front());
            queue_.pop_front();
            queued_events_ -= next.events.size();
            lock.unlock();
            sign_committed(next);
            lock.lock();
            if (queue_.empty() && !due_.empty()) {
                // Caught up: the digests put off while behind (before done_ counts the item, so
                // that flush() returns with them written).
                lock.unlock();
                sign_due();
                lock.lock();
            }
            ++done_;
            idle_.notify_all();
        }
    }

    // One committed checkpoint's events into their chain (only this thread touches chains_).
    void sign_committed(item& it) {
        auto found = chains_.find(it.arn);
        if (it.events.empty()) {
            // Queued without its events: the chain is rebuilt from the store through them.
            chain c = resume(it.arn, it.through + 1);
            found = chains_.insert_or_assign(it.arn, std::move(c)).first;
            const auto last = last_stored_type(it.arn, it.through);
            if (last && is_last(*last)) sign_final(found);
            else if (found->second.pending.size() >= every_) due_.insert(it.arn);
            return;
        }
        if (found == chains_.end()) found = chains_.emplace(it.arn, resume(it.arn, it.events.front().id)).first;
        for (auto& e : it.events) {
            chain& c = found->second;
            if (e.id <= c.last_id) continue;  // read back from the store already
            if (e.id != c.last_id + 1) {
                // A gap (a checkpoint this signer did not see): what the store holds is committed.
                found->second = resume(it.arn, e.id);
                if (e.id != found->second.last_id + 1) {
                    ++failures_;
                    due_.erase(it.arn);
                    chains_.erase(found);
                    return;
                }
            }
            chain& now = found->second;
            now.head = detail::chain_next(now.head, e);
            now.last_id = e.id;
            now.pending.push_back(detail::hex_of_bytes(now.head));
            if (is_last(e.type)) return sign_final(found);
            if (now.pending.size() >= every_) {
                // Every `every` events, unless the signer is behind: then one digest covers more
                // (up to 16 times `every`), so that it catches up instead of falling further back
                // (each digest is a write of its own).
                if (now.pending.size() >= every_ * 16 || backlog() < every_ * 16) {
                    sign(it.arn, now, false);
                    due_.erase(it.arn);
                } else {
                    due_.insert(it.arn);
                }
            }
        }
    }

    void sign_final(std::map<std::string, chain>::iterator found) {
        sign(found->first, found->second, true);
        due_.erase(found->first);
        chains_.erase(found);
    }

    void sign_due() {
        for (const auto& arn : due_)
            if (auto found = chains_.find(arn); found != chains_.end() && found->second.pending.size() >= every_)
                sign(arn, found->second, false);
        due_.clear();
    }

    std::size_t backlog() {
        std::lock_guard<std::mutex> lock(mutex_);
        return queued_events_;
    }

    std::optional<event_type> last_stored_type(const std::string& arn, std::int64_t id) {
        history_request request;
        request.reverse_order = true;
        request.max_results = 1;
        auto page = executions_->history(arn, request);
        if (!page || page->events.empty() || page->events.front().id != id) return std::nullopt;
        return page->events.front().type;
    }

    // The chain of an execution through its stored events before `next_id`, and the signature
    // of its last digest; the hashes since that digest are pending.
    chain resume(std::string_view arn, std::int64_t next_id) {
        chain c;
        c.head = detail::chain_start(arn);
        if (next_id <= 1) return c;
        history_request request;
        for (bool more = true; more;) {
            auto page = executions_->history(arn, request);
            if (!page) break;
            for (const auto& e : page->events) {
                if (e.id >= next_id || e.id != c.last_id + 1) {
                    more = false;
                    break;
                }
                c.head = detail::chain_next(c.head, e);
                c.last_id = e.id;
                c.pending.push_back(detail::hex_of_bytes(c.head));
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
                if (d && d->last_event_id > covered && d->last_event_id <= c.last_id) {
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
        auto stored = signature.empty() ? result<bool>(false) : [&] {
            d.signature = detail::base64url_encode(signature);
            return digests_->insert_resource(
                stored_resource{detail::digest_arn(arn, d.last_event_id), history_digest_kind, d.to_json().dump(), 0});
        }();
        if (!stored || !*stored) {
            // Not stored: the next digest covers these events too, so the digests stay a chain
            // without a hole (a hole would read as a removed digest).
            ++failures_;
            c.pending = std::move(d.event_hashes);
            return;
        }
        c.previous_signature = d.signature;
    }

    std::shared_ptr<execution_store> executions_;
    std::shared_ptr<resource_store> digests_;
    std::shared_ptr<EVP_PKEY> key_;
    std::size_t every_;
    std::string public_key_;
    std::map<std::string, chain> chains_;  // the signer's thread only
    std::set<std::string> due_;            // chains whose digest was put off (the signer's thread)
    std::atomic<std::size_t> failures_{0};

    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::deque<item> queue_;
    std::size_t queued_events_ = 0;
    std::uint64_t queued_ = 0, done_ = 0;
    bool stopping_ = false;
    std::thread worker_;  // last: started once everything above exists
};

namespace detail {

// The execution store the engine writes through: everything is the inner store's; a checkpoint's
// events go to the signer once the inner store has made them durable.
class signing_store final : public execution_store {
public:
    signing_store(std::shared_ptr<execution_store> inner, std::weak_ptr<history_signer> signer)
        : inner_(std::move(inner)), signer_(std::move(signer)) {}

    void commit(execution_checkpoint checkpoint, std::function<void(result<void>)> done) override {
        if (checkpoint.events.empty()) return inner_->commit(std::move(checkpoint), std::move(done));
        std::string arn = checkpoint.execution_arn;
        std::vector<history_event> events = checkpoint.events;  // the store takes the checkpoint
        inner_->commit(std::move(checkpoint), [signer = signer_, arn = std::move(arn), events = std::move(events),
                                               done = std::move(done)](result<void> stored) mutable {
            // Queued before the engine hears of it, so a flush() after the engine's sees it.
            if (stored)
                if (auto s = signer.lock()) s->committed(arn, std::move(events));
            done(std::move(stored));
        });
    }
    result<void> flush() override { return inner_->flush(); }
    result<std::optional<stored_execution>> find_execution(std::string_view arn) override { return inner_->find_execution(arn); }
    result<std::optional<machine_version>> find_machine_version(std::string_view id) override { return inner_->find_machine_version(id); }
    result<std::string> snapshot(std::string_view arn) override { return inner_->snapshot(arn); }
    result<execution_page> list_executions(const execution_filter& filter) override { return inner_->list_executions(filter); }
    result<history_page> history(std::string_view arn, const history_request& request) override { return inner_->history(arn, request); }
    result<std::vector<std::string>> unfinished_executions() override { return inner_->unfinished_executions(); }
    result<std::optional<std::string>> find_token(std::string_view token) override { return inner_->find_token(token); }

private:
    std::shared_ptr<execution_store> inner_;
    std::weak_ptr<history_signer> signer_;
};

} // namespace detail

inline std::shared_ptr<execution_store> history_signer::store() {
    return std::make_shared<detail::signing_store>(executions_, weak_from_this());
}

} // namespace stepfn

#endif
