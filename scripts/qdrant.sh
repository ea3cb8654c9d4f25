#!/usr/bin/env bash
# Start (or stop) a local Qdrant server for the tests.
#
#   scripts/qdrant.sh start DIR PORT    prints the gRPC URL (port PORT+1) on stdout
#   scripts/qdrant.sh stop DIR
#
# No package registry ships the Qdrant server: the binary is the one in
# ../shared/bin (see its README), unpacked once into
# ${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}/bin. HTTP listens on PORT,
# gRPC (what qdrant-client speaks) on PORT+1, both on 127.0.0.1; storage in
# DIR/storage, wiped at each start.
set -euo pipefail

log() { echo "qdrant.sh: $*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
tools=${ANCRE_TOOLS_DIR:-$HOME/.cache/ancre/tools}
version=v1.18.3
archive=${ANCRE_QDRANT_ARCHIVE:-$here/../../shared/bin/qdrant-$version-x86_64-linux.xz}
sha256=09b30c1552a68430ac08929e1f94bbcfc62b13b21cd5d727a25ce8fce789acfb
bin=$tools/bin/qdrant-$version

cmd=${1:?usage: qdrant.sh start|stop DIR [PORT]}
dir=${2:?server folder}
source "$(dirname "$0")/service.sh"

install() {
  [ -x "$bin" ] && return
  [ -f "$archive" ] || { log "no Qdrant server at $archive (../shared/bin)"; exit 1; }
  mkdir -p "$tools/bin"
  xz -dc "$archive" > "$bin.tmp"
  echo "$sha256  $bin.tmp" | sha256sum -c --quiet - >&2 || { rm -f "$bin.tmp"; log "checksum mismatch"; exit 1; }
  chmod +x "$bin.tmp" && mv "$bin.tmp" "$bin"
}

case "$cmd" in
  stop) stop ;;
  start)
    port=${3:?port}
    install
    stop
    port=$(free_ports "$port" 2)
    rm -rf "$dir/storage" "$dir/snapshots" && mkdir -p "$dir/storage" "$dir/snapshots"
    (
      cd "$dir"
      QDRANT__SERVICE__HOST=127.0.0.1 QDRANT__SERVICE__HTTP_PORT=$port \
      QDRANT__SERVICE__GRPC_PORT=$((port + 1)) QDRANT__STORAGE__STORAGE_PATH="$dir/storage" \
      QDRANT__STORAGE__SNAPSHOTS_PATH="$dir/snapshots" QDRANT__TELEMETRY_DISABLED=true \
        nohup "$bin" >"$dir/server.log" 2>&1 &
      echo $! > "$dir/pid"
    )
    for _ in $(seq 300); do
      if port_busy $((port + 1)) && (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && grep -q '"version"' <&3) 2>/dev/null; then
        echo "http://127.0.0.1:$((port + 1))"; exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    log "Qdrant did not start; its log:"; tail -20 "$dir/server.log" >&2; exit 1
    ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
