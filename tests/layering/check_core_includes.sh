#!/usr/bin/env bash
# The folder rule of DESIGN.md on the sources: a core/ folder includes only
# folders of a lower layer (folders of one layer know nothing of each other).
# Layers, lowest first; a folder missing here is an error too, so a new folder
# has to be placed on purpose.
#   check_core_includes.sh CORE_DIR
set -euo pipefail
core=${1:?usage: check_core_includes.sh CORE_DIR}
layers=(
  "common"
  "metrics redis incidents"
  "scrape"
  "fleet"
  "alerts load"
  "failover"
  "models"
  "control"
  "runtime"
)
declare -A level
for i in "${!layers[@]}"; do
  for f in ${layers[$i]}; do level[$f]=$i; done
done
bad=0
for dir in "$core"/*/; do
  folder=$(basename "$dir")
  if [ -z "${level[$folder]+x}" ]; then
    echo "core/$folder: not in the layer list of $0; add it where it belongs" >&2
    bad=1
    continue
  fi
  while IFS=: read -r file line text; do
    dep=$(sed -n 's/^#include "\([a-z_]*\)\/.*/\1/p' <<<"$text")
    [ -n "$dep" ] || continue
    [ "$dep" = "$folder" ] && continue
    if [ -z "${level[$dep]+x}" ]; then
      continue  # not a core folder (generated headers and the like)
    fi
    if [ "${level[$dep]}" -ge "${level[$folder]}" ]; then
      echo "${file#"$core"/}:$line: core/$folder (layer ${level[$folder]}) includes core/$dep (layer ${level[$dep]}): only lower layers may be included" >&2
      bad=1
    fi
  done < <(grep -n "^#include \"" "$dir"* /dev/null 2>/dev/null || true)
done
if [ $bad = 0 ]; then echo "core layering: every include goes to a lower layer"; fi
exit $bad
