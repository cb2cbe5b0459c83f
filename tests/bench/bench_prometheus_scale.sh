#!/usr/bin/env bash
# Scale benchmark (issue 21 point 4): a fleet of NODES turno nodes (one
# fleet_simulator process serving NODES distinct /metrics endpoints) scraped
# every second by a real Prometheus, and the console watching it two ways,
# alternated A B A B:
#   A  turno-console --attach-prometheus (every figure and chart from Prometheus's API)
#   B  turno-console --attach-node x NODES (the console scrapes every node itself)
# both on the Charts tab, every chart on screen (a 1900x1160 window on Xvfb, so
# the charts really paint), 1 s refresh. Per run: WARMUP s to attach and
# backfill, then MEASURE s of the console's CPU (% of one core, utime+stime
# from /proc/PID/stat), its VmRSS at the end and VmHWM; Prometheus's, the
# simulator's and Xvfb's CPU in the same window, and what the nodes and
# Prometheus were asked (scrapes/s, probes/s, API requests/s), for information.
# Budget for A: <= 5 % of a core and <= 300 MB RSS (and HWM); exits 3 when A is over it.
#   tests/bench/bench_prometheus_scale.sh BUILD_DIR
#   env: NODES=200 RUNS=3 WARMUP=25 MEASURE=60 SERVER_CORE=0 CONSOLE_CORE=1
#        SHOTS=DIR (a screenshot of each run's window, taken after its measurement)
#        PERF=DIR  (perf record --call-graph dwarf of the console over each measured window: where the time goes;
#                   perf's sampling adds its own cost to the figures, so profile and measure apart)
# Prometheus starts empty: a run's backfill finds only the minutes since (the
# "history s" column), not the 6 h an older Prometheus would return.
# Simulator and Prometheus run on SERVER_CORE, the console and its Xvfb on
# CONSOLE_CORE. Loopback only; everything is stopped by PID on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: bench_prometheus_scale.sh BUILD_DIR}
build=$(cd "$build" && pwd)
console=$build/app/turno-console
simulator=$build/tests/bench/fleet_simulator
server=$build/server/turno-server
for b in "$console" "$simulator" "$server"; do
  [ -x "$b" ] || { echo "no $b: build first (cmake --build $build)" >&2; exit 2; }
done
prometheus=$(command -v prometheus || true)
for p in "$prometheus" Xvfb taskset curl python3 xwininfo; do
  [ -n "$p" ] && command -v "$p" >/dev/null || { echo "${p:-prometheus} missing: run scripts/setup.sh" >&2; exit 2; }
done
NODES=${NODES:-200}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-25}
MEASURE=${MEASURE:-60}
SERVER_CORE=${SERVER_CORE:-0}
CONSOLE_CORE=${CONSOLE_CORE:-1}
SHOTS=${SHOTS:-}
[ -n "$SHOTS" ] && mkdir -p "$SHOTS" && SHOTS=$(cd "$SHOTS" && pwd)
PERF=${PERF:-}
if [ -n "$PERF" ]; then
  command -v perf >/dev/null || { echo "PERF needs perf (linux-perf)" >&2; exit 2; }
  mkdir -p "$PERF" && PERF=$(cd "$PERF" && pwd)
fi

work=$(mktemp -d /tmp/bench_prometheus_scale.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now() { date +%s.%N; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }  # utime+stime (fields 14, 15)
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
pct() { awk -v t0="$1" -v t1="$2" -v w0="$3" -v w1="$4" -v hz="$hz" 'BEGIN{printf "%.2f", 100*(t1-t0)/hz/(w1-w0)}'; }
die() { echo "bench_prometheus_scale: $*" >&2; exit 1; }

# --- 0. The simulator's exposition has a real turno-server's shape ---------------------------
shape() {  # metrics text on stdin -> "TYPE name type" and "SAMPLE name{label names}" lines, sorted
  python3 -c '
import re, sys
out = set()
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        out.add("TYPE " + " ".join(line.split()[2:4]))
    elif line and not line.startswith("#"):
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?", line)
        labels = sorted(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", m.group(3) or ""))
        out.add("SAMPLE %s{%s}" % (m.group(1), ",".join(labels)))
print("\n".join(sorted(out)))'
}
sport=$(free_port)
taskset -c "$SERVER_CORE" "$server" --listen 127.0.0.1:$sport --threads 1 >"$work/server.log" 2>&1 & spid=$!
pids+=($spid)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$sport/readyz" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$sport/turno/shape" >/dev/null
curl -sf "http://127.0.0.1:$sport/metrics" | shape >"$work/shape.server"
kill $spid; wait $spid 2>/dev/null || true

# --- 1. The fleet: NODES endpoints in one process --------------------------------------------
taskset -c "$SERVER_CORE" "$simulator" --nodes "$NODES" --ports-file "$work/ports" 2>"$work/simulator.log" & simpid=$!
pids+=($simpid)
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
[ -s "$work/ports" ] || die "fleet_simulator wrote no ports: $(cat "$work/simulator.log")"
mapfile -t ports <"$work/ports"
[ "${#ports[@]}" -eq "$NODES" ] || die "fleet_simulator listed ${#ports[@]} ports, not $NODES"
curl -sf "http://127.0.0.1:${ports[0]}/metrics" | shape >"$work/shape.simulator"
if ! diff -u "$work/shape.server" "$work/shape.simulator" >"$work/shape.diff"; then
  cat "$work/shape.diff" >&2
  die "fleet_simulator's families or label sets differ from turno-server's (above: - server, + simulator)"
fi

# --- 2. A real Prometheus scraping them every second, labelled as turnoctl export prometheus does
pport=$(free_port)
prom=http://127.0.0.1:$pport
{
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n'
  printf 'scrape_configs:\n  - job_name: turno\n    static_configs:\n'
  for i in "${!ports[@]}"; do
    printf "      - targets: ['127.0.0.1:%s']\n        labels: {node: 'primary-%d', pool: 'primary'}\n" "${ports[$i]}" $((i + 1))
  done
} >"$work/prometheus.yml"
taskset -c "$SERVER_CORE" "$prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address=127.0.0.1:$pport --log.level=warn >"$work/prometheus.log" 2>&1 & prompid=$!
pids+=($prompid)
prom_started=$(date +%s)
query() {  # PromQL -> the first sample's value, or "none"
  curl -sf --get --data-urlencode "query=$1" "$prom/api/v1/query" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
up=0
for _ in $(seq 120); do
  up=$(query "count(up{job=\"turno\"} == 1)" 2>/dev/null || echo 0)
  [ "$up" = "$NODES" ] && break
  sleep 0.5
done
[ "$up" = "$NODES" ] || die "Prometheus has $up of $NODES targets up after 60 s: $(tail -5 "$work/prometheus.log")"
sleep 6  # a rate over 4 s needs samples in it
# Every figure the console reads (PrometheusAttach's PromQL, 4 s window = 4 scrape intervals) is non-zero on every node.
sel='job="turno"'; api='job="turno",handler="turno"'; by='instance, node'
for check in \
  "requests_per_second|sum by ($by) (rate(turno_http_requests_total{$api}[4s]))" \
  "p50_seconds|histogram_quantile(0.5, sum by ($by, le) (rate(turno_http_request_duration_seconds_bucket{$sel}[4s])))" \
  "p99_seconds|histogram_quantile(0.99, sum by ($by, le) (rate(turno_http_request_duration_seconds_bucket{$sel}[4s])))" \
  "cpu_percent|100 * rate(process_cpu_seconds_total{$sel}[4s])" \
  "rss_bytes|process_resident_memory_bytes{$sel}" \
  "error_ratio|sum by ($by) (rate(turno_http_requests_total{$api,code=~\"5..\"}[4s])) / sum by ($by) (rate(turno_http_requests_total{$api}[4s]))"; do
  name=${check%%|*}; q=${check#*|}
  n=$(query "count(($q) > 0)")
  [ "$n" = "$NODES" ] || die "$name is non-zero on $n of $NODES nodes: $q"
done
fleet_rps=$(query "sum(rate(turno_http_requests_total{$api}[10s]))" | awk '{printf "%.0f", $1}')

# --- 3. The display: one Xvfb for every run ----------------------------------------------------
exec 7>"$work/display"
taskset -c "$CONSOLE_CORE" Xvfb -displayfd 7 -screen 0 1920x1200x24 -nolisten tcp >"$work/xvfb.log" 2>&1 & xpid=$!
exec 7>&-
pids+=($xpid)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
[ -s "$work/display" ] || die "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=:$(cat "$work/display")

api_requests() {  # the Prometheus HTTP API requests served so far (its own /metrics)
  curl -sf "$prom/metrics" | awk '/^prometheus_http_requests_total\{/ && /handler="\/api\/v1\// {s += $NF} END {printf "%d", s}'
}
node_requests() {  # handler -> requests of that handler the nodes answered, fleet-wide (as last scraped)
  query "sum(turno_http_requests_total{job=\"turno\",handler=\"$1\"})"
}

echo "scale benchmark: $NODES nodes (fleet_simulator, $fleet_rps req/s fleet-wide), Prometheus $("$prometheus" --version 2>&1 | awk 'NR==1{print $3}') scraping every 1 s"
echo "  $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); simulator+Prometheus on core $SERVER_CORE, console+Xvfb on core $CONSOLE_CORE"
echo "  runs: $RUNS x (A, B), ${WARMUP} s warm-up, ${MEASURE} s measured each"
results=$work/results
: >"$results"

one_run() {  # mode(A|B) round
  local mode=$1 round=$2
  local home=$work/home-$mode$round args=() cpid history
  history=$(($(date +%s) - prom_started))  # what Prometheus holds for the console's backfill
  mkdir -p "$home/.config" "$home/.local/share" "$home/.cache" "$home/run"
  chmod 700 "$home/run"
  if [ "$mode" = A ]; then
    args=(--attach-prometheus "$prom" --attach-job turno)
  else
    for p in "${ports[@]}"; do args+=(--attach-node "http://127.0.0.1:$p"); done
  fi
  if [ -n "$SHOTS" ]; then
    # Taken after the measured window (then the console exits by itself): proof of what was on screen.
    args+=(--screenshot "$SHOTS/scale-$mode$round.png" --after $((WARMUP + MEASURE + 2)))
  fi
  HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_CACHE_HOME=$home/.cache \
    XDG_RUNTIME_DIR=$home/run TURNO_INCIDENT_DB=$home/incidents.db QT_QPA_PLATFORM=xcb \
    taskset -c "$CONSOLE_CORE" "$console" -geometry 1900x1160+0+0 --tab charts "${args[@]}" >"$work/console-$mode$round.log" 2>&1 &
  cpid=$!
  pids+=($cpid)
  local c0 w0 p0 s0 x0 a0 m0 r0
  c0=$(cpu_ticks $cpid); w0=$(now)
  sleep "$WARMUP"
  kill -0 $cpid 2>/dev/null || die "console ($mode) exited during warm-up: $(tail -5 "$work/console-$mode$round.log")"
  local warm
  warm=$(pct "$c0" "$(cpu_ticks $cpid)" "$w0" "$(now)")
  local geometry
  # The console's biggest top-level window (Qt also maps a 1x1 leader window with the same name).
  geometry=$(xwininfo -root -tree | awk '/"Turno Ops/ {for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+x[0-9]+\+/) {
      split($i, g, "+"); split(g[1], wh, "x"); if (wh[1] * wh[2] > best) {best = wh[1] * wh[2]; size = g[1]}}} END {print size}')
  c0=$(cpu_ticks $cpid); p0=$(cpu_ticks $prompid); s0=$(cpu_ticks $simpid); x0=$(cpu_ticks $xpid)
  a0=$(api_requests); m0=$(node_requests metrics); r0=$(node_requests readyz); w0=$(now)
  if [ -n "$PERF" ]; then
    perf record -q -F 199 --call-graph dwarf,16384 -p $cpid -o "$PERF/console-$mode$round.data" -- sleep "$MEASURE" >"$work/perf.log" 2>&1 ||
      echo "  perf record failed: $(tail -2 "$work/perf.log")" >&2
  else
    sleep "$MEASURE"
  fi
  kill -0 $cpid 2>/dev/null || die "console ($mode) exited while measured: $(tail -5 "$work/console-$mode$round.log")"
  local c1 w1 p1 s1 x1 a1 m1 r1 rss hwm
  c1=$(cpu_ticks $cpid); p1=$(cpu_ticks $prompid); s1=$(cpu_ticks $simpid); x1=$(cpu_ticks $xpid)
  rss=$(status_kb $cpid VmRSS); hwm=$(status_kb $cpid VmHWM); w1=$(now)
  a1=$(api_requests); m1=$(node_requests metrics); r1=$(node_requests readyz)
  local dt
  dt=$(awk -v a="$w0" -v b="$w1" 'BEGIN{print b-a}')
  printf '%s %d %s %s %.1f %.1f %s %s %s %.0f %.0f %.1f %s %s %s\n' "$mode" "$round" \
    "$(pct "$c0" "$c1" "$w0" "$w1")" "$warm" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$(awk -v k="$hwm" 'BEGIN{print k/1024}')" \
    "$(pct "$p0" "$p1" "$w0" "$w1")" "$(pct "$s0" "$s1" "$w0" "$w1")" "$(pct "$x0" "$x1" "$w0" "$w1")" \
    "$(awk -v a="$m0" -v b="$m1" -v t="$dt" 'BEGIN{print (b-a)/t}')" "$(awk -v a="$r0" -v b="$r1" -v t="$dt" 'BEGIN{print (b-a)/t}')" \
    "$(awk -v a="$a0" -v b="$a1" -v t="$dt" 'BEGIN{print (b-a)/t}')" "${geometry:-?}" "$(cut -d' ' -f1 /proc/loadavg)" "$history" >>"$results"
  if [ -n "$SHOTS" ]; then
    for _ in $(seq 100); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
  fi
  kill $cpid 2>/dev/null || true
  wait $cpid 2>/dev/null || true
  tail -1 "$results" | awk '{printf "  %s%d: console %s %% of a core (warm-up %s %%), RSS %s MB, HWM %s MB; Prometheus %s %%, simulator %s %%, Xvfb %s %%\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
}

for round in $(seq "$RUNS"); do
  one_run A "$round"
  one_run B "$round"
done

python3 - "$results" "$NODES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
nodes = sys.argv[2]
cols = ["CPU %", "warm-up CPU %", "RSS MB", "HWM MB", "Prometheus CPU %", "simulator CPU %", "Xvfb CPU %",
        "node scrapes/s", "node /readyz/s", "Prometheus API req/s"]
print()
print("| run | console | " + " | ".join(cols) + " | window | load | history s |")
print("|---|---|" + "---|" * len(cols) + "---|---|---|")
label = {"A": "A through Prometheus", "B": "B direct, %s nodes" % nodes}
for r in rows:
    print("| %s%s | %s | %s | %s | %s | %s |" % (r[0], r[1], label[r[0]], " | ".join(r[2:12]), r[12], r[13], r[14]))
med = {}
for mode in ("A", "B"):
    sel = [r for r in rows if r[0] == mode]
    med[mode] = [statistics.median(float(r[i]) for r in sel) for i in range(2, 12)]
    print("| median | %s | %s | | | |" % (label[mode], " | ".join("%.2f" % v if i < 1 else "%.1f" % v for i, v in enumerate(med[mode]))))
cpu, rss, hwm = med["A"][0], med["A"][2], med["A"][3]
ok = cpu <= 5.0 and max(rss, hwm) <= 300.0
print()
print("A (through Prometheus): median %.2f %% of a core (budget 5 %%), RSS %.1f MB, HWM %.1f MB (budget 300 MB): %s"
      % (cpu, rss, hwm, "PASS" if ok else "FAIL"))
print("B (direct, %s nodes):   median %.2f %% of a core, RSS %.1f MB, HWM %.1f MB; B / A CPU %.2f"
      % (nodes, med["B"][0], med["B"][2], med["B"][3], med["B"][0] / med["A"][0] if med["A"][0] else float("nan")))
sys.exit(0 if ok else 3)
PY
