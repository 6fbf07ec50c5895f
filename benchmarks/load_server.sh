# Sourced by the load scripts: checks the Release binaries, makes a work
# directory that is removed on exit, and starts caseline-server on free
# localhost ports with a fresh data directory there.
#
#   source benchmarks/load_server.sh NAME
#   start_server        # sets $address (host:port of its gRPC)
#
# Sets: server_bin, client_bin, work. The server is stopped with SIGTERM on
# exit.

server_bin=build/caseline-server
client_bin=build/caseline
for bin in "$server_bin" "$client_bin"; do
  if [ ! -x "$bin" ]; then
    echo "$bin is missing: build Release first (scripts/bench does)" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/caseline-$1-XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The server prints one line once it listens:
#   caseline-server listening grpc=HOST:PORT http=HOST:PORT data=DIR
start_server() {
  mkfifo "$work/stdout"
  "$server_bin" --data "$work/data" --listen 127.0.0.1:0 --http 127.0.0.1:0 \
    >"$work/stdout" 2>"$work/server.log" &
  server_pid=$!
  exec 3<"$work/stdout"
  if ! read -r -t 30 listening <&3; then
    echo "caseline-server did not start; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  address=${listening#*grpc=}
  address=${address%% *}
}
