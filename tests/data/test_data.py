#!/usr/bin/env python3
"""Checks the rules of data/ that the C loader cannot see: ids unique, official domains
written as lower-case registrable names, tokens long enough to be distinctive, customer
zones under the brand's own domains, no domain claimed by two brands, every finding with
texts in both languages, and every phrase list non-empty in Japanese and English."""
import json
import os
import re
import sys

DATA = os.environ.get("MEKIKI_DATA_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "data")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
problems = []


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as fh:
        return json.load(fh)


def check_brands():
    brands = load("brands.json")["brands"]
    ids = set()
    for b in brands:
        bid = b["id"]
        if bid in ids:
            problems.append(f"brand id {bid} repeated")
        ids.add(bid)
        if not b.get("domains"):
            problems.append(f"{bid}: no official domain")
        for d in b.get("domains", []):
            if d != d.lower() or not HOST.match(d):
                problems.append(f"{bid}: domain {d!r} is not a lower-case host name")
        for t in b.get("tokens", []):
            if len(t) < 3 or t != t.lower():
                problems.append(f"{bid}: token {t!r} too short or not lower-case")
        for z in b.get("customer_zones", []):
            if not any(z == d or z.endswith("." + d) for d in b["domains"]):
                problems.append(f"{bid}: customer zone {z} is not under its domains")
        for n in b.get("sender_names", []):
            # Sender names are short ASCII words matched only where they stand alone
            # (brand.c); a non-ASCII one would match inside other words (イオン in ライオン).
            if not re.match(r"^[A-Za-z][A-Za-z0-9]{1,9}$", n):
                problems.append(f"{bid}: sender name {n!r} must be one short ASCII word")
        if b.get("country") and not re.match(r"^[A-Z]{2}$", b["country"]):
            problems.append(f"{bid}: country {b['country']!r} is not ISO alpha-2")
    return len(brands)


def check_findings():
    findings = load("findings.json")
    for fid, d in findings.items():
        for key in ("title", "detail"):
            for lang in ("ja", "en"):
                if not d.get(key, {}).get(lang):
                    problems.append(f"finding {fid}: {key}.{lang} missing")
        # Notices (severity "notice") are sentences about the look-ups, never scored.
        if d.get("severity") == "notice":
            if d.get("points") != 0:
                problems.append(f"notice {fid}: points must be 0")
        elif not 0 < d.get("points", 0) <= 100:
            problems.append(f"finding {fid}: points out of range")
        # Variants (texts for one evidence "reason") replace title or detail in both languages.
        for reason, variant in d.get("variants", {}).items():
            if not variant or set(variant) - {"title", "detail"}:
                problems.append(f"finding {fid}: variant {reason} must give title and/or detail only")
            for key, texts in variant.items():
                for lang in ("ja", "en"):
                    if not texts.get(lang):
                        problems.append(f"finding {fid}: variant {reason} {key}.{lang} missing")
    return len(findings)


def check_phrases():
    phrases = load("phrases.json")
    for key in ("urgency", "credential", "generic_salutation", "admin_roles"):
        for lang in ("ja", "en"):
            if not phrases.get(key, {}).get(lang):
                problems.append(f"phrases {key}.{lang} empty")
    if not phrases.get("spam_stamps"):
        problems.append("no spam stamps")


def main():
    n_brands = check_brands()
    n_findings = check_findings()
    check_phrases()
    for p in problems:
        print("FAIL", p)
    print(f"{n_brands} brands, {n_findings} finding texts checked")
    print(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
