#!/usr/bin/env bash
# The README's run command: set up, build, and launch turno-console on the
# default local cluster profile (resources/profiles/default.json: 2 + 2 turno
# nodes behind HAProxy on 127.0.0.1:7017, Redis primary + replica, 3 sentinels).
# Extra arguments go to turno-console (see turno-console --help).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Only what the console runs: itself, the turno-server it launches, turnoctl
# (a client of the cluster it supervises) and the PDF report renderer it
# starts for exports. The test suite is scripts/test.sh's business.
cmake --build build --target turno-console turno-server turnoctl turno-report-pdf
exec build/app/turno-console --profile resources/profiles/default.json "$@"
