#!/usr/bin/env bash
# Goal: events per second that `caseline append` gets into a running
# caseline-server, end to end over gRPC with the WAL synced.
# Method: writes N valid events (default 100000) as JSON lines, in cases of
# 10 (a case_opened, then 9 interview_held a week apart, all in 2018-2019),
# starts caseline-server on free localhost ports with a fresh data dir, times
# one `caseline append` of the file, then stops the server with SIGTERM and
# removes everything it made.
#
# Usage: benchmarks/append_load.sh [N]
# Assumes the Release build in build/ exists: scripts/bench builds it.
set -euo pipefail
cd "$(dirname "$0")/.."

events=${1:-100000}
if ! [[ "$events" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [number of events, default 100000]" >&2
  exit 2
fi

# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh load

write_load_events "$events" "$work/events.jsonl"

start_server

start_ns=$(date +%s%N)
"$client_bin" append --server "$address" "$work/events.jsonl"
end_ns=$(date +%s%N)

awk -v events="$events" -v ns=$((end_ns - start_ns)) 'BEGIN {
  seconds = ns / 1e9
  printf "append_load: %d events in %.2f s: %.0f events/s\n", events, seconds, events / seconds
}'
