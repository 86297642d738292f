#!/usr/bin/env bash
# Builds everything (preset dev: Debug, g++, warnings as errors) and runs the whole test suite
# with ctest. Installs missing Debian packages first (root or sudo).
set -eu
cd "$(dirname "$0")/.."
. tools/setup-deps.sh

stepfn_ensure_packages "${STEPFN_BUILD_PACKAGES[@]}" "${STEPFN_TEST_PACKAGES[@]}"

stepfn_say "Configuring (cmake --preset dev)"
cmake --preset dev

stepfn_say "Building (cmake --build --preset dev)"
cmake --build --preset dev

stepfn_say "Testing (ctest --preset dev)"
ctest --preset dev
