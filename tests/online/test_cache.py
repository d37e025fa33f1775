"""Repeating an online analysis answers from the cache: no new look-ups, same findings."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import SEED_DNS, Dnsmasq, Rdap, Whois, analyze, conclude, finding_ids, mekiki  # noqa: E402


def main():
    mekiki()
    dns, rdap, whois = Dnsmasq(SEED_DNS), Rdap(), Whois()
    failures = []
    try:
        with tempfile.TemporaryDirectory() as cache:
            args = ["--dns-server", dns.address, "--rdap-base", rdap.base, "--whois-server", whois.address,
                    "--budget-ms", "3000", "--cache", cache]
            for eml in ("ekinet.eml", "campaign.eml", "webmail.eml"):
                served_before = len(rdap.requests) + len(whois.queries)
                first, wall1 = analyze(args, eml)
                served_mid = len(rdap.requests) + len(whois.queries)
                second, wall2 = analyze(args, eml)
                served_after = len(rdap.requests) + len(whois.queries)
                l1, l2 = first.get("lookups", []), second.get("lookups", [])
                fresh2 = [l for l in l2 if l["status"] != "cached"]
                print(f"{eml}: first run {len(l1)} lookups ({served_mid - served_before} registry requests) "
                      f"{wall1*1000:.0f} ms; second run {len(l2)} lookups, {len(fresh2)} not cached, "
                      f"{served_after - served_mid} registry requests, {wall2*1000:.0f} ms")
                if fresh2:
                    failures.append(f"{eml}: second run asked again: {fresh2}")
                if served_after != served_mid:
                    failures.append(f"{eml}: registries were asked again")
                if sorted(finding_ids(first)) != sorted(finding_ids(second)):
                    failures.append(f"{eml}: findings differ {finding_ids(first)} vs {finding_ids(second)}")
    finally:
        dns.stop()
        rdap.stop()
        whois.stop()
    sys.exit(conclude(failures, 3))   # one check per fixture message


if __name__ == "__main__":
    main()
