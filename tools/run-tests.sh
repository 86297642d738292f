#!/usr/bin/env bash
# Builds everything (preset dev: Debug, g++, warnings as errors) and runs the whole test suite
# with ctest, the PostgreSQL store's tests against a throw-away server (tools/ci/postgres.sh).
# Installs missing Debian packages first (root or sudo).
set -eu
cd "$(dirname "$0")/.."
. tools/setup-deps.sh

stepfn_ensure_packages "${STEPFN_BUILD_PACKAGES[@]}" "${STEPFN_TEST_PACKAGES[@]}"

stepfn_say "Configuring (cmake --preset dev)"
cmake --preset dev

stepfn_say "Building (cmake --build --preset dev)"
cmake --build --preset dev

# A throw-away PostgreSQL for the PostgreSQL store's tests (STEPFN_TEST_POSTGRES), unless one
# is given; stopped whatever happens.
if [ -z "${STEPFN_TEST_POSTGRES:-}" ]; then
    stepfn_say "Starting a throw-away PostgreSQL (tools/ci/postgres.sh)"
    if pg_env=$(tools/ci/postgres.sh start); then
        eval "$pg_env"
        trap 'tools/ci/postgres.sh stop "$STEPFN_TEST_POSTGRES_DIR"' EXIT
    else
        stepfn_say "PostgreSQL could not be started: the PostgreSQL tests will report themselves skipped"
    fi
fi

stepfn_say "Testing (ctest --preset dev)"
ctest --preset dev
# What this run leaves to CI (.ci/run), so nobody takes it for the whole of CI's suite.
stepfn_say "Done. The [concurrency] tests ran inside unit, store and server; CI also runs them under ThreadSanitizer (preset tsan), everything under ASan+UBSan (asan), clang++, C++20 and the compiled mode (clang), each header alone (headers, clang) and the fuzzers"
