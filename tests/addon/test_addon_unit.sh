#!/usr/bin/env bash
# test_addon_unit.sh - runs the add-on's Node tests (node --test) from ctest.
# jsdom comes from tests/addon/package-lock.json; setup runs `npm ci` here,
# and this script does it too when node_modules is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || { echo "FAIL: node is not installed" >&2; exit 1; }
if [ ! -d "$here/node_modules/jsdom" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$here"
exec node --test
