#ifndef STEPFN_TESTS_STORE_POSTGRES_SUPPORT_HPP
#define STEPFN_TESTS_STORE_POSTGRES_SUPPORT_HPP

// The PostgreSQL the store tests use: STEPFN_TEST_POSTGRES (a libpq connection string, which
// tools/ci/postgres.sh start exports). Each test works in a schema of its own, dropped after.

#include <cstdlib>
#include <random>
#include <string>

#ifdef STEPFN_WITH_POSTGRES
#include <stepfn/integrations/postgres_store.hpp>
#endif

namespace store_test {

// The connection string, or nullptr when the tests run without a PostgreSQL.
inline const char* postgres_url() {
    const char* url = std::getenv("STEPFN_TEST_POSTGRES");
    return url && *url ? url : nullptr;
}

#ifdef STEPFN_WITH_POSTGRES
// A fresh schema name ("t_" and 16 random hex digits), dropped with everything in it.
class scratch_schema {
public:
    scratch_schema() {
        std::random_device device;
        std::mt19937_64 random((static_cast<std::uint64_t>(device()) << 32) ^ device());
        static const char digits[] = "0123456789abcdef";
        name_ = "t_";
        std::uint64_t v = random();
        for (int i = 0; i < 16; ++i, v >>= 4) name_ += digits[v & 0xF];
    }
    ~scratch_schema() { drop(); }
    scratch_schema(const scratch_schema&) = delete;
    scratch_schema& operator=(const scratch_schema&) = delete;

    const std::string& name() const { return name_; }
    stepfn::result<std::shared_ptr<stepfn::postgres_store>> open(stepfn::postgres_store_options options = {}) const {
        options.schema = name_;
        return stepfn::postgres_store::open(postgres_url(), options);
    }
    // The same, with sessions named after this schema (pg_stat_activity.application_name), so a
    // test can end its own sessions without touching those of tests running beside it.
    stepfn::result<std::shared_ptr<stepfn::postgres_store>> open_named(stepfn::postgres_store_options options = {}) const {
        options.schema = name_;
        std::string url = postgres_url();
        const bool is_uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
        if (is_uri)
            url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("application_name=") + name_;
        else
            url += " application_name=" + name_;
        return stepfn::postgres_store::open(url, options);
    }
    // Runs SQL on a connection of its own (with this schema on the search path); "" when it
    // worked, the server's message otherwise.
    std::string sql(const std::string& text) const {
        PGconn* c = PQconnectdb(postgres_url());
        std::string message;
        if (PQstatus(c) != CONNECTION_OK) {
            message = PQerrorMessage(c);
        } else {
            PGresult* r = PQexec(c, ("SET client_min_messages = warning; SET search_path TO " + name_ + "; " + text).c_str());
            const auto status = PQresultStatus(r);
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) message = PQresultErrorMessage(r);
            PQclear(r);
        }
        PQfinish(c);
        return message;
    }
    // The first column of the first row of a query, as text ("" when there is none).
    std::string value(const std::string& text) const {
        PGconn* c = PQconnectdb(postgres_url());
        std::string out;
        if (PQstatus(c) == CONNECTION_OK) {
            PQclear(PQexec(c, ("SET search_path TO " + name_).c_str()));
            PGresult* r = PQexec(c, text.c_str());
            if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
            PQclear(r);
        }
        PQfinish(c);
        return out;
    }
    void drop() const {
        PGconn* c = PQconnectdb(postgres_url());
        if (PQstatus(c) == CONNECTION_OK) PQclear(PQexec(c, ("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + name_ + " CASCADE").c_str()));
        PQfinish(c);
    }

private:
    std::string name_;
};
#endif

} // namespace store_test

#endif
