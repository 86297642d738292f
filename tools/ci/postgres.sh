#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests: Debian's server in a temporary directory, on a free
# loopback port (127.0.0.1 only; its unix socket in the same directory), gone on `stop`.
#
#   eval "$(tools/ci/postgres.sh start)"   # exports STEPFN_TEST_POSTGRES (a postgresql:// URL)
#   ...                                    # and STEPFN_TEST_POSTGRES_DIR (what `stop` removes)
#   tools/ci/postgres.sh stop
#
# Installs the `postgresql` package when it is missing. initdb refuses to run as root, so as root
# the cluster belongs to the `postgres` user the package creates. The database user has a random
# password (scram-sha-256 on TCP), so that the tests also exercise authentication and can check
# that the password never shows in an error. Only `start`'s stdout is meant for eval; progress
# goes to stderr. STEPFN_PG_OPTIONS adds server settings (e.g. "-c fsync=off").
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '==> %s\n' "$*" >&2; }

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local bindir
    bindir=$(pg_bindir || true)
    if [ -z "$bindir" ]; then
        # shellcheck source=../setup-deps.sh
        . "$here/setup-deps.sh" >&2
        stepfn_ensure_packages postgresql python3 >&2
        bindir=$(pg_bindir)
    fi
    local dir port password
    dir=$(mktemp -d "${TMPDIR:-/tmp}/stepfn-pg.XXXXXX")
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    port=$(free_port)
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"

    say "PostgreSQL: initdb in $dir ($("$bindir/postgres" --version))"
    as_owner "$bindir/initdb" -D "$dir/data" -U stepfn --pwfile="$dir/pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    rm -f "$dir/pwfile"
    say "PostgreSQL: starting on 127.0.0.1:$port"
    # shellcheck disable=SC2086
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 ${STEPFN_PG_OPTIONS:-}" start >&2 || {
        cat "$dir/server.log" >&2
        exit 1
    }
    as_owner "$bindir/createdb" -h "$dir" -p "$port" -U stepfn stepfn >&2
    echo "export STEPFN_TEST_POSTGRES='postgresql://stepfn:$password@127.0.0.1:$port/stepfn'"
    echo "export STEPFN_TEST_POSTGRES_DIR='$dir'"
}

stop() {
    local dir=${1:-${STEPFN_TEST_POSTGRES_DIR:-}}
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        say "PostgreSQL: nothing to stop"
        return 0
    fi
    local bindir
    bindir=$(pg_bindir)
    say "PostgreSQL: stopping the cluster in $dir"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *)
        echo "usage: $0 start | stop [DIR]" >&2
        exit 2
        ;;
esac
