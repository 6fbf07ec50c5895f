#!/usr/bin/env bash
# Goal: what tokens and the access log cost, side by side in one run: a
# bulk `caseline append` and per-case reads (GetCompliance from 8 clients)
# against a server that is open, and against one with --auth-keys, where
# every call carries a token and every read is logged (synced) before it is
# answered.
# Method: writes N events (default 100000, as append_load.sh does), makes
# keys with `caseline dev-keys`, then for each mode starts caseline-server
# with a fresh data dir, times the append, runs build/benchmarks/read_load,
# and stops it.
#
# Usage: benchmarks/auth_load.sh [N] [READS]
# Assumes the Release build in build/ exists: scripts/bench builds it.
set -euo pipefail
cd "$(dirname "$0")/.."

events=${1:-100000}
reads=${2:-20000}
readonly READ_CLIENTS=8

# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh auth
write_load_events "$events" "$work/events.jsonl"
grep -o '"case_id":"[^"]*","occurred_on":"[^"]*","case_opened"' "$work/events.jsonl" |
  cut -d'"' -f4 | head -1000 >"$work/cases.txt"
"$client_bin" dev-keys "$work/keys" >/dev/null

# run MODE APPEND_TOKEN READ_TOKEN [SERVER ARGS...]
run() {
  local mode=$1 append_token=$2 read_token=$3
  shift 3
  start_server "$@"
  local start_ns end_ns
  start_ns=$(date +%s%N)
  CASELINE_TOKEN=$append_token "$client_bin" append --server "$address" \
    "$work/events.jsonl" >/dev/null
  end_ns=$(date +%s%N)
  awk -v mode="$mode" -v events="$events" -v ns=$((end_ns - start_ns)) 'BEGIN {
    printf "auth_load %-6s append: %d events in %.2f s: %.0f events/s\n", mode, events, ns / 1e9, events / (ns / 1e9)
  }'
  printf "auth_load %-6s reads:  " "$mode"
  build/benchmarks/read_load "$address" "$work/cases.txt" "$reads" \
    "$READ_CLIENTS" $read_token
  stop_server
}

run open "" ""
run tokens "$(cat "$work/keys/recorder.token")" "$(cat "$work/keys/caseworker.token")" \
  --auth-keys "$work/keys/jwks.json" --auth-issuer caseline-dev --auth-audience caseline
