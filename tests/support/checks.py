"""Named checks for the integration test scripts: each prints ok/FAIL with its
name, a group that crashes counts as one failure without stopping the others,
and the run ends with the 'N passed, N failed' line ctest's log shows."""
import sys

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:600]))


def run_groups(groups, *args):
    """Runs each group (a function taking args); returns the exit status."""
    for group in groups:
        try:
            group(*args)
        except Exception as e:  # a crash in one group is a failure, not the end
            check(group.__name__, False, repr(e))
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1
