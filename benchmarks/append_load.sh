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

# Cases of 10 events: the anchor date cycles through the first 600 days from
# 2018-01-01, so that a case's last interview (63 days on) is still in 2019.
awk -v events="$events" '
BEGIN {
  events_per_case = 10; days_apart = 7; anchor_days = 600
  split("31 28 31 30 31 30 31 31 30 31 30 31", month_days, " ")
  for (i = 0; i < events; i++) {
    case_index = int(i / events_per_case); version = i % events_per_case
    case_id = sprintf("case-load-%07d", case_index)
    event_id = sprintf("%s-e%02d", case_id, version + 1)
    day = case_index % anchor_days + version * days_apart
    if (version == 0) {
      anchor_on = date_of(day)
      printf "{\"event_id\":\"%s\",\"case_id\":\"%s\",\"occurred_on\":\"%s\",\"case_opened\":{\"citizen_id\":\"p-%07d\",\"jobcentre_id\":\"jc-middelfart\",\"target_group\":\"TARGET_GROUP_A_DAGPENGE\",\"birth_on\":\"1984-11-19\",\"anchor_on\":\"%s\",\"caseworker_id\":\"cw-114\",\"team_id\":\"team-a\"}}\n", event_id, case_id, anchor_on, case_index, anchor_on
    } else {
      printf "{\"event_id\":\"%s\",\"case_id\":\"%s\",\"occurred_on\":\"%s\",\"interview_held\":{\"kind\":\"INTERVIEW_KIND_INDIVIDUAL\",\"channel\":\"INTERVIEW_CHANNEL_IN_PERSON\"}}\n", event_id, case_id, date_of(day)
    }
  }
}
# Day 0 is 2018-01-01; 2018 and 2019 are not leap years.
function date_of(day,    year, month) {
  year = 2018
  if (day >= 365) { year = 2019; day -= 365 }
  for (month = 1; day >= month_days[month]; month++) day -= month_days[month]
  return sprintf("%04d-%02d-%02d", year, month, day + 1)
}' >"$work/events.jsonl"

start_server

start_ns=$(date +%s%N)
"$client_bin" append --server "$address" "$work/events.jsonl"
end_ns=$(date +%s%N)

awk -v events="$events" -v ns=$((end_ns - start_ns)) 'BEGIN {
  seconds = ns / 1e9
  printf "append_load: %d events in %.2f s: %.0f events/s\n", events, seconds, events / seconds
}'
