#!/usr/bin/env bash
# Goal: how long the dashboard's overview takes to draw in a real browser on
# a generated municipality: one jobcentre, all of them, and one jobcentre as
# known on an earlier day (read from the log, not the materialization, and
# with the cases whose verdicts changed since); a drill-down, the cases
# behind one figure; a team's worklist; and a case's page.
# Method: generates `--scale municipality` (seed 7 unless given), imports it
# into caseline-server on free localhost ports with a fresh data dir, opens
# each overview three times in headless Chromium through chromedriver
# (WebDriver), each time from a blank page, and prints the milliseconds from
# the page's load to the overview drawn (the page's own data-ready-ms).
#
# Usage: benchmarks/dashboard_load.sh [seed]
# With DASHBOARD_SCREENSHOTS=DIR, each page is also saved as DIR/NAME.png
# (the README's docs/screenshots come from seed 7).
# Assumes the Release build in build/ (scripts/bench builds it) and
# Debian's chromium and chromium-driver (scripts/setup installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

seed=${1:-7}
# shellcheck source=benchmarks/load_server.sh
source benchmarks/load_server.sh dashboard

"$client_bin" generate --scale municipality --seed "$seed" >"$work/muni.jsonl"
start_server
http=${listening#*http=}
http=${http%% *}
"$client_bin" --server "$address" import-history "$work/muni.jsonl" >/dev/null 2>&1
jobcentre=$(grep -m1 -o '"jobcentre_id":"[^"]*"' "$work/muni.jsonl" | cut -d'"' -f4)
# A team of that jobcentre, and a case of the README's tour.
team=$(grep -m1 -o "\"jobcentre_id\":\"$jobcentre\"[^}]*\"team_id\":\"[^\"]*\"" "$work/muni.jsonl" |
  grep -o '"team_id":"[^"]*"' | cut -d'"' -f4)

driver_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chromedriver --port="$driver_port" --log-level=OFF >/dev/null 2>&1 &
driver_pid=$!
trap 'kill "$driver_pid" 2>/dev/null || true; cleanup' EXIT

python3 - "$driver_port" "overview-all=http://$http/#/overview?as_of=2020-06-30" \
  "overview=http://$http/#/overview?jobcentre=$jobcentre&as_of=2020-06-30" \
  "overview-known-then=http://$http/#/overview?jobcentre=$jobcentre&as_of=2020-06-30&known_at=2020-03-01T00:00:00Z" \
  "drilldown=http://$http/#/cases?jobcentre=$jobcentre&as_of=2020-06-30&rule_set_id=dk-lab-2016&requirement_id=first-active-offer&status=OVERDUE" \
  "worklist=http://$http/#/worklist?jobcentre=$jobcentre&team=$team&as_of=2020-06-30" \
  "case=http://$http/#/case?id=case-1665&as_of=2018-06-30" <<'PY'
import base64, json, os, sys, time, urllib.error, urllib.request

driver = f"http://127.0.0.1:{sys.argv[1]}"

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(driver + path, method=method, data=data,
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["value"]

for _ in range(100):  # chromedriver takes a moment to listen
    try:
        call("GET", "/status")
        break
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.1)
session = call("POST", "/session", {"capabilities": {"alwaysMatch": {
    "browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium",
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1300,1800"]}}}})["sessionId"]
ready = ("const page = document.querySelector('#page > [data-ready]');"
         "return page ? page.dataset.ready + ' ' + page.dataset.readyMs : '';")
screenshots = os.environ.get("DASHBOARD_SCREENSHOTS")
for name, _, url in (arg.partition("=") for arg in sys.argv[2:]):
    figures = []
    for _ in range(3):
        call("POST", f"/session/{session}/url", {"url": "about:blank"})
        call("POST", f"/session/{session}/url", {"url": url})
        answer = ""
        for _ in range(3000):
            answer = call("POST", f"/session/{session}/execute/sync", {"script": ready, "args": []})
            if answer:
                break
            time.sleep(0.02)
        state, _, ms = answer.partition(" ")
        if state != "true":
            sys.exit(f"dashboard_load: {url} did not draw ({answer!r})")
        figures.append(ms)
    print(f"dashboard_load: {url.split('#', 1)[1]:<90} {' '.join(figures)} ms")
    if screenshots:
        png = call("GET", f"/session/{session}/screenshot")
        with open(os.path.join(screenshots, f"{name}.png"), "wb") as out:
            out.write(base64.b64decode(png))
call("DELETE", f"/session/{session}")
PY
