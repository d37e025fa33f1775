/* export.js - turning a report into a file the user keeps.
 *
 * The file name carries the message date and subject so a folder of exports
 * sorts and reads well: mekiki-2025-01-26-会員情報更新と退会手続きのご案内.json.
 * Subjects are hostile input, so everything a file system or a shell could
 * trip over (separators, control characters, reserved Windows characters,
 * leading dots) is replaced, and the length is bounded.
 */
(function (root) {
  "use strict";

  const MAX_SUBJECT_CHARS = 60;

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function datePart(report, now) {
    const raw = report && report.message && report.message.date;
    const parsed = raw ? new Date(raw) : null;
    const d = parsed && !isNaN(parsed.getTime()) ? parsed : now;
    return d.getUTCFullYear() + "-" + pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate());
  }

  function sanitizeSubject(subject) {
    const cleaned = String(subject || "")
      .normalize("NFC")
      .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, " ")
      .replace(/[\\/:*?"<>|#%&{}$!'`@+=~^\[\]]/g, " ")
      .replace(/\s+/g, "-")
      .replace(/-+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "");
    return Array.from(cleaned).slice(0, MAX_SUBJECT_CHARS).join("").replace(/[-.]+$/, "");
  }

  function exportFileName(report, now) {
    const subject = sanitizeSubject(report && report.message && report.message.subject);
    return "mekiki-" + datePart(report, now || new Date()) + (subject ? "-" + subject : "") + ".json";
  }

  function serializeReport(report) {
    return JSON.stringify(report, null, 2) + "\n";
  }

  const api = { exportFileName, sanitizeSubject, serializeReport };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiExport = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
