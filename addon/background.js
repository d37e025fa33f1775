/* background.js - the add-on's event page: messages in, verdicts out.
 *
 * When Thunderbird displays one message, its raw source goes to the Mekiki
 * host over a long-lived native port (modules/protocol.js) and the host's
 * answers become states per message: progress, offline result, final
 * result, or an error that says how to fix it. Each tab remembers which
 * message it shows; a state is only ever drawn for that message:
 *  - on the toolbar button of that tab (icon, badge, title: chrome that no
 *    message can restyle), and
 *  - in the banner script of that tab's document, which asks on load which
 *    message it shows (asked of Thunderbird afresh, never from memory) and
 *    ignores pushes for any other.
 * When Thunderbird cannot tell which message is displayed (its API throws on
 * some hostile messages) the tab says "Mekiki could not read this message",
 * never the previous message's verdict.
 *
 * A message no longer displayed in any tab has its look-ups cancelled at the
 * host. Entries are kept per message id in memory only, with a fingerprint
 * of the header (a different message under a recycled id starts afresh) and
 * the SHA-256 of the bytes analysed (the report page checks it), bounded to
 * the most recent ones.
 *
 * The banner's action buttons ask for "banner-action"; it runs (through
 * modules/reader-actions.js, as the report tab's buttons do) only when the
 * request comes from the banner script of the tab that shows that message
 * now, names the SHA-256 of the bytes whose verdict the banner shows, and
 * asks for an action that verdict's banner offers; a report re-reads the
 * message and attaches it only if its bytes still have that hash.
 *
 * Settings come from storage (managed under local) and apply at once.
 */
"use strict";

const MK = {
  Protocol: globalThis.MekikiProtocol,
  Settings: globalThis.MekikiSettings,
  I18n: globalThis.MekikiI18n,
  BannerModel: globalThis.MekikiBannerModel,
  Action: globalThis.MekikiVerdictAction,
  RawReader: globalThis.MekikiRawReader,
};

const MAX_ENTRIES = 50;
const BANNER_SCRIPT_ID = "mekiki-banner";
const BANNER_FILES = ["modules/text-safety.js", "modules/banner-view.js", "banner/banner.js"];

let settings = MK.Settings.normalize({});
let translate = (key) => key;
let language = "en";
let translatorLanguage = null;
let platform = "linux";
let sequence = 0;
let reportTabId = null;
const entries = new Map();      /* messageId -> entry */
const tabs = new Map();         /* tabId -> {messageId, unreadable, displayedAt} */
const requests = new Map();     /* request id -> messageId */
const connection = new MK.Protocol.HostConnection((name) => browser.runtime.connectNative(name), {
  stillWanted: (body) => body.type !== "analyze" || isWanted(requests.get(body.id)),
  onRestart: () => log("host-restarted", {}),
});

/* ---- settings and language ---- */

async function loadSettings() {
  settings = (await MK.Settings.load(browser.storage)).settings;
  const wanted = MK.Settings.resolveLanguage(settings.language, browser.i18n.getUILanguage());
  if (wanted !== translatorLanguage) {
    translate = await MK.I18n.loadTranslator((p) => browser.runtime.getURL(p), wanted);
    translatorLanguage = wanted;
  }
  language = wanted;
}

function log(event, fields) {
  if (!settings.debugLog) return;
  console.log("mekiki-event " + JSON.stringify(Object.assign({ event, t: Date.now() }, fields)));
}

/* ---- entries ---- */

function fingerprint(header) {
  return [header.headerMessageId, header.size, header.date && new Date(header.date).getTime()].join("|");
}

function getEntry(messageId, print) {
  let entry = entries.get(messageId);
  if (entry && print !== undefined && entry.fingerprint !== print) {
    forget(entry);
    entry = null;
  }
  if (!entry) {
    entry = { messageId, fingerprint: print, hash: null, state: null, report: null, stage: null,
      displayedAt: 0, running: null, requestId: null, forReport: false };
    entries.set(messageId, entry);
    evictOld();
  }
  return entry;
}

/* Keeps the most recent entries, never one still on screen or asked for. */
function evictOld() {
  for (const old of Array.from(entries.values())) {
    if (entries.size <= MAX_ENTRIES) return;
    if (!isWanted(old.messageId)) forget(old);
  }
}

function forget(entry) {
  if (entry.requestId) connection.cancel(entry.requestId);
  entries.delete(entry.messageId);
}

function isDisplayed(messageId) {
  for (const t of tabs.values()) if (t.messageId === messageId) return true;
  return false;
}

function isWanted(messageId) {
  const entry = entries.get(messageId);
  return messageId !== undefined && (isDisplayed(messageId) || !!(entry && entry.forReport));
}

/* A message shown nowhere (and not asked for by the report page) has its
 * look-ups cancelled; shown again, it is analysed again. */
function dropIfUnwanted(messageId) {
  if (messageId === null || messageId === undefined || isWanted(messageId)) return;
  const entry = entries.get(messageId);
  if (!entry || !entry.requestId) return;
  log("cancel", { messageId, id: entry.requestId });
  connection.cancel(entry.requestId);
}

/* ---- what a tab shows ---- */

function tabState(t) {
  if (!t) return null;
  if (t.unreadable !== null) return { kind: "unreadable", message: t.unreadable };
  const entry = entries.get(t.messageId);
  return entry ? entry.state : null;
}

function levelOf(state, model) {
  if (model) return model.level;
  if (state && state.kind === "result") return "safe";   /* a hidden safe note */
  return "none";
}

/* What the banner knows beyond the host's report: whether the reader noted
 * this message as phishing Mekiki missed. */
function modelExtras(entry) {
  const report = entry && entry.report;
  const id = (report && report.message && report.message.message_id) || (entry && entry.headerMessageId);
  return { marked: globalThis.MekikiTrustStore.isMarkedMissed(id) };
}

/* The banner model of a tab; its actions only once the hash of what was
 * analysed is known, since a banner's request must name it. */
function tabModel(t) {
  const entry = t.unreadable === null ? entries.get(t.messageId) : null;
  const model = MK.BannerModel.buildBannerModel(tabState(t), settings, translate, modelExtras(entry));
  if (model && !(entry && entry.hash)) model.actions = [];
  return { model, hash: entry ? entry.hash : null };
}

function bannerPayload(tabId) {
  const t = tabs.get(tabId);
  if (!t) return null;
  sequence += 1;
  const state = tabState(t);
  const { model, hash } = tabModel(t);
  return { type: "mekiki-banner", seq: sequence, messageId: t.messageId,
    stage: state ? state.stage || state.kind : null, model, hash };
}

const tabLooks = new Map();   /* tabId -> the look last applied */

function setAction(tabId, payload) {
  const state = tabState(tabs.get(tabId));
  const level = levelOf(state, payload && payload.model);
  const look = MK.Action.actionLook(level, payload && payload.model && payload.model.title, translate);
  const key = JSON.stringify(look);
  if (tabLooks.get(tabId) === key) return;
  tabLooks.set(tabId, key);
  const mda = browser.messageDisplayAction;
  Promise.all([
    mda.setIcon({ path: look.icon, tabId }),
    mda.setBadgeText({ text: look.badgeText, tabId }),
    mda.setBadgeBackgroundColor({ color: look.badgeColor, tabId }),
    mda.setTitle({ title: look.title, tabId }),
  ]).then(() => log("action", { tabId, messageId: payload && payload.messageId, level: look.level,
    badge: look.badgeText, title: look.title }),
  (err) => log("action-failed", { tabId, message: String(err && err.message) }));
}

const tabPushes = new Map();  /* tabId -> what its banner script was last sent */

/* Draws the tab's current state in its banner and on its button (banner
 * first: the button's four calls would only delay it). A push identical to
 * the last one is not sent again. */
function updateTab(tabId) {
  const payload = bannerPayload(tabId);
  const key = payload ? JSON.stringify([payload.messageId, payload.hash, payload.model]) : "";
  if (payload && tabPushes.get(tabId) !== key) {
    tabPushes.set(tabId, key);
    /* The banner script may not be loaded yet; it asks on load. */
    browser.tabs.sendMessage(tabId, payload).catch(() => {});
  }
  setAction(tabId, payload);
  return payload;
}

function updateMessage(messageId) {
  for (const [tabId, t] of tabs) if (t.messageId === messageId) updateTab(tabId);
}

function setState(entry, state) {
  entry.state = state;
  updateMessage(entry.messageId);
}

function showMessage(tabId, header) {
  const before = tabs.get(tabId);
  const same = before && before.messageId === header.id && before.unreadable === null;
  tabs.set(tabId, { messageId: header.id, unreadable: null, displayedAt: same ? before.displayedAt : Date.now() });
  if (before && !same) dropIfUnwanted(before.messageId);
  if (!same) tabLooks.delete(tabId);   /* a new message: apply the look afresh */
  const entry = getEntry(header.id, fingerprint(header));
  entry.headerMessageId = header.headerMessageId;
  if (!same) {
    entry.displayedAt = Date.now();
    log("displayed", { messageId: header.id, tabId });
  }
  if (settings.autoAnalyze) ensureAnalysis(header.id);
  return updateTab(tabId);
}

function showUnreadable(tabId, error) {
  const before = tabs.get(tabId);
  tabs.set(tabId, { messageId: null, unreadable: String((error && error.message) || error || ""), displayedAt: Date.now() });
  if (before) dropIfUnwanted(before.messageId);
  log("unreadable", { tabId, message: tabs.get(tabId).unreadable });
  return updateTab(tabId);
}

function showNone(tabId) {
  const before = tabs.get(tabId);
  tabs.delete(tabId);
  if (before) dropIfUnwanted(before.messageId);
  setAction(tabId, null);
  return null;
}

/* Thunderbird answers in milliseconds; on some hostile messages its
 * conversion of the header throws inside Thunderbird and the call never
 * settles at all. */
const ASK_TIMEOUT_MS = 1000;

function withinTime(promise, ms) {
  let timer = null;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error("Thunderbird did not say which message is displayed")), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/* Asks Thunderbird which message the tab shows right now. Returns
 * {header} for one message, {none: true} for zero or several, {error}. */
async function askDisplayed(tabId) {
  try {
    const list = await withinTime(browser.messageDisplay.getDisplayedMessages(tabId), ASK_TIMEOUT_MS);
    const messages = Array.isArray(list) ? list : (list && list.messages) || [];
    return messages.length === 1 ? { header: messages[0] } : { none: true };
  } catch (error) {
    return { error };
  }
}

async function refreshTab(tabId) {
  const seen = await askDisplayed(tabId);
  if (seen.error) return showUnreadable(tabId, seen.error);
  if (seen.none) return showNone(tabId);
  return showMessage(tabId, seen.header);
}

/* ---- analysis ---- */

function runAnalysis(messageId) {
  const entry = getEntry(messageId);
  if (entry.running) return entry.running;
  const online = settings.online;
  const id = connection.nextId();
  entry.requestId = id;
  requests.set(id, messageId);
  setState(entry, { kind: "progress" });
  entry.running = (async () => {
    try {
      const raw = await MK.RawReader.readRaw(messageId);
      log("timing", { messageId, bytes: raw.size, read_ms: raw.readMs, encode_ms: raw.encodeMs });
      if (entry.requestId !== id) return;   /* cancelled while reading */
      raw.hash.then((hash) => {
        entry.hash = hash;
        /* A verdict drawn before the hash was known gets its actions now. */
        if (entry.state && entry.state.kind === "result") updateMessage(messageId);
      }, () => {});
      await MK.Protocol.analyze(connection, raw.b64, language, online, (stage, report) => {
        entry.report = report;
        entry.stage = stage;
        log("report", { messageId, stage, verdict: report && report.verdict });
        if (globalThis.MekikiActions) globalThis.MekikiActions.onReport(messageId, stage, report);   /* actions-background.js */
        setState(entry, { kind: "result", stage, report, onlinePending: online && stage === "offline" });
      }, settings.lookups, id, globalThis.MekikiTrustStore.requestFields());
    } catch (err) {
      const code = err.code || "internal";
      log("error", { messageId, code, message: String(err.message) });
      if (code === "cancelled") {
        entry.state = null;
      } else if (entry.report && entry.state && entry.state.kind === "result") {
        /* The offline verdict stands; the online part failed and says so. */
        setState(entry, Object.assign({}, entry.state, { onlinePending: false, onlineError: code }));
      } else {
        setState(entry, { kind: "error", code, message: String(err.message || err), platform });
      }
    } finally {
      requests.delete(id);
      if (entry.requestId === id) entry.requestId = null;
      entry.running = null;
    }
  })();
  return entry.running;
}

/* Keeps the last result unless it was an error or was cancelled, so
 * reopening a message is instant but a failed host gets retried. */
function ensureAnalysis(messageId) {
  const entry = entries.get(messageId);
  if (entry && entry.running) return entry.running;
  if (entry && entry.state && entry.state.kind === "result" && !entry.state.onlineError) return Promise.resolve();
  return runAnalysis(messageId);
}

/* ---- report tab ---- */

/* One report tab, reused: a second click shows the new report there. */
async function openReport(messageId) {
  const query = messageId === null || messageId === undefined ? "unreadable=1"
    : "message=" + encodeURIComponent(messageId);
  if (messageId !== null && messageId !== undefined) {
    getEntry(messageId).forReport = true;
    ensureAnalysis(messageId);
  }
  const url = browser.runtime.getURL("report/report.html?" + query);
  if (reportTabId !== null) {
    try {
      await browser.tabs.update(reportTabId, { url, active: true });
      log("report-opened", { messageId, tabId: reportTabId, reused: true });
      return;
    } catch (err) {
      reportTabId = null;
    }
  }
  const tab = await browser.tabs.create({ url });
  reportTabId = tab.id;
  log("report-opened", { messageId, tabId: tab.id, reused: false });
}

async function openReportForTab(tabId) {
  const seen = await askDisplayed(tabId);
  if (seen.none) return;
  if (seen.error) return openReport(null);
  return openReport(seen.header.id);
}

function reportResponse(messageId) {
  const entry = entries.get(messageId);
  if (!entry) return { found: false, language };
  const kind = entry.state && entry.state.kind;
  return { found: true, report: entry.report, stage: entry.stage, state: kind, hash: entry.hash,
    done: !entry.running && !!entry.state && kind !== "progress",
    onlineError: entry.state && entry.state.onlineError ? entry.state.onlineError : null,
    error: kind === "error" ? entry.state : null, language, settings, platform };
}

async function pingHost() {
  let pong = null;
  try {
    await connection.request({ type: "ping" }, (msg) => { pong = msg; }, (msg) => msg.type === "pong");
    return { ok: true, version: pong && pong.version, databases: pong && pong.databases };
  } catch (err) {
    return { ok: false, code: err.code, message: String(err.message), platform };
  }
}

/* The update downloads about 130 MB: it runs in a host process of its own so
 * analyses go on meanwhile, with the host's own total limit plus a margin. */
const UPDATE_TIMEOUT_MS = 35 * 60 * 1000;

async function updateHostData() {
  const updater = new MK.Protocol.HostConnection((name) => browser.runtime.connectNative(name),
    { timeoutMs: UPDATE_TIMEOUT_MS });
  let reply = null;
  try {
    await updater.request({ type: "update_data" }, (msg) => { reply = msg; }, (msg) => msg.type === "update_data");
  } catch (err) {
    return { status: "failed", code: err.code, error: String(err.message) };
  } finally {
    if (updater.port) updater.port.disconnect();
  }
  /* The long-lived host reopens changed data files when pinged. */
  const host = await pingHost();
  log("update-data", { status: reply.status, error: reply.result && reply.result.error });
  return { status: reply.status, error: reply.result && reply.result.error,
    databases: (host.ok && host.databases) || reply.databases };
}

/* ---- the banner's actions ---- */

/* Why a banner's request must be refused, or null when it may run: it
 * comes from this add-on's script in a tab that shows that message now (as
 * Thunderbird says afresh), for the bytes whose verdict that banner shows
 * (same hash), and asks for an action that banner offers. */
async function refusalOf(msg, sender) {
  if (!sender || (typeof browser.runtime.id === "string" && sender.id !== browser.runtime.id)) return "sender";
  const tabId = sender.tab ? sender.tab.id : undefined;
  const t = tabs.get(tabId);
  if (!t || t.unreadable !== null) return "no-message";
  const messageId = Number(msg.messageId);
  if (!Number.isInteger(messageId) || t.messageId !== messageId) return "not-displayed";
  const entry = entries.get(messageId);
  if (!entry || !entry.report || !entry.state || entry.state.kind !== "result") return "no-verdict";
  if (typeof msg.hash !== "string" || !entry.hash || msg.hash !== entry.hash) return "stale";
  const { model } = tabModel(t);
  if (!model || !model.actions.some((a) => a.id === msg.action)) return "not-offered";
  const seen = await askDisplayed(tabId);
  if (!seen.header || seen.header.id !== messageId || fingerprint(seen.header) !== entry.fingerprint) return "not-displayed";
  return null;
}

const actionsRunning = new Set();   /* "messageId action": one at a time */

async function runBannerAction(action, entry) {
  const RA = globalThis.MekikiReaderActions;
  const messageId = entry.messageId;
  if (action === "report") {
    /* The bytes attached are the bytes judged, or nothing is. */
    const raw = await MK.RawReader.readRaw(messageId);
    if (await raw.hash !== entry.hash) return { refused: "changed" };
    const bytes = Uint8Array.from(atob(raw.b64), (c) => c.charCodeAt(0));
    const result = await RA.reportPhishing(browser, { raw: bytes, report: entry.report, language, translate });
    if (result.status === "opened") {
      log("report-compose-opened", { messageId, desk: result.desk.id, to: result.desk.address, bytes: result.bytes,
        tabId: result.tabId, from: "banner" });
    }
    return result;
  }
  if (action === "trust-address" || action === "trust-organisation") {
    return RA.trustSender(browser, entry.report, action === "trust-address" ? "address" : "organisation");
  }
  return RA.markMissed(browser, messageId, entry.report);
}

async function bannerAction(msg, sender) {
  const tabId = sender && sender.tab ? sender.tab.id : undefined;
  const refused = await refusalOf(msg, sender);
  const fields = { tabId, messageId: msg.messageId, action: String(msg.action).slice(0, 40) };
  if (refused) {
    log("banner-action", Object.assign(fields, { status: "refused", reason: refused }));
    return { ok: false, refused, text: translate("bannerActionRefused") };
  }
  const entry = entries.get(Number(msg.messageId));
  const key = entry.messageId + " " + msg.action;
  if (actionsRunning.has(key)) return { ok: false, refused: "running", text: "" };
  actionsRunning.add(key);
  const kind = msg.action === "report" ? "report" : msg.action === "missed" ? "missed" : "trust";
  try {
    const result = await runBannerAction(msg.action, entry);
    if (result.refused) {
      log("banner-action", Object.assign(fields, { status: "refused", reason: result.refused }));
      return { ok: false, refused: result.refused, text: translate("bannerActionRefused") };
    }
    log("banner-action", Object.assign(fields, { status: result.status, entry: result.entry, record: result.record,
      to: result.desk && result.desk.address, bytes: result.bytes }));
    return { ok: true, status: result.status, text: globalThis.MekikiReaderActions.statusText(kind, result, translate) };
  } catch (err) {
    log("banner-action", Object.assign(fields, { status: "failed", message: String(err.message || err) }));
    return { ok: false, text: globalThis.MekikiReaderActions.statusText(kind, null, translate, err) };
  } finally {
    actionsRunning.delete(key);
  }
}

/* ---- message router ---- */

async function handleMessage(msg, sender) {
  const tabId = sender.tab ? sender.tab.id : undefined;
  switch (msg && msg.type) {
    case "banner-ready":
      log("banner-ready", { tabId });
      if (tabId === undefined) return null;
      /* A new document: until Thunderbird says which message it is, the
       * button must not keep the previous message's verdict. */
      tabLooks.delete(tabId);
      tabPushes.delete(tabId);
      setAction(tabId, { messageId: null, model: { level: "progress", title: translate("bannerAnalyzing") } });
      return refreshTab(tabId);
    case "banner-shown": {
      const t = tabs.get(tabId);
      const ms = t && t.displayedAt ? Date.now() - t.displayedAt : -1;
      log("banner", { messageId: msg.messageId, tabId, stage: msg.stage, level: msg.level,
        text: String(msg.text || "").slice(0, 2000), height: msg.height, ms });
      return null;
    }
    case "banner-action":
      return bannerAction(msg || {}, sender);
    case "open-report":
      return tabId === undefined ? null : openReportForTab(tabId);
    case "get-report":
      return reportResponse(Number(msg.messageId));
    case "report-rendered":
      log("report-rendered", { messageId: msg.messageId, text: String(msg.text || "").slice(0, 6000) });
      return null;
    case "exported":
      log("exported", { messageId: msg.messageId, filename: msg.filename, downloadId: msg.downloadId });
      return null;
    case "ping-host":
      return pingHost();
    case "update-data":
      return updateHostData();
    case "get-settings":
      return { settings, platform };
    default:
      return null;
  }
}

/* ---- wiring ---- */

async function registerBannerScript() {
  /* Filtering by an unknown id throws, so list all and look. */
  const existing = await browser.scripting.messageDisplay.getRegisteredScripts();
  if (existing.some((s) => s.id === BANNER_SCRIPT_ID)) return;
  await browser.scripting.messageDisplay.registerScripts([{
    id: BANNER_SCRIPT_ID,
    js: BANNER_FILES,
    runAt: "document_start",
  }]);
}

/* Messages already on screen when the add-on starts (Thunderbird restoring
 * its tabs, the add-on installed or updated) got no registered script and
 * no display event: find them, inject the banner, show their state. */
async function adoptOpenTabs() {
  let open = [];
  try {
    open = await browser.tabs.query({});
  } catch (err) {
    return;
  }
  for (const tab of open) {
    if (tab.type !== "mail" && tab.type !== "messageDisplay") continue;
    /* A 3-pane tab showing no message may answer with an error: only a
     * message document (its banner script) is evidence of a message. */
    const seen = await askDisplayed(tab.id);
    if (!seen.header) continue;
    const payload = showMessage(tab.id, seen.header);
    browser.scripting.executeScript({ target: { tabId: tab.id }, files: BANNER_FILES })
      .then(() => log("adopted", { tabId: tab.id, messageId: payload.messageId }),
        (err) => log("adopt-failed", { tabId: tab.id, message: String(err && err.message) }));
  }
}

function createMenu() {
  browser.menus.create({ id: "mekiki-report", contexts: ["message_list"], title: translate("menuShowReport") },
    () => void browser.runtime.lastError);
}

browser.messageDisplay.onMessagesDisplayed.addListener((tab, displayed) => {
  ready.then(() => {
    const list = Array.isArray(displayed) ? displayed : (displayed && displayed.messages) || [];
    if (list.length === 1) showMessage(tab.id, list[0]);
    else showNone(tab.id);
  });
});
/* An event page starts only for an event: listening to start-up makes it
 * start with Thunderbird, so messages restored on screen get their banner. */
browser.runtime.onStartup.addListener(() => {
  ready.then(() => log("startup", {}));
});
browser.tabs.onRemoved.addListener((tabId) => {
  if (tabId === reportTabId) reportTabId = null;
  tabLooks.delete(tabId);
  tabPushes.delete(tabId);
  const before = tabs.get(tabId);
  if (!before) return;
  tabs.delete(tabId);
  log("tab-closed", { tabId, messageId: before.messageId, tracked: tabs.size });
  dropIfUnwanted(before.messageId);
});
browser.runtime.onMessage.addListener((msg, sender) => ready.then(() => handleMessage(msg, sender)));
browser.messageDisplayAction.onClicked.addListener((tab) => {
  ready.then(() => openReportForTab(tab.id));
});
browser.menus.onClicked.addListener((info) => {
  const list = info.selectedMessages && info.selectedMessages.messages;
  if (info.menuItemId === "mekiki-report" && list && list.length) ready.then(() => openReport(list[0].id));
});
browser.storage.onChanged.addListener(() => {
  ready.then(async () => {
    await loadSettings();
    browser.menus.update("mekiki-report", { title: translate("menuShowReport") }).catch(() => {});
    for (const tabId of tabs.keys()) updateTab(tabId);
  });
});

const ready = (async () => {
  await loadSettings();
  try {
    platform = (await browser.runtime.getPlatformInfo()).os;
  } catch (err) {
    platform = "linux";
  }
  createMenu();
  await registerBannerScript();
  log("ready", { language, online: settings.online });
  /* Start the host now: its start-up (loading its catalog and databases)
   * then happens before the first message is shown, not after. */
  pingHost().then((res) => log("host", res));
})();
ready.then(() => adoptOpenTabs());
