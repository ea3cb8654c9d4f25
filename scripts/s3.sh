#!/usr/bin/env bash
# Start (or stop) a local S3-API server (s3s-fs) for the tests.
#
#   scripts/s3.sh start DIR PORT    prints the endpoint URL on stdout
#   scripts/s3.sh stop DIR
#
# The binary is built once by `cargo install` (crates.io) into
# ${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools} and reused. Objects live in
# DIR/data (wiped at each start); access key `ancre-test`, secret in DIR/secret.
set -euo pipefail

log() { echo "s3.sh: $*" >&2; }

tools=${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}
bin=$tools/bin/s3s-fs

cmd=${1:?usage: s3.sh start|stop DIR [PORT]}
dir=${2:?server folder}
source "$(dirname "$0")/service.sh"

case "$cmd" in
  stop) stop ;;
  start)
    port=${3:?port}
    if [ ! -x "$bin" ]; then
      log "building s3s-fs 0.14.1 into $tools (once; a few minutes)"
      cargo install s3s-fs --version 0.14.1 --features binary --locked --root "$tools" >&2
    fi
    stop
    port=$(free_ports "$port")
    rm -rf "$dir/data" && mkdir -p "$dir/data"
    [ -f "$dir/secret" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/secret"
    nohup "$bin" --host 127.0.0.1 --port "$port" --access-key ancre-test \
      --secret-key "$(cat "$dir/secret")" "$dir/data" >"$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 100); do
      port_busy "$port" && { echo "http://127.0.0.1:$port"; exit 0; }
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    log "s3s-fs did not start; its log:"; tail -20 "$dir/server.log" >&2; exit 1
    ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
