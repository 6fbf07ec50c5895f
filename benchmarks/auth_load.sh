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
# Usage: benchmarks/auth_load.sh [N] [READS] [ROUNDS]
# Each round runs both modes, open first, so that disk noise shows as the
# spread between rounds rather than as a difference between modes.
# Assumes the Release build in build/ exists: scripts/bench builds it.
set -euo pipefail
cd "$(dirname "$0")/.."

events=${1:-100000}
reads=${2:-20000}
rounds=${3:-2}
readonly READ_CLIENTS=8

# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh auth
write_load_events "$events" "$work/events.jsonl"
# The first 1000 cases' ids (the 8th field between quotes of a case_opened).
awk -F'"' '/"case_opened"/ && n < 1000 { print $8; n++ }' "$work/events.jsonl" \
  >"$work/cases.txt"
"$client_bin" dev-keys "$work/keys" >/dev/null

# run MODE APPEND_TOKEN READ_TOKEN [SERVER ARGS...]
run() {
  local mode=$1 append_token=$2 read_token=$3
  shift 3
  start_server "$@"
  local start_ns end_ns
  start_ns=$(date +%s%N)
  CASELINE_TOKEN=$append_token "$client_bin" append --server "$address" \
    "$work/events.jsonl" >/dev/null 2>&1
  end_ns=$(date +%s%N)
  awk -v mode="$mode" -v events="$events" -v ns=$((end_ns - start_ns)) 'BEGIN {
    printf "auth_load %-6s append: %d events in %.2f s: %.0f events/s\n", mode, events, ns / 1e9, events / (ns / 1e9)
  }'
  printf "auth_load %-6s reads:  " "$mode"
  build/benchmarks/read_load "$address" "$work/cases.txt" "$reads" \
    "$READ_CLIENTS" $read_token
  stop_server
}

for ((round = 1; round <= rounds; round++)); do
  echo "auth_load round $round"
  run open "" ""
  run tokens "$(cat "$work/keys/recorder.token")" "$(cat "$work/keys/caseworker.token")" \
    --auth-keys "$work/keys/jwks.json" --auth-issuer caseline-dev --auth-audience caseline
done
