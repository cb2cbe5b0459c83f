#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-fuzz/ and runs
# each for SECONDS (default 60) on a copy of its seed corpus, TURNO_FUZZ_JOBS
# (default: the number of cores) at a time. Any crash fails the script.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-60}
shift || true
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTURNO_FUZZ=ON -DTURNO_SANITIZE=ON \
  -DTURNO_BUILD_GUI=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_all
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
# Up to TURNO_FUZZ_JOBS targets at once (default: one per core); libFuzzer is
# single-threaded and -max_total_time is wall time, so each still runs SECONDS.
jobs=${TURNO_FUZZ_JOBS:-$(nproc)}
run_one() {
  local t=$1 short=${1#fuzz_} work log
  work=$(mktemp -d)
  log="build-fuzz/$t.log"
  cp -r "tests/fuzz/corpus/$short/." "$work/" 2>/dev/null || true
  if ASAN_OPTIONS=detect_leaks=1 "build-fuzz/tests/fuzz/$t" -max_total_time="$seconds" -max_len=65536 \
      -artifact_prefix="build-fuzz/$t-" "$work" >"$log" 2>&1; then
    echo "fuzz: $t ran ${seconds}s: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -n 1)"
  else
    echo "fuzz: $t FAILED (input saved as build-fuzz/$t-*); its log:"
    tail -n 60 "$log"
    rm -rf "$work"
    return 1
  fi
  rm -rf "$work"
}
pids=()
failed=0
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do
  wait "$p" || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: a target crashed" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each with no crash"
