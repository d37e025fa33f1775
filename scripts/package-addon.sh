#!/usr/bin/env bash
# package-addon.sh - builds dist/mekiki.xpi from addon/.
#
# An .xpi is a zip of the add-on folder with manifest.json at its root.
# Python's zipfile writes it (python3 is needed for the build anyway, and this
# avoids depending on the zip tool): files in sorted order, hidden files left
# out, one fixed timestamp, so the same sources give the same archive.
# Usage: scripts/package-addon.sh [OUTPUT.xpi]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/dist/mekiki.xpi}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"

python3 - "$root/addon" "$out" "$root/data" <<'PY'
import os, sys, zipfile
src, out, data = sys.argv[1], sys.argv[2], sys.argv[3]
paths = []
for dirpath, dirnames, filenames in os.walk(src):
    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    paths += [(os.path.join(dirpath, f), os.path.relpath(os.path.join(dirpath, f), src)) for f in filenames if not f.startswith(".")]
# The reporting desks are data the add-on reads itself (data/ -> data/ in the xpi).
paths.append((os.path.join(data, "report-desks.json"), os.path.join("data", "report-desks.json")))
tmp = out + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for path, name in sorted(paths, key=lambda p: p[1]):
        info = zipfile.ZipInfo(name.replace(os.sep, "/"), (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(path, "rb") as f:
            z.writestr(info, f.read())
os.replace(tmp, out)
PY
echo "$out"
