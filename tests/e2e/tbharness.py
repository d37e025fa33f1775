"""tbharness.py - one real Thunderbird under test, for the end-to-end tests.

A Run is one headless Thunderbird process on a fresh profile in a temporary
HOME: Mekiki's add-on installed from an .xpi, the built host registered the
way a user registers it (`mekiki install`), optional messages in the
Local Folders Inbox, optional .eml files opened on the command line. The
add-on's debug events (console lines "mekiki-event {...}") are read from
Thunderbird's stdout; Marionette (chrome context) drives the UI.

Only processes a Run started are stopped, by their process group id.
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
from marionette import Marionette, MarionetteError  # noqa: E402,F401

ADDON_ID = "mekiki@mekiki.app"
TIMEOUT = 60.0
SRC = os.environ.get("MEKIKI_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MEKIKI_BUILD_DIR") or os.path.join(SRC, "build")
HOST = os.environ.get("MEKIKI_E2E_HOST") or os.environ.get("MEKIKI")
DATA = os.environ.get("MEKIKI_DATA_DIR") or os.path.join(SRC, "data")
MESSAGES = os.path.join(SRC, "tests", "e2e", "messages")
SHOTS = os.path.join(BUILD, "e2e")
# The add-on folder packaged for the run; pointing this at an older copy
# shows which of the checks failed before a change.
ADDON_DIR = os.environ.get("MEKIKI_E2E_ADDON_DIR") or os.path.join(SRC, "addon")

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


def write_prefs(profile, download_dir, marionette_port, extra=None):
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
        # The message pane shows a message as soon as it is selected.
        "mailnews.mark_message_read.delay": False,
    }
    prefs.update(extra or {})
    with open(os.path.join(profile, "user.js"), "w") as f:
        for k, v in prefs.items():
            f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")


def write_mbox(path, messages):
    """An mbox Inbox holding the given .eml files, in order."""
    with open(path, "wb") as out:
        for m in messages:
            with open(m, "rb") as f:
                data = f.read().replace(b"\r\n", b"\n")
            out.write(b"From - Sun Jan 26 10:42:17 2025\n")
            for line in data.split(b"\n"):
                out.write((b">" + line if line.startswith(b"From ") else line) + b"\n")
            out.write(b"\n")


class Run:
    """One Thunderbird process on a fresh profile."""

    def __init__(self, root, xpi, open_files=(), inbox=(), home=None, profile=None, folders=None, prefs=None):
        """`profile`: start again on the profile of an earlier Run (which
        must have stopped), as Thunderbird starts again after a quit.
        `folders` maps Local Folders mbox names to their bytes; `prefs` adds
        preferences to the profile's."""
        self.root = root
        self.home = home or os.path.join(root, "home")
        self.downloads = os.path.join(root, "downloads")
        os.makedirs(self.downloads, exist_ok=True)
        if profile:
            self.profile = profile
        else:
            self.profile = tempfile.mkdtemp(prefix="profile-", dir=root)
            os.makedirs(os.path.join(self.profile, "extensions"))
            os.makedirs(os.path.join(self.profile, "Mail", "Local Folders"))
            if xpi:
                shutil.copy(xpi, os.path.join(self.profile, "extensions", ADDON_ID + ".xpi"))
            if inbox:
                write_mbox(os.path.join(self.profile, "Mail", "Local Folders", "Inbox"), inbox)
            for name, data in (folders or {}).items():
                with open(os.path.join(self.profile, "Mail", "Local Folders", name), "wb") as f:
                    f.write(data)
        self.port = free_port()
        write_prefs(self.profile, self.downloads, self.port, prefs)
        self.log_path = os.path.join(root, os.path.basename(self.profile) + f"-{self.port}.log")
        env = dict(os.environ, HOME=self.home, DBUS_SESSION_BUS_ADDRESS="disabled:", NO_AT_BRIDGE="1",
                   MOZ_CRASHREPORTER_DISABLE="1", XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   XDG_CACHE_HOME=os.path.join(self.home, ".cache"), TZ="Asia/Tokyo")
        env.pop("DISPLAY", None)
        self.log = open(self.log_path, "wb")
        cmd = ["thunderbird", "--headless", "--no-remote", "--profile", self.profile,
               "--marionette", "--remote-allow-system-access"] + list(open_files)
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

    def wait_event(self, pred, what, timeout=TIMEOUT, since=0, quiet=False):
        """The first event from index `since` on for which pred holds."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll_events()
            for ev in self.events[since:]:
                if pred(ev):
                    return ev
            if time.monotonic() >= deadline or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not quiet:
            print(f"timed out waiting for {what}; events: {json.dumps(self.events[since:], ensure_ascii=False)[:3000]}")
        return None

    def connect(self):
        if not self.marionette:
            self.marionette = Marionette(self.port, timeout=TIMEOUT)
            self.marionette.start()
            self.marionette.chrome()
        return self.marionette

    def chrome(self, source, args=None):
        """Runs a script (it may await) in the chrome context of the main
        (3-pane) window; `arguments` are the args."""
        m = self.connect()
        self.switch_to("mail:3pane")
        return m.script("return (async function () {\n" + source + "\n}).apply(null, arguments);", args)

    def switch_to(self, window_type):
        m = self.connect()
        for handle in m.windows():
            m.switch_window(handle)
            if m.script("return document.documentElement.getAttribute('windowtype') || '';") == window_type:
                return True
        return False

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


def take_screenshot(run, name, window_type="mail:messageWindow"):
    m = run.connect()
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name)
    run.switch_to(window_type)
    with open(path, "wb") as f:
        f.write(m.screenshot_png())
    print(f"screenshot: {path}")
    return path


def setup_home(root, settings=None, env=()):
    """A HOME with the host registered the way a user registers it, by
    `mekiki install` (with extra NAME=VALUE environment), and the add-on's
    managed settings."""
    home = os.path.join(root, "home")
    os.makedirs(home)
    penv = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    extra = []
    for kv in env:
        extra += ["--env", kv]
    subprocess.run([HOST, "install", "--env", f"MEKIKI_DATA_DIR={DATA}",
                    "--env", f"XDG_CACHE_HOME={os.path.join(home, '.cache')}"] + extra, check=True, env=penv,
                   stdout=subprocess.DEVNULL)
    managed = os.path.join(home, ".mozilla", "managed-storage")
    os.makedirs(managed)
    data = {"online": False, "debugLog": True, "exportSaveAs": False, "language": "ja"}
    data.update(settings or {})
    with open(os.path.join(managed, ADDON_ID + ".json"), "w") as f:
        json.dump({"name": ADDON_ID, "description": "Mekiki end-to-end test settings", "type": "storage",
                   "data": data}, f)
    return home


def package_addon(root):
    xpi = os.path.join(root, "mekiki.xpi")
    if ADDON_DIR == os.path.join(SRC, "addon"):
        subprocess.run(["bash", os.path.join(SRC, "scripts", "package-addon.sh"), xpi], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        shutil.make_archive(xpi[:-4], "zip", ADDON_DIR)
        os.replace(xpi[:-4] + ".zip", xpi)
    return xpi


def preflight():
    if not shutil.which("thunderbird"):
        print("FAIL: thunderbird is not installed (the setup script installs it)")
        return False
    if not HOST or not os.access(HOST, os.X_OK):
        print(f"FAIL: no host binary (MEKIKI={HOST!r})")
        return False
    print(subprocess.run(["thunderbird", "--version"], capture_output=True, text=True).stdout.strip())
    return True


def run_tests(tests, prefix="mekiki-e2e-"):
    """Runs test functions (root, xpi); returns the exit status."""
    if not preflight():
        return 1
    root = tempfile.mkdtemp(prefix=prefix)
    try:
        xpi = package_addon(root)
        only = os.environ.get("MEKIKI_E2E_ONLY")
        for test in tests:
            if only and only not in test.__name__:
                continue
            print(f"--- {test.__name__}", flush=True)
            sub = tempfile.mkdtemp(prefix=test.__name__ + "-", dir=root)
            try:
                test(sub, xpi)
            except (MarionetteError, OSError) as err:
                check(False, f"{test.__name__} ran to its end ({err})")
    finally:
        if failures or os.environ.get("MEKIKI_E2E_KEEP"):
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0
