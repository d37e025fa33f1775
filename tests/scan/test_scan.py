#!/usr/bin/env python3
"""`mekiki scan` over a small tree: walking, mbox splitting, parallel workers, errors.

The fixtures beside this script: tree/ holds .eml files at three depths (one
saved with an mbox envelope line, which keeps its plain name) plus a hidden
file that must be skipped; mbox/sample.mbox holds three messages whose
first body contains ">From " quoted lines (one after a blank line) and an
unquoted "From " line that does not follow a blank line, none of which may
split the message. Each case runs the real binary and checks the JSON lines.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

MEKIKI = os.environ.get("MEKIKI", "mekiki")
HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.join(HERE, "tree")
MBOX = os.path.join(HERE, "mbox", "sample.mbox")
VERDICTS = ("safe", "suspicious", "phishing")


def scan(*args, jobs=None):
    cmd = [MEKIKI, "scan", "--offline"]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    cmd += list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    lines = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    return p.returncode, lines, p.stderr.decode("utf-8", "replace")


def check_line(line):
    for key in ("path", "verdict", "score", "findings", "ms"):
        assert key in line, line
    assert isinstance(line["findings"], list), line
    if "error" not in line:
        assert line["verdict"] in VERDICTS, line
        assert isinstance(line["score"], int) and 0 <= line["score"] <= 100, line
        assert all(isinstance(i, str) for i in line["findings"]), line


def comparable(lines):
    """Lines without their timings, as a sorted list of canonical strings."""
    return sorted(json.dumps({k: v for k, v in l.items() if k != "ms"}, sort_keys=True) for l in lines)


def case_tree():
    rc, lines, err = scan(TREE)
    assert rc == 0, (rc, lines, err)
    for l in lines:
        check_line(l)
    rel = [os.path.relpath(l["path"], TREE) for l in lines]
    # enveloped.eml starts with an mbox "From " line but holds one message: plain name.
    assert rel == ["a.eml", "sub/b.eml", "sub/deeper/c.eml", "sub/enveloped.eml"], rel
    phish = lines[2]
    assert phish["verdict"] != "safe", phish
    assert "4 messages" in err, err


def case_mbox_quoting():
    rc, lines, err = scan(MBOX)
    assert rc == 0, (rc, lines, err)
    assert [l["path"] for l in lines] == [MBOX + "#1", MBOX + "#2", MBOX + "#3"], lines
    for l in lines:
        check_line(l)
        assert "error" not in l, l


def case_jobs_same_lines():
    args = (TREE, MBOX)
    rc1, one, _ = scan(*args, jobs=1)
    rc2, two, err2 = scan(*args, jobs=2)
    rc3, three, _ = scan(*args, jobs=3)
    assert rc1 == rc2 == rc3 == 0, (rc1, rc2, rc3, err2)
    assert len(one) == 7, one
    assert comparable(one) == comparable(two), (one, two)
    assert comparable(one) == comparable(three), (one, three)


def case_unreadable():
    work = tempfile.mkdtemp(prefix="mekiki-scan-")
    try:
        shutil.copy(os.path.join(TREE, "a.eml"), os.path.join(work, "good.eml"))
        missing = os.path.join(work, "no-such-file.eml")
        paths = [work, missing]
        if os.geteuid() != 0:   # root reads anything: a mode-000 file only tests something for others
            locked = os.path.join(work, "locked.eml")
            shutil.copy(os.path.join(TREE, "a.eml"), locked)
            os.chmod(locked, 0)
        for jobs in (1, 2):
            rc, lines, err = scan(*paths, jobs=jobs)
            assert rc == 1, (rc, lines, err)
            errors = [l for l in lines if "error" in l]
            assert any(l["path"] == missing for l in errors), lines
            assert all(isinstance(l["error"], str) and l["error"] for l in errors), lines
            assert any(l["path"].endswith("good.eml") and "error" not in l for l in lines), lines
            assert "1 errors" in err or "errors" in err, err
    finally:
        for root, _, files in os.walk(work):
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        shutil.rmtree(work)


def case_big_mbox_streams():
    """Many messages in one mbox, and one oversized one skipped with an error line."""
    work = tempfile.mkdtemp(prefix="mekiki-scan-")
    try:
        path = os.path.join(work, "many.mbox")
        with open(os.path.join(TREE, "a.eml"), "rb") as f:
            msg = f.read()
        with open(path, "wb") as f:
            for i in range(200):
                f.write(b"From alice@example.org Tue May 14 10:00:00 2024\n" + msg + b"\n")
            f.write(b"From big@example.org Tue May 14 10:00:00 2024\nSubject: big\n\n")
            line = b"y" * 1023 + b"\n"
            for _ in range(33 * 1024):   # 33 MiB: over the per-message limit
                f.write(line)
            f.write(b"\nFrom alice@example.org Tue May 14 10:00:00 2024\n" + msg + b"\n")
        rc, lines, err = scan(path, jobs=2)
        assert rc == 1, (rc, err)
        assert len(lines) == 202, len(lines)
        bad = [l for l in lines if "error" in l]
        assert [l["path"] for l in bad] == [path + "#201"], bad
        assert any(l["path"] == path + "#202" and "error" not in l for l in lines)
    finally:
        shutil.rmtree(work)


CASES = [case_tree, case_mbox_quoting, case_jobs_same_lines, case_unreadable, case_big_mbox_streams]


def main():
    only = sys.argv[1:]
    failed = 0
    for case in CASES:
        if only and case.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            case()
            print("ok   %s (%.1f s)" % (case.__name__, time.monotonic() - t0))
        except Exception as e:
            failed += 1
            print("FAIL %s: %s: %s" % (case.__name__, type(e).__name__, e))
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
