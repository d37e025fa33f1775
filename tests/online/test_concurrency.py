"""20 RDAP look-ups each answered after 200 ms finish together, well under a second."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Dnsmasq, Rdap, analyze, mekiki  # noqa: E402


def main():
    mekiki()
    names = [f"slow{i:02d}-example.com" for i in range(20)]
    dns = Dnsmasq([f"--address=/{n}/93.184.216.{i + 1}" for i, n in enumerate(names)] +
                  ["--address=/slowsender.com/93.184.216.100"])
    rdap = Rdap(delay=0.2, generic=names + ["slowsender.com"])
    failures = []
    try:
        with tempfile.TemporaryDirectory() as cache:
            _, offline_wall = analyze(["--offline"], "many_links.eml")
            args = ["--dns-server", dns.address, "--rdap-base", rdap.base, "--budget-ms", "3000", "--cache", cache]
            r, wall = analyze(args, "many_links.eml")
            rdap_lookups = [l for l in r.get("lookups", []) if l["kind"] == "rdap"]
            ok = [l for l in rdap_lookups if l["status"] == "ok"]
            extra_ms = (wall - offline_wall) * 1000
            print(f"{len(rdap_lookups)} rdap lookups ({len(ok)} ok), {len(rdap.requests)} requests served, "
                  f"online {wall*1000:.0f} ms, offline {offline_wall*1000:.0f} ms, online cost {extra_ms:.0f} ms")
            if len(ok) < 20:
                failures.append(f"only {len(ok)} RDAP answers")
            if extra_ms >= 800:
                failures.append(f"online cost {extra_ms:.0f} ms: look-ups were not concurrent")
    finally:
        dns.stop()
        rdap.stop()
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
