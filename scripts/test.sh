#!/usr/bin/env bash
# Runs every test of Mekiki, from a fresh clone, installing what it needs:
#   1. set-up (Debian packages, GeoIP/ASN databases, build with warnings as errors),
#      then every other build type with gcc and clang, compiled only (build-matrix.sh)
#   2. the whole ctest suite (unit, fixtures, native messaging, scan, online with real
#      local servers, add-on unit tests, Thunderbird end-to-end)
#   2b. the Windows build (scripts/build-windows.sh: a cold build of every dependency
#      from Debian's sources, cached outside the clone) and, under Wine, the fixture,
#      native-messaging, scan and online suites plus tests/windows/test_wine.py
#      with MEKIKI_WINDOWS_TESTS=1 (not yet by default: an online analysis by
#      mekiki.exe under Wine sometimes never ends; see README "Windows")
#   3. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, and, when
#      ../shared/corpus is present, a sanitizer scan of the whole corpus
#   4. a short run of every libFuzzer target (when any exist)
# Exits non-zero on the first failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

echo "== set-up"
scripts/setup.sh

echo "== every build type, gcc and clang, warnings as errors"
scripts/build-matrix.sh --skip gcc:RelWithDebInfo

if [ -f tests/addon/package.json ]; then
  echo "== add-on test dependencies"
  (cd tests/addon && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

if [ "${MEKIKI_WINDOWS_TESTS:-0}" != 0 ]; then
  echo "== Windows build (mingw-w64 cross-compile) and its tests under Wine"
  scripts/build-windows.sh
  wine_env=(MEKIKI="$root/build-windows/mekiki-wine" MEKIKI_DATA_DIR="$root/data" MEKIKI_SOURCE_DIR="$root"
            MEKIKI_BUILD_DIR="$root/build-windows" XDG_CACHE_HOME="$root/build-windows/test-cache"
            XDG_DATA_HOME="$root/build-windows/test-data" WINEPREFIX="$root/build-windows/wineprefix"
            MEKIKI_GEOIP_CITY="$root/build-windows/test-data/mekiki/geo/GeoLite2-City.mmdb"
            MEKIKI_GEOIP_ASN="$root/build-windows/test-data/mekiki/geo/asn.mmdb")
  WINEPREFIX="$root/build-windows/wineprefix" wineboot -i >/dev/null 2>&1 || true
  for t in tests/fixtures/test_fixtures.py tests/native/test_native.py tests/scan/test_scan.py tests/online/test_*.py \
           tests/geo/test_update_data.py; do
    echo "-- $t (Windows build)"
    env "${wine_env[@]}" python3 "$t"
  done
  env "${wine_env[@]}" MEKIKI="$root/build/mekiki" MEKIKI_WINE="$root/build-windows/mekiki-wine" \
    MEKIKI_WINE_EXE="$(ls -d "$root"/build-windows/mekiki-*-windows-x64)/mekiki.exe" python3 tests/windows/test_wine.py
else
  echo "== Windows build and Wine suites skipped: set MEKIKI_WINDOWS_TESTS=1 to run them"
fi

echo "== tests under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMEKIKI_SANITIZE=ON -DMEKIKI_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The Thunderbird end-to-end run is covered above; here the host's own suites.
ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 1800 -E '^e2e\.'

if [ -d "$root/../shared/corpus" ]; then
  echo "== corpus scan under ASan + UBSan"
  # Exit status 1 only means some file was not a readable message; a sanitizer error aborts (>1).
  status=0
  build-asan/mekiki scan --offline --jobs "$jobs" "$root/../shared/corpus" >/dev/null || status=$?
  if [ "$status" -gt 1 ]; then
    echo "corpus scan under sanitizers failed with status $status" >&2
    exit 1
  fi
else
  echo "== corpus scan skipped: ../shared/corpus is not present"
fi

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing (short)"
  scripts/fuzz.sh --short
fi
echo "== all tests passed"
