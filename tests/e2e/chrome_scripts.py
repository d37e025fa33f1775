"""chrome_scripts.py - scripts the end-to-end tests run in Thunderbird's chrome.

Each is the body of an async function (tbharness.Run.chrome) evaluated in
the main window; `arguments` are the test's arguments. They only read the
UI or do what a person would do (select a message, click a button, close a
window); none of them touches the add-on's own state.
"""

# Every document that may hold Mekiki's parts: windows, and the about:3pane /
# about:message documents nested inside them.
DOCS = r"""
function allDocs() {
  const out = [];
  const visit = (doc) => {
    if (!doc || out.includes(doc)) return;
    out.push(doc);
    for (const b of doc.querySelectorAll("browser")) {
      try { visit(b.contentDocument); } catch (e) {}
    }
  };
  for (const win of Services.wm.getEnumerator(null)) visit(win.document);
  return out;
}
"""

# Shows the Inbox in the 3-pane tab and selects the message whose
# Message-ID is arguments[0] (without angle brackets).
SELECT_MESSAGE = r"""
const wanted = arguments[0];
const tabmail = document.getElementById("tabmail");
tabmail.switchToTab(0);
const about3Pane = tabmail.currentAbout3Pane;
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const inbox = MailServices.accounts.localFoldersServer.rootFolder.getChildNamed("Inbox");
if (about3Pane.gFolder != inbox) about3Pane.displayFolder(inbox);
const deadline = Date.now() + 30000;
const find = () => {
  const view = about3Pane.gDBView;
  for (let i = 0; view && i < view.rowCount; i++) {
    if (view.getMsgHdrAt(i).messageId == wanted) return i;
  }
  return -1;
};
let index = find();
while (index < 0 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
  index = find();
}
if (index < 0) throw new Error("no message " + wanted + " in the Inbox");
about3Pane.threadTree.selectedIndex = index;
return index;
"""

# The toolbar button of the displayed message: badge text, tooltip, icon.
ACTION_STATE = DOCS + r"""
const out = [];
for (const doc of allDocs()) {
  for (const btn of doc.querySelectorAll('[id$="messageDisplayAction-toolbarbutton"]')) {
    if (!btn.isConnected || btn.closest("[hidden]")) continue;
    out.push({ badge: btn.getAttribute("badge") || "", title: btn.getAttribute("tooltiptext") || "",
      style: (btn.getAttribute("style") || "").slice(0, 400), doc: doc.location.href });
  }
}
return out;
"""

# Clicks the toolbar button of a displayed message (in a header that shows
# one: the 3-pane's own header is there even when no message is).
CLICK_ACTION = DOCS + r"""
for (const doc of allDocs()) {
  const btn = doc.querySelector('[id$="messageDisplayAction-toolbarbutton"]');
  if (btn && btn.isConnected && doc.defaultView && doc.defaultView.gMessage) { btn.click(); return btn.id; }
}
return "";
"""

# The banner in the displayed message, seen through its closed shadow root:
# is it there, visible, how tall, what it says.
BANNER_STATE = DOCS + r"""
const out = [];
for (const doc of allDocs()) {
  if (!doc.location || !/^(mailbox|imap|file|news)/.test(doc.location.protocol)) continue;
  for (const host of doc.querySelectorAll("body > *")) {
    const root = host.openOrClosedShadowRoot;
    if (!root) continue;
    const rect = host.getBoundingClientRect();
    const style = doc.defaultView.getComputedStyle(host);
    out.push({ url: doc.location.href.slice(0, 120), display: style.display, visibility: style.visibility,
      height: Math.round(rect.height), width: Math.round(rect.width), text: root.textContent.slice(0, 2000) });
  }
}
return out;
"""

# Report tabs open in the main window.
REPORT_TABS = r"""
const tabmail = document.getElementById("tabmail");
return tabmail.tabInfo.filter((t) => {
  try { return t.browser && t.browser.currentURI.spec.includes("/report/report.html"); } catch (e) { return false; }
}).length;
"""

# Starts measuring how late the main thread runs a 10 ms timer: the longest
# gap is how long the UI stood still.
LAG_START = r"""
const w = window;
w.mekikiLag = { max: 0, last: Date.now(), timer: null, samples: 0, long: [] };
const tick = () => {
  const now = Date.now();
  const gap = now - w.mekikiLag.last;
  if (gap > w.mekikiLag.max) w.mekikiLag.max = gap;
  if (gap > 50) w.mekikiLag.long.push([now - gap, gap]);
  w.mekikiLag.last = now;
  w.mekikiLag.samples += 1;
  w.mekikiLag.timer = setTimeout(tick, 10);
};
w.mekikiLag.timer = setTimeout(tick, 10);
return true;
"""

LAG_STOP = r"""
const lag = window.mekikiLag;
clearTimeout(lag.timer);
return { max: lag.max, samples: lag.samples, long: lag.long };
"""

# Closes every standalone message window (the way a person closes one).
CLOSE_MESSAGE_WINDOWS = r"""
let n = 0;
for (const win of Services.wm.getEnumerator("mail:messageWindow")) { win.close(); n += 1; }
return n;
"""

# Disables and enables the add-on: it starts again while a message is
# already on screen (as after an install or an update).
RESTART_ADDON = r"""
const { AddonManager } = ChromeUtils.importESModule("resource://gre/modules/AddonManager.sys.mjs");
const addon = await AddonManager.getAddonByID(arguments[0]);
await addon.disable();
await new Promise((r) => setTimeout(r, 500));
await addon.enable();
return addon.isActive;
"""

# Opens the message shown in the 3-pane tab in a tab of its own.
OPEN_IN_TAB = r"""
const tabmail = document.getElementById("tabmail");
const hdr = tabmail.currentAboutMessage.gMessage;
tabmail.openTab("mailMessageTab", { messageURI: hdr.folder.getUriForMsg(hdr), background: false });
return tabmail.tabInfo.map((t) => t.mode.name);
"""

# The kinds of the main window's tabs.
TAB_KINDS = r"""
return document.getElementById("tabmail").tabInfo.map((t) => t.mode.name);
"""
