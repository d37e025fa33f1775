/* reader-actions.js - what the reader's action buttons do, wherever pressed.
 *
 * The same three actions are offered in the report tab (report/report-actions.js)
 * and in the banner above a displayed message (the background acts for the
 * banner, background.js "banner-action"); both call these functions, so a
 * button does the same thing in either place:
 *  - reportPhishing: opens Thunderbird's compose window addressed to the
 *    desk the options chose (report-phish.js), the original bytes attached
 *    as message/rfc822 and Mekiki's report beside them. It never sends: the
 *    reader sends the draft, edits it, or closes it.
 *  - trustSender: remembers the sender's address or organisation with the
 *    authentication the host saw (trust-store.js), in storage.local.
 *  - markMissed: keeps a record of a message Mekiki let pass that the
 *    reader says is phishing, in storage.local.
 * statusText says what happened in the reader's language. Nothing here
 * decides whether an action is allowed: the caller has done that.
 *
 * Loaded as a classic script (event page, report page) and as a CommonJS
 * module (Node tests).
 */
(function (root) {
  "use strict";

  function lib(name, file) {
    return root[name] || require(file);
  }

  async function loadDesks(browser) {
    try {
      return await (await fetch(browser.runtime.getURL("data/report-desks.json"))).json();
    } catch (err) {
      return { desks: [] };   /* an unpacked add-on without the packaged copy: IT or brand desks only */
    }
  }

  /* `raw`: the message's bytes (Uint8Array) exactly as Thunderbird stores
   * them. Returns {status: "opened", desk, bytes, tabId} or {status: "no-desk"}. */
  async function reportPhishing(browser, { raw, report, language, translate }) {
    const RP = lib("MekikiReportPhish", "./report-phish.js");
    const { actions } = await browser.storage.local.get("actions");
    const settings = RP.normalizeActions(actions);
    const desk = RP.chooseDesk(RP.candidateDesks(await loadDesks(browser), language, report, settings, translate), settings);
    if (!desk) return { status: "no-desk" };
    const tab = await browser.compose.beginNew(RP.composeDetails({ raw, report, desk, translate }));
    return { status: "opened", desk, bytes: raw.length, tabId: tab && tab.id };
  }

  /* scope: "address" | "organisation". Returns {status: "trusted", entry}
   * or {status: "no-sender"}. */
  async function trustSender(browser, report, scope) {
    const TS = lib("MekikiTrustStore", "./trust-store.js");
    const entry = TS.entryFromReport(report, scope);
    if (!entry) return { status: "no-sender" };
    const stored = (await browser.storage.local.get("trustedSenders")).trustedSenders;
    await browser.storage.local.set({ trustedSenders: TS.addTrusted(stored, entry) });
    return { status: "trusted", entry };
  }

  /* Returns {status: "marked", record}. */
  async function markMissed(browser, messageId, report) {
    const TS = lib("MekikiTrustStore", "./trust-store.js");
    const header = await browser.messages.get(messageId).catch(() => null);
    const record = TS.missedFromReport(report, header);
    const stored = (await browser.storage.local.get("missedPhish")).missedPhish;
    await browser.storage.local.set({ missedPhish: TS.addMissed(stored, record) });
    return { status: "marked", record };
  }

  /* What the reader is told after `action` ("report", "trust", "missed")
   * gave `result`, or failed with `error`. */
  function statusText(action, result, translate, error) {
    if (error) {
      const why = String((error && error.message) || error);
      return action === "report" ? translate("reportComposeFailed", [why]) : translate("actionFailed", [why]);
    }
    switch (result && result.status) {
      case "opened": return translate("reportComposeOpened", [result.desk.name, result.desk.address]);
      case "no-desk": return translate("reportNoDesk");
      case "trusted": return translate("trustSaved", [result.entry.address || result.entry.domain, translate("trustProof_" + result.entry.proof)]);
      case "marked": return translate("missedSaved");
      default: return "";
    }
  }

  const api = { loadDesks, reportPhishing, trustSender, markMissed, statusText };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiReaderActions = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
