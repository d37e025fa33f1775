/* report-actions.js - the report tab's action buttons, beside the export ones.
 *
 * "Report this phishing" opens Thunderbird's compose window addressed to the
 * desk the options chose (modules/report-phish.js), with the original message
 * attached byte for byte and Mekiki's report. Nothing is sent from here: the
 * reader sends the draft, edits it, or closes it.
 *
 * Kept out of report.js: it asks the background for the report itself and
 * only adds its own buttons to the toolbar.
 */
(function () {
  "use strict";

  const POLL_MS = 500;
  const POLL_LIMIT_MS = 90000;
  const RP = MekikiReportPhish;
  const messageId = Number(new URLSearchParams(location.search).get("message"));
  const toolbar = document.querySelector(".mk-toolbar");
  const status = document.getElementById("mk-status");
  const button = document.createElement("button");
  button.type = "button";
  button.id = "mk-report-phish";
  button.disabled = true;
  toolbar.insertBefore(button, status);
  let translate = (k) => k;
  let latest = null;

  function log(event, fields) {
    if (latest && latest.settings && latest.settings.debugLog) {
      console.log("mekiki-event " + JSON.stringify(Object.assign({ event, t: Date.now() }, fields)));
    }
  }

  async function loadDesks() {
    try {
      return await (await fetch(browser.runtime.getURL("data/report-desks.json"))).json();
    } catch (err) {
      return { desks: [] };   /* an unpacked add-on without the packaged copy: IT or brand desks only */
    }
  }

  async function reportPhishing() {
    button.disabled = true;
    try {
      const { actions } = await browser.storage.local.get("actions");
      const settings = RP.normalizeActions(actions);
      const candidates = RP.candidateDesks(await loadDesks(), latest.language, latest.report, settings, translate);
      const desk = RP.chooseDesk(candidates, settings);
      if (!desk) {
        status.textContent = translate("reportNoDesk");
        return;
      }
      const file = await browser.messages.getRaw(messageId, { data_format: "File" });
      const raw = new Uint8Array(await file.arrayBuffer());
      const tab = await browser.compose.beginNew(RP.composeDetails({ raw, report: latest.report, desk, translate }));
      status.textContent = translate("reportComposeOpened", [desk.name, desk.address]);
      log("report-compose-opened", { messageId, desk: desk.id, to: desk.address, bytes: raw.length, tabId: tab && tab.id });
    } catch (err) {
      status.textContent = translate("reportComposeFailed", [String(err.message || err)]);
      log("report-compose-failed", { messageId, message: String(err.message || err) });
    } finally {
      button.disabled = false;
    }
  }

  async function poll(started) {
    const response = await browser.runtime.sendMessage({ type: "get-report", messageId });
    if (response && response.found && response.report) {
      latest = response;
      translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), response.language);
      button.textContent = translate("reportPhishButton");
      button.title = translate("reportPhishButtonTitle");
      button.disabled = false;
      if (!response.done && Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
      return;
    }
    if (Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
  }

  button.addEventListener("click", () => reportPhishing());
  poll(Date.now());
})();
