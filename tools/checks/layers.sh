#!/usr/bin/env bash
# The layers of include/stepfn in dependency order (docs/design.md): a header may include only
# its own layer and the layers before it. One rule per layer; prints every violation.
set -u
cd "$(dirname "$0")/../../include/stepfn"

# Each layer: its name and the folders (regexes on the path under include/stepfn) it holds.
C='^(executors|clocks|tasks|history|policies|observe|store)/'   # the contracts' folders
rules=(
  "basics;^[a-z_]+\.hpp$;^detail/"
  "expressions;^expressions/"
  "model;^model/"
  "contracts;$C"
  "load-build-print;^(load|build|print)/"
  "engine;^engine/"
  "integrations;^integrations/"
  "testing;^testing/"
  "api;^api/"
)
# What each layer may include: its own folders and those of the layers before it, except that
# the engine needs of load/build/print only the loader (a durable engine loads the definitions
# its stored executions are pinned to), testing needs no integration, the API (the AWS
# Step Functions protocol handler) uses the testing layer's mocks and TestState but no integration,
# and the integrations take of the API only the call/reply shape (api/api_call.hpp, basics only),
# which the API server (integrations/api_server.hpp) mounts without knowing the handler.
allowed_for() {
  local B='^[a-z_]+\.hpp$;^detail/' E='^expressions/' M='^model/' L='^(load|build|print)/'
  case $1 in
    basics) echo "$B" ;;
    expressions) echo "$B;$E" ;;
    model) echo "$B;$E;$M" ;;
    contracts) echo "$B;$E;$M;$C" ;;
    load-build-print) echo "$B;$E;$M;$C;$L" ;;
    engine) echo "$B;$E;$M;$C;^load/(loader|load_options)\.hpp$;^engine/" ;;
    integrations) echo "$B;$E;$M;$C;$L;^engine/;^integrations/;^api/api_call\.hpp$" ;;
    testing) echo "$B;$E;$M;$C;$L;^engine/;^testing/" ;;
    api) echo "$B;$E;$M;$C;$L;^engine/;^testing/;^api/" ;;
  esac
}
umbrella="stepfn.hpp"  # includes the common parts of every layer but integrations and testing

status=0
checked=0
while IFS= read -r header; do
  path=${header#./}
  [ "$path" = "$umbrella" ] && continue
  layer=""
  for rule in "${rules[@]}"; do
    IFS=';' read -r -a parts <<<"$rule"
    for pattern in "${parts[@]:1}"; do
      if [[ $path =~ $pattern ]]; then layer=${parts[0]}; break 2; fi
    done
  done
  if [ -z "$layer" ]; then
    echo "layers: include/stepfn/$path is in no layer (add its folder to tools/checks/layers.sh and docs/design.md)"
    status=1; continue
  fi
  IFS=';' read -r -a allowed <<<"$(allowed_for "$layer")"
  while IFS= read -r inc; do
    ok=0
    for pattern in "${allowed[@]}"; do [[ $inc =~ $pattern ]] && ok=1 && break; done
    if [ $ok = 0 ]; then
      echo "layers: include/stepfn/$path ($layer) includes <stepfn/$inc>, a later layer"
      status=1
    fi
  done < <(grep -oE '^#[[:space:]]*include[[:space:]]*<stepfn/[^>]+>' "$path" | sed -E 's/.*<stepfn\/([^>]+)>/\1/')
  checked=$((checked + 1))
done < <(find . -name '*.hpp' | sort)

for forbidden in integrations testing; do
  if grep -qE "<stepfn/$forbidden/" "$umbrella"; then
    echo "layers: the umbrella header includes $forbidden/"; status=1
  fi
done

# No header over 600 lines anywhere in include/, tools/ or tests/ (data files aside).
cd ../..
while IFS= read -r big; do
  echo "size: $big"; status=1
done < <(find include tools tests benchmarks examples -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.py' -o -name '*.sh' \) \
           ! -name catch.hpp -exec awk 'END { if (NR > 600) print FILENAME " has " NR " lines (limit 600)" }' {} \;)

if [ $status = 0 ]; then echo "layers: $checked headers, every include within its layer; no file over 600 lines"; fi
exit $status
