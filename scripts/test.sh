#!/usr/bin/env bash
# The README's test command: set up, build (ASan+UBSan by default), run every test.
#   scripts/test.sh                 sanitizer build in build-asan/, whole suite
#   TURNO_BUILD=release scripts/test.sh   plain RelWithDebInfo build in build/
#   scripts/test.sh -L unit         extra arguments go to ctest (and skip the fuzz step)
# With no arguments, turno-server and its tests are then built with
# ThreadSanitizer in build-tsan/ and the server test area (tests/server) runs
# there (TURNO_TSAN_STAGE=0 skips it), then the libFuzzer targets run
# TURNO_FUZZ_SECONDS (60) each.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh

mode=${TURNO_BUILD:-asan}
case "$mode" in
  asan)    dir=build-asan; flags=(-DTURNO_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  tsan)    dir=build-tsan; flags=(-DTURNO_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTURNO_TEST_AREAS= -DTURNO_BUILD_GUI=ON) ;;
  release) dir=build;      flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  *) echo "TURNO_BUILD must be asan, tsan or release" >&2; exit 2 ;;
esac

start=$(date +%s)
cmake -S . -B "$dir" -G Ninja "${flags[@]}"
cmake --build "$dir"
(cd "$dir" && ctest --output-on-failure --timeout 600 "$@")
passed=$(cd "$dir" && ctest -N "$@" | awk '/Total Tests:/ {print $3}')
if [ $# -eq 0 ] && [ "$mode" != tsan ] && [ "${TURNO_TSAN_STAGE:-1}" != 0 ]; then
  # turno-server is multi-threaded (one event loop per thread, Sentinel watcher,
  # registry announcer): its tests again under ThreadSanitizer, building only
  # the server, its test binaries and what they link (turno_core, Qt Test).
  # Races in turno-server (a child process whose output the tests keep in temp
  # files) and in the test binaries are written under build-tsan/tsan-logs/.
  tsan_start=$(date +%s)
  cmake -S . -B build-tsan -G Ninja -DTURNO_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTURNO_TEST_AREAS=server -DTURNO_BUILD_GUI=OFF >/dev/null
  tsan_targets=(turno-server $(sed -n 's/^turno_add_qtest(\([A-Za-z0-9_]*\) .*/\1/p' tests/server/CMakeLists.txt))
  cmake --build build-tsan --target "${tsan_targets[@]}"
  rm -rf build-tsan/tsan-logs && mkdir -p build-tsan/tsan-logs
  # die_after_fork=0: after a QProcess start (test_turno_server_redis runs
  # redis-cli; seemingly because Qt starts children with a raw clone that
  # TSan does not intercept) TSan treats the multi-threaded test process as a forked child
  # and kills it at its next thread start ("starting new threads after
  # multi-threaded fork is not supported").
  tsan_options="log_path=$here/build-tsan/tsan-logs/race second_deadlock_stack=1 die_after_fork=0"
  if [ -f tests/tsan.supp ]; then tsan_options+=" suppressions=$here/tests/tsan.supp"; fi
  tsan_ok=1
  # -LE chaos: those tests assert latencies (slowloris p99), which TSan's
  # slowdown makes meaningless; they run in the sanitizer suite above.
  TSAN_OPTIONS="$tsan_options" ctest --test-dir build-tsan -LE chaos --output-on-failure --timeout 600 || tsan_ok=0
  if compgen -G "build-tsan/tsan-logs/race*" >/dev/null; then
    cat build-tsan/tsan-logs/race* >&2
    echo "tsan: ThreadSanitizer reports above (build-tsan/tsan-logs/)" >&2
    tsan_ok=0
  fi
  [ $tsan_ok = 1 ] || exit 1
  tsan_tests=$(ctest --test-dir build-tsan -LE chaos -N | awk '/Total Tests:/ {print $3}')
  passed=$((passed + tsan_tests))
  echo "tsan: $tsan_tests server tests with no race in $(( $(date +%s) - tsan_start )) s"
fi
if [ $# -eq 0 ]; then
  bash scripts/fuzz.sh "${TURNO_FUZZ_SECONDS:-60}"
  passed=$((passed + $(ls tests/fuzz/fuzz_*.cpp | wc -l)))
fi
echo "wall time: $(( $(date +%s) - start )) s"
echo "tests: $passed passed, 0 failed"
