#!/usr/bin/env bash
# Installs the Debian packages stepfn needs, only those missing. Sourced by run-example.sh and
# run-tests.sh; can also be run alone: ./tools/setup-deps.sh [package ...]
set -eu

stepfn_say() { printf '\n==> %s\n' "$*"; }

# stepfn_ensure_packages PACKAGE...: apt-get update + install only when something is missing;
# sudo only when we are not root.
stepfn_ensure_packages() {
    local missing=() package
    for package in "$@"; do
        if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            continue
        fi
        # node and npm may come from elsewhere (NodeSource's nodejs bundles npm and conflicts
        # with Debian's npm package): a command on PATH is enough.
        case "$package" in
            nodejs) command -v node >/dev/null 2>&1 && continue ;;
            npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        stepfn_say "Debian packages already installed: $*"
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "error: need root (or sudo) to install: ${missing[*]}" >&2
            return 1
        fi
        sudo="sudo"
    fi
    stepfn_say "Installing missing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# What building stepfn and its command needs (Catch2 too: the default presets build the tests;
# yaml-cpp because the dev preset builds the YAML front end; libcurl for stepfn::http, the HTTP
# invokers, which STEPFN_WITH_HTTP=AUTO builds when it is found; SQLite for stepfn::sqlite, the
# execution store, which STEPFN_WITH_SQLITE=AUTO builds when it is found; Boost's headers for
# stepfn::server, the API server on Boost.Beast, which STEPFN_WITH_SERVER=AUTO builds when found).
STEPFN_BUILD_PACKAGES=(cmake make g++ nlohmann-json3-dev libexpected-dev libfmt-dev catch2 libyaml-cpp-dev libcurl4-openssl-dev libsqlite3-dev libboost-dev libssl-dev)
# What the whole test suite needs on top: the conformance runner and the clang preset; node +
# npm for the JSONata differential test (it runs the reference implementation from npm); the
# HTTP invoker tests' server (python3) and their TLS certificates (openssl); the AWS SDK for
# Python that the `stepfn serve` tests drive beside the JavaScript one (python3-boto3).
STEPFN_TEST_PACKAGES=(python3 clang nodejs npm openssl pkg-config python3-boto3)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ "$#" -gt 0 ]; then
        stepfn_ensure_packages "$@"
    else
        stepfn_ensure_packages "${STEPFN_BUILD_PACKAGES[@]}" "${STEPFN_TEST_PACKAGES[@]}"
    fi
fi
