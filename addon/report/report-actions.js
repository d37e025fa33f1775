/* report-actions.js - the report tab's action buttons, beside the export ones.
 *
 * "Report this phishing" opens Thunderbird's compose window addressed to the
 * desk the options chose, with the original message attached byte for byte
 * and Mekiki's report. Nothing is sent from here: the reader sends the
 * draft, edits it, or closes it.
 *
 * "I know this sender" / "...their organisation" remember the sender with
 * the authentication the host saw; "This is phishing", offered when Mekiki
 * let the message pass, keeps a record of the miss. Both stay in
 * storage.local. The banner offers the same actions; both run them through
 * modules/reader-actions.js. A line under the toolbar says whether the
 * reader's trust in this sender held (the host's sender_trust).
 *
 * Kept out of report.js: it asks the background for the report itself and
 * only adds its own buttons to the toolbar.
 */
(function () {
  "use strict";

  const POLL_MS = 500;
  const POLL_LIMIT_MS = 90000;
  const RA = MekikiReaderActions;
  const messageId = Number(new URLSearchParams(location.search).get("message"));
  const toolbar = document.querySelector(".mk-toolbar");
  const status = document.getElementById("mk-status");

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

  /* Each button runs the shared action (modules/reader-actions.js) and says
   * what happened under the toolbar. */
  async function run(b, action, work, logged) {
    b.disabled = true;
    try {
      const result = await work();
      status.textContent = RA.statusText(action, result, translate);
      logged(result);
    } catch (err) {
      status.textContent = RA.statusText(action, null, translate, err);
      log(action === "report" ? "report-compose-failed" : action + "-failed", { messageId, message: String(err.message || err) });
    } finally {
      b.disabled = false;
    }
  }

  function reportPhishing() {
    return run(button, "report", async () => {
      const file = await browser.messages.getRaw(messageId, { data_format: "File" });
      const raw = new Uint8Array(await file.arrayBuffer());
      return RA.reportPhishing(browser, { raw, report: latest.report, language: latest.language, translate });
    }, (r) => {
      if (r.status === "opened") log("report-compose-opened", { messageId, desk: r.desk.id, to: r.desk.address, bytes: r.bytes, tabId: r.tabId });
    });
  }

  function trust(b, scope) {
    return run(b, "trust", () => RA.trustSender(browser, latest.report, scope),
      (r) => { if (r.entry) log("trust-saved", { messageId, entry: r.entry }); });
  }

  function markMissed() {
    return run(missed, "missed", () => RA.markMissed(browser, messageId, latest.report),
      (r) => log("phish-marked", { messageId, record: r.record }));
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
  trustSender.addEventListener("click", () => trust(trustSender, "address"));
  trustOrg.addEventListener("click", () => trust(trustOrg, "organisation"));
  missed.addEventListener("click", () => markMissed());
  poll(Date.now());
})();
