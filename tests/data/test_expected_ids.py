#!/usr/bin/env python3
"""Every finding id a test expects exists in data/findings.json.

A fixture that says a finding must not fire passes for ever once the id is
misspelt or the finding renamed; one that says it must fire fails only with a
puzzling "missing finding". This test reads every expectation file under tests/
(NAME.expect.json, and any other JSON case file) and checks each id it names
under "must", "must_not", "findings" or "link_findings" against the catalog.
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.environ.get("MEKIKI_DATA_DIR") or os.path.join(ROOT, "data")
TESTS = os.path.join(ROOT, "tests")
LIST_KEYS = ("must", "must_not", "findings")


def named_ids(node):
    """The finding ids an expectation names, wherever it nests them."""
    if isinstance(node, list):
        for item in node:
            yield from named_ids(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in LIST_KEYS and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            elif key == "link_findings" and isinstance(value, dict):
                for ids in value.values():
                    yield from (v for v in ids if isinstance(v, str))
            else:
                yield from named_ids(value)


def main():
    with open(os.path.join(DATA, "findings.json"), encoding="utf-8") as fh:
        known = set(json.load(fh))
    problems, files, ids = [], 0, 0
    for folder, dirs, names in os.walk(TESTS):
        dirs[:] = sorted(d for d in dirs if d != "node_modules")
        for name in sorted(names):
            if not name.endswith(".json") or name.startswith("package"):
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    doc = json.load(fh)
            except ValueError:
                continue   # recorded registry answers and other non-JSON data
            found = list(named_ids(doc))
            if not found and not name.endswith(".expect.json"):
                continue
            files += 1
            ids += len(found)
            for fid in found:
                if fid not in known:
                    problems.append(f"{os.path.relpath(path, ROOT)}: unknown finding id {fid!r}")
    for p in problems:
        print("FAIL", p)
    print(f"{files} expectation files, {ids} finding ids, {len(problems)} unknown")
    if files == 0:
        print("FAIL no expectation file found under tests/")
    sys.exit(1 if problems or files == 0 else 0)


if __name__ == "__main__":
    main()
