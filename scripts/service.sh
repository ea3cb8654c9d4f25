# Shared by the scripts that run a test server (s3.sh, qdrant.sh, kafka.sh);
# sourced, not run. The caller sets `dir` (the server's folder; created here
# and made absolute) and defines `log`.

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Stops the server whose pid is in $dir/pid, if it runs, and waits for it.
stop() {
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$(cat "$dir/pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/pid"
}

# True when something listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the first port from START on (by steps of COUNT) where COUNT
# consecutive ports are free.
free_ports() {
  local port=$1 count=${2:-1} tries=0 i busy
  while :; do
    busy=
    for i in $(seq 0 $((count - 1))); do port_busy $((port + i)) && busy=1; done
    [ -z "$busy" ] && { echo "$port"; return; }
    tries=$((tries + 1))
    [ $tries -gt 50 ] && { log "no free port near $1"; exit 1; }
    port=$((port + count))
  done
}
