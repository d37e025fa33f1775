/* background.js - the add-on's event page: messages in, banners and reports out.
 *
 * When Thunderbird displays one message, the raw source goes to the Mekiki
 * host over a long-lived native port (modules/protocol.js) and the host's
 * answers become banner states per message: progress, offline result, final
 * result, or an error that says how to fix it. The banner script in the
 * message asks for its state when it loads and is pushed every change after
 * that; a sequence number lets it ignore a push that overtook a newer one.
 *
 * Reports are kept per message id in memory only (they describe mail content
 * and are not worth persisting), bounded to the most recent ones.
 *
 * Settings come from storage (managed under local) and apply at once: a
 * change re-renders open banners and the next request uses the new options.
 */
"use strict";

const MK = {
  Protocol: globalThis.MekikiProtocol,
  Settings: globalThis.MekikiSettings,
  I18n: globalThis.MekikiI18n,
  BannerModel: globalThis.MekikiBannerModel,
};

const MAX_ENTRIES = 50;
const BANNER_SCRIPT_ID = "mekiki-banner";

let settings = MK.Settings.normalize({});
let translate = (key) => key;
let language = "en";
let translatorLanguage = null;
let sequence = 0;
const entries = new Map();      /* messageId -> entry */
const tabMessage = new Map();   /* tabId -> messageId */
const connection = new MK.Protocol.HostConnection((name) => browser.runtime.connectNative(name));

/* ---- settings and language ---- */

async function loadSettings() {
  let managed = {};
  try {
    managed = await browser.storage.managed.get(null);
  } catch (e) {
    managed = {};   /* no managed-storage manifest: the usual case */
  }
  const local = await browser.storage.local.get(null);
  settings = MK.Settings.merge(managed, local);
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

/* ---- entries and banner pushes ---- */

function getEntry(messageId) {
  let entry = entries.get(messageId);
  if (!entry) {
    entry = { messageId, state: null, report: null, stage: null, displayedAt: 0, running: null };
    entries.set(messageId, entry);
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value);
  }
  return entry;
}

function bannerPayload(entry) {
  sequence += 1;
  const model = MK.BannerModel.buildBannerModel(entry.state, settings, translate);
  return { type: "mekiki-banner", seq: sequence, messageId: entry.messageId,
    stage: entry.state ? entry.state.stage || entry.state.kind : null, model };
}

function pushBanner(messageId) {
  const entry = entries.get(messageId);
  if (!entry) return;
  for (const [tabId, shown] of tabMessage) {
    if (shown !== messageId) continue;
    /* The banner script may not be loaded yet; it asks on load. */
    browser.tabs.sendMessage(tabId, bannerPayload(entry)).catch(() => {});
  }
}

function setState(entry, state) {
  entry.state = state;
  pushBanner(entry.messageId);
}

/* ---- analysis ---- */

async function readRaw(messageId) {
  const file = await browser.messages.getRaw(messageId, { data_format: "File" });
  return new Uint8Array(await file.arrayBuffer());
}

function runAnalysis(messageId) {
  const entry = getEntry(messageId);
  if (entry.running) return entry.running;
  const online = settings.online;
  setState(entry, { kind: "progress" });
  entry.running = (async () => {
    try {
      const bytes = await readRaw(messageId);
      await MK.Protocol.analyze(connection, bytes, language, online, (stage, report) => {
        entry.report = report;
        entry.stage = stage;
        log("report", { messageId, stage, verdict: report && report.verdict });
        if (globalThis.MekikiActions) globalThis.MekikiActions.onReport(messageId, stage, report);   /* actions-background.js */
        setState(entry, { kind: "result", stage, report, onlinePending: online && stage === "offline" });
      }, settings.lookups, globalThis.MekikiTrustStore.requestFields());
    } catch (err) {
      log("error", { messageId, code: err.code || "internal", message: String(err.message) });
      setState(entry, { kind: "error", code: err.code || "internal", message: String(err.message || err) });
    } finally {
      entry.running = null;
    }
  })();
  return entry.running;
}

/* Keeps the last result unless it was an error, so reopening a message is
 * instant but a failed host gets retried. */
function ensureAnalysis(messageId) {
  const entry = entries.get(messageId);
  if (entry && entry.state && entry.state.kind !== "error") return entry.running || Promise.resolve();
  return runAnalysis(messageId);
}

async function onMessagesDisplayed(tab, displayed) {
  const list = Array.isArray(displayed) ? displayed : (displayed && displayed.messages) || [];
  if (list.length !== 1) {
    tabMessage.delete(tab.id);
    return;
  }
  const messageId = list[0].id;
  tabMessage.set(tab.id, messageId);
  const entry = getEntry(messageId);
  entry.displayedAt = Date.now();
  log("displayed", { messageId, tabId: tab.id });
  if (settings.autoAnalyze) ensureAnalysis(messageId);
  else pushBanner(messageId);
}

/* ---- report tab, export ---- */

async function openReport(messageId) {
  if (messageId === undefined || messageId === null) return;
  ensureAnalysis(messageId);
  const url = browser.runtime.getURL("report/report.html?message=" + encodeURIComponent(messageId));
  await browser.tabs.create({ url });
  log("report-opened", { messageId });
}

async function displayedMessageId(tabId) {
  const known = tabMessage.get(tabId);
  if (known !== undefined) return known;
  const msg = await browser.messageDisplay.getDisplayedMessage(tabId);
  return msg ? msg.id : undefined;
}

function reportResponse(messageId) {
  const entry = entries.get(messageId);
  if (!entry) return { found: false };
  return { found: true, report: entry.report, stage: entry.stage, state: entry.state && entry.state.kind,
    done: !entry.running && !!entry.state && entry.state.kind !== "progress",
    error: entry.state && entry.state.kind === "error" ? entry.state : null, language, settings };
}

async function pingHost() {
  let pong = null;
  try {
    await connection.request({ type: "ping" }, (msg) => { pong = msg; }, (msg) => msg.type === "pong");
    return { ok: true, version: pong && pong.version, databases: pong && pong.databases };
  } catch (err) {
    return { ok: false, code: err.code, message: String(err.message) };
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

/* ---- message router ---- */

async function handleMessage(msg, sender) {
  const tabId = sender.tab ? sender.tab.id : undefined;
  switch (msg && msg.type) {
    case "banner-ready": {
      const messageId = await displayedMessageId(tabId);
      if (messageId === undefined) return null;
      tabMessage.set(tabId, messageId);
      const entry = getEntry(messageId);
      if (!entry.state && settings.autoAnalyze) ensureAnalysis(messageId);
      return bannerPayload(entry);
    }
    case "banner-shown": {
      const messageId = tabMessage.get(tabId);
      const entry = entries.get(messageId);
      const ms = entry && entry.displayedAt ? Date.now() - entry.displayedAt : -1;
      log("banner", { messageId, stage: msg.stage, level: msg.level, text: String(msg.text || "").slice(0, 2000), ms });
      return null;
    }
    case "open-report":
      return openReport(await displayedMessageId(tabId));
    case "get-report":
      return reportResponse(Number(msg.messageId));
    case "report-rendered":
      log("report-rendered", { messageId: msg.messageId, text: String(msg.text || "").slice(0, 4000) });
      return null;
    case "exported":
      log("exported", { messageId: msg.messageId, filename: msg.filename, downloadId: msg.downloadId });
      return null;
    case "ping-host":
      return pingHost();
    case "update-data":
      return updateHostData();
    case "get-settings":
      return { settings };
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
    js: ["modules/banner-view.js", "banner/banner.js"],
    css: ["banner/banner.css"],
    runAt: "document_start",
  }]);
}

function createMenu() {
  browser.menus.create({ id: "mekiki-report", contexts: ["message_list"], title: translate("menuShowReport") },
    () => void browser.runtime.lastError);
}

browser.messageDisplay.onMessagesDisplayed.addListener((tab, displayed) => {
  ready.then(() => onMessagesDisplayed(tab, displayed));
});
browser.runtime.onMessage.addListener((msg, sender) => ready.then(() => handleMessage(msg, sender)));
browser.messageDisplayAction.onClicked.addListener((tab) => {
  ready.then(async () => openReport(await displayedMessageId(tab.id)));
});
browser.menus.onClicked.addListener((info) => {
  const list = info.selectedMessages && info.selectedMessages.messages;
  if (info.menuItemId === "mekiki-report" && list && list.length) ready.then(() => openReport(list[0].id));
});
browser.storage.onChanged.addListener(() => {
  ready.then(async () => {
    await loadSettings();
    browser.menus.update("mekiki-report", { title: translate("menuShowReport") }).catch(() => {});
    for (const messageId of new Set(tabMessage.values())) pushBanner(messageId);
  });
});

const ready = (async () => {
  await loadSettings();
  createMenu();
  await registerBannerScript();
  log("ready", { language, online: settings.online });
  /* Start the host now: its start-up (loading its catalog and databases)
   * then happens before the first message is shown, not after. */
  pingHost().then((res) => log("host", res));
})();
