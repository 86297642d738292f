// Short-lived credentials: a cache that refreshes before expiry on the virtual clock and makes a
// caller wait only when it must; a credential_process command; the role's credentials reaching
// the invoker through role_guard; and no secret in any history sink, error or the store.

#include "catch.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <stepfn/history/fanout_sink.hpp>
#include <stepfn/history/jsonl_sink.hpp>
#include <stepfn/history/log_sink.hpp>
#include <stepfn/history/memory_sink.hpp>
#include <stepfn/integrations/credential_process.hpp>
#include <stepfn/policies/credentials_provider.hpp>
#include <stepfn/policies/role_guard.hpp>
#include <stepfn/stepfn.hpp>
#if defined(STEPFN_WITH_SQLITE)
#include <stepfn/integrations/sqlite_store.hpp>
#endif

namespace credentials_test {

using namespace std::chrono_literals;
using stepfn::json;

namespace {

// Hands out a new session each time: secret-N, valid for 15 minutes of the clock's time.
struct rotating_provider final : stepfn::credentials_provider {
    explicit rotating_provider(stepfn::virtual_clock& c) : clock(c) {}
    stepfn::result<stepfn::credentials> fetch(const std::string&) override {
        ++served;
        stepfn::credentials out;
        out.access_key_id = "ASIAROTATING" + std::to_string(served);
        out.secret_access_key = "SECRET-rotating-" + std::to_string(served);
        out.session_token = "TOKEN-rotating-" + std::to_string(served);
        out.expires = clock.now() + 15min;
        return out;
    }
    stepfn::virtual_clock& clock;
    int served = 0;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("credentials are cached per role and refreshed before they expire, on the engine's clock", "[auth][credentials]") {
    stepfn::virtual_clock clock;
    auto provider = std::make_shared<rotating_provider>(clock);
    stepfn::credentials_cache<stepfn::virtual_clock> cache(provider, clock);  // refresh 5 min ahead; wait within 1 min
    auto first = cache.get("arn:aws:iam::123456789012:role/orders");
    REQUIRE(first);
    CHECK(first->secret_access_key == "SECRET-rotating-1");
    CHECK(cache.get("arn:aws:iam::123456789012:role/orders")->secret_access_key == "SECRET-rotating-1");  // used: refreshed ahead
    CHECK(provider->served == 1);
    // Ten minutes on: the refresh timer (at expiry - 5 min) fires on the virtual clock; the next
    // caller gets the new session without waiting for a fetch of its own.
    clock.advance(10min + 1s);
    CHECK(provider->served == 2);
    CHECK(cache.get("arn:aws:iam::123456789012:role/orders")->secret_access_key == "SECRET-rotating-2");
    CHECK(provider->served == 2);
    CHECK(cache.fetches() == 2);
    // Another role is fetched on its own.
    CHECK(cache.get("arn:aws:iam::123456789012:role/other")->secret_access_key == "SECRET-rotating-3");
    // Unused since their last fetch, neither is refreshed again: the clock runs out of timers.
    int timers = 0;
    while (timers < 10 && clock.advance_to_next()) ++timers;
    CHECK(timers == 3);            // orders' refresh, then each role's timer finding it unused
    CHECK(provider->served == 4);  // role/orders was used after its refresh: refreshed once more, then left
}

TEST_CASE("a credential_process command's credentials, and its failures told without its output", "[auth][credentials]") {
    stepfn::credential_process_provider good({"/bin/sh", "-c",
                                              "printf '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"SECRET-proc\","
                                              "\"SessionToken\":\"TOKEN-proc\",\"Expiration\":\"2030-01-01T00:00:00Z\",\"Role\":\"%s\"}' \"$STEPFN_ROLE_ARN\""});
    auto c = good.fetch("arn:aws:iam::123456789012:role/orders");
    REQUIRE(c);
    CHECK(c->access_key_id == "AKIDPROC");
    CHECK(c->secret_access_key == "SECRET-proc");
    CHECK(c->session_token == "TOKEN-proc");
    REQUIRE(c->expires);

    stepfn::credential_process_provider leaky({"/bin/sh", "-c", "echo 'SECRET-leaked is not JSON'"});
    auto bad = leaky.fetch("r");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().cause.find("SECRET") == std::string::npos);
    stepfn::credential_process_provider failing({"/bin/sh", "-c", "echo SECRET-x; exit 3"});
    auto failed = failing.fetch("r");
    REQUIRE_FALSE(failed);
    CHECK(failed.error().cause == "the credential process /bin/sh failed (exit status 3)");
}

TEST_CASE("role credentials reach the invoker and no secret reaches a sink, an error or the store", "[auth][credentials]") {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("stepfn-secrets-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string jsonl_path = (dir / "history.jsonl").string(), log_path = (dir / "history.log").string();
    std::FILE* jsonl_file = std::fopen(jsonl_path.c_str(), "w");
    std::FILE* log_file = std::fopen(log_path.c_str(), "w");
    REQUIRE(jsonl_file);
    REQUIRE(log_file);
    std::string seen_secret;
    {
        stepfn::manual_executor executor;
        stepfn::virtual_clock clock;
        auto memory = std::make_shared<stepfn::memory_sink>();
        auto sinks = std::make_shared<stepfn::fanout_sink>(std::vector<std::shared_ptr<stepfn::history_sink>>{
            memory, std::make_shared<stepfn::jsonl_sink>(jsonl_file), std::make_shared<stepfn::log_sink>(log_file)});
        stepfn::engine_options options;
        options.history = sinks;
#if defined(STEPFN_WITH_SQLITE)
        auto store = stepfn::sqlite_store::open((dir / "store.sqlite").string());
        REQUIRE(store);
        options.store = *store;
#endif
        stepfn::manual_engine engine(executor, clock, options);
        auto provider = std::make_shared<rotating_provider>(clock);
        auto cache = std::make_shared<stepfn::credentials_cache<stepfn::virtual_clock>>(provider, clock);
        // The service: uses the key (its id goes in the output), and fails citing the request id.
        std::shared_ptr<stepfn::task_invoker> service = stepfn::make_invoker([&](const stepfn::task_request& r) -> stepfn::result<json> {
            REQUIRE(r.role_credentials);
            seen_secret = r.role_credentials->secret_access_key;
            if (r.state_name == "Fails") return stepfn::make_error("Service.Unavailable", "try again later");
            return json{{"signedWith", r.role_credentials->access_key_id}};
        });
        auto roles = std::make_shared<stepfn::role_policies>();
        roles->emplace("arn:aws:iam::123456789012:role/orders",
                       stepfn::iam_policy::parse(std::string_view(R"({"Statement":{"Effect":"Allow","Action":"stepfn:InvokeTask","Resource":"svc"}})")).value());
        auto guard = std::make_shared<stepfn::role_guard>(service, roles, [](const stepfn::task_request&) {
            return std::string("arn:aws:iam::123456789012:role/orders");
        }, stepfn::role_guard::options{});
        guard->set_credentials_source([cache](const std::string& role) { return cache->get(role); });
        engine.invokers().set_default(guard);
        auto machine = stepfn::load_machine_json(json::parse(R"({"StartAt":"Call","States":{
            "Call":{"Type":"Task","Resource":"svc","Next":"Fails"},
            "Fails":{"Type":"Task","Resource":"svc","Next":"Denied","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Denied"}]},
            "Denied":{"Type":"Task","Resource":"not-allowed","End":true}}})"));
        REQUIRE(machine);
        auto run = engine.start(*machine, json::object());
        REQUIRE(run);
        for (int i = 0; i < 10000 && run->status() == stepfn::execution_status::running; ++i)
            if (executor.run() == 0 && !clock.advance_to_next()) std::this_thread::sleep_for(1ms);
        CHECK(run->status() == stepfn::execution_status::failed);
        CHECK(memory->events(run->arn()).size() > 8);
#if defined(STEPFN_WITH_SQLITE)
        REQUIRE((*store)->flush());
#endif
    }
    std::fclose(jsonl_file);
    std::fclose(log_file);
    CHECK(seen_secret == "SECRET-rotating-1");  // the invoker had it
    for (const auto& file : {jsonl_path, log_path, (dir / "store.sqlite").string(), (dir / "store.sqlite-wal").string()}) {
        if (!std::filesystem::exists(file)) continue;
        const std::string bytes = read_file(file);
        INFO(file);
        CHECK(bytes.find("SECRET-") == std::string::npos);
        CHECK(bytes.find("TOKEN-rotating") == std::string::npos);
    }
    CHECK(read_file(jsonl_path).find("ASIAROTATING1") != std::string::npos);  // the non-secret key id did pass
    std::filesystem::remove_all(dir);
}
} // namespace credentials_test
