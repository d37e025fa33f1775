#!/usr/bin/env python3
"""test_actions.py - acting on verdicts, in a real Thunderbird.

Folder scan: a Local Folders Inbox of generated messages (the fixture corpus
repeated, each copy with its own Message-ID) is scanned through the folder
pane's context menu item, exactly as a reader would start it. The test waits
for the scan page's "scan-done" event, checks that every message was analysed
and that the verdict counts equal the host's own `mekiki scan` of the same
mbox, prints the throughput, saves the results as CSV (one row per message)
and clicks a row, which must open that message. Screenshot: scan-results.png.

Environment as for test_thunderbird.py; MEKIKI_E2E_SCAN_COUNT sets the folder
size (default 2000).
"""
import collections
import csv
import glob
import io
import json
import mailbox
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_thunderbird as tb  # noqa: E402
from test_thunderbird import check  # noqa: E402

FIXTURES = os.path.join(tb.SRC, "tests", "fixtures")
SCAN_COUNT = int(os.environ.get("MEKIKI_E2E_SCAN_COUNT", "2000"))


def generated_mbox(root, count):
    """An mbox of `count` messages cycling through the fixture corpus."""
    sources = sorted(glob.glob(os.path.join(FIXTURES, "*.eml")))
    path = os.path.join(root, "generated.mbox")
    box = mailbox.mbox(path, create=True)
    box.lock()
    for i in range(count):
        with open(sources[i % len(sources)], "rb") as f:
            raw = f.read()
        msg = mailbox.mboxMessage(raw)
        del msg["Message-ID"]
        msg["Message-ID"] = f"<scan-{i}@generated.test>"
        box.add(msg)
    box.flush()
    box.unlock()
    box.close()
    return path


def host_scan_counts(mbox_path):
    out = subprocess.run([tb.HOST, "scan", "--offline", "--no-cache", mbox_path], capture_output=True, timeout=600,
                         env=dict(os.environ, MEKIKI_DATA_DIR=tb.DATA))
    counts = collections.Counter()
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            counts[json.loads(line)["verdict"]] += 1
    return counts


# Chrome-context script: shows the folder in the 3-pane tab, waits until
# Thunderbird has indexed it, opens the folder pane's context menu on it and
# activates Mekiki's item by its label.
CLICK_SCAN_MENU = r"""
const [label, count] = arguments;
return (async () => {
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const win = Services.wm.getMostRecentWindow("mail:3pane");
const about3Pane = win.document.getElementById("tabmail").currentAbout3Pane;
const inbox = MailServices.accounts.localFoldersServer.rootFolder.getChildNamed("Inbox");
about3Pane.displayFolder(inbox.URI);
/* A never-opened mbox is indexed in the background: wait until it is. */
for (let i = 0; i < 1200 && inbox.getTotalMessages(false) < count; i++) {
  await new Promise(resolve => win.setTimeout(resolve, 100));
}
const menu = about3Pane.document.getElementById("folderPaneContext");
const shown = new Promise(resolve => menu.addEventListener("popupshown", resolve, { once: true }));
menu.openPopupAtScreen(100, 100, true);
await shown;
const item = [...menu.querySelectorAll("menuitem")].find(m => m.getAttribute("label") === label);
if (!item) {
  const labels = [...menu.querySelectorAll("menuitem")].map(m => m.getAttribute("label"));
  menu.hidePopup();
  return { found: false, labels };
}
menu.activateItem(item);
return { found: true };
})();
"""

# Chrome-context script: runs `code` inside the extension page whose URL
# contains `page` (extension pages live in another process).
IN_PAGE = r"""
const [page, code] = arguments;
for (const win of Services.wm.getEnumerator(null)) {
  for (const b of win.document.querySelectorAll("browser")) {
    let uri = "";
    try { uri = b.currentURI ? b.currentURI.spec : ""; } catch (e) {}
    if (!uri.includes(page)) continue;
    b.messageManager.loadFrameScript("data:application/javascript," + encodeURIComponent(code), false);
    return uri;
  }
}
return "";
"""


def in_page(run, page, code):
    return run.connect().script(IN_PAGE, [page, code])


def wait_file(path, timeout=tb.TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.isfile(path) and os.path.getsize(path) > 0:
            time.sleep(0.3)
            return True
        time.sleep(0.2)
    return False


def test_folder_scan(root, xpi):
    mbox_path = generated_mbox(root, SCAN_COUNT)
    expected = host_scan_counts(mbox_path)
    with open(mbox_path, "rb") as f:
        inbox = f.read()
    run = tb.Run(root, xpi, None, folders={"Inbox": inbox})
    try:
        ready = run.wait_event(lambda e: e.get("event") == "ready", "add-on ready")
        if not check(ready is not None, "add-on started"):
            print(run.tail())
            return
        m = run.connect()
        clicked = m.script(CLICK_SCAN_MENU, ["このフォルダーを Mekiki で検査", SCAN_COUNT])
        if not check(bool(clicked and clicked.get("found")),
                     f"the folder pane's context menu offers 'Scan this folder with Mekiki' ({clicked})"):
            return
        started = run.wait_event(lambda e: e.get("event") == "scan-started", "scan started")
        check(started is not None and started.get("total") == SCAN_COUNT,
              f"the scan page started on the folder of {SCAN_COUNT} messages ({started})")
        done = run.wait_event(lambda e: e.get("event") == "scan-done", "scan done", timeout=600)
        if not check(done is not None, "the scan finished"):
            print(run.tail())
            return
        counts = done.get("counts", {})
        print(f"scan: {done['count']} messages in {done['ms']} ms; counts {counts}; host scan {dict(expected)}")
        print(f"THROUGHPUT folder scan: {done['count'] / (done['ms'] / 1000):.0f} messages/s "
              f"({done['ms'] / 1000:.1f} s for {done['count']} messages)")
        check(done["count"] == SCAN_COUNT and not done.get("cancelled"), "every message of the folder was analysed")
        check(counts.get("error", 0) == 0, "no message failed")
        check(all(counts.get(v, 0) == expected.get(v, 0) for v in ("phishing", "suspicious", "safe")),
              "the verdict counts equal the host's own scan of the mbox")
        check(done["ms"] < 60000, "a 2,000-message folder takes under a minute")
        check("フィッシング" in done.get("text", ""), "the results table shows verdicts in Japanese")
        tb.take_screenshot(run, "scan-results.png", "mail:3pane")

        csv_path = os.path.join(run.downloads, "mekiki-scan-" + time.strftime("%Y-%m-%d", time.gmtime()) + ".csv")
        in_page(run, "/scan/scan.html", "content.document.getElementById('mk-scan-csv').click();")
        exported = run.wait_event(lambda e: e.get("event") == "scan-exported", "CSV export")
        if check(exported is not None and wait_file(os.path.join(run.downloads, exported["filename"])),
                 "the results were saved as CSV"):
            with open(os.path.join(run.downloads, exported["filename"]), encoding="utf-8-sig") as f:
                rows = list(csv.DictReader(io.StringIO(f.read())))
            check(len(rows) == SCAN_COUNT, f"the CSV has one row per message ({len(rows)})")
            check(rows and rows[0]["verdict"] == "phishing", "the CSV is sorted worst first, like the table")
        del csv_path

        before = len(run.events)
        in_page(run, "/scan/scan.html", "content.document.querySelector('#mk-scan-rows tr').click();")
        shown = run.wait_event(lambda e: e.get("event") == "displayed" and run.events.index(e) >= before,
                               "message opened from the results")
        check(shown is not None, "clicking a result row opens the message")
    finally:
        run.stop()


def main():
    if not shutil.which("thunderbird") or not tb.HOST:
        print("FAIL: thunderbird or the host binary is missing")
        return 1
    root = tempfile.mkdtemp(prefix="mekiki-e2e-actions-")
    try:
        xpi = os.path.join(root, "mekiki.xpi")
        subprocess.run(["bash", os.path.join(tb.SRC, "scripts", "package-addon.sh"), xpi], check=True,
                       stdout=subprocess.DEVNULL)
        tb.setup_home(root)
        test_folder_scan(root, xpi)
    finally:
        if tb.failures or os.environ.get("MEKIKI_E2E_KEEP"):
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{0 if tb.failures else 1} passed, {1 if tb.failures else 0} failed")
    return 1 if tb.failures else 0


if __name__ == "__main__":
    sys.exit(main())
