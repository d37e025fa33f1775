/* scan.js - the folder-scan page: runs the scan, shows progress, lists results.
 *
 * Opened from the folder pane's context menu with ?folder=<folder id>. The
 * scan lives in this page (closing the tab ends it) and talks to a host
 * process of its own (modules/folder-scan.js says why). Every analysis is
 * offline whatever the options say: a folder of mail must not become a burst
 * of look-ups nobody asked for. Rows are appended a few times a second while
 * they arrive and sorted once the scan ends; a click on a row opens that
 * message in a tab. When the reader switched on sorting by verdict, each
 * result is also tagged in Thunderbird (never moved: see onRow).
 */
(function () {
  "use strict";

  const REDRAW_MS = 300;
  const params = new URLSearchParams(location.search);
  const folderId = params.get("folder") || "";
  const $ = (id) => document.getElementById(id);
  const FS = MekikiFolderScan;
  let translate = (k) => k;
  let language = "en";
  let debugLog = false;
  let scan = null;
  let total = 0;
  let startedAt = 0;
  let finishedMs = 0;
  let sortKey = "verdict";
  let sortDescending = true;
  let redrawTimer = null;
  let drawn = 0;   /* rows already in the table */

  function log(event, fields) {
    if (debugLog) console.log("mekiki-event " + JSON.stringify(Object.assign({ event, t: Date.now() }, fields)));
  }

  function verdictLabel(v) {
    return translate(v === "error" ? "scanVerdictError" : "verdict_" + v);
  }

  function drawCounts() {
    const done = scan ? scan.rows.length : 0;
    $("mk-scan-progress").max = Math.max(total, done, 1);
    $("mk-scan-progress").value = done;
    const c = scan ? scan.counts : { phishing: 0, suspicious: 0, safe: 0, error: 0 };
    $("mk-scan-counts").textContent = translate("scanCounts", [c.phishing, c.suspicious, c.safe, c.error]);
  }

  function rowElement(r) {
    const tr = document.createElement("tr");
    tr.dataset.messageId = String(r.messageId);
    if (r.verdict === "error") tr.className = "mk-scan-error";
    const verdict = document.createElement("span");
    verdict.className = "mk-verdict mk-verdict-" + r.verdict;
    verdict.textContent = verdictLabel(r.verdict);
    const cells = [verdict, r.score === null ? "" : String(r.score), r.subject, r.sender,
      r.verdict === "error" ? r.error : r.topFinding];
    for (const value of cells) {
      const td = document.createElement("td");
      if (typeof value === "string") td.textContent = value;
      else td.appendChild(value);
      tr.appendChild(td);
    }
    return tr;
  }

  /* The whole table, sorted: when the scan ends and on a click on a heading. */
  function drawRows() {
    drawCounts();
    const fragment = document.createDocumentFragment();
    for (const r of FS.sortRows(scan ? scan.rows : [], sortKey, sortDescending)) fragment.appendChild(rowElement(r));
    $("mk-scan-rows").replaceChildren(fragment);
    drawn = scan ? scan.rows.length : 0;
    for (const th of document.querySelectorAll("#mk-scan-table th")) {
      th.setAttribute("aria-sort", th.dataset.key === sortKey ? (sortDescending ? "descending" : "ascending") : "none");
    }
  }

  /* While the scan runs, new rows are only appended (in arrival order):
   * re-sorting thousands of rows a few times a second would slow the scan. */
  function appendNewRows() {
    redrawTimer = null;
    drawCounts();
    const fragment = document.createDocumentFragment();
    for (; drawn < scan.rows.length; drawn++) fragment.appendChild(rowElement(scan.rows[drawn]));
    $("mk-scan-rows").appendChild(fragment);
  }

  function scheduleRedraw() {
    if (!redrawTimer) redrawTimer = setTimeout(appendNewRows, REDRAW_MS);
  }

  function labelPage(folderName) {
    document.title = translate("scanPageTitle", [folderName]);
    $("mk-scan-title").textContent = translate("scanPageTitle", [folderName]);
    $("mk-scan-cancel").textContent = translate("scanCancel");
    $("mk-scan-csv").textContent = translate("scanExportCsv");
    $("mk-scan-json").textContent = translate("scanExportJson");
    $("mk-col-verdict").textContent = translate("scanColVerdict");
    $("mk-col-score").textContent = translate("scanColScore");
    $("mk-col-subject").textContent = translate("scanColSubject");
    $("mk-col-sender").textContent = translate("scanColSender");
    $("mk-col-finding").textContent = translate("scanColFinding");
  }

  async function download(text, type, extension) {
    const blob = new Blob([text], { type });
    const url = URL.createObjectURL(blob);
    const stamp = new Date().toISOString().slice(0, 10);
    const filename = "mekiki-scan-" + stamp + "." + extension;
    try {
      await browser.downloads.download({ url, filename, saveAs: false, conflictAction: "uniquify" });
      $("mk-scan-status").textContent = translate("reportExported", [filename]);
      log("scan-exported", { filename, format: extension });
    } catch (err) {
      $("mk-scan-status").textContent = translate("reportExportFailed", [String(err.message || err)]);
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
  }

  async function run(folderName) {
    const stored = await browser.storage.local.get(["trustedSenders", "actions"]);
    const trusted = MekikiTrustStore.requestFields(stored.trustedSenders);
    const actions = MekikiReportPhish.normalizeActions(stored.actions);
    const sorting = actions.tagByVerdict;
    if (sorting) await MekikiVerdictTags.ensureTags(browser.messages.tags, translate);
    const connection = new MekikiProtocol.HostConnection((name) => browser.runtime.connectNative(name));
    scan = new FS.FolderScan({
      source: FS.folderMessages(browser.messages, folderId),
      readRaw: async (id) => new Uint8Array(await (await browser.messages.getRaw(id, { data_format: "File" })).arrayBuffer()),
      analyzeOne: async (bytes) => {
        let report = null;
        await MekikiProtocol.analyze(connection, bytes, language, false, (stage, r) => { report = r; }, null, null, trusted);
        return report;
      },
      onRow: (row) => {
        scheduleRedraw();
        if (sorting && row.verdict !== "error") {
          /* Tags only: moving messages out of the folder being listed would disturb the listing. */
          MekikiVerdictTags.applyVerdict(browser, row.messageId, row.verdict, actions, translate,
            { noMove: true, tagsReady: true }).catch(() => {});
        }
      },
    });
    startedAt = performance.now();
    $("mk-scan-status").textContent = translate("scanRunning");
    log("scan-started", { folder: folderId, total });
    const result = await scan.run();
    finishedMs = Math.round(performance.now() - startedAt);
    if (connection.port) connection.port.disconnect();
    clearTimeout(redrawTimer);
    $("mk-scan-cancel").disabled = true;
    $("mk-scan-csv").disabled = false;
    $("mk-scan-json").disabled = false;
    drawRows();
    const seconds = (finishedMs / 1000).toFixed(1);
    $("mk-scan-status").textContent = translate(result.cancelled ? "scanCancelled" : "scanDone",
      [result.rows.length, seconds]);
    log("scan-done", { folder: folderName, count: result.rows.length, ms: finishedMs, cancelled: result.cancelled,
      counts: result.counts, text: $("mk-scan-rows").textContent.slice(0, 2000) });
  }

  async function start() {
    const { settings } = (await browser.runtime.sendMessage({ type: "get-settings" })) || {};
    const wanted = settings && (settings.language === "ja" || settings.language === "en") ? settings.language
      : (/^ja\b/i.test(browser.i18n.getUILanguage()) ? "ja" : "en");
    language = wanted;
    debugLog = !!(settings && settings.debugLog);
    translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), language);
    let folderName = folderId;
    try {
      const info = await browser.folders.getFolderInfo(folderId);
      total = info.totalMessageCount || 0;
      const folder = await browser.folders.get(folderId);
      folderName = (folder && folder.name) || folderId;
    } catch (err) {
      total = 0;   /* the count only sizes the progress bar */
    }
    labelPage(folderName);
    drawRows();
    await run(folderName);
  }

  $("mk-scan-cancel").addEventListener("click", () => {
    if (scan) scan.cancel();
    $("mk-scan-cancel").disabled = true;
    $("mk-scan-status").textContent = translate("scanCancelling");
  });
  $("mk-scan-csv").addEventListener("click", () => download(FS.toCsv(FS.sortRows(scan.rows, sortKey, sortDescending)), "text/csv", "csv"));
  $("mk-scan-json").addEventListener("click", () => download(FS.toJson(FS.sortRows(scan.rows, sortKey, sortDescending),
    { folder: folderId, scanned: scan.rows.length, ms: finishedMs, counts: scan.counts }), "application/json", "json"));
  $("mk-scan-table").querySelector("thead").addEventListener("click", (ev) => {
    const th = ev.target.closest("th");
    if (!th) return;
    sortDescending = th.dataset.key === sortKey ? !sortDescending : th.dataset.key === "verdict" || th.dataset.key === "score";
    sortKey = th.dataset.key;
    drawRows();
  });
  $("mk-scan-rows").addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (!tr) return;
    browser.messageDisplay.open({ messageId: Number(tr.dataset.messageId), location: "tab" }).catch((err) => {
      $("mk-scan-status").textContent = String(err.message || err);
    });
  });
  start().catch((err) => {
    $("mk-scan-status").textContent = String(err.message || err);
    log("scan-failed", { message: String(err.message || err) });
  });
})();
