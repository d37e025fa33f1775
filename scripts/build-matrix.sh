#!/usr/bin/env bash
# build-matrix.sh - every build type with gcc and with clang, warnings as errors.
#
# Optimisation levels differ in the warnings they raise (GCC's -O3 finds format
# overflows that -O2 does not), so each of Debug, Release, RelWithDebInfo and
# MinSizeRel is compiled with both compilers, host, unit tests and all, under
# -Werror. Nothing is run: the suites run on the default build. Last, a build
# configured with -DMEKIKI_TESTS=OFF must not look for cmocka.
#
# Usage: scripts/build-matrix.sh [--skip CC:TYPE]...   (e.g. --skip gcc:RelWithDebInfo,
#        the type scripts/setup.sh already built). Builds go to build-matrix/CC-TYPE.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${MEKIKI_MATRIX_DIR:-$root/build-matrix}
jobs=$(nproc)
skip=" "
while [ $# -gt 0 ]; do
    case "$1" in
        --skip) skip="$skip$2 "; shift ;;
        *) echo "build-matrix: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

for cc in gcc clang; do
    for type in Debug Release RelWithDebInfo MinSizeRel; do
        case "$skip" in *" $cc:$type "*) continue ;; esac
        dir=$out/$cc-$type
        echo "== $cc $type"
        start=$SECONDS
        CC=$cc cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DMEKIKI_WERROR=ON >/dev/null
        if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
            grep -E "error|warning" "$dir/build.log" | head -40 >&2
            echo "build-matrix: $cc $type failed (full log: $dir/build.log)" >&2
            exit 1
        fi
        echo "   built in $((SECONDS - start)) s"
    done
done

echo "== tests off"
dir=$out/no-tests
cmake -S "$root" -B "$dir" -DMEKIKI_TESTS=OFF >/dev/null
if grep -qi "^CMOCKA" "$dir/CMakeCache.txt"; then
    echo "build-matrix: a build without tests looked for cmocka" >&2
    exit 1
fi
echo "   configured without cmocka"
