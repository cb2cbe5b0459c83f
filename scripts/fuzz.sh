#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-fuzz/ and runs
# each for SECONDS (default 60) on its seed corpus. Any crash fails the script.
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
for t in "${targets[@]}"; do
  short=${t#fuzz_}
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$short/." "$work/" 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 "build-fuzz/tests/fuzz/$t" -max_total_time="$seconds" -max_len=65536 \
    -artifact_prefix="build-fuzz/$t-" "$work" 2>&1 | tail -n 3
  rm -rf "$work"
done
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each with no crash"
