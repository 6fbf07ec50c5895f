#!/usr/bin/env bash
# Goal: how caseline carries a municipality's or all of Denmark's history,
# beside its peers in the same run on the same machine: the import against
# PostgreSQL's COPY and against what the disk allows a bare RocksDB, the
# national answers (report, trend, worklist, one case) against the SQL a BI
# team would write, the rebuild, the server's memory and disk.
#
# Method, one run:
#   1. `caseline generate` the population (seed 7 unless given).
#   2. caseline-server (Release, fresh data directory, free localhost ports):
#      time `caseline import-history` of the whole file; then a report by
#      jobcentre on 2020-06-30 (three times), a monthly trend over the year
#      to it, a worklist of one team, GetCompliance of 1000 random cases one
#      at a time (read_load: p50 and p99 on loopback), a full rebuild; the
#      server's peak resident memory and its data directory's size; last,
#      live appends from 50 clients at 1000 a second for 10 s
#      (live_append_load: the latency of each from the moment it was due).
#   3. The raw limit: the same events' bytes written into a bare RocksDB in
#      synced WriteBatches of 100 from 4 writers (raw_write_limit).
#   4. PostgreSQL from Debian (installed if missing), a private cluster on a
#      free loopback port with fsync and synchronous commit on: `COPY` of the
#      same events into an events table with three indexes (position, event
#      id, case and position), then STAR's two measures per jobcentre on
#      2020-06-30 in SQL (three times), after an index for them. The SQL does
#      less than caseline's report: no pauses, retractions, target group
#      changes or known_at, and only the two measures, where the report
#      judges every requirement of every case.
#   5. One table of every figure, and the ratios.
#
# Usage: benchmarks/scale.sh [municipality|denmark] [--cases N] [--seed S]
#   --cases N: a population of N cases in 3 jobcentres instead (the tests
#   run --cases 2000 to keep this script working).
# Uses the Release build in build/ (scripts/bench builds it), or the build
# directory CASELINE_BUILD names. Removes everything it made.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=municipality
cases=""
seed=7
while [ $# -gt 0 ]; do
  case $1 in
    municipality | denmark) scale=$1 ;;
    --cases) cases=$2; shift ;;
    --seed) seed=$2; shift ;;
    *)
      echo "usage: benchmarks/scale.sh [municipality|denmark] [--cases N] [--seed S]" >&2
      exit 2
      ;;
  esac
  shift
done
readonly AS_OF=2020-06-30 TREND_FROM=2019-07-01 COMPLIANCE_CALLS=1000
readonly LIVE_CLIENTS=50 LIVE_RATE=1000 LIVE_SECONDS=10

scripts/setup --bench
# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh scale
for bin in read_load raw_write_limit live_append_load; do
  if [ ! -x "$build_dir/benchmarks/$bin" ]; then
    echo "$build_dir/benchmarks/$bin is missing: build first (scripts/bench does)" >&2
    exit 1
  fi
done

say() { echo "scale: $*" >&2; }
now_ns() { date +%s%N; }
seconds_since() { awk -v ns=$(($(now_ns) - $1)) 'BEGIN { printf "%.2f", ns / 1e9 }'; }

# --- The population ---------------------------------------------------------
events_file=$work/events.jsonl
if [ -n "$cases" ]; then
  population="--cases $cases"
  "$client_bin" generate --cases "$cases" --seed "$seed" --out "$events_file"
else
  population="--scale $scale"
  "$client_bin" generate --scale "$scale" --seed "$seed" --out "$events_file"
fi
events=$(wc -l <"$events_file")
say "generated $population --seed $seed: $events events"
# 1000 random cases (the same ones for the same seed), and the team of the
# last case opened, with its jobcentre.
# A case_opened line begins {"event_id":"...","case_id":"...": its 6th
# field between quotes names case_id, its 8th is the case id.
awk -F'"' '/"case_opened"/ && $6 == "case_id" { print $8 }' "$events_file" |
  shuf -n "$COMPLIANCE_CALLS" --random-source=<(yes "$seed") >"$work/cases.txt"
last_opened=$(grep '"case_opened"' "$events_file" | tail -1)
team=$(grep -o '"team_id":"[^"]*"' <<<"$last_opened" | cut -d'"' -f4)
jobcentre=$(grep -o '"jobcentre_id":"[^"]*"' <<<"$last_opened" | cut -d'"' -f4)

# --- caseline ---------------------------------------------------------------
start_server
client() { "$client_bin" --server "$address" --timeout 3600 "$@"; }

started=$(now_ns)
client import-history "$events_file" >/dev/null
import_s=$(seconds_since "$started")
say "import-history: $import_s s"

# best_of N COMMAND...: the fastest and slowest wall time of N runs, "min-max".
best_of() {
  local runs=$1 times=() i started
  shift
  for ((i = 0; i < runs; i++)); do
    started=$(now_ns)
    "$@" >"$work/last.out"
    times+=("$(seconds_since "$started")")
  done
  printf '%s\n' "${times[@]}" | sort -n |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (lo == hi) printf "%s", lo; else printf "%s-%s", lo, hi }'
}
report_s=$(best_of 3 client report --as-of "$AS_OF" --by jobcentre)
say "report by jobcentre: $report_s s"
trend_s=$(best_of 1 client trend --from "$TREND_FROM" --to "$AS_OF" --step month)
say "trend: $trend_s s"
worklist_s=$(best_of 3 client worklist --team "$team" --jobcentre "$jobcentre" --as-of "$AS_OF")
say "worklist of $team: $worklist_s s"
compliance=$("$build_dir/benchmarks/read_load" "$address" "$work/cases.txt" \
  "$COMPLIANCE_CALLS" 1)
say "GetCompliance: $compliance"
p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$compliance")
p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$compliance")
rebuild_s=$(best_of 1 client rebuild)
say "rebuild: $rebuild_s s"
rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
disk_bytes=$(du -sb "$work/data-$server_runs" | cut -f1)
# Last, so that the figures above count only the population's events.
live=$("$build_dir/benchmarks/live_append_load" "$address" "$LIVE_CLIENTS" \
  "$LIVE_RATE" "$LIVE_SECONDS") || {
  say "live appends failed: $live"
  exit 1
}
say "live appends: $live"
live_p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$live")
live_p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$live")
live_rate=$(sed -n 's/.*: \([0-9]*\) appends\/s.*/\1/p' <<<"$live")
stop_server

# --- The disk's limit -------------------------------------------------------
raw=$("$build_dir/benchmarks/raw_write_limit" "$work/raw" "$events_file" 4 100)
say "raw RocksDB: $raw"
raw_rate=$(sed -n 's/.* \([0-9]*\) events\/s$/\1/p' <<<"$raw")

# --- PostgreSQL -------------------------------------------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_version=$("$pg_bin/postgres" --version | awk '{ print $3 }')
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}
# A free loopback port: one nothing answers on.
pg_port=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do
  pg_port=$((pg_port + 1))
done
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/caseline-scale-pg-XXXXXX")
# Only the cluster's own directory is the postgres user's: psql's \copy
# reads and writes the files here as the caller.
if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; else sudo -n chown postgres "$pg_dir"; fi
stop_postgres() {
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
  if [ "$(id -u)" -eq 0 ]; then rm -rf "$pg_dir"; else sudo -n rm -rf "$pg_dir"; fi
}
trap 'stop_postgres || true; cleanup' EXIT
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o \
  "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_dir -c fsync=on -c synchronous_commit=on -c shared_buffers=1GB -c work_mem=256MB -c max_wal_size=8GB" \
  start >/dev/null
sql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres "$@"; }

# Not timed: the events as typed CSV rows, made by PostgreSQL from the JSON
# lines (the kind is the one member that is an object).
sql <<EOF
CREATE UNLOGGED TABLE raw_lines (n bigserial, doc text);
\copy raw_lines (doc) FROM '$events_file' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
\copy (SELECT n, j->>'event_id', j->>'case_id', (SELECT k FROM jsonb_object_keys(j) k WHERE jsonb_typeof(j->k) = 'object' LIMIT 1), (j->>'occurred_on')::date, (j->>'recorded_at')::timestamptz, j FROM (SELECT n, doc::jsonb AS j FROM raw_lines) s ORDER BY n) TO '$work/events.csv' WITH (FORMAT csv)
DROP TABLE raw_lines;
CREATE TABLE events (
  position bigint PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  case_id text NOT NULL,
  kind text NOT NULL,
  occurred_on date NOT NULL,
  recorded_at timestamptz NOT NULL,
  body jsonb NOT NULL);
CREATE INDEX events_case ON events (case_id, position);
CHECKPOINT;
EOF
started=$(now_ns)
sql -c "\\copy events FROM '$work/events.csv' WITH (FORMAT csv)"
copy_s=$(seconds_since "$started")
say "PostgreSQL $pg_version COPY: $copy_s s"
sql -c "CREATE INDEX events_kind ON events (kind, occurred_on) INCLUDE (case_id)" \
  -c "ANALYZE events"

cat >"$work/star.sql" <<EOF
WITH opened AS (
  SELECT case_id,
         body->'case_opened'->>'jobcentre_id' AS jobcentre_id,
         body->'case_opened'->>'target_group' AS target_group,
         (body->'case_opened'->>'anchor_on')::date AS anchor_on
  FROM events
  WHERE kind = 'case_opened' AND occurred_on <= DATE '$AS_OF'),
measured AS (
  SELECT o.* FROM opened o
  WHERE o.anchor_on + 182 <= DATE '$AS_OF'
    AND o.target_group IN ('TARGET_GROUP_SYGEDAGPENGE', 'TARGET_GROUP_A_DAGPENGE')
    AND NOT EXISTS (
      SELECT 1 FROM events c
      WHERE c.kind = 'case_closed' AND c.case_id = o.case_id
        AND c.occurred_on <= DATE '$AS_OF')),
done AS (
  SELECT m.jobcentre_id, m.target_group,
    (SELECT count(*) FROM events e
     WHERE e.case_id = m.case_id AND e.kind = 'interview_held'
       AND e.occurred_on <= DATE '$AS_OF') AS interviews,
    EXISTS (SELECT 1 FROM events e
     WHERE e.case_id = m.case_id AND e.kind = 'offer_started'
       AND e.occurred_on <= DATE '$AS_OF') AS offered
  FROM measured m)
SELECT jobcentre_id,
  count(*) FILTER (WHERE target_group = 'TARGET_GROUP_SYGEDAGPENGE') AS sygedagpenge,
  count(*) FILTER (WHERE target_group = 'TARGET_GROUP_SYGEDAGPENGE' AND interviews < 4) AS without_four_interviews,
  count(*) FILTER (WHERE target_group = 'TARGET_GROUP_A_DAGPENGE') AS a_dagpenge,
  count(*) FILTER (WHERE target_group = 'TARGET_GROUP_A_DAGPENGE' AND NOT offered) AS without_offer
FROM done GROUP BY jobcentre_id ORDER BY jobcentre_id;
EOF
sql_s=$(best_of 3 sql -At -f "$work/star.sql")
say "STAR's measures in SQL: $sql_s s"
if [ "$(wc -l <"$work/last.out")" -lt 1 ]; then
  say "the SQL answered no rows:"
  cat "$work/last.out" >&2
  exit 1
fi
case_s=$(best_of 3 sql -c "SELECT position, kind, occurred_on FROM events WHERE case_id = '$(head -1 "$work/cases.txt")' ORDER BY position")
stop_postgres
trap cleanup EXIT

# --- The table --------------------------------------------------------------
import_rate=$(awk -v n="$events" -v s="$import_s" 'BEGIN { printf "%.0f", n / s }')
copy_rate=$(awk -v n="$events" -v s="$copy_s" 'BEGIN { printf "%.0f", n / s }')
rebuild_rate=$(awk -v n="$events" -v s="$rebuild_s" 'BEGIN { printf "%.0f", n / s }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
low() { cut -d- -f1 <<<"$1"; }
cat <<EOF

caseline scale benchmark: $population --seed $seed, $events events; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
| work | caseline | peer in the same run | caseline / peer |
|---|---|---|---|
| durable bulk load | import-history $import_s s, $import_rate events/s | PostgreSQL $pg_version COPY $copy_s s, $copy_rate events/s; raw RocksDB synced $raw_rate events/s | $(ratio "$import_rate" "$copy_rate") of COPY, $(ratio "$import_rate" "$raw_rate") of raw |
| STAR's measures per jobcentre on $AS_OF | report --by jobcentre $report_s s | SQL $sql_s s | $(ratio "$(low "$report_s")" "$(low "$sql_s")") of the time |
| 12-month trend | $trend_s s | - | - |
| worklist of one team | $worklist_s s | - | - |
| GetCompliance of $COMPLIANCE_CALLS random cases, one at a time | p50 $p50 ms, p99 $p99 ms | psql of one case's rows $case_s s (whole process) | - |
| live appends, $LIVE_CLIENTS clients at $LIVE_RATE/s for $LIVE_SECONDS s after the load | $live_rate appends/s, p50 $live_p50 ms, p99 $live_p99 ms | - | - |
| full rebuild | $rebuild_s s, $rebuild_rate events/s | - | - |
| server memory, disk | peak RSS $((rss_kib / 1024)) MiB; $((disk_bytes / 1048576)) MiB on disk, $((disk_bytes / events)) bytes an event | - | - |
EOF
