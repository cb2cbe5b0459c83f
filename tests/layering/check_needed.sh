#!/usr/bin/env bash
# check_needed.sh BINARY REGEX: fails if BINARY's dynamic NEEDED entries match REGEX.
set -euo pipefail
bin=$1 pattern=$2
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
if [ -z "$needed" ]; then echo "no NEEDED entries read from $bin"; exit 1; fi
bad=$(printf '%s\n' "$needed" | grep -E "$pattern" || true)
if [ -n "$bad" ]; then
  echo "layering violation: $(basename "$bin") links: $bad"
  exit 1
fi
echo "$(basename "$bin") links none of /$pattern/ ($(printf '%s\n' "$needed" | wc -l) libraries checked)"
