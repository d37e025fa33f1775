#!/usr/bin/env python3
"""The command line as a user meets it: text reports in both languages, `url`,
`feed import` feeding link_on_blocklist, stdin input, several files, and exit codes."""
import json
import os
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("MEKIKI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEKIKI = os.environ.get("MEKIKI") or os.path.join(SOURCE, "build", "mekiki")
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
SEED1 = os.path.join(FIXTURES, "seed1-ekinet-participan.eml")
GENUINE = os.path.join(FIXTURES, "genuine-ekinet-reservation.eml")
results = []


def run(args, stdin=None, env=None):
    return subprocess.run([MEKIKI] + args, input=stdin, capture_output=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def test_text_reports():
    ja = run(["analyze", "--offline", "--format", "text", "--locale", "ja", SEED1])
    out = ja.stdout.decode()
    check("text ja: verdict in Japanese", ja.returncode == 0 and "フィッシング詐欺メールです" in out, out[:200])
    check("text ja: names the fake link target", "ekl-net.vecterdian.shop" in out, out[:200])
    en = run(["analyze", "--offline", "--format", "text", "--locale", "en", SEED1])
    check("text en: verdict in English", "This is a phishing message" in en.stdout.decode(), en.stdout.decode()[:200])
    safe = run(["analyze", "--offline", "--format", "text", "--locale", "en", GENUINE])
    check("text en: genuine mail is safe", "No clear danger found" in safe.stdout.decode(), safe.stdout.decode()[:300])


def test_json_lines_and_stdin():
    two = run(["analyze", "--offline", SEED1, GENUINE])
    lines = two.stdout.decode().splitlines()
    verdicts = [json.loads(l)["verdict"] for l in lines]
    check("two files give two JSON lines", verdicts == ["phishing", "safe"], str(verdicts))
    with open(SEED1, "rb") as fh:
        piped = run(["analyze", "--offline", "-"], stdin=fh.read())
    check("stdin (-) is read", piped.returncode == 0 and json.loads(piped.stdout)["verdict"] == "phishing")


def test_exit_codes():
    check("no command: usage, exit 2", run([]).returncode == 2)
    check("unknown option: exit 2", run(["analyze", "--no-such-option", SEED1]).returncode == 2)
    check("bad locale: exit 2", run(["analyze", "--locale", "fr", SEED1]).returncode == 2)
    missing = run(["analyze", "--offline", "/nonexistent/message.eml"])
    check("missing file: exit 1 with an error report", missing.returncode == 1 and
          "error" in json.loads(missing.stdout.decode().splitlines()[0]))
    empty = run(["analyze", "--offline", "-"], stdin=b"")
    check("empty input: exit 1, report carries error", empty.returncode == 1 and "error" in json.loads(empty.stdout))


def test_url_command():
    r = run(["url", "https://ekl-net.vecterdian.shop/update/", "https://www.eki-net.com/Personal/",
             "https://smbc.co.jp.awback.cn/login"])
    lines = [json.loads(l) for l in r.stdout.decode().splitlines()]
    check("url: three answers", len(lines) == 3, r.stdout.decode()[:200])
    brands = [(l.get("imitated_brand") or {}).get("id") for l in lines]
    check("url: lookalike names えきねっと", brands[0] == "ekinet", str(brands))
    check("url: the official site imitates nobody", brands[1] is None and lines[1]["findings"] == [], str(lines[1]))
    check("url: brand in subdomain is named", brands[2] == "smbc_card" and
          "brand_in_subdomain_or_path" in [f["id"] for f in lines[2]["findings"]], str(lines[2]))


def test_feed_blocklist():
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "phish.csv")
        with open(csv, "w", encoding="utf-8") as fh:
            fh.write("date,URL,description\n2025/01/26 10:00:00,https://ekl-net.vecterdian.shop/update/,えきねっと\n")
        db = os.path.join(tmp, "feeds.sqlite")
        imp = run(["feed", "import", csv], env={"MEKIKI_FEED_DB": db})
        check("feed import succeeds", imp.returncode == 0, imp.stderr.decode())
        r = run(["analyze", "--offline", SEED1], env={"MEKIKI_FEED_DB": db})
        ids = [f["id"] for f in json.loads(r.stdout)["findings"]]
        check("imported URL raises link_on_blocklist offline", "link_on_blocklist" in ids, str(ids))
        r = run(["analyze", "--offline", GENUINE], env={"MEKIKI_FEED_DB": db})
        check("genuine mail is not on the list", "link_on_blocklist" not in
              [f["id"] for f in json.loads(r.stdout)["findings"]])


def main():
    for t in (test_text_reports, test_json_lines_and_stdin, test_exit_codes, test_url_command, test_feed_blocklist):
        try:
            t()
        except Exception as e:  # a crash in one group is a failure, not the end
            check(t.__name__, False, repr(e))
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
