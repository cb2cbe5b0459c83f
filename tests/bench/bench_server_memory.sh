#!/usr/bin/env bash
# turno-server memory over time: RSS idle, then after each further 10 million
# requests (pipelined wrk over 1,000 ids), plus open fds. Target: idle RSS
# under 20 MB, and RSS within +-5% between the 10M and 20M marks.
#   tests/bench/bench_server_memory.sh [BUILD_DIR]     (env: ROUNDS=3 STORE=memory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
server=$build/server/turno-server
[ -x "$server" ] || { echo "no turno-server at $server: build first" >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
taskset -c 0 "$server" --listen 127.0.0.1:$port --threads 1 2>"$work/server.log" &
spid=$!
trap 'kill $spid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done

cat > "$work/ids.lua" <<'LUA'
-- 16 pipelined requests per connection, ids cycling over 1,000 names.
local n = 0
request = function()
  local r = {}
  for i = 1, 16 do
    n = n + 1
    r[i] = wrk.format("GET", "/turno/id" .. (n % 1000))
  end
  return table.concat(r)
end
LUA

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$spid/status"; }
fds() { ls "/proc/$spid/fd" | wc -l; }
issued() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^turno_numbers_issued_total/ {printf "%d", $2}'; }

printf '%-22s %12s %10s %8s\n' stage requests "RSS MB" fds
printf '%-22s %12s %10.1f %8d\n' idle 0 "$(awk -v k="$(rss_kb)" 'BEGIN{print k/1024}')" "$(fds)"
target=0
for r in $(seq "$ROUNDS"); do
  target=$((target + 10000000))
  while [ "$(issued)" -lt "$target" ]; do
    taskset -c 1 wrk -t1 -c64 -d5s -s "$work/ids.lua" "http://127.0.0.1:$port/" >/dev/null
  done
  sleep 1  # let idle keep-alive state settle
  printf '%-22s %12d %10.1f %8d\n' "after ${r}x10M" "$(issued)" "$(awk -v k="$(rss_kb)" 'BEGIN{print k/1024}')" "$(fds)"
done
