/* report-phish.js - what "Report this phishing" puts in the compose window.
 *
 * The reader reports a message to one desk: their own IT desk when they set
 * its address in the options, the brand's own reporting address when the
 * report names an imitated brand whose address the catalog documents
 * (claimed_brand.report_address), or a public desk for their language from
 * data/report-desks.json (packaged into the add-on). "auto" picks in that
 * order; the options can fix one.
 *
 * The compose window gets the original message as a message/rfc822
 * attachment - the bytes Thunderbird stored, headers and all, untouched, which
 * is what every desk asks for - and Mekiki's JSON report beside it. Nothing
 * is sent: the reader reads the draft and presses Send, or closes it.
 *
 * Also the normalisation of the action settings (storage.local key
 * "actions"), kept apart from settings.js so the analysis options stay as
 * they are.
 *
 * Loaded as a classic script (pages) and as a CommonJS module (Node tests).
 */
(function (root) {
  "use strict";

  const ADDRESS_RE = /^[^\s@"<>(),;:[\]\\]+@[^\s@"<>(),;:[\]\\]+\.[^\s@"<>(),;:[\]\\]+$/;

  const ACTION_DEFAULTS = Object.freeze({
    reportDesk: "auto",      /* "auto" | "it" | "brand" | a desk id from report-desks.json */
    itDeskAddress: "",
    tagByVerdict: false,
    moveToJunk: false,
  });

  function isAddress(s) {
    return typeof s === "string" && s.length <= 254 && ADDRESS_RE.test(s);
  }

  function normalizeActions(stored) {
    const s = stored && typeof stored === "object" ? stored : {};
    const address = typeof s.itDeskAddress === "string" ? s.itDeskAddress.trim() : "";
    return {
      reportDesk: typeof s.reportDesk === "string" && /^[a-z0-9_]{1,40}$/.test(s.reportDesk) ? s.reportDesk : ACTION_DEFAULTS.reportDesk,
      itDeskAddress: isAddress(address) ? address : "",
      tagByVerdict: s.tagByVerdict === true,
      moveToJunk: s.tagByVerdict === true && s.moveToJunk === true,
    };
  }

  function pickName(name, language) {
    if (!name || typeof name !== "object") return String(name || "");
    return String(name[language] || name.en || name.ja || "");
  }

  /* Every desk the reader could report this message to, best first:
   * [{id, kind: "it" | "brand" | "public", name, address}]. */
  function candidateDesks(desks, language, report, actions, translate) {
    const out = [];
    if (actions.itDeskAddress) {
      out.push({ id: "it", kind: "it", name: translate("reportDeskIt"), address: actions.itDeskAddress });
    }
    const brand = report && report.message && report.message.claimed_brand;
    if (brand && isAddress(brand.report_address)) {
      out.push({ id: "brand", kind: "brand", name: translate("reportDeskBrand", [String(brand.name || brand.id)]), address: brand.report_address });
    }
    const list = (desks && Array.isArray(desks.desks) ? desks.desks : []).filter((d) => d && isAddress(d.address));
    const mine = list.filter((d) => Array.isArray(d.languages) && d.languages.includes(language));
    for (const d of mine.concat(list.filter((x) => !mine.includes(x)))) {
      out.push({ id: String(d.id), kind: "public", name: pickName(d.name, language), address: d.address });
    }
    return out;
  }

  /* The desk the options chose, or the first candidate ("auto" or a choice
   * that does not apply to this message, such as "brand" without a brand). */
  function chooseDesk(candidates, actions) {
    return candidates.find((d) => d.id === actions.reportDesk) || candidates[0] || null;
  }

  function topFindings(report, n) {
    return ((report && report.findings) || []).slice().sort((a, b) => (b.points || 0) - (a.points || 0)).slice(0, n);
  }

  function messageBody(report, desk, translate) {
    const msg = (report && report.message) || {};
    const from = msg.from || {};
    const lines = [
      translate("reportMailIntro"),
      "",
      translate("reportMailSubject", [String(msg.subject || "")]),
      translate("reportMailFrom", [[from.name, from.address ? "<" + from.address + ">" : ""].filter(Boolean).join(" ")]),
      translate("reportMailDate", [String(msg.date || "")]),
      translate("reportMailVerdict", [translate("verdict_" + ((report && report.verdict) || "unknown")), String(report ? report.score : "")]),
    ];
    const top = topFindings(report, 3);
    if (top.length) {
      lines.push("", translate("reportMailReasons"));
      for (const f of top) lines.push("- " + String(f.title || f.id));
    }
    lines.push("", translate("reportMailAttachments"));
    return lines.join("\n") + "\n";
  }

  /* The line end that the attachment's closing MIME delimiter will take.
   * The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1) and
   * Thunderbird reuses the body's own last line end for it, so a message
   * that ends with a line end is attached with one more: what a MIME reader
   * then extracts is the original, byte for byte. */
  function delimiterLineEnd(raw) {
    const n = raw.length;
    if (n >= 2 && raw[n - 2] === 13 && raw[n - 1] === 10) return "\r\n";
    if (n >= 1 && raw[n - 1] === 10) return "\n";
    return "";
  }

  /* The details for compose.beginNew. `raw` is the message's bytes exactly
   * as Thunderbird stores them. */
  function composeDetails({ raw, report, desk, translate }) {
    const subject = String((report && report.message && report.message.subject) || "");
    const original = new File([raw, delimiterLineEnd(raw)], "original-message.eml", { type: "message/rfc822" });
    const json = new File([JSON.stringify(report, null, 2) + "\n"], "mekiki-report.json", { type: "application/json" });
    return {
      to: [desk.address],
      subject: translate("reportMailTitle", [subject]).slice(0, 250),
      isPlainText: true,
      plainTextBody: messageBody(report, desk, translate),
      attachments: [{ file: original }, { file: json }],
    };
  }

  const api = { ACTION_DEFAULTS, isAddress, normalizeActions, candidateDesks, chooseDesk, messageBody, delimiterLineEnd, composeDetails };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiReportPhish = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
