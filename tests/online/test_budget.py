"""With every server silent, the report equals the offline one, the online stage ends within budget
+ 200 ms (800 ms under sanitizers), and the silent servers were asked."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Silent, analyze, finding_ids, mekiki  # noqa: E402

BUDGET_MS = 1000
# What the host may take beyond the budget to cancel and finish; AddressSanitizer
# slows that work several times over (scripts/test.sh's build-asan).
SLACK_MS = 800 if os.environ.get("MEKIKI_SANITIZED") == "1" else 200


def main():
    mekiki()
    silent = Silent()
    failures = []
    try:
        with tempfile.TemporaryDirectory() as cache:
            for eml in ("ekinet.eml", "campaign.eml", "webmail.eml"):
                offline, _ = analyze(["--offline"], eml)
                args = ["--dns-server", silent.address, "--rdap-base", f"http://{silent.address}",
                        "--whois-server", silent.address, "--budget-ms", str(BUDGET_MS), "--cache", cache]
                online, wall = analyze(args, eml)
                # The online stage's own clock (look-ups and the second round of checks): the
                # difference of two process wall times measured the machine's load, not the engine.
                stage_ms = online["timing_ms"]["enrich"]
                same = sorted(finding_ids(offline)) == sorted(finding_ids(online))
                statuses = {l["status"] for l in online.get("lookups", [])}
                print(f"{eml}: online stage {stage_ms:.0f} ms (process {wall*1000:.0f} ms), "
                      f"budget {BUDGET_MS} ms, statuses {sorted(statuses)}")
                if not same:
                    failures.append(f"{eml}: findings differ: {finding_ids(offline)} vs {finding_ids(online)}")
                if stage_ms > BUDGET_MS + SLACK_MS:
                    failures.append(f"{eml}: the online stage took {stage_ms:.0f} ms, budget {BUDGET_MS}")
                if online.get("online", {}).get("answered") != 0:
                    failures.append(f"{eml}: silent servers answered: {online.get('online')}")
                if statuses - {"timeout", "skipped"}:
                    failures.append(f"{eml}: unexpected statuses {statuses}")
                # A run that asked nothing would pass every check above without testing the budget.
                if "timeout" not in statuses:
                    failures.append(f"{eml}: no look-up reached the silent servers (statuses {statuses})")
                if online.get("score") != offline.get("score"):
                    failures.append(f"{eml}: score changed {offline.get('score')} -> {online.get('score')}")
    finally:
        silent.stop()
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
