#ifndef STEPFN_INTEGRATIONS_DETAIL_POSTGRES_CONNECTION_HPP
#define STEPFN_INTEGRATIONS_DETAIL_POSTGRES_CONNECTION_HPP

// A thin layer over libpq: a connection and results that free themselves, queries with text
// parameters, and libpq's failures turned into stepfn errors that name the database without
// its password. The password is known from the connection string and cut out of every message
// libpq or the server gives, since some of them quote parts of what they were handed.

#include <libpq-fe.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stepfn/error.hpp>
#include <stepfn/integrations/detail/store_rows.hpp>

namespace stepfn {
namespace detail {

struct pg_finisher {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pg_clearer {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_finisher>;
using pg_result = std::unique_ptr<PGresult, pg_clearer>;

// Replaces every occurrence of `secret` in `text`.
inline std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8)) text.replace(at, secret.size(), "********");
    return text;
}

// What the connection string says, as far as it is safe to show, and its password (to cut out
// of messages). Read by hand as well as by libpq, so that a string libpq refuses still has its
// password found: "postgresql://user:PASSWORD@host/..." or "... password=PASSWORD ...".
struct pg_target {
    std::string shown;     // "postgresql://user@host:port/dbname"
    std::string password;  // empty when there is none
};

inline std::string pg_password_by_hand(const std::string& conninfo) {
    const auto scheme = conninfo.find("://");
    if (scheme != std::string::npos) {
        const auto start = scheme + 3;
        const auto end = conninfo.find_first_of("/?", start);
        const std::string authority = conninfo.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const auto at = authority.rfind('@');
        if (at == std::string::npos) return {};
        const auto colon = authority.find(':');
        return colon != std::string::npos && colon < at ? authority.substr(colon + 1, at - colon - 1) : std::string();
    }
    const auto key = conninfo.find("password");
    if (key == std::string::npos) return {};
    auto at = conninfo.find('=', key);
    if (at == std::string::npos) return {};
    ++at;
    while (at < conninfo.size() && conninfo[at] == ' ') ++at;
    if (at < conninfo.size() && conninfo[at] == '\'') {
        const auto close = conninfo.find('\'', at + 1);
        return conninfo.substr(at + 1, close == std::string::npos ? std::string::npos : close - at - 1);
    }
    const auto end = conninfo.find(' ', at);
    return conninfo.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

inline result<pg_target> parse_pg_target(const std::string& conninfo) {
    pg_target target;
    target.password = pg_password_by_hand(conninfo);
    char* message = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
    if (!options) {
        std::string why = message ? message : "out of memory";
        if (message) PQfreemem(message);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return make_error(store_unavailable, "the PostgreSQL connection string is not one libpq accepts: " + redact(why, target.password));
    }
    std::string user, host, port, dbname;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val) continue;
        const std::string key = o->keyword;
        if (key == "user") user = o->val;
        else if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
        else if (key == "port") port = o->val;
        else if (key == "dbname") dbname = o->val;
        else if (key == "password") target.password = o->val;
    }
    PQconninfoFree(options);
    target.shown = "postgresql://" + (user.empty() ? std::string() : user + "@") + (host.empty() ? std::string("(default host)") : host) +
                   (port.empty() ? std::string() : ":" + port) + "/" + dbname;
    target.shown = redact(target.shown, target.password);
    return target;
}

// libpq's text for a failure, trimmed, without the password.
inline std::string pg_error_text(const char* text, const pg_target& target) {
    std::string m = text ? text : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    if (m.empty()) m = "no message from libpq";
    return redact(std::move(m), target.password);
}

// Text parameters of one statement: nullopt is SQL NULL.
class pg_params {
public:
    pg_params& text(std::string_view v) {
        values_.emplace_back(std::string(v));
        return *this;
    }
    pg_params& integer(std::int64_t v) {
        values_.emplace_back(std::to_string(v));
        return *this;
    }
    pg_params& null() {
        values_.emplace_back(std::nullopt);
        return *this;
    }
    pg_params& optional_integer(const std::optional<std::int64_t>& v) { return v ? integer(*v) : null(); }
    // A text[] literal: every element quoted, so no element is read as NULL or split.
    pg_params& text_array(const std::vector<std::string>& items) {
        std::string literal = "{";
        for (const auto& item : items) {
            if (literal.size() > 1) literal += ',';
            literal += '"';
            for (char c : item) {
                if (c == '"' || c == '\\') literal += '\\';
                literal += c;
            }
            literal += '"';
        }
        literal += '}';
        values_.emplace_back(std::move(literal));
        return *this;
    }
    int size() const noexcept { return static_cast<int>(values_.size()); }
    // The pointers libpq takes; valid while this object lives and is not changed.
    const char* const* pointers() {
        pointers_.clear();
        for (const auto& v : values_) pointers_.push_back(v ? v->c_str() : nullptr);
        return pointers_.data();
    }

private:
    std::vector<std::optional<std::string>> values_;
    std::vector<const char*> pointers_;
};

inline std::int64_t pg_integer(const PGresult* r, int row, int column) {
    const char* text = PQgetvalue(r, row, column);
    return text ? std::strtoll(text, nullptr, 10) : 0;
}
inline std::optional<std::int64_t> pg_optional_integer(const PGresult* r, int row, int column) {
    if (PQgetisnull(r, row, column)) return std::nullopt;
    return pg_integer(r, row, column);
}
inline std::string pg_text(const PGresult* r, int row, int column) {
    const char* text = PQgetvalue(r, row, column);
    return std::string(text ? text : "", static_cast<std::size_t>(PQgetlength(r, row, column)));
}

// One connection, used by one thread at a time (the store holds a mutex around it).
class pg_connection {
public:
    pg_connection() = default;

    // Connects (blocking; at most `connect_timeout_s` per address unless the string says otherwise).
    static result<pg_connection> connect(const std::string& conninfo, const pg_target& target, int connect_timeout_s) {
        const std::string timeout = std::to_string(connect_timeout_s);
        // Defaults first: with expand_dbname, what the connection string says overrides them.
        const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
        const char* values[] = {timeout.c_str(), "stepfn", conninfo.c_str(), nullptr};
        pg_connection c;
        c.target_ = target;
        c.conn_.reset(PQconnectdbParams(keywords, values, 1));
        if (!c.conn_) return make_error(store_unavailable, "cannot connect to the PostgreSQL store " + target.shown + ": out of memory");
        if (PQstatus(c.conn_.get()) != CONNECTION_OK)
            return make_error(store_unavailable, "cannot connect to the PostgreSQL store " + target.shown + ": " +
                                                     pg_error_text(PQerrorMessage(c.conn_.get()), target));
        // The server's notices (a schema that did not exist, ...) are not for the host's stderr.
        PQsetNoticeProcessor(c.conn_.get(), [](void*, const char*) {}, nullptr);
        return c;
    }

    PGconn* get() const noexcept { return conn_.get(); }
    const pg_target& target() const noexcept { return target_; }
    bool ok() const noexcept { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    // `what` failed: the server's message (from `r`) or the connection's.
    error fail(std::string_view what, const PGresult* r = nullptr) const {
        // The server's one-line message when there is one (not its LINE/caret report).
        const char* text = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        if (!text || !*text) text = r ? PQresultErrorMessage(r) : nullptr;
        if (!text || !*text) text = conn_ ? PQerrorMessage(conn_.get()) : nullptr;
        return error{store_unavailable, "the PostgreSQL store " + target_.shown + ": " + std::string(what) + " failed: " + pg_error_text(text, target_)};
    }

    // A statement with text parameters; its rows (or none). Blocking: reads and small writes.
    result<pg_result> query(const char* sql, pg_params& params, std::string_view what) {
        return run(what, [&] { return PQexecParams(conn_.get(), sql, params.size(), nullptr, params.pointers(), nullptr, nullptr, 0); });
    }
    // SQL without parameters, possibly several statements (PQexec allows that).
    result<pg_result> exec(const char* sql, std::string_view what) {
        return run(what, [&] { return PQexec(conn_.get(), sql); });
    }

    // A lost connection (the server restarted, a network cut) is tried again once per call.
    bool reconnect_if_lost() {
        if (!conn_) return false;
        return PQstatus(conn_.get()) == CONNECTION_OK || reset();
    }
    // A new session on the same settings, which gets `session_sql` (the search path) again.
    bool reset() {
        if (!conn_) return false;
        PQreset(conn_.get());
        if (PQstatus(conn_.get()) != CONNECTION_OK) return false;
        if (PQpipelineStatus(conn_.get()) != PQ_PIPELINE_OFF) PQexitPipelineMode(conn_.get());
        if (session_sql_.empty()) return true;
        pg_result r(PQexec(conn_.get(), session_sql_.c_str()));
        return r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
    }
    void set_session_sql(std::string sql) { session_sql_ = std::move(sql); }

private:
    // Runs `send` once, and once more on a new session when the connection turned out to be
    // lost (the server restarted) and no transaction was open: a statement outside a
    // transaction either ran whole or not at all.
    template <class Send>
    result<pg_result> run(std::string_view what, Send send) {
        if (!reconnect_if_lost()) return tl::make_unexpected(fail(what));
        for (int attempt = 0;; ++attempt) {
            const bool idle = PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
            pg_result r(send());
            const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
            if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return r;
            if (attempt == 0 && idle && PQstatus(conn_.get()) == CONNECTION_BAD && reset()) continue;
            return tl::make_unexpected(fail(what, r.get()));
        }
    }

    pg_conn_ptr conn_;
    pg_target target_;
    std::string session_sql_;
};

} // namespace detail
} // namespace stepfn

#endif
