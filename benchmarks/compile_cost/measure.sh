#!/usr/bin/env bash
# User CPU seconds to compile (and link) one TU that includes <stepfn/stepfn.hpp> and runs one
# execution, against one that includes only <nlohmann/json.hpp>, at -O0 and -O2: header-only,
# and in compiled mode (STEPFN_SEPARATE_COMPILATION, linking the prebuilt stepfn::compiled
# library given as $1 when present). Each figure is the best of three runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
compiled_lib=${1:-}
cxx=${CXX:-g++}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cpu() {  # best user+sys CPU seconds of three runs of the command
  local best=""
  for _ in 1 2 3; do
    local t
    # GNU time's own output to a file: redirecting the compiler's stderr would swallow it.
    /usr/bin/time -o "$out/time" -f '%U %S' "$@" >/dev/null 2>&1
    t=$(awk '{print $1 + $2}' "$out/time")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  echo "$best"
}

printf '%-34s %8s %8s\n' "translation unit" "-O0 (s)" "-O2 (s)"
row() {
  local name=$1; shift
  local o0 o2
  o0=$(cpu "$cxx" -std=c++17 -O0 -I"$root/include" "$@" -o "$out/a0" -lpthread)
  o2=$(cpu "$cxx" -std=c++17 -O2 -I"$root/include" "$@" -o "$out/a2" -lpthread)
  printf '%-34s %8s %8s\n' "$name" "$o0" "$o2"
}
row "nlohmann/json only" "$here/nlohmann_only.cpp"
row "stepfn header-only" "$here/one_execution.cpp"
if [ -n "$compiled_lib" ] && [ -f "$compiled_lib" ]; then
  row "stepfn compiled mode" -DSTEPFN_SEPARATE_COMPILATION "$here/one_execution.cpp" "$compiled_lib"
fi
