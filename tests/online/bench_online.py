"""The online stage's time per message, with every server answering and with all silent.

Not a test (no assertion on time): a benchmark whose figures go to docs/benchmarks.md.
Each seed case's message is analysed RUNS times against its recorded servers with no
cache (every question really asked), then against servers that accept and never
answer, with the default 3 s budget. The time is the report's timing_ms.enrich: the
online stage alone (look-ups and the second round of checks), without start-up.

    MEKIKI=build/mekiki python3 tests/online/bench_online.py [RUNS]
"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import FIXTURES, analyze, mekiki  # noqa: E402
from test_cases import CASES, parse_case, start_servers  # noqa: E402

SEEDS = ["seed0-expy", "seed1-ekinet", "seed2-sakura", "seed3-webmail", "seed4-keydog"]


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(case, runs, silent):
    if silent:
        case = dict(case, case=dict(case["case"], servers="silent", budget_ms="3000"))
    times = []
    with tempfile.TemporaryDirectory() as cache:
        args, servers = start_servers(case, cache)
        args = [a for a in args if a != "--cache" and a != cache] + ["--no-cache"]
        try:
            for _ in range(runs):
                report, _ = analyze(args, os.path.join(FIXTURES, case["case"]["message"]), timeout=60)
                times.append(report["timing_ms"]["enrich"])
        finally:
            for s in servers:
                s.stop()
    return times


def main():
    mekiki()
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for silent in (False, True):
        every = []
        for name in SEEDS:
            every += measure(parse_case(os.path.join(CASES, name + ".case")), runs, silent)
        print(f"{'all silent (budget 3000 ms)' if silent else 'all answering'}: {len(every)} analyses, "
              f"median {statistics.median(every):.1f} ms, p95 {p95(every):.1f} ms, max {max(every):.1f} ms")


if __name__ == "__main__":
    main()
