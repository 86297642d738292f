#!/bin/sh
# Stands in for docker/podman in the container invoker's tests (no daemon, no images here):
#   run --rm -i --name NAME [-e VAR]... [-v MOUNT]... IMAGE [COMMAND]...
#       records its arguments, environment and pid under /tmp/stepfn-fake-engine/NAME.*, then
#       runs COMMAND (the "image" is ignored) with stdin and stdout as they are
#   stop -t N NAME
#       kills the recorded pid and records the stop
dir=/tmp/stepfn-fake-engine
mkdir -p "$dir"
case "$1" in
run)
  shift
  name=""
  args="$*"
  while [ $# -gt 0 ]; do
    case "$1" in
      --rm|-i) shift ;;
      --name) name="$2"; shift 2 ;;
      -e) printf '%s=%s\n' "$2" "$(printenv "$2")" >> "$dir/$name.env"; shift 2 ;;
      -v) shift 2 ;;
      --*) shift ;;
      *) break ;;
    esac
  done
  shift  # the image
  printf '%s\n' "$args" > "$dir/$name.args"
  echo $$ > "$dir/$name.pid"
  exec "$@"
  ;;
stop)
  name="$4"
  echo stopped > "$dir/$name.stopped"
  kill -KILL "$(cat "$dir/$name.pid")" 2>/dev/null
  ;;
esac
