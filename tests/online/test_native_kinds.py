"""The add-on's per-kind switches reach the look-ups: over native messaging, a request
with "lookups": {"dns": false} asks no DNS question, {"rdap": false} asks no registry,
and the final report still arrives."""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import SEED_DNS, Dnsmasq, Rdap, Whois, conclude, mekiki  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def ask(env, raw, lookups):
    req = json.dumps({"type": "analyze", "id": "k", "raw_b64": base64.b64encode(raw).decode(),
                      "locale": "en", "online": True, "lookups": lookups}).encode()
    frame = struct.pack("=I", len(req)) + req
    p = subprocess.run([mekiki(), "--native"], input=frame, capture_output=True, timeout=60, env=env)
    out, replies = p.stdout, []
    while len(out) >= 4:
        (n,) = struct.unpack("=I", out[:4])
        replies.append(json.loads(out[4:4 + n]))
        out = out[4 + n:]
    return replies


def main():
    dns, rdap, whois = Dnsmasq(SEED_DNS), Rdap(), Whois()
    failures = []
    try:
        with open(os.path.join(HERE, "fixtures", "ekinet.eml"), "rb") as fh:
            raw = fh.read()
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, MEKIKI_DNS_SERVER=dns.address, MEKIKI_RDAP_BASE=rdap.base,
                       MEKIKI_WHOIS_SERVER=whois.address, MEKIKI_NO_CACHE="1", MEKIKI_CACHE_DIR=cache,
                       MEKIKI_BUDGET_MS="3000")
            for lookups, banned in (({"dns": False}, {"dns"}), ({"rdap": False}, {"rdap", "whois"}),
                                    ({}, set())):
                replies = ask(env, raw, lookups)
                stages = [r.get("stage") for r in replies]
                final = replies[-1]["report"] if stages == ["offline", "final"] else None
                kinds = sorted({l["kind"] for l in (final or {}).get("lookups", [])})
                print(f"lookups={lookups}: stages {stages}, kinds asked {kinds}")
                if final is None:
                    failures.append(f"{lookups}: stages {stages}")
                elif banned & set(kinds):
                    failures.append(f"{lookups}: asked {sorted(banned & set(kinds))} anyway")
                elif not banned and not {"dns", "rdap"} <= set(kinds):
                    failures.append(f"everything allowed but only {kinds} asked")
    finally:
        dns.stop()
        rdap.stop()
        whois.stop()
    return conclude(failures, 3)


if __name__ == "__main__":
    sys.exit(main())
