/* report.js - the report tab: fetches a message's report from the background,
 * draws it with report-view.js, and offers export and copy.
 *
 * The page polls while the analysis is still running (offline result first,
 * then the final one), so opening the report early shows whatever is known
 * and then the complete picture. The first report shown fixes the content
 * hash of the message it describes; a later answer for other bytes (the id
 * reused for another message) is refused rather than drawn. When the
 * message could not be read at all the page says so and nothing else. The
 * exported file is exactly the host's report object, pretty-printed; the
 * name comes from modules/export.js.
 */
(function () {
  "use strict";

  const POLL_MS = 250;
  const POLL_LIMIT_MS = 90000;
  const params = new URLSearchParams(location.search);
  const messageId = Number(params.get("message"));
  const unreadable = params.has("unreadable");
  let shownHash = null;
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

  /* An error or an unreadable message: the banner's words, on the page. */
  function drawProblem(state) {
    const model = MekikiBannerModel.buildBannerModel(state, current ? current.settings : {}, translate);
    const main = $("mk-report");
    while (main.firstChild) main.removeChild(main.firstChild);
    const box = document.createElement("section");
    box.className = "mk-section mk-problem";
    const h = document.createElement("h2");
    h.textContent = model.title;
    box.appendChild(h);
    for (const line of [model.summary].concat(model.help)) {
      if (!line) continue;
      const p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    }
    main.appendChild(box);
    setStatus("");
    browser.runtime.sendMessage({ type: "report-rendered", messageId: unreadable ? null : messageId, stage: state.kind,
      text: main.textContent }).catch(() => {});
  }

  function draw(response) {
    current = response;
    if (shownHash && response.hash && response.hash !== shownHash) {
      setStatus(translate("reportOtherMessage"));
      return;
    }
    const ready = !!response.report;
    $("mk-export").disabled = !ready;
    $("mk-copy").disabled = !ready;
    if (response.error && !ready) {
      if (shownStage !== "error") {
        shownStage = "error";
        drawProblem(Object.assign({ kind: "error", platform: response.platform }, response.error));
      }
      return;
    }
    if (!ready) setStatus(translate("reportLoading"));
    if (ready && response.stage + (response.onlineError || "") !== shownStage) {
      shownStage = response.stage + (response.onlineError || "");
      shownHash = response.hash || shownHash;
      MekikiReportView.renderReport(document, $("mk-report"), response.report, translate,
        { onlineError: response.onlineError });
      setStatus(response.done ? "" : translate("bannerOnlinePending"));
      browser.runtime.sendMessage({ type: "report-rendered", messageId, stage: response.stage,
        text: $("mk-report").textContent }).catch(() => {});
    }
  }

  async function useLanguage(lang) {
    if (translatorLanguage === lang) return;
    translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), lang);
    translatorLanguage = lang;
    labelPage();
  }

  async function poll(started) {
    const response = await browser.runtime.sendMessage({ type: "get-report", messageId: unreadable ? -1 : messageId });
    if (unreadable) {
      await useLanguage(response.language || "en");
      drawProblem({ kind: "unreadable" });
      return;
    }
    if (!response || !response.found) {
      setStatus(translate("reportNotFound"));
    } else {
      await useLanguage(response.language);
      draw(response);
      if (response.done) return;
    }
    if (Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
  }

  $("mk-export").addEventListener("click", () => exportReport());
  $("mk-copy").addEventListener("click", () => copyReport());
  poll(Date.now());
})();
