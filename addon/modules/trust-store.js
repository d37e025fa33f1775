/* trust-store.js - the reader's own lists, kept in storage.local only.
 *
 * "I know this sender" adds an entry to `trustedSenders`: the sender's
 * address (or, if the reader chose, their whole organisation's registrable
 * domain) and the authentication the message proved at that moment, as the
 * host reported it (report.message.authentication.proves_from). While the
 * list is not empty it goes with every analyze request as `trusted_senders`,
 * and the host decides per message whether the trust still holds
 * (native-host/src/checks/sender_trust.h); with no list the request and the
 * report are exactly the contract's.
 *
 * "This is phishing" on a message Mekiki let pass adds a record to
 * `missedPhish`: enough to find the message again and to see what Mekiki
 * said (Message-ID, date, subject, sender, verdict, score, finding ids).
 * Neither list leaves the computer; the options page shows, exports and
 * clears both.
 *
 * In the event page and in pages, `current()` is the trusted list as last
 * read, kept fresh through storage.onChanged, so building a request never
 * waits for storage. Loaded as a classic script and as a CommonJS module.
 */
(function (root) {
  "use strict";

  const MAX_TRUSTED = 200;     /* MK_TRUST_MAX_ENTRIES in the host */
  const MAX_MISSED = 500;
  const PROOFS = ["none", "spf", "dkim", "dmarc"];

  function lower(s) {
    return typeof s === "string" ? s.trim().toLowerCase() : "";
  }

  /* An entry for the sender of `report`, or null when it names none. */
  function entryFromReport(report, scope, now) {
    const from = report && report.message && report.message.from;
    const domain = lower(from && (from.registrable_domain || from.domain));
    if (!domain) return null;
    const address = lower(from.address);
    const auth = report.message.authentication;
    const proven = (auth && auth.proves_from) || (report.sender_trust && report.sender_trust.proof_now);
    const proof = PROOFS.includes(proven) ? proven : "none";
    const organisation = scope === "organisation" || !address;
    return { address: organisation ? "" : address, domain, scope: organisation ? "organisation" : "address", proof,
      name: String((from && from.name) || "").slice(0, 200), added: (now || new Date()).toISOString() };
  }

  function sameEntry(a, b) {
    return a.scope === b.scope && a.domain === b.domain && a.address === b.address;
  }

  /* The list with `entry` added (replacing an older entry for the same
   * sender), newest first, bounded. */
  function addTrusted(list, entry) {
    const rest = (Array.isArray(list) ? list : []).filter((e) => e && !sameEntry(e, entry));
    return [entry].concat(rest).slice(0, MAX_TRUSTED);
  }

  function removeTrusted(list, entry) {
    return (Array.isArray(list) ? list : []).filter((e) => e && !sameEntry(e, entry));
  }

  /* What the host is sent: only the fields its rule reads. */
  function requestList(list) {
    return (Array.isArray(list) ? list : []).filter((e) => e && typeof e.domain === "string" && e.domain)
      .slice(0, MAX_TRUSTED)
      .map((e) => ({ address: e.address || "", domain: e.domain, scope: e.scope === "organisation" ? "organisation" : "address",
        proof: PROOFS.includes(e.proof) ? e.proof : "none" }));
  }

  function missedFromReport(report, header, now) {
    const msg = (report && report.message) || {};
    return {
      messageId: String(msg.message_id || (header && header.headerMessageId) || ""),
      date: String(msg.date || ""),
      subject: String(msg.subject || "").slice(0, 500),
      from: String((msg.from && msg.from.address) || ""),
      verdict: String((report && report.verdict) || ""),
      score: report && typeof report.score === "number" ? report.score : null,
      findings: ((report && report.findings) || []).map((f) => String(f.id)).slice(0, 50),
      marked: (now || new Date()).toISOString(),
    };
  }

  function addMissed(list, record) {
    const rest = (Array.isArray(list) ? list : []).filter((r) => r && !(record.messageId && r.messageId === record.messageId));
    return [record].concat(rest).slice(0, MAX_MISSED);
  }

  function exportLists(trusted, missed) {
    return JSON.stringify({ trustedSenders: trusted || [], missedPhish: missed || [] }, null, 2) + "\n";
  }

  function missedIds(list) {
    return new Set((Array.isArray(list) ? list : []).map((r) => r && r.messageId).filter(Boolean));
  }

  /* ---- the live copy (browser only) ---- */
  let cached = [];
  let cachedMissed = new Set();
  if (typeof browser !== "undefined" && browser.storage && browser.storage.local) {
    browser.storage.local.get(["trustedSenders", "missedPhish"]).then((r) => {
      cached = requestList(r.trustedSenders);
      cachedMissed = missedIds(r.missedPhish);
    }, () => {});
    browser.storage.onChanged.addListener((changes, area) => {
      if (area !== "local") return;
      if (changes.trustedSenders) cached = requestList(changes.trustedSenders.newValue);
      if (changes.missedPhish) cachedMissed = missedIds(changes.missedPhish.newValue);
    });
  }

  function current() {
    return cached;
  }

  /* Whether the reader noted the message with this Message-ID as phishing. */
  function isMarkedMissed(messageIdHeader) {
    return !!messageIdHeader && cachedMissed.has(String(messageIdHeader));
  }

  /* The analyze request's addition: nothing while the reader trusts nobody. */
  function requestFields(list) {
    const sent = list === undefined ? cached : requestList(list);
    return sent.length ? { trusted_senders: sent } : null;
  }

  const api = { MAX_TRUSTED, MAX_MISSED, entryFromReport, addTrusted, removeTrusted, requestList, missedFromReport, addMissed, exportLists, current, isMarkedMissed, requestFields };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiTrustStore = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
