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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from marionette import Marionette, MarionetteError  # noqa: E402

ADDON_ID = "mekiki@mekiki.app"
TIMEOUT = 60.0
SRC = os.environ.get("MEKIKI_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MEKIKI_BUILD_DIR") or os.path.join(SRC, "build")
HOST = os.environ.get("MEKIKI_E2E_HOST") or os.environ.get("MEKIKI")
DATA = os.environ.get("MEKIKI_DATA_DIR") or os.path.join(SRC, "data")
MESSAGES = os.path.join(SRC, "tests", "e2e", "messages")
SHOTS = os.path.join(BUILD, "e2e")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_prefs(profile, download_dir, marionette_port):
    prefs = {
        "mail.provider.suppress_dialog_on_startup": True,
        "mail.accountmanager.accounts": "account1",
        "mail.accountmanager.localfoldersserver": "server1",
        "mail.account.account1.server": "server1",
        "mail.server.server1.type": "none",
        "mail.server.server1.hostname": "Local Folders",
        "mail.server.server1.name": "Local Folders",
        "mail.server.server1.userName": "nobody",
        "mail.server.server1.directory-rel": "[ProfD]Mail/Local Folders",
        "mailnews.start_page.enabled": False,
        "mail.shell.checkDefaultClient": False,
        "mail.rights.version": 1,
        "mail.inappnotifications.enabled": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "app.update.auto": False,
        "extensions.autoDisableScopes": 0,
        "xpinstall.signatures.required": False,
        "devtools.console.stdout.chrome": True,
        "devtools.console.stdout.content": True,
        "marionette.port": marionette_port,
        "browser.download.folderList": 2,
        "browser.download.dir": download_dir,
        "browser.download.useDownloadDir": True,
        "browser.download.always_ask_before_handling_new_types": False,
        "browser.download.start_downloads_in_tmp_dir": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
    }
    with open(os.path.join(profile, "user.js"), "w") as f:
        for k, v in prefs.items():
            f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")


class Run:
    """One Thunderbird process showing one message."""

    def __init__(self, root, xpi, message):
        self.root = root
        self.home = os.path.join(root, "home")
        self.profile = tempfile.mkdtemp(prefix="profile-", dir=root)
        self.downloads = os.path.join(root, "downloads")
        os.makedirs(os.path.join(self.profile, "extensions"))
        os.makedirs(os.path.join(self.profile, "Mail", "Local Folders"))
        os.makedirs(self.downloads, exist_ok=True)
        shutil.copy(xpi, os.path.join(self.profile, "extensions", ADDON_ID + ".xpi"))
        self.port = free_port()
        write_prefs(self.profile, self.downloads, self.port)
        self.log_path = os.path.join(root, os.path.basename(self.profile) + ".log")
        env = dict(os.environ, HOME=self.home, DBUS_SESSION_BUS_ADDRESS="disabled:", NO_AT_BRIDGE="1",
                   MOZ_CRASHREPORTER_DISABLE="1", XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   XDG_CACHE_HOME=os.path.join(self.home, ".cache"), TZ="Asia/Tokyo")
        env.pop("DISPLAY", None)
        self.log = open(self.log_path, "wb")
        cmd = ["thunderbird", "--headless", "--no-remote", "--profile", self.profile,
               "--marionette", "--remote-allow-system-access", message]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        self.offset = 0
        self.events = []
        self.marionette = None

    def poll_events(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.offset += cut
        for line in data[:cut].decode("utf-8", "replace").splitlines():
            # Thunderbird prints `console.log: "<the logged string, JSON-quoted>"`.
            i = line.find('"mekiki-event ')
            if i < 0:
                continue
            try:
                text = json.JSONDecoder().raw_decode(line[i:])[0]
                self.events.append(json.loads(text[len("mekiki-event "):]))
            except ValueError:
                pass

    def wait_event(self, pred, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            self.poll_events()
            for ev in self.events[seen:]:
                if pred(ev):
                    return ev
            seen = len(self.events)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.poll_events()
        for ev in self.events:
            if pred(ev):
                return ev
        print(f"timed out waiting for {what}; events: {json.dumps(self.events, ensure_ascii=False)[:3000]}")
        return None

    def connect(self):
        if not self.marionette:
            self.marionette = Marionette(self.port, timeout=TIMEOUT)
            self.marionette.start()
            self.marionette.chrome()
        return self.marionette

    def stop(self):
        if self.marionette:
            self.marionette.quit()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def tail(self, n=60):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])


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

# Which window shows the message: its handle is used for the screenshot.
FIND_MESSAGE_WINDOW = r"""
const out = [];
for (const win of Services.wm.getEnumerator(null)) {
  out.push({type: win.document.documentElement.getAttribute("windowtype"), url: win.location.href});
}
return out;
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


def take_screenshot(run, name, window_type="mail:messageWindow"):
    m = run.connect()
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name)
    handles = m.windows()
    for handle in handles:
        m.switch_window(handle)
        kind = m.script("return document.documentElement.getAttribute('windowtype') || '';")
        if kind == window_type:
            break
    with open(path, "wb") as f:
        f.write(m.screenshot_png())
    print(f"screenshot: {path}")
    return path


def banner_event(run, levels):
    return run.wait_event(lambda e: e.get("event") == "banner" and e.get("level") in levels,
                          "banner " + "/".join(levels))


def test_phishing(root, xpi):
    message = os.path.join(MESSAGES, "phishing-ekinet.eml")
    run = Run(root, xpi, message)
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
    run = Run(root, xpi, os.path.join(MESSAGES, "genuine-colleague.eml"))
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


def setup_home(root):
    home = os.path.join(root, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    subprocess.run([HOST, "install", "--env", f"MEKIKI_DATA_DIR={DATA}",
                    "--env", f"XDG_CACHE_HOME={os.path.join(home, '.cache')}"], check=True, env=env)
    managed = os.path.join(home, ".mozilla", "managed-storage")
    os.makedirs(managed)
    with open(os.path.join(managed, ADDON_ID + ".json"), "w") as f:
        json.dump({"name": ADDON_ID, "description": "Mekiki end-to-end test settings", "type": "storage",
                   "data": {"online": False, "debugLog": True, "exportSaveAs": False, "language": "ja"}}, f)


def main():
    if not shutil.which("thunderbird"):
        print("FAIL: thunderbird is not installed (the setup script installs it)")
        return 1
    if not HOST or not os.access(HOST, os.X_OK):
        print(f"FAIL: no host binary (MEKIKI={HOST!r})")
        return 1
    print(subprocess.run(["thunderbird", "--version"], capture_output=True, text=True).stdout.strip())
    root = tempfile.mkdtemp(prefix="mekiki-e2e-")
    try:
        xpi = os.path.join(root, "mekiki.xpi")
        subprocess.run(["bash", os.path.join(SRC, "scripts", "package-addon.sh"), xpi], check=True,
                       stdout=subprocess.DEVNULL)
        setup_home(root)
        test_phishing(root, xpi)
        test_genuine(root, xpi)
    finally:
        if failures or os.environ.get("MEKIKI_E2E_KEEP"):
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
