"""A resolver that answers "no such name" for everything (a filtering or captive
network) must not make a brand's real domain look unresolvable: when it denies a
domain the catalog knows exists, none of its denials become findings."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Dnsmasq, Rdap, analyze, conclude, finding_ids, mekiki  # noqa: E402


def main():
    mekiki()
    dns, rdap = Dnsmasq([]), Rdap()   # no records at all: every name is NXDOMAIN
    failures = []
    try:
        with tempfile.TemporaryDirectory() as cache:
            args = ["--dns-server", dns.address, "--rdap-base", rdap.base, "--budget-ms", "2000", "--cache", cache]
            report, _ = analyze(args, "ekinet.eml")
            statuses = {l["status"] for l in report["lookups"] if l["kind"] == "dns"}
            ids = finding_ids(report)
            print(f"ekinet.eml through a resolver that denies everything: dns statuses {sorted(statuses)}, "
                  f"findings {ids}")
            if "nxdomain" not in statuses:
                failures.append("the test resolver did not deny anything")
            for fid in ("from_domain_unresolvable", "reply_to_unresolvable"):
                if fid in ids:
                    failures.append(f"{fid} raised although eki-net.com is a brand's own domain")
    finally:
        dns.stop()
        rdap.stop()
    return conclude(failures, 1)


if __name__ == "__main__":
    sys.exit(main())
