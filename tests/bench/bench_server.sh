#!/usr/bin/env bash
# turno-server against nginx (1 worker, `return 200` with the same JSON body)
# on loopback: servers pinned to core 0, wrk to core 1, A B A B alternation,
# RUNS runs of DURATION seconds per cell, medians. Prints req/s, p50/p99 and
# the server's CPU-seconds per 100k requests (utime+stime from /proc/PID/stat).
#   tests/bench/bench_server.sh [BUILD_DIR [BUILD_DIR_B]]   (env: RUNS=3 DURATION=10 CASES="..." SERVERS="...")
# With BUILD_DIR_B, every turno server also runs from B's binary ("memory-b",
# ...), right after A's in each round (A B A B), and a B ÷ A table follows.
# INSTR=1: instead, user-space instructions per request (callgrind Ir) of the
# memory store under wrk -c64, io_uring and epoll, A B A B, medians of RUNS: a
# figure the load of a shared machine does not move (the kernel's share is not in it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
server=$build/server/turno-server
[ -x "$server" ] || { echo "no turno-server at $server: build first (cmake --build build)" >&2; exit 2; }
server_b=
if [ -n "${2:-}" ]; then
  server_b=$2/server/turno-server
  [ -x "$server_b" ] || { echo "no turno-server at $server_b: build it first" >&2; exit 2; }
fi
for p in wrk nginx redis-server taskset; do
  command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || { echo "$p missing: run scripts/setup.sh" >&2; exit 2; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}

if [ -n "${INSTR:-}" ]; then
  command -v callgrind_control >/dev/null || { echo "valgrind missing: run scripts/setup.sh" >&2; exit 2; }
  free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
  ir_once() {  # binary io -> Ir per request over DURATION s after a 3 s warm-up
    local bin=$1 io=$2 p d vp n ir
    p=$(free_port); d=$(mktemp -d)
    taskset -c 0 valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$d/cg.%p" \
      "$bin" --listen 127.0.0.1:$p --threads 1 --store memory --io $io 2>"$d/log" & vp=$!
    for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done
    taskset -c 1 wrk -t1 -c64 -d3s "http://127.0.0.1:$p/turno/bench" >/dev/null
    callgrind_control -z $vp >/dev/null 2>&1
    n=$(taskset -c 1 wrk -t1 -c64 -d${DURATION}s "http://127.0.0.1:$p/turno/bench" | awk '/requests in/ {print $1}')
    callgrind_control -d $vp >/dev/null 2>&1
    ir=$(awk '/^summary:/ {print $2; exit}' "$d/cg.$vp.1")
    kill $vp; wait $vp 2>/dev/null || true
    rm -rf "$d"
    awk -v ir=$ir -v n=$n 'BEGIN{printf "%.0f", ir/n}'
  }
  median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  echo "user-space instructions per request (callgrind), memory store, wrk -c64, $RUNS runs x ${DURATION}s, $(date -u +%FT%TZ)"
  declare -A irs
  for io in uring epoll; do
    for r in $(seq $RUNS); do
      irs[A,$io,$r]=$(ir_once "$server" $io); echo "  round $r $io A: ${irs[A,$io,$r]}" >&2
      if [ -n "$server_b" ]; then irs[B,$io,$r]=$(ir_once "$server_b" $io); echo "  round $r $io B: ${irs[B,$io,$r]}" >&2; fi
    done
    a=$(for r in $(seq $RUNS); do echo ${irs[A,$io,$r]}; done | median)
    if [ -n "$server_b" ]; then
      b=$(for r in $(seq $RUNS); do echo ${irs[B,$io,$r]}; done | median)
      printf '%-6s A %8.0f  B %8.0f  B/A %.3f\n' $io $a $b "$(awk -v a=$a -v b=$b 'BEGIN{print b/a}')"
    else
      printf '%-6s %8.0f\n' $io $a
    fi
  done
  exit 0
fi
CASES=${CASES:-"c64 c256 pipe16"}
SERVERS=${SERVERS:-"nginx memory redis-async redis-sync"}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# nginx: one worker, no master, same body as turno.
ngx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
master_process off;
error_log $work/nginx/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$ngx_port;
    location / { default_type application/json; return 200 '{"id":"bench","turno":1234567}'; }
  }
}
NGX
taskset -c 0 "$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx" & pids+=($!); declare -A pid port
pid[nginx]=$!; port[nginx]=$ngx_port

start_turno() {  # name binary args...
  local name=$1 bin=$2 p
  shift 2
  p=$(free_port)
  taskset -c 0 "$bin" --listen 127.0.0.1:$p --threads 1 "$@" 2>"$work/$name.log" & pids+=($!)
  pid[$name]=$!; port[$name]=$p
}
# Each turno server of SERVERS, and its B twin right after it when BUILD_DIR_B is given.
with_b() { local out=() s; for s in $SERVERS; do out+=("$s"); [ -n "$server_b" ] && [ "$s" != nginx ] && out+=("$s-b"); done; echo "${out[*]}"; }
SERVERS=$(with_b)
want() { [[ " $SERVERS " == *" $1 "* ]]; }

want memory && start_turno memory "$server" --store memory
want memory-b && start_turno memory-b "$server_b" --store memory

# Redis on the server's core, as the issue asks: its CPU is reported apart.
rp=$(free_port); rr=$(free_port)
taskset -c 0 redis-server --port $rp --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --dbfilename p.rdb >"$work/redis.log" 2>&1 & pids+=($!); redis_pid=$!
taskset -c 0 redis-server --port $rr --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --dbfilename r.rdb --replicaof 127.0.0.1 $rp >"$work/replica.log" 2>&1 & pids+=($!)
wait_port $rp; wait_port $rr
for d in async sync; do
  want redis-$d && start_turno redis-$d "$server" --store redis --redis 127.0.0.1:$rp --durability $d
  want redis-$d-b && start_turno redis-$d-b "$server_b" --store redis --redis 127.0.0.1:$rp --durability $d
done
for s in $SERVERS; do wait_port ${port[$s]}; done
for _ in $(seq 100); do redis-cli -p $rr info replication | grep -q master_link_status:up && break; sleep 0.05; done
for s in $SERVERS; do
  [ "${s#redis}" = "$s" ] && continue
  for _ in $(seq 100); do curl -sf http://127.0.0.1:${port[$s]}/readyz >/dev/null && break; sleep 0.05; done
done

declare -A results
run_one() {  # server case -> "rps p50ms p99ms cpu_per_100k redis_cpu_per_100k"
  local s=$1 c=$2 args=()
  case $c in
    c64) args=(-t1 -c64) ;;
    c256) args=(-t1 -c256) ;;
    pipe16) args=(-t1 -c64 -s "$here/pipeline16.lua") ;;
  esac
  local before rb
  before=$(cpu_ticks ${pid[$s]}); rb=$(cpu_ticks $redis_pid)
  local out
  out=$(taskset -c 1 wrk "${args[@]}" -d${DURATION}s --latency "http://127.0.0.1:${port[$s]}/turno/bench")
  local after ra
  after=$(cpu_ticks ${pid[$s]}); ra=$(cpu_ticks $redis_pid)
  local total rps p50 p99
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  local errs
  errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  [ -n "$errs" ] && echo "  note: $s $c: $errs" >&2
  to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v} else {sub(/s/,"",v); print v*1000} }'; }
  local cpu rcpu
  cpu=$(awk -v a=$after -v b=$before -v n=$total -v hz=$hz 'BEGIN{printf "%.3f", (a-b)/hz/n*100000}')
  rcpu=$(awk -v a=$ra -v b=$rb -v n=$total -v hz=$hz 'BEGIN{printf "%.3f", (a-b)/hz/n*100000}')
  echo "$rps $(to_ms $p50) $(to_ms $p99) $cpu $rcpu"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "turno-server benchmark: $RUNS runs x ${DURATION}s per cell, servers on core 0, wrk on core 1, $(date -u +%FT%TZ)"
for c in $CASES; do
  for r in $(seq $RUNS); do
    for s in $SERVERS; do   # A B A B: every server once per round
      results[$s,$c,$r]=$(run_one $s $c)
      echo "  round $r $c $s: ${results[$s,$c,$r]}" >&2
    done
  done
done

printf '\n%-12s %-7s %12s %9s %9s %14s %14s %10s %12s\n' server case "req/s" "p50 ms" "p99 ms" "cpu-s/100k" "redis cpu-s" "rps/nginx" "cpu/nginx"
for c in $CASES; do
  nrps=$(for r in $(seq $RUNS); do echo ${results[nginx,$c,$r]:-0} | cut -d' ' -f1; done | median)
  ncpu=$(for r in $(seq $RUNS); do echo ${results[nginx,$c,$r]:-0} | cut -d' ' -f4; done | median)
  for s in $SERVERS; do
    col() { for r in $(seq $RUNS); do echo ${results[$s,$c,$r]} | cut -d' ' -f$1; done | median; }
    rps=$(col 1); p50=$(col 2); p99=$(col 3); cpu=$(col 4); rcpu=$(col 5)
    [ "${s#redis}" = "$s" ] && rcpu="-"
    printf '%-12s %-7s %12.0f %9.3f %9.3f %14.3f %14s %10.2f %12.2f\n' "$s" "$c" "$rps" "$p50" "$p99" "$cpu" "$rcpu" \
      "$(awk -v a=$rps -v b=$nrps 'BEGIN{print (b>0)?a/b:0}')" "$(awk -v a=$cpu -v b=$ncpu 'BEGIN{print (b>0)?a/b:0}')"
  done
done

if [ -n "$server_b" ]; then
  echo
  echo "B ($server_b) ÷ A ($server), medians of $RUNS:"
  echo "(paired: the median of each round's B/A, which a load that drifts between rounds moves less)"
  printf '%-12s %-7s %12s %12s %10s %14s %14s %10s %12s %12s\n' server case "A req/s" "B req/s" "rps B/A" \
    "A cpu-s/100k" "B cpu-s/100k" "cpu B/A" "paired rps" "paired cpu"
  for c in $CASES; do
    for s in $SERVERS; do
      [ "$s" = nginx ] || [ "${s%-b}" != "$s" ] && continue
      med() { for r in $(seq $RUNS); do echo ${results[$1,$c,$r]} | cut -d' ' -f$2; done | median; }
      paired() { for r in $(seq $RUNS); do
          awk -v a="$(echo ${results[$s,$c,$r]} | cut -d' ' -f$1)" -v b="$(echo ${results[$s-b,$c,$r]} | cut -d' ' -f$1)" \
            'BEGIN{print (a>0)?b/a:0}'; done | median; }
      ar=$(med $s 1); br=$(med $s-b 1); ac=$(med $s 4); bc=$(med $s-b 4)
      printf '%-12s %-7s %12.0f %12.0f %10.3f %14.3f %14.3f %10.3f %12.3f %12.3f\n' "$s" "$c" "$ar" "$br" \
        "$(awk -v a=$br -v b=$ar 'BEGIN{print a/b}')" "$ac" "$bc" "$(awk -v a=$bc -v b=$ac 'BEGIN{print (b>0)?a/b:0}')" \
        "$(paired 1)" "$(paired 4)"
    done
  done
fi
