/* report-actions.js - the report tab's action buttons, beside the export ones.
 *
 * "Report this phishing" opens Thunderbird's compose window addressed to the
 * desk the options chose (modules/report-phish.js), with the original message
 * attached byte for byte and Mekiki's report. Nothing is sent from here: the
 * reader sends the draft, edits it, or closes it.
 *
 * "I know this sender" / "...their organisation" remember the sender with
 * the authentication the host saw (modules/trust-store.js); "This is
 * phishing", offered when Mekiki let the message pass, keeps a record of the
 * miss. Both stay in storage.local. A line under the toolbar says whether
 * the reader's trust in this sender held (the host's sender_trust).
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
  const TS = MekikiTrustStore;

  function addButton(id) {
    const b = document.createElement("button");
    b.type = "button";
    b.id = id;
    b.disabled = true;
    toolbar.insertBefore(b, status);
    return b;
  }

  const button = addButton("mk-report-phish");
  const trustSender = addButton("mk-trust-sender");
  const trustOrg = addButton("mk-trust-org");
  const missed = addButton("mk-missed-phish");
  const note = document.createElement("p");
  note.id = "mk-trust-note";
  note.hidden = true;
  toolbar.after(note);
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

  async function trust(scope) {
    const entry = TS.entryFromReport(latest.report, scope);
    if (!entry) return;
    const stored = (await browser.storage.local.get("trustedSenders")).trustedSenders;
    await browser.storage.local.set({ trustedSenders: TS.addTrusted(stored, entry) });
    status.textContent = translate("trustSaved", [entry.address || entry.domain, translate("trustProof_" + entry.proof)]);
    log("trust-saved", { messageId, entry });
  }

  async function markMissed() {
    const header = await browser.messages.get(messageId).catch(() => null);
    const record = TS.missedFromReport(latest.report, header);
    const stored = (await browser.storage.local.get("missedPhish")).missedPhish;
    await browser.storage.local.set({ missedPhish: TS.addMissed(stored, record) });
    status.textContent = translate("missedSaved");
    log("phish-marked", { messageId, record });
  }

  /* The buttons that fit this report, and the trust line. */
  function drawTrust(report) {
    const st = report.sender_trust || {};
    const from = report.message && report.message.from;
    const hasSender = !!(from && (from.registrable_domain || from.domain));
    trustSender.hidden = trustOrg.hidden = !hasSender || st.status === "imitated";
    trustSender.disabled = trustOrg.disabled = false;
    missed.hidden = report.verdict === "phishing";
    missed.disabled = false;
    note.hidden = !["held", "unproven", "imitated"].includes(st.status);
    if (!note.hidden) {
      const who = st.entry ? st.entry.address || st.entry.domain : "";
      note.className = "mk-trust-" + st.status;
      note.textContent = translate("trustStatus_" + st.status, [who, translate("trustProof_" + (st.proof_now || "none"))]);
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
      trustSender.textContent = translate("trustSenderButton");
      trustOrg.textContent = translate("trustOrgButton");
      trustOrg.title = translate("trustOrgButtonTitle");
      missed.textContent = translate("missedButton");
      missed.title = translate("missedButtonTitle");
      drawTrust(response.report);
      if (response.done) {
        log("report-actions-ready", { messageId, trust: (response.report.sender_trust || {}).status || null,
          findings: (response.report.findings || []).map((f) => f.id) });
      }
      if (!response.done && Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
      return;
    }
    if (Date.now() - started < POLL_LIMIT_MS) setTimeout(() => poll(started), POLL_MS);
  }

  button.addEventListener("click", () => reportPhishing());
  trustSender.addEventListener("click", () => trust("address"));
  trustOrg.addEventListener("click", () => trust("organisation"));
  missed.addEventListener("click", () => markMissed());
  poll(Date.now());
})();
