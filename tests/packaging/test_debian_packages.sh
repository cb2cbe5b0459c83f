#!/usr/bin/env bash
# Builds the .deb packages with CPack, lints them, validates the desktop entry
# and AppStream metainfo, installs them on this machine with dpkg -i, runs each
# program's --version, and removes them again.
#   test_debian_packages.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
[ "$(id -u)" = 0 ] || { echo "needs root to install packages with dpkg"; exit 1; }
for p in lintian appstreamcli desktop-file-validate dpkg-deb; do
  command -v $p >/dev/null || { echo "$p missing: run scripts/setup.sh"; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"; dpkg -r turno-console turno-server >/dev/null 2>&1 || true' EXIT

desktop-file-validate "$src/packaging/desktop/turno-console.desktop"
appstreamcli validate --no-net --pedantic "$src/packaging/desktop/io.turno_ops.console.metainfo.xml" || \
  appstreamcli validate --no-net "$src/packaging/desktop/io.turno_ops.console.metainfo.xml"

(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; exit 1; }
debs=("$out"/*.deb)
[ ${#debs[@]} -eq 2 ] || { echo "expected 2 packages, got: ${debs[*]}"; exit 1; }
for d in "${debs[@]}"; do
  echo "== $(basename "$d")"
  dpkg-deb --field "$d" Package Version Depends Recommends
  dpkg-deb --contents "$d" | awk '{print $6}' | sed 's/^/   /'
done
dpkg-deb --field "$out"/turno-console_*.deb Recommends | grep -q haproxy
dpkg-deb --field "$out"/turno-console_*.deb Depends | grep -q libqt6sql6-sqlite
dpkg-deb --field "$out"/turno-server_*.deb Depends | grep -q libhiredis

# Errors fail the test; warnings are listed.
lintian --no-tag-display-limit "${debs[@]}" >"$out/lintian.txt" 2>&1 || true
cat "$out/lintian.txt"
if grep -q '^E: ' "$out/lintian.txt"; then echo "lintian reports errors"; exit 1; fi

dpkg -i "${debs[@]}"
QT_QPA_PLATFORM=offscreen /usr/bin/turno-console --version
/usr/bin/turnoctl --version
/usr/bin/turno-server --version
test -f /usr/share/applications/turno-console.desktop
test -f /usr/share/metainfo/io.turno_ops.console.metainfo.xml
test -f /usr/share/icons/hicolor/scalable/apps/turno-ops.svg
test -f /usr/share/turno-ops/profiles/default.json
test -f /lib/systemd/system/turno-server.service || test -f /usr/lib/systemd/system/turno-server.service
dpkg -r turno-console turno-server
echo "packages built, linted, installed, run and removed"
