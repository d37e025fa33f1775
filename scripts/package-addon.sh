#!/usr/bin/env bash
# package-addon.sh - builds dist/mekiki.xpi from addon/.
#
# An .xpi is a zip of the add-on folder with manifest.json at its root. Files
# are added in sorted order with extra attributes stripped (-X) and a fixed
# timestamp, so the same sources give the same archive.
# Usage: scripts/package-addon.sh [OUTPUT.xpi]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/dist/mekiki.xpi}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
command -v zip >/dev/null || { echo "package-addon.sh: 'zip' is required (apt-get install zip)" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -R "$root/addon/." "$stage/"
find "$stage" -name '.*' -prune -exec rm -rf {} +
find "$stage" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +

mkdir -p "$(dirname "$out")"
rm -f "$out"
(cd "$stage" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | zip -q -X -D "$out" -@)
echo "$out"
