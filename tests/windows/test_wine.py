#!/usr/bin/env python3
"""The Windows build under Wine, beside the Linux build.

1. Same findings: `scan --offline --jobs 2` of every fixture message and of
   the native-messaging test messages, by mekiki.exe (two worker processes
   started the Windows way) and by the Linux build, must print the same
   lines (path, verdict, score, finding ids; timings left out). Each
   fixture's full `analyze --offline` report (evidence, texts in both
   languages) must be identical too.
2. Registration: `mekiki.exe install` writes mekiki.json beside the exe and
   the default value of HKCU\\Software\\Mozilla\\NativeMessagingHosts\\mekiki
   names it (read back with `wine reg query`); the host answers a ping when
   started exactly as Thunderbird on Windows starts it (argv: the manifest's
   path with its drive letter, then the add-on id); `mekiki.exe uninstall`
   removes the key and the manifest.

Needs MEKIKI_WINE (a wrapper running mekiki.exe under Wine, made by
scripts/build-windows.sh) and MEKIKI (the Linux build). Run by scripts/test.sh
after the cross-build; the other suites run against the same wrapper there.
"""
import json
import os
import struct
import subprocess
import sys

SOURCE = os.environ.get("MEKIKI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINUX = os.environ.get("MEKIKI") or os.path.join(SOURCE, "build", "mekiki")
WINE = os.environ.get("MEKIKI_WINE")
EXE = os.environ.get("MEKIKI_WINE_EXE")   # the Linux path of mekiki.exe
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
NATIVE_MESSAGES = os.path.join(SOURCE, "tests", "native", "messages")
ADDON_ID = "mekiki@mekiki.app"
KEY = r"HKCU\Software\Mozilla\NativeMessagingHosts\mekiki"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:2000]))


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=600, **kw)


# Both builds read the same location databases (the zip's), so that the
# findings that depend on them compare too.
GEO = os.path.join(os.path.dirname(EXE or ""), "geo")
GEO_ENV = dict(os.environ, MEKIKI_GEOIP_CITY=os.path.join(GEO, "GeoLite2-City.mmdb"),
               MEKIKI_GEOIP_ASN=os.path.join(GEO, "asn.mmdb"))


def scan_lines(program, *paths):
    out = run([program, "scan", "--offline", "--no-cache", "--jobs", "2", *paths], env=GEO_ENV)
    rows = []
    for line in out.stdout.decode().splitlines():
        row = json.loads(line)
        row.pop("ms", None)
        rows.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    return sorted(rows), out


def without_timing(report):
    """A report with the fields that measure time removed, at any depth."""
    if isinstance(report, dict):
        return {k: without_timing(v) for k, v in report.items() if k not in ("ms", "timing_ms")}
    if isinstance(report, list):
        return [without_timing(v) for v in report]
    return report


def test_same_findings():
    linux, _ = scan_lines(LINUX, FIXTURES, NATIVE_MESSAGES)
    windows, out = scan_lines(WINE, FIXTURES, NATIVE_MESSAGES)
    check("scan --jobs 2 under Wine printed every message", len(windows) == len(linux) and len(linux) > 50,
          (len(windows), len(linux), out.stderr.decode(errors="replace")[-500:]))
    diff = [(a, b) for a, b in zip(windows, linux) if a != b]
    check("scan: verdicts, scores and findings identical to Linux", not diff and len(windows) == len(linux),
          diff[:3])
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".eml"):
            continue
        path = os.path.join(FIXTURES, name)
        same = True
        for locale in ("en", "ja"):
            cmd = ["analyze", "--offline", "--no-cache", "--locale", locale, path]
            a, b = run([WINE] + cmd, env=GEO_ENV), run([LINUX] + cmd, env=GEO_ENV)
            ra = without_timing(json.loads(a.stdout or b"null"))
            rb = without_timing(json.loads(b.stdout or b"null"))
            if ra != rb or a.returncode != b.returncode:
                same = False
                check(f"{name} ({locale}): report identical to Linux", False,
                      json.dumps(ra, ensure_ascii=False)[:800] + "\n!=\n" + json.dumps(rb, ensure_ascii=False)[:800]
                      + "\n" + a.stderr.decode(errors="replace")[-300:])
                break
        if same:
            results.append(True)
    print(f"     ({sum(1 for n in os.listdir(FIXTURES) if n.endswith('.eml'))} fixture reports compared in both languages)")


def windows_path(linux_path):
    out = run(["winepath", "-w", linux_path])
    return out.stdout.decode().strip()


def reg_query():
    out = run(["wine", "reg", "query", KEY, "/ve"])
    return out.returncode, out.stdout.decode(errors="replace")


def ping_as_thunderbird(manifest_windows_path):
    body = json.dumps({"type": "ping", "id": "tb-win"}).encode()
    out = run(["wine", EXE, manifest_windows_path, ADDON_ID], input=struct.pack("=I", len(body)) + body)
    if len(out.stdout) < 4:
        return None, out.stderr.decode(errors="replace")[-500:]
    (n,) = struct.unpack("=I", out.stdout[:4])
    return json.loads(out.stdout[4:4 + n]), ""


def test_install():
    exe_dir = os.path.dirname(EXE)
    manifest = os.path.join(exe_dir, "mekiki.json")
    env = {k: v for k, v in os.environ.items() if k != "MEKIKI_DATA_DIR"}   # the zip's own data\
    r = run([WINE, "install"], env=env)
    check("mekiki.exe install succeeds", r.returncode == 0, r.stderr)
    check("manifest written beside mekiki.exe", os.path.exists(manifest), manifest)
    data = json.load(open(manifest)) if os.path.exists(manifest) else {}
    exe_win = windows_path(EXE)
    check("manifest names mekiki.exe by its Windows path", data.get("path", "").lower() == exe_win.lower(),
          (data.get("path"), exe_win))
    check("manifest allows only Mekiki's add-on", data.get("allowed_extensions") == [ADDON_ID], data)
    manifest_win = windows_path(manifest)
    status, text = reg_query()
    check("registry key holds the manifest path", status == 0 and manifest_win.lower() in text.lower(),
          (manifest_win, text))
    check("the manifest path has a drive letter", len(manifest_win) > 3 and manifest_win[1:3] == ":\\",
          manifest_win)
    reply, err = ping_as_thunderbird(manifest_win)
    check("host started as Thunderbird on Windows starts it answers a ping",
          reply is not None and reply.get("type") == "pong" and reply.get("id") == "tb-win", (reply, err))
    r = run([WINE, "uninstall"], env=env)
    status, text = reg_query()
    check("mekiki.exe uninstall removes the key and the manifest",
          r.returncode == 0 and status != 0 and not os.path.exists(manifest), (r.stderr, text))


def main():
    if not WINE or not EXE:
        print("SKIP: MEKIKI_WINE / MEKIKI_WINE_EXE not set (scripts/build-windows.sh makes them)")
        return 0
    test_same_findings()
    test_install()
    print(f"{sum(results)}/{len(results)} checks passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
