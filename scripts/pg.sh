#!/usr/bin/env bash
# Start (or stop) a private PostgreSQL cluster for `make run` and `make test`.
#
#   scripts/pg.sh start DIR PORT [--fresh] [--fast]   prints the DATABASE_URL on stdout
#   scripts/pg.sh stop DIR
#
# The cluster listens on 127.0.0.1:PORT only, with its socket inside DIR, so it
# never clashes with another cluster. PostgreSQL refuses to run as root: when
# run as root, the cluster belongs to the `postgres` user. --fresh wipes DIR
# first; --fast turns off fsync (test clusters only: durability is not tested
# against power loss there).
set -euo pipefail

log() { echo "pg.sh: $*" >&2; }

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  return 1
}

ensure_binaries() {
  if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then return; fi
  if [ "$(id -u)" = 0 ]; then
    log "PostgreSQL binaries not found: installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    log "PostgreSQL binaries (initdb, pg_ctl) are missing. Install them with:"
    log "    sudo apt-get install -y postgresql"
    log "or set DATABASE_URL to a PostgreSQL server you can use."
    exit 1
  fi
}

as_owner() {
  # From / so that the postgres user is never left in a folder it cannot read.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

cmd=${1:?usage: pg.sh start|stop DIR [PORT]}
dir=${2:?cluster folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
  # The postgres user cannot reach a folder inside this clone (e.g. under a
  # private home): keep the cluster under /var/tmp instead, keyed by the path.
  alt="/var/tmp/ancre-pg/$(echo "$dir" | sha1sum | cut -c1-12)"
  log "the postgres user cannot reach $dir; using $alt"
  mkdir -p "$alt"
  dir=$alt
fi

case "$cmd" in
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$(find_bin pg_ctl)" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    ;;
  start)
    port=${3:?port}
    requested=$3
    shift 3
    fresh=no fast=no
    for flag in "$@"; do
      case "$flag" in
        --fresh) fresh=yes ;;
        --fast) fast=yes ;;
      esac
    done
    ensure_binaries
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    if [ "$fresh" = yes ] && [ -d "$dir/data" ]; then
      [ -f "$dir/data/postmaster.pid" ] && as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
      rm -rf "$dir/data"
    fi
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      log "creating a cluster in $dir/data"
      as_owner "$initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    if ! as_owner "$pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      # Another server holds the port (another clone's cluster, say): take the next free one.
      tries=0
      while port_busy "$port"; do
        tries=$((tries + 1))
        [ $tries -gt 50 ] && { log "no free port near $requested"; exit 1; }
        port=$((port + 1))
      done
      [ "$port" != "$requested" ] && log "port $requested is taken; using $port"
    else
      port=$(sed -n 4p "$dir/data/postmaster.pid")
    fi
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300"
    [ "$fast" = yes ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if ! as_owner "$pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$opts" -w -t 60 start >&2 \
        || { log "PostgreSQL did not start; its log:"; tail -20 "$dir/postgres.log" >&2; exit 1; }
    fi
    psql_bin=$(find_bin psql)
    if ! "$psql_bin" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ancre'" postgres | grep -q 1; then
      "$psql_bin" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE ancre" postgres >&2
    fi
    echo "postgres://postgres@127.0.0.1:$port/ancre"
    ;;
  *) log "unknown command $cmd"; exit 2 ;;
esac
