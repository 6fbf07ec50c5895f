# Sourced by the load scripts: checks the Release binaries, makes a work
# directory that is removed on exit, and starts caseline-server on free
# localhost ports with a fresh data directory there.
#
#   source benchmarks/load_server.sh NAME
#   start_server [ARGS] # sets $address (host:port of its gRPC)
#   stop_server
#
# Sets: build_dir (CASELINE_BUILD, default build), server_bin, client_bin,
# work. The server is stopped with SIGTERM on exit.

build_dir=${CASELINE_BUILD:-build}
server_bin=$build_dir/caseline-server
client_bin=$build_dir/caseline
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
# Each start has a fresh data directory; extra arguments go to the server.
server_runs=0
start_server() {
  server_runs=$((server_runs + 1))
  rm -f "$work/stdout"
  mkfifo "$work/stdout"
  "$server_bin" --data "$work/data-$server_runs" --listen 127.0.0.1:0 \
    --http 127.0.0.1:0 "$@" >"$work/stdout" 2>"$work/server.log" &
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

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
  exec 3<&-
}

# write_load_events N FILE: N valid events as JSON lines, in cases of 10 (a
# case_opened, then 9 interview_held a week apart, all in 2018-2019).
# The anchor date cycles through the first 600 days from 2018-01-01, so that
# a case's last interview (63 days on) is still in 2019.
write_load_events() {
  awk -v events="$1" '
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
}' >"$2"
}
