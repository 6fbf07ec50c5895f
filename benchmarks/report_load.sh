#!/usr/bin/env bash
# Goal: how long the population answers take on a generated municipality:
# a Report from the materialization and from the log, a monthly Trend over a
# year, a Worklist, and a full Rebuild of the materialized projections.
# Method: generates `--scale municipality` (about 20,000 cases, 200,000
# events; seed 7 unless given), imports it with `caseline import-history`
# into caseline-server on free localhost ports with a fresh data dir, then
# times each command once, and removes everything it made.
#
# Usage: benchmarks/report_load.sh [seed]
# Assumes the Release build in build/ exists: scripts/bench builds it.
set -euo pipefail
cd "$(dirname "$0")/.."

seed=${1:-7}
# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh report

"$client_bin" generate --scale municipality --seed "$seed" >"$work/muni.jsonl"

start_server

# Runs a client command, prints its wall time; its output goes to a file.
timed() {
  local name=$1
  shift
  local start_ns end_ns
  start_ns=$(date +%s%N)
  "$client_bin" --server "$address" "$@" >"$work/$name.out"
  end_ns=$(date +%s%N)
  awk -v name="$name" -v ns=$((end_ns - start_ns)) \
    'BEGIN { printf "report_load: %-22s %8.2f s\n", name, ns / 1e9 }'
}

timed import-history import-history "$work/muni.jsonl"
events=$(wc -l <"$work/muni.jsonl")
echo "report_load: $events events imported"
timed report report --as-of 2020-06-30 --by jobcentre
timed report-from-log report --as-of 2020-06-30 --by jobcentre --from-log
timed report-year report --from 2019-07-01 --as-of 2020-06-30 --by jobcentre --by team
timed trend-12-months trend --from 2019-07-01 --to 2020-06-30 --step month
caseworker=$(grep -o '"caseworker_id":"[^"]*"' "$work/muni.jsonl" | tail -1 | cut -d'"' -f4)
timed worklist worklist --caseworker "$caseworker" --as-of 2020-06-30
timed rebuild rebuild
head -3 "$work/report.out"
