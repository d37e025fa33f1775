"""The seed-modelled messages analysed online against fixture servers reproduce the posts' findings."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import SEED_DNS, Dnsmasq, Rdap, Whois, analyze, finding, finding_ids, mekiki  # noqa: E402


def main():
    mekiki()
    dns, rdap, whois = Dnsmasq(SEED_DNS), Rdap(), Whois()
    failures = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    try:
        with tempfile.TemporaryDirectory() as cache:
            args = ["--dns-server", dns.address, "--rdap-base", rdap.base, "--whois-server", whois.address,
                    "--budget-ms", "3000", "--cache", cache]

            r, wall = analyze(args, "ekinet.eml")
            ids = finding_ids(r)
            print("ekinet:", ids, f"{wall:.2f}s")
            expect(r.get("mode") == "online", "ekinet: mode online")
            f = finding(r, "domain_privacy_proxy")
            expect(f is not None and "PrivacyGuardian" in str(f["evidence"]), "ekinet: participan.shop behind PrivacyGuardian")
            f = finding(r, "domain_newly_registered")
            expect(f is not None and "vecterdian.shop" in str(f["evidence"]), "ekinet: vecterdian.shop newly registered")
            f = finding(r, "received_rdns_mismatch")
            expect(f is not None and f["evidence"].get("ip") == "23.94.183.109", "ekinet: rDNS does not resolve back")
            f = finding(r, "received_origin_mismatch")
            expect(f is not None and "SPF" in str(f["evidence"]), "ekinet: origin not among eki-net.com A/MX/SPF")
            expect("from_domain_unresolvable" not in ids, "ekinet: eki-net.com resolves")
            expect(any(l["kind"] == "rdap" for l in r.get("lookups", [])), "ekinet: rdap lookups listed")
            regs = {g["domain"]: g for g in r.get("registrations", [])}
            expect(regs.get("participan.shop", {}).get("registrant_country") == "US", "ekinet: registrant country")

            r, wall = analyze(args, "campaign.eml")
            ids = finding_ids(r)
            print("campaign:", ids, f"{wall:.2f}s")
            expect("from_domain_unresolvable" in ids, "campaign: campaign-vps.com unresolvable")
            f = finding(r, "domain_unregistered")
            expect(f is not None and "campaign-vps.com" in str(f["evidence"]), "campaign: campaign-vps.com unregistered")
            expect("received_rdns_mismatch" not in ids, "campaign: SAKURA rDNS resolves back")
            origin = r.get("origin") or {}
            expect("sakura" in str(origin.get("online", {}).get("ptr_names")), "campaign: live PTR on SAKURA's VPS zone")

            r, wall = analyze(args, "webmail.eml")
            ids = finding_ids(r)
            print("webmail:", ids, f"{wall:.2f}s")
            expect("reply_to_unresolvable" in ids, "webmail: aq.xyz does not resolve")
            f = finding(r, "domain_unregistered")
            expect(f is not None and "aq.xyz" in str(f["evidence"]), "webmail: aq.xyz unregistered")
            expect("colonista.jp" not in str(f["evidence"] if f else ""), "webmail: colonista.jp registered (WHOIS)")
            regs = {g["domain"]: g for g in r.get("registrations", [])}
            expect(regs.get("colonista.jp", {}).get("source") == "whois", "webmail: .jp asked over WHOIS")
            expect(any(q.endswith("/e") for q in whois.queries), "webmail: JPRS query in English (/e)")
            expect("received_rdns_mismatch" not in ids, "webmail: celeste.fr rDNS confirmed")
            expect("received_origin_mismatch" in ids, "webmail: celeste.fr relay not colonista.jp's")
    finally:
        dns.stop()
        rdap.stop()
        whois.stop()
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
