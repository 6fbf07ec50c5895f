#!/usr/bin/env bash
# Goal: every command the README shows with its output (a "$ " line in a ```sh
# block) prints that output, so README and program cannot drift apart.
# Method: start two fresh servers (the tour's, and the municipality's that
# `import-history` needs), run each "$ " command in README order from the
# repository root with the README's addresses rewritten to the real ones, and
# compare what a user would see (stdout and stderr together) with the lines
# under it. In the expected lines "..." stands for any number of lines, and
# RFC 3339 instants match any instant: an instant a later command quotes from
# an earlier answer (`--known-at`) is replaced by the one actually answered.
# Lines in ```sh blocks without "$ " (lists of commands, `scripts/run`) are not
# run. The exit status is reported, not compared: some commands show a refusal.
#
# Usage: readme_test.sh README.md CASELINE_CLIENT CASELINE_SERVER
set -euo pipefail

(($# == 3)) || { echo "usage: $0 README.md CASELINE_CLIENT CASELINE_SERVER" >&2; exit 64; }
readme=$(realpath "$1") client=$(realpath "$2") server=$(realpath "$3")
root=$(dirname "$readme") # the commands name files like examples/events.jsonl
cd "$root"

# The municipality import runs a minute or two under ASan; ten is a hang.
readonly COMMAND_TIMEOUT_SECONDS=600
# A server loads and validates the rule sets before it listens.
readonly SERVER_START_SECONDS=60
# A server drains appends in flight for up to 10 s after SIGTERM.
readonly SERVER_STOP_SECONDS=30
# The README's fixed addresses, and which of our servers stands for each.
readonly TOUR_GRPC=127.0.0.1:50051 TOUR_HTTP=127.0.0.1:8080
readonly MUNICIPALITY_GRPC=127.0.0.1:50061 MUNICIPALITY_HTTP=127.0.0.1:8081
readonly INSTANT_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})'

export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/readme_test.XXXXXX")
declare -A server_pid=() # by name
command_pid=""
cleanup() {
  local pid i
  [[ -z $command_pid ]] || kill -TERM "$command_pid" 2>/dev/null || true
  for pid in "${server_pid[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pid[@]}"; do
    for ((i = 0; i < SERVER_STOP_SECONDS * 5; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Where it exists, setpriv has the kernel stop a server even when this script
# is killed with SIGKILL (a test timeout), when no trap can run.
orphan_guard=()
if setpriv --pdeathsig TERM true 2>/dev/null; then orphan_guard=(setpriv --pdeathsig TERM); fi

# start_server NAME: a server on free ports (port 0) with its own data
# directory; sets NAME_grpc and NAME_http to the addresses it printed.
start_server() {
  local name=$1 dir=$tmp/$1 pid line deadline=$((SECONDS + SERVER_START_SECONDS))
  mkdir -p "$dir"
  "${orphan_guard[@]}" "$server" --data "$dir/data" --listen 127.0.0.1:0 --http 127.0.0.1:0 \
    --rules "$root/rules" >"$dir/stdout" 2>"$dir/stderr" </dev/null &
  pid=$!
  server_pid[$name]=$pid
  until line=$(grep -m1 '^caseline-server listening ' "$dir/stdout"); do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "server $name exited, or did not listen within ${SERVER_START_SECONDS} s:" >&2
      tail -n 20 "$dir/stderr" >&2
      exit 1
    fi
    sleep 0.2
  done
  [[ $line =~ grpc=([^ ]+)\ http=([^ ]+) ]] || { echo "bad line: $line" >&2; exit 1; }
  printf -v "${name}_grpc" '%s' "${BASH_REMATCH[1]}"
  printf -v "${name}_http" '%s' "${BASH_REMATCH[2]}"
  echo "server $name: grpc=${BASH_REMATCH[1]} http=${BASH_REMATCH[2]}"
}

print_lines() { # print_lines ARRAY: one line each, nothing for none
  local -n print_array=$1
  ((${#print_array[@]} == 0)) || printf '%s\n' "${print_array[@]}"
}

# --- Parse: the "$ " commands of ```sh blocks and the lines under each. ---
# An output runs to the next "$ " line or the block's end; its trailing blank
# lines (the separators) go with $(...).
cmd_texts=() cmd_lines=() cmd_expected=()
in_sh=0 line_number=0 command="" expected=()
while IFS= read -r line || [[ -n $line ]]; do
  line_number=$((line_number + 1))
  if ((!in_sh)); then
    [[ $line =~ ^\`\`\`sh[[:space:]]*$ ]] && in_sh=1
    continue
  fi
  if [[ $line =~ ^\`\`\`[[:space:]]*$ || $line == '$ '* ]]; then
    [[ -z $command ]] || cmd_expected+=("$(print_lines expected)")
    command="" expected=()
    [[ $line == '$ '* ]] || { in_sh=0; continue; }
    command=${line#'$ '}
    cmd_texts+=("$command") cmd_lines+=("$line_number")
  elif [[ -n $command ]]; then
    expected+=("$line")
  fi
done <"$readme"
[[ -z $command ]] || cmd_expected+=("$(print_lines expected)") # no closing fence

# --- Compare. ---
# mask SRC DST: the lines with instants as <T> and no trailing whitespace.
mask() {
  local -n mask_src=$1 mask_dst=$2
  mask_dst=()
  ((${#mask_src[@]})) || return 0
  mapfile -t mask_dst < <(printf '%s\n' "${mask_src[@]}" |
    sed -E "s/$INSTANT_RE/<T>/g; s/[[:space:]]+\$//")
}
# segment_at E_START LENGTH A_START: masked expected lines equal actual ones.
segment_at() {
  local IFS=$'\n'
  (($3 + $2 <= ${#actual[@]})) && [[ "${expected[*]:$1:$2}" == "${actual[*]:$3:$2}" ]]
}
# output_matches: expected (masked, "..." for any lines) against actual;
# on a match, pairs holds "expected_index actual_index" of the lines matched.
output_matches() {
  local -a segments=()
  local i start=0 k s l p position=0 count=${#expected[@]}
  for ((i = 0; i <= count; i++)); do
    if ((i == count)) || [[ ${expected[i]} == "..." ]]; then
      segments+=("$start $((i - start))") start=$((i + 1))
    fi
  done
  pairs=()
  for ((k = 0; k < ${#segments[@]}; k++)); do
    read -r s l <<<"${segments[k]}"
    if ((k == ${#segments[@]} - 1)); then # anchored at the end
      p=$((${#actual[@]} - l))
      ((p >= position && (k > 0 || p == 0))) && segment_at "$s" "$l" "$p" || return 1
    elif ((k == 0)); then # anchored at the start
      p=0
      segment_at "$s" "$l" 0 || return 1
    else # the earliest place: a later one would leave less for the rest
      for ((p = position; ; p++)); do
        ((p + l <= ${#actual[@]})) || return 1
        segment_at "$s" "$l" "$p" && break
      done
    fi
    for ((i = 0; i < l; i++)); do pairs+=("$((s + i)) $((p + i))"); done
    position=$((p + l))
  done
}
# compare: 0 when the output matches. Either way pairs holds the lines that
# matched; on a mismatch those equal up to the first difference, so that a
# later command quoting an instant of theirs is still judged on its own.
compare() {
  local i
  output_matches && return 0
  pairs=()
  for ((i = 0; i < ${#expected[@]} && i < ${#actual[@]}; i++)); do
    [[ ${expected[i]} != "..." && ${expected[i]} == "${actual[i]}" ]] || break
    pairs+=("$i $i")
  done
  return 1
}
instants_in() { # sets found to the instants of $1, in order
  local rest=$1
  found=()
  while [[ $rest =~ $INSTANT_RE ]]; do
    found+=("${BASH_REMATCH[0]}")
    rest=${rest#*"${BASH_REMATCH[0]}"}
  done
}
remember_instants() { # README instant -> actual one, from the matched lines
  local pair e a i readme_instants
  for pair in "${pairs[@]}"; do
    read -r e a <<<"$pair"
    instants_in "${expected_raw[e]}"
    readme_instants=("${found[@]}")
    instants_in "${actual_raw[a]}"
    for ((i = 0; i < ${#found[@]}; i++)); do
      instant_of[${readme_instants[i]}]=${found[i]}
    done
  done
}
# localize COMMAND: sets command to COMMAND with the README's addresses and
# the instants it quotes replaced by the real ones; fails on an unknown one.
localize() {
  local instant
  command=${1//"$TOUR_GRPC"/"$A_grpc"}
  command=${command//"$TOUR_HTTP"/"$A_http"}
  command=${command//"$MUNICIPALITY_GRPC"/"$B_grpc"}
  command=${command//"$MUNICIPALITY_HTTP"/"$B_http"}
  instants_in "$command"
  for instant in "${found[@]}"; do
    if [[ -z ${instant_of[$instant]:-} ]]; then
      echo "  FAILED: the command quotes $instant, an instant no earlier output showed"
      return 1
    fi
    command=${command//"$instant"/"${instant_of[$instant]}"}
  done
}
# run_command COMMAND: sets ran, output (stdout and stderr) and rc. The client
# stands wherever the README says build/caseline (not build/caseline-x). In
# the background, so that a signal to this script is handled at once.
run_command() {
  local quoted_client
  quoted_client=$(printf '%q' "$client")
  ran=$1 rc=0
  while [[ $ran =~ (^|[^[:alnum:]_./-])build/caseline($|[^[:alnum:]_.-]) ]]; do
    ran=${ran/"${BASH_REMATCH[0]}"/"${BASH_REMATCH[1]}$quoted_client${BASH_REMATCH[2]}"}
  done
  CASELINE_SERVER=$caseline_server timeout -k 10 "$COMMAND_TIMEOUT_SECONDS" \
    bash -o pipefail -c "$ran" >"$tmp/output" 2>&1 </dev/null &
  command_pid=$!
  wait "$command_pid" || rc=$?
  command_pid="" output=$(<"$tmp/output")
}

start_server A
start_server B
declare -A instant_of=() # README instant -> the one actually answered
caseline_server=$A_grpc
matched=0 failed_lines=()
for ((c = 0; c < ${#cmd_texts[@]}; c++)); do
  echo "$(basename "$readme"):${cmd_lines[c]} \$ ${cmd_texts[c]}"
  if ! localize "${cmd_texts[c]}"; then
    failed_lines+=("${cmd_lines[c]}")
    continue
  fi
  if [[ $command =~ ^export\ CASELINE_SERVER=([^[:space:]]+)$ ]]; then
    caseline_server=${BASH_REMATCH[1]}
    matched=$((matched + 1))
    echo "  ok (CASELINE_SERVER=$caseline_server)"
    continue
  fi
  started=$SECONDS
  run_command "$command"
  took="$((SECONDS - started)) s, exit status $rc"
  expected_raw=() actual_raw=()
  [[ -z ${cmd_expected[c]} ]] || mapfile -t expected_raw <<<"${cmd_expected[c]}"
  [[ -z $output ]] || mapfile -t actual_raw <<<"$output"
  mask expected_raw expected
  mask actual_raw actual
  if compare; then
    matched=$((matched + 1))
    echo "  ok ($took)"
  else
    failed_lines+=("${cmd_lines[c]}")
    echo "  FAILED ($took); command run: $ran"
    echo "  expected (README, instants as <T>, '...' any lines) vs actual:"
    diff -u --label "README:${cmd_lines[c]}" --label actual \
      <(print_lines expected) <(print_lines actual) | sed 's/^/  /' || true
  fi
  remember_instants
done

for name in A B; do # a server that died explains every failure after it
  if ! kill -0 "${server_pid[$name]}" 2>/dev/null; then
    echo "server $name exited during the run; its last log lines:"
    tail -n 20 "$tmp/$name/stderr"
    failed_lines+=("server-$name")
  fi
done
echo "${#cmd_texts[@]} commands, $matched matched, ${#failed_lines[@]} failed"
if ((${#failed_lines[@]})); then
  echo "failed at README lines: ${failed_lines[*]}"
  exit 1
fi
