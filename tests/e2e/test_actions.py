#!/usr/bin/env python3
"""test_actions.py - acting on verdicts, in a real Thunderbird.

Report it: the phishing fixture is opened, its report tab's "Report this
phishing" button pressed; the compose window must be addressed to the default
desk for a Japanese reader (the Council of Anti-Phishing Japan) and carry the
original and Mekiki's report. The test then presses Send in that window, as
the reader would; Thunderbird delivers through a local SMTP sink on
127.0.0.1, and the message/rfc822 attachment must be byte-identical to the
source file. Screenshot: report-compose.png.

Folder scan: a Local Folders Inbox of generated messages (the fixture corpus
repeated, each copy with its own Message-ID) is scanned through the folder
pane's context menu item, exactly as a reader would start it. The test waits
for the scan page's "scan-done" event, checks that every message was analysed
and that the verdict counts equal the host's own `mekiki scan` of the same
mbox, prints the throughput, saves the results as CSV (one row per message)
and clicks a row, which must open that message. Screenshot: scan-results.png.

Trust this sender: a folder holds a colleague's message (DMARC passes for
their domain), a second one from them, and a look-alike of them
(tanuki-1ab.jp). The reader opens the first one's report and presses "I know
this sender"; the second message's report must then say the trust held
(decided by the host from the trusted_senders the add-on sent), and the
look-alike must be flagged as imitating the sender, with a warning banner.
"This is phishing" on the passed message is kept locally. Screenshots:
trust-held-report.png, trust-lookalike-banner.png.

Sort it: with both sorting options switched on in the real options page, the
phishing message opened from the Inbox gets the "Phishing (Mekiki)" tag and
lands in Junk; the genuine one gets no tag. Screenshot: sorted-junk.png.

Feed import: a JPCERT/CC-style CSV listing the phishing message's link is
picked in the options page's file field; the host imports it, the page shows
its size and date, and the message opened afterwards has the finding
link_on_blocklist. Screenshot: feed-options.png.

The banner's buttons: the same three actions pressed in the banner above
the message, by a click Thunderbird treats as the reader's. "Report this
phishing" in the phishing message's banner opens the compose window to the
default desk; Send delivers through the SMTP sink with the original attached
byte for byte. "I know this sender" in the colleague's banner saves them with
DMARC, and their next message's banner says the sender is trusted. "This is
phishing" in that (passed) message's banner keeps the reader's note, and the
banner says so, also when the message is shown again. Screenshots:
banner-report-button.png, banner-report-compose.png, banner-trust-saved.png,
banner-trust-held.png, banner-marked-phish.png. With the one-line banner
chosen in the options, the buttons are behind its Actions menu and still work
(banner-compact-menu.png).

Environment as for test_thunderbird.py; MEKIKI_E2E_SCAN_COUNT sets the folder
size (default 2000); MEKIKI_E2E_ONLY=<part of a test's name> runs only the
tests whose name contains it.
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
import chrome_scripts as js  # noqa: E402
import tbharness as harness  # noqa: E402
from tbharness import check  # noqa: E402
from test_thunderbird import CLICK_ACTION, banner_event  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

FIXTURES = os.path.join(harness.SRC, "tests", "fixtures")
SCAN_COUNT = int(os.environ.get("MEKIKI_E2E_SCAN_COUNT", "2000"))


def mbox_bytes(messages):
    """An mbox file's bytes holding these messages (mailbox.mboxMessage)."""
    path = tempfile.mktemp(suffix=".mbox")
    box = mailbox.mbox(path, create=True)
    for msg in messages:
        box.add(msg)
    box.flush()
    box.close()
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def read_mbox_message(path):
    with open(path, "rb") as f:
        return mailbox.mboxMessage(f.read())


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
    out = subprocess.run([harness.HOST, "scan", "--offline", "--no-cache", mbox_path], capture_output=True, timeout=600,
                         env=dict(os.environ, MEKIKI_DATA_DIR=harness.DATA))
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


def wait_file(path, timeout=harness.TIMEOUT):
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
    run = harness.Run(root, xpi, folders={"Inbox": inbox})
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
        harness.take_screenshot(run, "scan-results.png", "mail:3pane")

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


def sending_prefs(smtp_port):
    """A sending identity on its own account, delivering to the sink."""
    return {
        "mail.accountmanager.accounts": "account2,account1",
        "mail.accountmanager.defaultaccount": "account2",
        "mail.account.account2.server": "server2",
        "mail.account.account2.identities": "id1",
        "mail.server.server2.type": "pop3",
        "mail.server.server2.hostname": "127.0.0.1",
        "mail.server.server2.port": 9,
        "mail.server.server2.userName": "reader",
        "mail.server.server2.name": "reader@example.test",
        "mail.server.server2.login_at_startup": False,
        "mail.server.server2.check_new_mail": False,
        "mail.server.server2.download_on_biff": False,
        "mail.server.server2.directory-rel": "[ProfD]Mail/reader",
        "mail.identity.id1.fullName": "Test Reader",
        "mail.identity.id1.useremail": "reader@example.test",
        "mail.identity.id1.smtpServer": "smtp1",
        "mail.identity.id1.valid": True,
        "mail.identity.id1.fcc": False,
        "mail.smtpservers": "smtp1",
        "mail.smtp.defaultserver": "smtp1",
        "mail.smtpserver.smtp1.type": "smtp",
        "mail.smtpserver.smtp1.hostname": "127.0.0.1",
        "mail.smtpserver.smtp1.port": smtp_port,
        "mail.smtpserver.smtp1.authMethod": 1,
        "mail.smtpserver.smtp1.try_ssl": 0,
        "mail.smtpserver.smtp1.username": "",
    }


# Chrome-context script: what the compose window holds.
COMPOSE_STATE = r"""
for (const win of Services.wm.getEnumerator("msgcompose")) {
  const to = [...win.document.querySelectorAll("#toAddrContainer mail-address-pill")].map(p => p.fullAddress || p.label);
  const bucket = win.document.getElementById("attachmentBucket");
  const names = bucket ? [...bucket.itemChildren].map(i => i.attachment.name + " " + i.attachment.contentType) : [];
  return { to, subject: win.document.getElementById("msgSubject").value, attachments: names };
}
return null;
"""

# Chrome-context script: the reader presses Send.
COMPOSE_SEND = r"""
for (const win of Services.wm.getEnumerator("msgcompose")) {
  win.goDoCommand("cmd_sendNow");
  return true;
}
return false;
"""


def rfc822_attachment(data):
    """The body of the message/rfc822 part of a received message, undecoded
    unless it was transfer-encoded (then decoded)."""
    import base64
    import email
    import email.policy
    import quopri
    top = email.message_from_bytes(data, policy=email.policy.compat32)
    boundary = top.get_boundary()
    if not boundary:
        return None
    for segment in data.split(b"--" + boundary.encode())[1:]:
        head, sep, body = segment.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = email.message_from_bytes(head.lstrip(b"\r\n") + b"\r\n\r\n", policy=email.policy.compat32)
        if headers.get_content_type() != "message/rfc822":
            continue
        body = body[:-2] if body.endswith(b"\r\n") else body   # the CRLF before the next delimiter
        cte = (headers.get("Content-Transfer-Encoding") or "").lower()
        if cte == "base64":
            return base64.b64decode(body)
        if cte == "quoted-printable":
            return quopri.decodestring(body)
        return body
    return None


def send_and_check(run, sink, message, root):
    """Presses Send in the compose window, as the reader would; the sink must
    receive one message to the desk with `message` attached byte for byte."""
    check(run.connect().script(COMPOSE_SEND), "pressed Send in the compose window")
    deadline = time.monotonic() + harness.TIMEOUT
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    if not check(len(sink.messages) == 1, "Thunderbird delivered one message to the SMTP sink on 127.0.0.1"):
        print(run.tail())
        return
    _, rcpts, data = sink.messages[0]
    check(rcpts == ["<info@antiphishing.jp>"], f"sent to the desk only ({rcpts})")
    with open(message, "rb") as f:
        original = f.read()
    attached = rfc822_attachment(data)
    check(attached == original, f"the attached message is byte-identical to the source "
          f"({len(attached or b'')} vs {len(original)} bytes)")
    if attached != original:
        with open(os.path.join(root, "sent.eml"), "wb") as f:
            f.write(data)


def test_report_phishing(root, xpi):
    sink = SmtpSink().start()
    message = os.path.join(harness.MESSAGES, "phishing-ekinet.eml")
    run = harness.Run(root, xpi, open_files=[message], prefs=sending_prefs(sink.port))
    try:
        ev = banner_event(run, ("phishing", "suspicious", "safe", "error"))
        if not check(ev is not None and ev["level"] == "phishing", "the phishing banner is shown"):
            print(run.tail())
            return
        m = run.connect()
        check(bool(m.script(CLICK_ACTION)), "clicked the toolbar button")
        check(run.wait_event(lambda e: e.get("event") == "report-rendered", "report rendered") is not None,
              "the report tab opened")
        opened = None
        deadline = time.monotonic() + harness.TIMEOUT
        while opened is None and time.monotonic() < deadline:
            in_page(run, "/report/report.html",
                    "const b = content.document.getElementById('mk-report-phish'); if (b && !b.disabled) b.click();")
            opened = run.wait_event(lambda e: e.get("event") in ("report-compose-opened", "report-compose-failed"),
                                    "compose opened", timeout=1.0)
        if not check(opened is not None and opened["event"] == "report-compose-opened",
                     f"'Report this phishing' opened a compose window ({opened})"):
            print(run.tail())
            return
        check(opened.get("to") == "info@antiphishing.jp", "addressed to the Council of Anti-Phishing Japan by default")
        state = None
        deadline = time.monotonic() + harness.TIMEOUT
        while time.monotonic() < deadline:
            state = m.script(COMPOSE_STATE)
            if state and len(state.get("attachments", [])) >= 2 and state.get("to"):
                break
            time.sleep(0.3)
        print(f"compose window: {state}")
        check(bool(state) and any("info@antiphishing.jp" in a for a in state["to"]), "the To field holds the desk")
        check(bool(state) and "original-message.eml message/rfc822" in state["attachments"],
              "the original is attached as message/rfc822")
        check(bool(state) and any(a.startswith("mekiki-report.json") for a in state["attachments"]),
              "Mekiki's JSON report is attached")
        harness.take_screenshot(run, "report-compose.png", "msgcompose")
        check(not sink.messages, "nothing was sent before the reader pressed Send")
        send_and_check(run, sink, message, root)
    finally:
        run.stop()
        sink.stop()


# Chrome-context script: the text of Mekiki's banner in the displayed message
# whose URL starts with arguments[0].
BANNER_TEXT = r"""
const [scheme] = arguments;
const win = Services.wm.getMostRecentWindow("mail:3pane");
const about3Pane = win.document.getElementById("tabmail").currentAbout3Pane;
const doc = about3Pane.messageBrowser.contentWindow.getMessagePaneBrowser().contentDocument;
if (!doc || !doc.location.href.startsWith(scheme) || !doc.body) return "";
for (const host of doc.body.children) {
  if (host.openOrClosedShadowRoot) return host.openOrClosedShadowRoot.textContent;
}
return "";
"""

# Chrome-context script: shows the message with this Message-ID in the
# 3-pane tab (switching to it first).
SELECT_MESSAGE = r"""
const [messageId] = arguments;
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const win = Services.wm.getMostRecentWindow("mail:3pane");
const tabmail = win.document.getElementById("tabmail");
tabmail.switchToTab(0);
const about3Pane = tabmail.currentAbout3Pane;
const inbox = MailServices.accounts.localFoldersServer.rootFolder.getChildNamed("Inbox");
return (async () => {
  if (about3Pane.gFolder != inbox) about3Pane.displayFolder(inbox.URI);
  for (let i = 0; i < 600; i++) {
    let hdr = null;
    try {
      hdr = inbox.msgDatabase.getMsgHdrForMessageID(messageId);
    } catch (e) {
      hdr = null;   /* the folder is still being indexed */
    }
    const index = hdr && about3Pane.gDBView ? about3Pane.gDBView.findIndexOfMsgHdr(hdr, true) : -1;
    if (index >= 0) {
      about3Pane.threadTree.selectedIndex = index;
      return index;
    }
    await new Promise(resolve => win.setTimeout(resolve, 100));
  }
  return -1;
})();
"""

# Chrome-context script: clicks Mekiki's button above the message shown in
# the 3-pane tab.
CLICK_ACTION_3PANE = r"""
const win = Services.wm.getMostRecentWindow("mail:3pane");
const about3Pane = win.document.getElementById("tabmail").currentAbout3Pane;
const doc = about3Pane.messageBrowser.contentDocument;
const btn = doc && doc.querySelector('[id$="messageDisplayAction-toolbarbutton"]');
if (!btn) return false;
btn.click();
return true;
"""


def trust_folder():
    with open(os.path.join(FIXTURES, "genuine-mailing-list-patch-postfix.eml"), "rb") as f:
        first = f.read()
    assert b"ksato@tanuki-lab.jp" in first

    def variant(raw, mid, subject, sender=None):
        msg = mailbox.mboxMessage(raw)
        del msg["Message-ID"]
        msg["Message-ID"] = f"<{mid}>"
        del msg["Subject"]
        msg["Subject"] = subject
        if sender:
            del msg["From"]
            msg["From"] = sender
        return msg

    return mbox_bytes([variant(first, "first@tanuki-lab.jp", "Re: [tanuki-devel] patch v2"),
                       variant(first, "second@tanuki-lab.jp", "Re: [tanuki-devel] patch v3"),
                       variant(first, "third@tanuki-1ab.jp", "Re: [tanuki-devel] patch v4 (urgent)",
                               "Kenji Sato <ksato@tanuki-1ab.jp>")])


def open_report_for(run, mid, after):
    """Shows the message and opens its report: (banner event, report-actions-ready event, report page)."""
    m = run.connect()
    check(m.script(SELECT_MESSAGE, [mid]) >= 0, f"selected {mid}")
    shown = run.wait_event(lambda e: e.get("event") == "displayed" and run.events.index(e) >= after, f"{mid} displayed")
    if not check(shown is not None, f"{mid} is displayed"):
        return None, None, None
    number = shown["messageId"]
    banner = run.wait_event(lambda e: e.get("event") == "banner" and e.get("messageId") == number
                            and e.get("level") != "progress" and run.events.index(e) >= after, f"banner for {mid}")
    check(banner is not None, f"a banner for {mid}")
    clicked = False
    deadline = time.monotonic() + harness.TIMEOUT
    while not clicked and time.monotonic() < deadline:
        clicked = m.script(CLICK_ACTION_3PANE)
        time.sleep(0.2)
    check(clicked, "clicked Mekiki's button above the message")
    ready = run.wait_event(lambda e: e.get("event") == "report-actions-ready" and e.get("messageId") == number,
                           f"report actions for {mid}")
    return banner, ready, f"/report/report.html?message={number}"


def test_trust_sender(root, xpi):
    run = harness.Run(root, xpi, folders={"Inbox": trust_folder()})
    try:
        if not check(run.wait_event(lambda e: e.get("event") == "ready", "add-on ready") is not None, "add-on started"):
            return
        banner, ready, page = open_report_for(run, "first@tanuki-lab.jp", 0)
        if not check(ready is not None, "the first message's report is ready"):
            print(run.tail())
            return
        check(ready.get("trust") is None, f"nobody is trusted yet: no trust judgement in the report ({ready.get('trust')})")
        in_page(run, page, "content.document.getElementById('mk-trust-sender').click();")
        saved = run.wait_event(lambda e: e.get("event") == "trust-saved", "trust saved")
        check(saved is not None and saved["entry"]["address"] == "ksato@tanuki-lab.jp"
              and saved["entry"]["proof"] == "dmarc", f"'I know this sender' saved the sender with DMARC ({saved})")

        mark = len(run.events)
        banner, ready, page = open_report_for(run, "second@tanuki-lab.jp", mark)
        check(ready is not None and ready.get("trust") == "held",
              f"the sender's next message: the trust held ({ready and ready.get('trust')})")
        check(banner is not None and banner.get("level") in ("safe", "none"), "and it gets no warning")
        if ready:
            harness.take_screenshot(run, "trust-held-report.png", "mail:3pane")
        in_page(run, page, "content.document.getElementById('mk-missed-phish').click();")
        marked = run.wait_event(lambda e: e.get("event") == "phish-marked", "missed phish noted")
        check(marked is not None and marked["record"]["messageId"] == "second@tanuki-lab.jp",
              "'This is phishing' on a passed message is noted locally")

        mark = len(run.events)
        banner, ready, page = open_report_for(run, "third@tanuki-1ab.jp", mark)
        check(ready is not None and ready.get("trust") == "imitated",
              f"a look-alike of the trusted sender is flagged as imitating it ({ready and ready.get('trust')})")
        check(banner is not None and banner.get("level") in ("suspicious", "phishing"),
              f"the look-alike gets a warning banner ({banner and banner.get('level')})")
        check(banner is not None and "tanuki-lab.jp" in banner.get("text", ""), "the banner names the imitated sender")
        m = run.connect()
        m.script("Services.wm.getMostRecentWindow('mail:3pane').document.getElementById('tabmail').switchToTab(0);")
        harness.take_screenshot(run, "trust-lookalike-banner.png", "mail:3pane")
    finally:
        run.stop()


# Chrome-context script: opens one of the add-on's pages in a tab.
OPEN_ADDON_PAGE = r"""
const [path] = arguments;
const url = WebExtensionPolicy.getByID("mekiki@mekiki.app").getURL(path);
const win = Services.wm.getMostRecentWindow("mail:3pane");
win.document.getElementById("tabmail").openTab("contentTab", { url });
return url;
"""

# Chrome-context script: the Local Folders' Junk folder: its flag, and the
# Message-IDs and tag keywords of what it holds.
JUNK_STATE = r"""
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const root = MailServices.accounts.localFoldersServer.rootFolder;
const junk = root.getFolderWithFlags(Ci.nsMsgFolderFlags.Junk);
if (!junk) return null;
const out = [];
for (const hdr of junk.msgDatabase.enumerateMessages()) {
  out.push({ id: hdr.messageId, keywords: hdr.getStringProperty("keywords") });
}
return { name: junk.name, messages: out };
"""


def open_options(run):
    """Opens the options page in a tab once the add-on is ready; the Marionette client."""
    m = run.connect()
    m.script(OPEN_ADDON_PAGE, ["options/options.html"])
    deadline = time.monotonic() + harness.TIMEOUT
    while time.monotonic() < deadline and not in_page(run, "/options/options.html", ""):
        time.sleep(0.2)
    time.sleep(1.5)   # the page builds its sections after reading storage and asking the host
    return m


def message_id_of(path):
    return read_mbox_message(path)["Message-ID"].strip().strip("<>")


def test_sort(root, xpi):
    phish = os.path.join(harness.MESSAGES, "phishing-ekinet.eml")
    genuine = os.path.join(harness.MESSAGES, "genuine-colleague.eml")
    inbox = mbox_bytes([read_mbox_message(phish), read_mbox_message(genuine)])
    run = harness.Run(root, xpi, folders={"Inbox": inbox, "Junk": b""})
    try:
        if not check(run.wait_event(lambda e: e.get("event") == "ready", "add-on ready") is not None, "add-on started"):
            return
        m = open_options(run)
        in_page(run, "/options/options.html",
                "const d = content.document; d.getElementById('mk-tag-by-verdict').click();"
                "d.getElementById('mk-move-to-junk').click();")
        time.sleep(1.5)
        mark = len(run.events)
        check(m.script(SELECT_MESSAGE, [message_id_of(phish)]) >= 0, "opened the phishing message")
        sorted_ev = run.wait_event(lambda e: e.get("event", "").startswith("verdict-sort") and run.events.index(e) >= mark
                                   and e.get("verdict") == "phishing", "phishing sorted")
        check(sorted_ev is not None and sorted_ev.get("tagged") and sorted_ev.get("moved"),
              f"the phishing message was tagged and moved ({sorted_ev})")
        state = None
        deadline = time.monotonic() + harness.TIMEOUT
        while time.monotonic() < deadline:
            state = m.script(JUNK_STATE)
            if state and state["messages"]:
                break
            time.sleep(0.3)
        check(bool(state) and [x["id"] for x in state["messages"]] == [message_id_of(phish)],
              f"Junk holds the phishing message ({state})")
        check(bool(state) and state["messages"] and "mekiki_phishing" in state["messages"][0]["keywords"].split(),
              "with the tag 'Phishing (Mekiki)'")
        mark = len(run.events)
        check(m.script(SELECT_MESSAGE, [message_id_of(genuine)]) >= 0, "opened the genuine message")
        safe_ev = run.wait_event(lambda e: e.get("event", "").startswith("verdict-sort") and run.events.index(e) >= mark,
                                 "genuine sorted")
        check(safe_ev is not None and safe_ev.get("verdict") == "safe" and not safe_ev.get("tagged")
              and not safe_ev.get("moved"), f"the genuine message is neither tagged nor moved ({safe_ev})")
        m.script(r"""
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const win = Services.wm.getMostRecentWindow("mail:3pane");
const tabmail = win.document.getElementById("tabmail");
tabmail.switchToTab(0);
const junk = MailServices.accounts.localFoldersServer.rootFolder.getFolderWithFlags(Ci.nsMsgFolderFlags.Junk);
tabmail.currentAbout3Pane.displayFolder(junk.URI);
tabmail.currentAbout3Pane.threadTree.selectedIndex = 0;
""")
        time.sleep(1.5)
        harness.take_screenshot(run, "sorted-junk.png", "mail:3pane")
    finally:
        run.stop()


def test_feed(root, xpi):
    phish = os.path.join(harness.MESSAGES, "phishing-ekinet.eml")
    run = harness.Run(root, xpi, folders={"Inbox": mbox_bytes([read_mbox_message(phish)])})
    try:
        if not check(run.wait_event(lambda e: e.get("event") == "ready", "add-on ready") is not None, "add-on started"):
            return
        m = open_options(run)
        listing = "date,URL,description\r\n2025/01/26,https://ekl-net.vecterdian.shop/update/,えきねっと\r\n"
        in_page(run, "/options/options.html",
                "const input = content.document.getElementById('mk-feed-file');"
                f"const file = new content.File([{json.dumps(listing)}], 'phishing-list.csv', {{ type: 'text/csv' }});"
                "const dt = new content.DataTransfer(); dt.items.add(file); input.files = dt.files;"
                "input.dispatchEvent(new content.Event('change'));")
        ev = run.wait_event(lambda e: e.get("event") == "feed-imported", "feed imported")
        check(ev is not None and ev["status"] == "ok" and ev["imported"] == 1,
              f"the list picked in the options was imported by the host ({ev})")
        check(ev is not None and ev["feed"] and ev["feed"]["entries"] == 1 and ev["feed"]["updated"] == "2025/01/26",
              "the options page learns the feed's size and date")
        in_page(run, "/options/options.html", "content.document.getElementById('mk-feed').scrollIntoView();")
        time.sleep(0.5)
        harness.take_screenshot(run, "feed-options.png", "mail:3pane")
        banner, ready, page = open_report_for(run, message_id_of(phish), len(run.events))
        check(ready is not None and "link_on_blocklist" in ready.get("findings", []),
              f"the message's link is now found on the imported list ({ready and ready.get('findings')})")
    finally:
        run.stop()


# Chrome-context script: presses one of the action buttons of Mekiki's banner
# (in its closed shadow root) in the displayed message whose URL starts with
# arguments[1], the way the reader's click arrives: a click() from chrome is a
# trusted event. In the compact banner the "Actions" menu is opened first.
# Returns what was pressed, or the actions that were there.
CLICK_BANNER_ACTION = js.DOCS + r"""
const [action, scheme, menuOnly] = arguments;
const seen = [];
for (const doc of allDocs()) {
  if (!doc.location || !doc.body) continue;
  for (const host of doc.body.children) {
    const root = host.openOrClosedShadowRoot;
    if (!root) continue;
    seen.push(doc.location.href.slice(0, 60));
    if (!doc.location.href.startsWith(scheme)) continue;
    for (const b of root.querySelectorAll("[data-action]")) seen.push(b.dataset.action + (b.disabled ? " (disabled)" : ""));
    const btn = root.querySelector('[data-action="' + action + '"]');
    if (!btn || btn.disabled) continue;
    const row = btn.closest('[data-part="actions"]');
    if (row && row.hidden) root.querySelector('[data-part="actions-menu"]').click();
    if (menuOnly) return { pressed: "menu", menu: !!root.querySelector('[data-part="actions-menu"]'), open: !row.hidden };
    btn.scrollIntoView();
    btn.click();
    return { pressed: action, label: btn.textContent, url: doc.location.href.slice(0, 80) };
  }
}
return { pressed: null, seen };
"""


def press_banner(run, action, scheme):
    """Presses the banner's button once it is there; the background's answer (event)."""
    mark = len(run.events)
    pressed = None
    deadline = time.monotonic() + harness.TIMEOUT
    while time.monotonic() < deadline:
        pressed = run.connect().script(CLICK_BANNER_ACTION, [action, scheme])
        if pressed and pressed.get("pressed"):
            break
        time.sleep(0.3)
    if not check(bool(pressed and pressed.get("pressed")), f"the banner offers '{action}' ({pressed})"):
        return None
    return run.wait_event(lambda e: e.get("event") == "banner-action" and e.get("action") == action
                          and run.events.index(e) >= mark, f"banner action {action}")


def banner_for(run, mid, after, pred=lambda e: True, what=""):
    """The first result banner of the Inbox message `mid` shown after event index `after` satisfying pred."""
    m = run.connect()
    check(m.script(SELECT_MESSAGE, [mid]) >= 0, f"selected {mid}")
    shown = run.wait_event(lambda e: e.get("event") == "displayed" and run.events.index(e) >= after, f"{mid} displayed")
    if shown is None:
        return None
    return run.wait_event(lambda e: e.get("event") == "banner" and e.get("messageId") == shown["messageId"]
                          and e.get("level") != "progress" and run.events.index(e) >= after and pred(e),
                          f"banner for {mid} {what}")


def test_banner_actions(root, xpi):
    sink = SmtpSink().start()
    message = os.path.join(harness.MESSAGES, "phishing-ekinet.eml")
    run = harness.Run(root, xpi, open_files=[message], folders={"Inbox": trust_folder()},
                      prefs=sending_prefs(sink.port))
    try:
        ev = banner_event(run, ("phishing", "suspicious", "safe", "error"))
        if not check(ev is not None and ev["level"] == "phishing", "the phishing banner is shown"):
            print(run.tail())
            return
        # -- Report this phishing, from the banner
        harness.take_screenshot(run, "banner-report-button.png", "mail:messageWindow")
        check(not sink.messages, "nothing is sent before the reader acts")
        done = press_banner(run, "report", "mailbox://" + message)
        if not check(done is not None and done.get("status") == "opened",
                     f"the banner's 'Report this phishing' opened a compose window ({done})"):
            print(run.tail())
            return
        check(done.get("to") == "info@antiphishing.jp", "addressed to the Council of Anti-Phishing Japan by default")
        m = run.connect()
        state = None
        deadline = time.monotonic() + harness.TIMEOUT
        while time.monotonic() < deadline:
            state = m.script(COMPOSE_STATE)
            if state and len(state["attachments"]) == 2:
                break
            time.sleep(0.3)
        check(bool(state) and any("info@antiphishing.jp" in t for t in state["to"]), f"the compose window shows the desk ({state})")
        check(bool(state) and any("message/rfc822" in a for a in state["attachments"])
              and any(a.startswith("mekiki-report.json") for a in state["attachments"]),
              "the original (message/rfc822) and Mekiki's report are attached")
        harness.take_screenshot(run, "banner-report-compose.png", "msgcompose")
        time.sleep(1.0)
        check(not sink.messages, "the compose window waits for the reader: nothing sent on its own")
        send_and_check(run, sink, message, root)
        run.chrome(js.CLOSE_MESSAGE_WINDOWS)

        # -- I know this sender, from the banner
        banner = banner_for(run, "first@tanuki-lab.jp", 0)
        check(banner is not None, "the colleague's message has a banner")
        done = press_banner(run, "trust-address", "mailbox:")
        check(done is not None and done.get("status") == "trusted" and done["entry"]["address"] == "ksato@tanuki-lab.jp"
              and done["entry"]["proof"] == "dmarc", f"'I know this sender' in the banner saved the sender with DMARC ({done})")
        time.sleep(0.5)
        shot = m.script(BANNER_TEXT, ["mailbox:"])
        check("ksato@tanuki-lab.jp" in (shot or ""), "the banner says who was saved")
        harness.take_screenshot(run, "banner-trust-saved.png", "mail:3pane")
        mark = len(run.events)
        banner = banner_for(run, "second@tanuki-lab.jp", mark)
        check(banner is not None and banner.get("level") == "safe" and "信頼済み" in banner.get("text", ""),
              f"the sender's next message shows as trusted ({banner and (banner.get('level'), banner.get('text', '')[:120])})")
        harness.take_screenshot(run, "banner-trust-held.png", "mail:3pane")

        # -- This is phishing, on the message Mekiki passed
        mark = len(run.events)
        done = press_banner(run, "missed", "mailbox:")
        check(done is not None and done.get("status") == "marked" and done["record"]["messageId"] == "second@tanuki-lab.jp",
              f"'This is phishing' in the banner stored the reader's note ({done})")
        shown = run.wait_event(lambda e: e.get("event") == "banner" and "記録済み" in e.get("text", "")
                               and run.events.index(e) >= mark, "banner shows the mark")
        check(shown is not None, "the banner now shows the reader's mark")
        time.sleep(0.3)
        harness.take_screenshot(run, "banner-marked-phish.png", "mail:3pane")
        mark = len(run.events)
        banner_for(run, "first@tanuki-lab.jp", mark)
        mark = len(run.events)
        again = banner_for(run, "second@tanuki-lab.jp", mark, lambda e: "記録済み" in e.get("text", ""), "with the mark")
        check(again is not None, "shown again later, the message still carries the reader's mark")

        # -- the one-line banner: the buttons wait behind its Actions menu
        open_options(run)
        in_page(run, "/options/options.html",
                "const f = content.document.getElementById('mk-options'); f.bannerStyle.value = 'compact';"
                "f.dispatchEvent(new content.Event('change'));")
        time.sleep(1.0)
        mark = len(run.events)
        small = banner_for(run, "first@tanuki-lab.jp", mark, lambda e: "操作" in e.get("text", ""), "compact")
        check(small is not None and 0 < small.get("height", 0) < 60,
              f"the compact banner is one line with an Actions menu ({small and (small.get('height'), small.get('text'))})")
        menu = run.connect().script(CLICK_BANNER_ACTION, ["missed", "mailbox:", True])
        check(bool(menu) and menu.get("menu") and menu.get("open"), f"its Actions menu opens on the buttons ({menu})")
        time.sleep(0.5)
        harness.take_screenshot(run, "banner-compact-menu.png", "mail:3pane")
        done = press_banner(run, "missed", "mailbox:")
        check(done is not None and done.get("status") == "marked" and done["record"]["messageId"] == "first@tanuki-lab.jp",
              f"a button in the compact banner's menu works ({done})")
    finally:
        run.stop()
        sink.stop()


def main():
    if not shutil.which("thunderbird") or not harness.HOST:
        print("FAIL: thunderbird or the host binary is missing")
        return 1
    root = tempfile.mkdtemp(prefix="mekiki-e2e-actions-")
    try:
        xpi = os.path.join(root, "mekiki.xpi")
        subprocess.run(["bash", os.path.join(harness.SRC, "scripts", "package-addon.sh"), xpi], check=True,
                       stdout=subprocess.DEVNULL)
        harness.setup_home(root)
        only = os.environ.get("MEKIKI_E2E_ONLY")
        # This run's own feed database, so an import never reaches another test.
        os.environ["MEKIKI_FEED_DB"] = os.path.join(root, "feeds.sqlite")
        for test in (test_feed, test_report_phishing, test_trust_sender, test_banner_actions, test_sort, test_folder_scan):
            if not only or only in test.__name__:
                print(f"--- {test.__name__}", flush=True)
                test(root, xpi)
    finally:
        if harness.failures or os.environ.get("MEKIKI_E2E_KEEP"):
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{0 if harness.failures else 1} passed, {1 if harness.failures else 0} failed")
    return 1 if harness.failures else 0


if __name__ == "__main__":
    sys.exit(main())
