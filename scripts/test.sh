#!/usr/bin/env bash
# The README's test command: set up, build (ASan+UBSan by default), run every test.
#   scripts/test.sh                 sanitizer build in build-asan/, whole suite
#   TURNO_BUILD=release scripts/test.sh   plain RelWithDebInfo build in build/
#   scripts/test.sh -L unit         extra arguments go to ctest (and skip the fuzz step)
# With no arguments, the libFuzzer targets then run TURNO_FUZZ_SECONDS (60) each.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh

mode=${TURNO_BUILD:-asan}
case "$mode" in
  asan)    dir=build-asan; flags=(-DTURNO_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  tsan)    dir=build-tsan; flags=(-DTURNO_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  release) dir=build;      flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  *) echo "TURNO_BUILD must be asan, tsan or release" >&2; exit 2 ;;
esac

start=$(date +%s)
cmake -S . -B "$dir" -G Ninja "${flags[@]}"
cmake --build "$dir"
(cd "$dir" && ctest --output-on-failure --timeout 600 "$@")
passed=$(cd "$dir" && ctest -N "$@" | awk '/Total Tests:/ {print $3}')
if [ $# -eq 0 ]; then
  bash scripts/fuzz.sh "${TURNO_FUZZ_SECONDS:-60}"
  passed=$((passed + $(ls tests/fuzz/fuzz_*.cpp | wc -l)))
fi
echo "wall time: $(( $(date +%s) - start )) s"
echo "tests: $passed passed, 0 failed"
