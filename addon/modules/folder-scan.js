/* folder-scan.js - analysing every message of a folder, and the results table.
 *
 * A folder scan reads each message's raw source and sends it to the host as an
 * ordinary offline analyze request (contract §3) on a connection of its own, so
 * the scan runs in a second host process and never delays the banner of the
 * message the reader has open. Requests are pipelined: up to `window` are in
 * flight at once, which keeps the host busy while Thunderbird reads the next
 * messages. Only a one-line summary of each report is kept (verdict, score,
 * subject, sender, top finding); a thousand full reports are not.
 *
 * Cancelling stops new requests at once; answers already on the way are still
 * recorded. A message that cannot be read or analysed becomes a row with the
 * verdict "error" and the reason, and the scan goes on.
 *
 * The rest is the results table: sorting and the CSV / JSON exports.
 *
 * Loaded as a classic script (the scan page) and as a CommonJS module (Node
 * tests); see the footer.
 */
(function (root) {
  "use strict";

  const DEFAULT_WINDOW = 8;
  const VERDICT_RANK = { phishing: 3, suspicious: 2, safe: 1, error: 0 };

  /* The finding with the most points, ties broken by report order. */
  function topFinding(report) {
    let best = null;
    for (const f of (report && report.findings) || []) {
      if (!best || (f.points || 0) > (best.points || 0)) best = f;
    }
    return best;
  }

  function senderText(from) {
    if (!from) return "";
    const name = from.name ? String(from.name) : "";
    const address = from.address ? String(from.address) : "";
    return name && address ? name + " <" + address + ">" : name || address;
  }

  /* One results row from a message header (list API) and its report. */
  function summarize(header, report) {
    const msg = (report && report.message) || {};
    const top = topFinding(report);
    return {
      messageId: header.id,
      date: header.date ? new Date(header.date).toISOString() : msg.date || "",
      subject: msg.subject !== undefined ? String(msg.subject) : String(header.subject || ""),
      sender: msg.from ? senderText(msg.from) : String(header.author || ""),
      verdict: (report && report.verdict) || "error",
      score: report && typeof report.score === "number" ? report.score : null,
      topFindingId: top ? top.id : "",
      topFinding: top ? String(top.title || top.id) : "",
      error: "",
    };
  }

  function errorRow(header, err) {
    return {
      messageId: header.id,
      date: header.date ? new Date(header.date).toISOString() : "",
      subject: String(header.subject || ""),
      sender: String(header.author || ""),
      verdict: "error",
      score: null,
      topFindingId: "",
      topFinding: "",
      error: String((err && (err.code || err.message)) || err || "error"),
    };
  }

  /* Runs a scan. `source` is an async iterable of message headers ({id,
   * subject, author, date}); readRaw(id) gives a message's bytes;
   * analyzeOne(bytes) resolves to the offline report. onRow(row, counts) is
   * called for every finished message. */
  class FolderScan {
    constructor({ source, readRaw, analyzeOne, onRow, window }) {
      this.source = source;
      this.readRaw = readRaw;
      this.analyzeOne = analyzeOne;
      this.onRow = onRow || (() => {});
      this.window = Math.max(1, window || DEFAULT_WINDOW);
      this.rows = [];
      this.cancelled = false;
      this.counts = { phishing: 0, suspicious: 0, safe: 0, error: 0 };
    }

    cancel() {
      this.cancelled = true;
    }

    record(row) {
      this.rows.push(row);
      this.counts[row.verdict] = (this.counts[row.verdict] || 0) + 1;
      this.onRow(row, this.counts);
    }

    async one(header) {
      try {
        const report = await this.analyzeOne(await this.readRaw(header.id));
        this.record(summarize(header, report));
      } catch (err) {
        this.record(errorRow(header, err));
      }
    }

    /* Resolves when every started message is done; `cancelled` tells why it stopped. */
    async run() {
      const inFlight = new Set();
      for await (const header of this.source) {
        if (this.cancelled) break;
        const p = this.one(header).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= this.window) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      return { rows: this.rows, counts: this.counts, cancelled: this.cancelled };
    }
  }

  /* Every message header of a folder, page by page (messages.list / continueList). */
  async function* folderMessages(messagesApi, folderId) {
    let page = await messagesApi.list(folderId);
    for (;;) {
      for (const m of page.messages || []) yield m;
      if (!page.id) return;
      page = await messagesApi.continueList(page.id);
    }
  }

  const COMPARE = {
    verdict: (a, b) => (VERDICT_RANK[a.verdict] || 0) - (VERDICT_RANK[b.verdict] || 0) || (a.score || 0) - (b.score || 0),
    score: (a, b) => (a.score === null ? -1 : a.score) - (b.score === null ? -1 : b.score),
    subject: (a, b) => a.subject.localeCompare(b.subject),
    sender: (a, b) => a.sender.localeCompare(b.sender),
    topFinding: (a, b) => a.topFinding.localeCompare(b.topFinding),
    date: (a, b) => a.date.localeCompare(b.date),
  };

  /* A sorted copy; equal rows keep their order. */
  function sortRows(rows, key, descending) {
    const cmp = COMPARE[key] || COMPARE.verdict;
    const sign = descending ? -1 : 1;
    return rows.map((r, i) => [r, i]).sort((x, y) => sign * cmp(x[0], y[0]) || x[1] - y[1]).map((x) => x[0]);
  }

  const CSV_COLUMNS = ["verdict", "score", "date", "subject", "sender", "topFindingId", "topFinding", "error"];

  /* RFC 4180 quoting; a cell that a spreadsheet would run as a formula
   * (= + - @ at the start; subjects are hostile) gets a leading apostrophe. */
  function csvCell(value) {
    let s = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCsv(rows) {
    const lines = [CSV_COLUMNS.join(",")];
    for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(","));
    /* A BOM so spreadsheet programs read the Japanese subjects as UTF-8. */
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function toJson(rows, meta) {
    return JSON.stringify(Object.assign({}, meta, { messages: rows.map((r) => {
      const o = {};
      for (const c of CSV_COLUMNS) o[c] = r[c];
      return o;
    }) }), null, 2) + "\n";
  }

  const api = { DEFAULT_WINDOW, CSV_COLUMNS, topFinding, summarize, errorRow, FolderScan, folderMessages, sortRows, csvCell, toCsv, toJson };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiFolderScan = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
