#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets and run them.
#
# Every native-host/fuzz/fuzz_NAME.c is a libFuzzer target. They are built
# with clang into build-fuzz/ under AddressSanitizer and UndefinedBehavior-
# Sanitizer; the whole core library is compiled with coverage instrumentation
# (-fsanitize=fuzzer-no-link) so the fuzzer is guided by the parser code, not
# only by the small driver file.
#
# A run of one target:
#   1. replays every saved crasher in native-host/fuzz/regress/NAME/ (a fixed
#      bug must stay fixed; this fails before any fuzzing starts),
#   2. fuzzes, starting from a working corpus in build-fuzz/fuzz-corpus/NAME/
#      that grows from run to run, seeded from native-host/fuzz/corpus/NAME/
#      and, for the targets that take whole messages, tests/fixtures/*.eml,
#   3. copies whatever the fuzzer reports (crash-, leak-, timeout-, oom-
#      inputs) into native-host/fuzz/regress/NAME/ and fails.
# Execution counts are appended to build-fuzz/fuzz-stats.tsv so totals over
# many runs can be added up. Runs of a minute or more are also appended to the
# committed ledger native-host/fuzz/executions.tsv (with the commit fuzzed), so
# the totals the project reports survive a new machine; --stats prints both.
#
# Usage:
#   scripts/fuzz.sh --short             every target for 15 s, two at a time (CI)
#   scripts/fuzz.sh [--time S] [--runs N] [--parallel P] [TARGET...]
#   scripts/fuzz.sh --stats             total executions per target: ledger and this build
#   scripts/fuzz.sh --replay            only replay the regression inputs
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_EXTRA_CFLAGS (added to
# the compile flags, e.g. -fno-sanitize=... to fuzz past a known, reported bug),
# FUZZ_KEEP_GOING=1 (long runs: fuzz in a child process that is restarted after
# each crash, so one known bug does not end the run; every crasher is kept).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
fuzzdir="$root/native-host/fuzz"
stats="$build/fuzz-stats.tsv"
ledger="$fuzzdir/executions.tsv"

time_s=600
runs=-1
parallel=$(nproc)
[ "$parallel" -gt 2 ] && parallel=2
mode=fuzz
targets=()

usage() {
    sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --short) time_s=15; runs=-1 ;;
        --time) time_s=$2; shift ;;
        --runs) runs=$2; time_s=0; shift ;;
        --parallel) parallel=$2; shift ;;
        --stats) mode=stats ;;
        --replay) mode=replay ;;
        -h|--help) usage ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
        *) targets+=("$1") ;;
    esac
    shift
done

# ---- helpers ------------------------------------------------------------------

# Totals per target of a tab-separated file of runs (target, executions, seconds, ...).
print_totals() {
    printf "%-16s %14s %8s %6s\n" target executions seconds runs
    awk -F'\t' '/^#/ { next } { execs[$1] += $2; secs[$1] += $3; runs[$1]++ }
        END { for (t in execs) printf "%-16s %14d %8d %6d\n", t, execs[t], secs[t], runs[t] }' "$1" | sort
}

print_stats() {
    if [ -f "$ledger" ]; then
        echo "ledger (runs of a minute or more, every machine): ${ledger#"$root"/}"
        print_totals "$ledger"
    fi
    if [ -f "$stats" ]; then
        echo "this build directory (every run): $stats"
        print_totals "$stats"
    else
        echo "no runs in $build yet"
    fi
}

all_targets() {
    for src in "$fuzzdir"/fuzz_*.c; do
        basename "$src" .c | sed 's/^fuzz_//'
    done
}

# Targets that read a whole raw message also start from the test fixtures.
takes_messages() {
    case "$1" in message|analyze|mbox) return 0 ;; *) return 1 ;; esac
}

configure_and_build() {
    local names=("$@")
    # The sanitizer flags are given here rather than by MEKIKI_SANITIZE so that
    # FUZZ_EXTRA_CFLAGS comes after them and can switch one check off.
    local san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMEKIKI_FUZZ=ON -DMEKIKI_SANITIZE=OFF -DMEKIKI_TESTS=OFF -DMEKIKI_WERROR=OFF \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $san ${FUZZ_EXTRA_CFLAGS:-}" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
    cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${names[@]}") >/dev/null
}

# A 64 MiB quarantine still holds every block freed while one input runs, so a
# use after free is caught; the default 256 MiB only costs page faults and
# memory over a long run. Filling new blocks with 0xbe helps a debugger, not
# the fuzzer. Together they make the message targets about 15% faster.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:symbolize=1:quarantine_size_mb=64:max_malloc_fill_size=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

common_flags() {
    echo "-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1"
}

# Inputs no longer than a target's real inputs get: longer ones only slow it down.
max_len_for() {
    case "$1" in
        received|url) echo 8192 ;;
        links) echo 65536 ;;
        *) echo 262144 ;;
    esac
}

# Replays the saved crashers of one target; fails when any of them still crashes.
replay_target() {
    local name=$1 dir="$fuzzdir/regress/$1"
    [ -d "$dir" ] || return 0
    local files=("$dir"/*)
    [ -e "${files[0]}" ] || return 0
    "$build/fuzz_$name" $(common_flags) "${files[@]}" >"$build/logs/$name.replay.log" 2>&1 || {
        echo "fuzz_$name: a regression input crashes again, see $build/logs/$name.replay.log" >&2
        tail -n 30 "$build/logs/$name.replay.log" >&2
        return 1
    }
    echo "fuzz_$name: ${#files[@]} regression input(s) replayed cleanly"
}

# Fuzzes one target; keeps new crashers as regression inputs.
fuzz_target() {
    local name=$1
    local work="$build/fuzz-corpus/$name" art="$build/artifacts/$name/" log="$build/logs/$name.log"
    mkdir -p "$work" "$art"
    local seeds=("$work")
    [ -d "$fuzzdir/corpus/$name" ] && seeds+=("$fuzzdir/corpus/$name")
    if takes_messages "$name"; then
        mkdir -p "$build/fixture-seeds"
        cp -f "$root"/tests/fixtures/*.eml "$build/fixture-seeds/" 2>/dev/null || true
        seeds+=("$build/fixture-seeds")
    fi
    local limit="-max_total_time=$time_s"
    [ "$runs" != "-1" ] && limit="-runs=$runs"
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && limit="$limit -fork=1 -ignore_crashes=1 -ignore_timeouts=1"
    local status=0 started commit
    started=$(date +%s)
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo -)   # what the binary was built from
    "$build/fuzz_$name" $(common_flags) -max_len="$(max_len_for "$name")" $limit -artifact_prefix="$art" \
        "${seeds[@]}" >"$log" 2>&1 || status=$?
    local execs secs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # Without final statistics (the fuzzer was stopped), the last progress line counts.
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\):\{0,1\}[[:space:]].*/\1/p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    [ -n "$secs" ] || secs=$(($(date +%s) - started))
    local finished
    finished=$(date -u +%FT%TZ)
    printf '%s\t%s\t%s\t%s\n' "$name" "${execs:-0}" "$secs" "$finished" >>"$stats"
    if [ "$secs" -ge 60 ]; then
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${execs:-0}" "$secs" "$finished" "$commit" >>"$ledger"
    fi
    keep_artifacts "$name" "$art"
    if [ "$status" -eq 72 ]; then
        echo "fuzz_$name: interrupted after ${execs:-?} executions"   # SIGINT: libFuzzer exits 72
        return 0
    fi
    if [ "$status" -ne 0 ]; then
        echo "fuzz_$name: FAILED after ${execs:-?} executions (status $status), see $log" >&2
        grep -m 1 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error' "$log" >&2 || true
        return 1
    fi
    echo "fuzz_$name: ${execs:-?} executions in ${secs:-?} s, no crash"
}

# Moves every input the fuzzer flagged into the regression folder.
keep_artifacts() {
    local name=$1 art=$2 f
    for f in "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-* "$art"slow-unit-*; do
        [ -e "$f" ] || continue
        mkdir -p "$fuzzdir/regress/$name"
        mv -f "$f" "$fuzzdir/regress/$name/"
        echo "fuzz_$name: kept $(basename "$f") in native-host/fuzz/regress/$name/" >&2
    done
}

# ---- main ---------------------------------------------------------------------

if [ "$mode" = stats ]; then
    print_stats
    exit 0
fi
if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is needed for libFuzzer (apt-get install clang)" >&2
    exit 1
fi
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(all_targets)

echo "building ${targets[*]} in $build"
configure_and_build "${targets[@]}"
mkdir -p "$build/logs"

failed=0
for name in "${targets[@]}"; do
    replay_target "$name" || failed=1
done
[ "$mode" = replay ] && exit "$failed"
[ "$failed" -ne 0 ] && exit 1

# Run up to $parallel targets at once; a failing job leaves a marker file.
rm -f "$build"/logs/*.failed
for name in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
        sleep 1
    done
    { fuzz_target "$name" || touch "$build/logs/$name.failed"; } &
done
wait
for name in "${targets[@]}"; do
    [ -e "$build/logs/$name.failed" ] && failed=1
done
print_stats
exit "$failed"
