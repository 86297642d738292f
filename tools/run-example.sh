#!/usr/bin/env bash
# Builds the `stepfn` command (preset dev) and runs the order workflow in examples/order-flow
# with mocked tasks and virtual time. Installs missing Debian packages first (root or sudo).
set -eu
cd "$(dirname "$0")/.."
. tools/setup-deps.sh

stepfn_ensure_packages "${STEPFN_BUILD_PACKAGES[@]}"

stepfn_say "Configuring (cmake --preset dev)"
cmake --preset dev

stepfn_say "Building the stepfn command (cmake --build --preset dev --target stepfn_cli)"
cmake --build --preset dev --target stepfn_cli

command=(build/dev/tools/stepfn/stepfn run examples/order-flow/definition.asl.json
         --input-file examples/order-flow/input.json
         --virtual-time
         --mock-config examples/order-flow/mocks.json --test-case HappyPath)
stepfn_say "Running: ${command[*]}"
"${command[@]}"
