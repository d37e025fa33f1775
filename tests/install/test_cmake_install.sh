#!/usr/bin/env bash
# An installed mekiki works from its install alone, and says so when its data is missing.
#
# `cmake --install` puts the built host into a temporary prefix; the installed
# program then analyzes a fixture with an environment that names nothing of the
# build or source tree (no MEKIKI_DATA_DIR, a fresh HOME), so it can only find
# PREFIX/share/mekiki/data. With that directory moved away it must fail and name
# the data it looked for, never fall back to the source checkout; and no path of
# the source tree may be compiled into its read-only data.
set -euo pipefail

src=${MEKIKI_SOURCE_DIR:?}
build=${MEKIKI_BUILD_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
exe=$prefix/bin/mekiki
[ -x "$exe" ] || fail "no $exe after cmake --install"
[ -f "$prefix/share/mekiki/data/brands.json" ] || fail "data not installed under share/mekiki/data"

run() {
    env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 \
        ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
        "$exe" analyze --offline --no-cache --locale en "$src/tests/fixtures/phish-dhl-parcel-fee.eml"
}

status=0
run >"$tmp/report.json" 2>"$tmp/err" || status=$?
[ "$status" -le 1 ] || fail "installed mekiki exited $status: $(head -c 400 "$tmp/err")"
python3 - "$tmp/report.json" <<'PY' || fail "installed mekiki gave no phishing report"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["verdict"] == "phishing", report["verdict"]
assert "lookalike_domain" in {f["id"] for f in report["findings"]}
PY
echo "ok installed mekiki analyzes from $prefix alone"

mv "$prefix/share/mekiki/data" "$tmp/data-away"
status=0
run >"$tmp/report.json" 2>"$tmp/err" || status=$?
[ "$status" -ne 0 ] || fail "installed mekiki without its data gave a report (status 0)"
# The program's own message (a sanitizer build may add its report below it).
message=$(grep -m1 '^mekiki:' "$tmp/err" || true)
case "$message" in *brands.json*) ;; *) fail "the error does not name the missing data: $(head -c 400 "$tmp/err")" ;; esac
case "$message" in *"$src"*) fail "the error names the source tree: $message" ;; esac
echo "ok without its data it says so: $message"

# (Sanitizer builds keep source file names for their reports; the data directory
# of the source tree is what an install must not know.)
objcopy -O binary --only-section=.rodata "$exe" "$tmp/rodata"
if grep -qaF "$src/data" "$tmp/rodata"; then fail "the installed program holds the source path $src/data"; fi
echo "ok the installed program does not know the source tree's data"
