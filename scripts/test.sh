#!/usr/bin/env bash
# Runs every test of Mekiki, from a fresh clone, installing what it needs:
#   1. set-up (Debian packages, GeoIP/ASN databases, build with warnings as errors),
#      then every other build type with gcc and clang, compiled only (build-matrix.sh)
#   2. the whole ctest suite (unit, fixtures, native messaging, scan, online with real
#      local servers, add-on unit tests, Thunderbird end-to-end)
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
