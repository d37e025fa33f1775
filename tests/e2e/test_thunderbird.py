#!/usr/bin/env python3
"""test_thunderbird.py - Mekiki in a real Thunderbird, end to end.

For each fixture message this starts Thunderbird (headless, fresh profile in
a temporary HOME) with the packaged add-on installed and the built host
registered by `mekiki install`, opens the message, and follows the
add-on's console events (devtools.console.stdout.chrome + the add-on's
debugLog setting, given through a managed-storage manifest together with
"online": false, since CI has no network).

Phishing fixture: the banner must show the phishing verdict and the top
finding; the time from "message displayed" to "offline banner visible" is
printed; a screenshot goes to $MEKIKI_BUILD_DIR/e2e/; the toolbar button must
open the report, and its export must write a file whose JSON equals the
host's own report (`mekiki analyze --offline`, compared without timings).
Genuine fixture: no warning.

Only processes this test started are stopped, by their pid. A missing
Thunderbird is a failure, not a skip: setup installs it.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tbharness import (DATA, HOST, MESSAGES, TIMEOUT, Run, check, run_tests,  # noqa: E402
                       setup_home, take_screenshot)


# Chrome-context script: clicks Mekiki's button in the header of every
# displayed message (the message window's about:message document).
CLICK_ACTION = r"""
const found = [];
for (const win of Services.wm.getEnumerator(null)) {
  const docs = [win.document];
  for (const b of win.document.querySelectorAll("browser")) {
    try { if (b.contentDocument) docs.push(b.contentDocument); } catch (e) {}
  }
  for (const doc of docs) {
    const btn = doc.querySelector('[id$="messageDisplayAction-toolbarbutton"]');
    if (btn) { found.push(btn.id); btn.click(); return found; }
  }
}
return found;
"""


def host_report(message):
    """The host's own offline report for the message, for comparing exports."""
    out = subprocess.run([HOST, "analyze", "--offline", "--no-cache", "--locale", "ja", message],
                         capture_output=True, timeout=60, env=dict(os.environ, MEKIKI_DATA_DIR=DATA))
    if out.returncode != 0:
        print(out.stderr.decode("utf-8", "replace")[-2000:])
        return None
    return json.loads(out.stdout)


def without_timings(report):
    r = json.loads(json.dumps(report))
    r.pop("timing_ms", None)
    for lk in r.get("lookups", []) or []:
        lk.pop("ms", None)
    return r


def banner_event(run, levels):
    return run.wait_event(lambda e: e.get("event") == "banner" and e.get("level") in levels,
                          "banner " + "/".join(levels))


def test_phishing(root, xpi):
    message = os.path.join(MESSAGES, "phishing-ekinet.eml")
    setup_home(root)
    run = Run(root, xpi, [message])
    try:
        ready = run.wait_event(lambda e: e.get("event") == "ready", "add-on ready")
        if not check(ready is not None, "add-on started and read its managed settings (debugLog)"):
            print(run.tail())
            return
        check(ready.get("online") is False, "online look-ups are off in the test profile")
        ev = banner_event(run, ("phishing", "suspicious", "safe", "error"))
        if not check(ev is not None, "a banner appeared for the phishing message"):
            print(run.tail())
            return
        print(f"banner: level={ev['level']} stage={ev.get('stage')} text={ev.get('text')!r}")
        print(f"TIMING displayed -> offline banner visible: {ev['ms']} ms (target < 300 ms)")
        check(ev["level"] == "phishing", "the banner shows the phishing verdict")
        expected = host_report(message)
        if expected:
            top = sorted(expected.get("findings", []), key=lambda f: -f.get("points", 0))
            if check(bool(top), "the host reports findings for the phishing message"):
                check(top[0]["title"] in ev.get("text", ""), f"the banner shows the top finding: {top[0]['title']}")
        take_screenshot(run, "phishing-banner.png")

        m = run.connect()
        clicked = m.script(CLICK_ACTION)
        check(bool(clicked), f"found and clicked the toolbar button {clicked}")
        rendered = run.wait_event(lambda e: e.get("event") == "report-rendered", "report rendered")
        check(rendered is not None, "the toolbar button opened the report")
        if rendered and expected:
            check(expected.get("message", {}).get("subject", "") in rendered.get("text", ""),
                  "the report shows the subject")
        if rendered:
            take_screenshot(run, "phishing-report.png", "mail:3pane")
        exported = export_report(run)
        if exported and expected:
            check(without_timings(exported) == without_timings(expected),
                  "the exported JSON equals the host's report (timings aside)")
    finally:
        run.stop()


# Chrome-context script: presses "Save as JSON" in the report tab. Extension
# pages live in another process, so the click is sent there as a frame script
# loaded into that tab's browser; the result comes back as the add-on's own
# "exported" event.
CLICK_EXPORT = r"""
for (const win of Services.wm.getEnumerator(null)) {
  for (const b of win.document.querySelectorAll("browser")) {
    let uri = "";
    try { uri = b.currentURI ? b.currentURI.spec : ""; } catch (e) {}
    if (!uri.includes("/report/report.html")) continue;
    const code = "const b = content.document.getElementById('mk-export'); if (b && !b.disabled) b.click();";
    b.messageManager.loadFrameScript("data:application/javascript," + encodeURIComponent(code), false);
    return uri;
  }
}
return "";
"""


def export_report(run):
    m = run.connect()
    deadline = time.monotonic() + TIMEOUT
    clicked = ""
    ev = None
    while time.monotonic() < deadline and ev is None:
        clicked = m.script(CLICK_EXPORT) or clicked
        ev = run.wait_event(lambda e: e.get("event") == "exported", "export finished", timeout=1.0)
    check(bool(clicked), f"found the report tab ({clicked})")
    if not check(ev is not None, "the add-on reports the export"):
        return None
    print(f"export file name: {ev.get('filename')}")
    path = os.path.join(run.downloads, ev.get("filename", ""))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if os.path.isfile(path) and os.path.getsize(path) > 0:
            try:
                with open(path, encoding="utf-8") as f:
                    return json.load(f)
            except ValueError:
                pass
        time.sleep(0.2)
    check(False, f"the exported file {path} exists and holds JSON; downloads: {os.listdir(run.downloads)}")
    return None


def test_genuine(root, xpi):
    setup_home(root)
    run = Run(root, xpi, [os.path.join(MESSAGES, "genuine-colleague.eml")])
    try:
        ev = banner_event(run, ("phishing", "suspicious", "safe", "error", "none"))
        if not check(ev is not None, "the add-on handled the genuine message"):
            print(run.tail())
            return
        print(f"banner: level={ev['level']} text={ev.get('text')!r} after {ev['ms']} ms")
        check(ev["level"] in ("safe", "none"), "the genuine message gets no warning")
        take_screenshot(run, "genuine.png")
    finally:
        run.stop()


def main():
    return run_tests([test_phishing, test_genuine])


if __name__ == "__main__":
    sys.exit(main())
