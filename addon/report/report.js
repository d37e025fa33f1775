/* report.js - the report tab: fetches a message's report from the background,
 * draws it with report-view.js, and offers export and copy.
 *
 * The page polls while the analysis is still running (offline result first,
 * then the final one), so opening the report early shows whatever is known
 * and then the complete picture. The exported file is exactly the host's
 * report object, pretty-printed; the name comes from modules/export.js.
 */
(function () {
  "use strict";

  const POLL_MS = 250;
  const POLL_LIMIT_MS = 90000;
  const messageId = Number(new URLSearchParams(location.search).get("message"));
  const $ = (id) => document.getElementById(id);
  let current = null;
  let translate = (k) => k;
  let shownStage = null;
  let translatorLanguage = null;

  function setStatus(text) {
    $("mk-status").textContent = text;
  }

  async function exportReport() {
    const blob = new Blob([MekikiExport.serializeReport(current.report)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const filename = MekikiExport.exportFileName(current.report, new Date());
    try {
      const downloadId = await browser.downloads.download({ url, filename, saveAs: current.settings.exportSaveAs, conflictAction: "uniquify" });
      setStatus(translate("reportExported", [filename]));
      browser.runtime.sendMessage({ type: "exported", messageId, filename, downloadId }).catch(() => {});
    } catch (err) {
      setStatus(translate("reportExportFailed", [String(err.message || err)]));
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
  }

  async function copyReport() {
    try {
      await navigator.clipboard.writeText(MekikiExport.serializeReport(current.report));
      setStatus(translate("reportCopied"));
    } catch (err) {
      setStatus(translate("reportCopyFailed", [String(err.message || err)]));
    }
  }

  function labelPage() {
    document.title = translate("reportPageTitle");
    $("mk-page-title").textContent = translate("reportPageTitle");
    $("mk-export").textContent = translate("reportExport");
    $("mk-copy").textContent = translate("reportCopy");
  }

  function draw(response) {
    current = response;
    const ready = !!response.report;
    $("mk-export").disabled = !ready;
    $("mk-copy").disabled = !ready;
    if (response.error) {
      setStatus(translate("bannerError_" + response.error.code));
    } else if (!ready) {
      setStatus(translate("reportLoading"));
    }
    if (ready && response.stage !== shownStage) {
      shownStage = response.stage;
      MekikiReportView.renderReport(document, $("mk-report"), response.report, translate);
      if (!response.error) setStatus(response.done ? "" : translate("bannerOnlinePending"));
      browser.runtime.sendMessage({ type: "report-rendered", messageId, stage: response.stage,
        text: $("mk-report").textContent }).catch(() => {});
    }
  }

  async function poll(started) {
    const response = await browser.runtime.sendMessage({ type: "get-report", messageId });
    if (!response || !response.found) {
      setStatus(translate("reportNotFound"));
    } else {
      if (translatorLanguage !== response.language) {
        translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), response.language);
        translatorLanguage = response.language;
        labelPage();
      }
      draw(response);
      if (response.done) return;
    }
    if (Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
  }

  $("mk-export").addEventListener("click", () => exportReport());
  $("mk-copy").addEventListener("click", () => copyReport());
  poll(Date.now());
})();
