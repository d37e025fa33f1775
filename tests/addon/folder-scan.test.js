"use strict";
/* The folder scan's engine (pipelining, cancel, errors), its sorting and its
 * CSV / JSON exports, with a fake host and fake message store. */
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, phishingReport, HOSTILE } = require("./helpers.js");
const FS = addonModule("folder-scan.js");

function headers(n) {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, subject: "s" + i, author: "a" + i + "@example.jp", date: new Date(Date.UTC(2026, 0, 1, 0, i)) }));
}

async function* iterate(list) {
  for (const h of list) yield h;
}

function reportFor(id) {
  if (id % 3 === 0) return phishingReport();
  return { verdict: "safe", score: id % 10, message: { subject: "件名 " + id, from: { name: "", address: "x" + id + "@example.jp" } }, findings: [] };
}

test("every message of the folder becomes one row, with at most `window` requests in flight", async () => {
  let inFlight = 0;
  let peak = 0;
  const scan = new FS.FolderScan({
    source: iterate(headers(50)),
    readRaw: async (id) => new Uint8Array([id]),
    analyzeOne: async (bytes) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return reportFor(bytes[0]);
    },
    window: 4,
  });
  const result = await scan.run();
  assert.equal(result.rows.length, 50);
  assert.equal(peak, 4);
  assert.equal(result.counts.phishing, 16);
  assert.equal(result.counts.safe, 34);
  assert.equal(result.cancelled, false);
  const phish = result.rows.find((r) => r.verdict === "phishing");
  const top = FS.topFinding(phishingReport());
  assert.equal(phish.topFindingId, top.id);
  assert.equal(phish.topFinding, top.title);
  assert.equal(phish.subject, phishingReport().message.subject);
});

test("a message that cannot be read or analysed is an error row and the scan goes on", async () => {
  const scan = new FS.FolderScan({
    source: iterate(headers(5)),
    readRaw: async (id) => {
      if (id === 2) throw new Error("gone");
      return new Uint8Array([id]);
    },
    analyzeOne: async (bytes) => {
      if (bytes[0] === 4) { const e = new Error("host exited"); e.code = "exited"; throw e; }
      return reportFor(bytes[0]);
    },
  });
  const result = await scan.run();
  assert.equal(result.rows.length, 5);
  assert.equal(result.counts.error, 2);
  const errors = result.rows.filter((r) => r.verdict === "error").map((r) => [r.messageId, r.error, r.subject]);
  assert.deepEqual(errors.sort(), [[2, "gone", "s1"], [4, "exited", "s3"]]);
});

test("cancel stops new requests; answers already on their way are kept", async () => {
  let started = 0;
  const scan = new FS.FolderScan({
    source: iterate(headers(100)),
    readRaw: async (id) => new Uint8Array([id]),
    analyzeOne: async (bytes) => {
      started++;
      if (started === 10) scan.cancel();
      await new Promise((r) => setTimeout(r, 1));
      return reportFor(bytes[0]);
    },
    window: 3,
  });
  const result = await scan.run();
  assert.equal(result.cancelled, true);
  assert.ok(result.rows.length >= 10 && result.rows.length <= 13, String(result.rows.length));
  assert.equal(result.rows.length, started);
});

test("folderMessages follows messages.list pages to the end", async () => {
  const pages = { first: { id: "p2", messages: headers(2) }, p2: { id: "p3", messages: [] }, p3: { id: null, messages: headers(3) } };
  const api = { list: async (folder) => (assert.equal(folder, "account1://Inbox"), pages.first), continueList: async (id) => pages[id] };
  const seen = [];
  for await (const h of FS.folderMessages(api, "account1://Inbox")) seen.push(h.id);
  assert.deepEqual(seen, [1, 2, 1, 2, 3]);
});

test("sorting: worst verdict first by default, stable, by any column", () => {
  const rows = [
    { messageId: 1, verdict: "safe", score: 5, subject: "b", sender: "z", topFinding: "", date: "2026-01-02" },
    { messageId: 2, verdict: "phishing", score: 90, subject: "a", sender: "y", topFinding: "x", date: "2026-01-01" },
    { messageId: 3, verdict: "error", score: null, subject: "c", sender: "x", topFinding: "", date: "2026-01-03" },
    { messageId: 4, verdict: "suspicious", score: 40, subject: "a", sender: "w", topFinding: "y", date: "2026-01-04" },
    { messageId: 5, verdict: "phishing", score: 70, subject: "d", sender: "v", topFinding: "z", date: "2026-01-05" },
  ];
  const ids = (list) => list.map((r) => r.messageId);
  assert.deepEqual(ids(FS.sortRows(rows, "verdict", true)), [2, 5, 4, 1, 3]);
  assert.deepEqual(ids(FS.sortRows(rows, "score", false)), [3, 1, 4, 5, 2]);
  assert.deepEqual(ids(FS.sortRows(rows, "subject", false)), [2, 4, 1, 3, 5]);
  assert.deepEqual(ids(FS.sortRows(rows, "sender", false)), [5, 4, 3, 2, 1]);
  assert.deepEqual(ids(rows), [1, 2, 3, 4, 5], "the input is not reordered");
});

test("CSV: a header, one line per row, quoting, and no formula injection from hostile subjects", () => {
  const rows = [
    FS.summarize({ id: 1, date: new Date(Date.UTC(2026, 0, 1)) }, phishingReport()),
    FS.errorRow({ id: 2, subject: "=HYPERLINK(\"http://evil.example\")", author: "a, \"b\"\n<c@d>" }, new Error("gone")),
    FS.summarize({ id: 3 }, { verdict: "safe", score: 0, message: { subject: HOSTILE, from: { address: "@x" } }, findings: [] }),
  ];
  const csv = FS.toCsv(rows);
  assert.ok(csv.startsWith("\ufeffverdict,score,date,subject,sender,topFindingId,topFinding,error\r\n"));
  const lines = csv.slice(1).trimEnd().split("\r\n");
  assert.equal(lines.length, 3 + 1 /* the quoted newline in the sender */);
  assert.ok(lines[1].startsWith("phishing,"));
  assert.ok(csv.includes("\"'=HYPERLINK(\"\"http://evil.example\"\")\""), csv);
  assert.ok(csv.includes("'@x"), "a cell starting with @ is neutralised");
  assert.equal(FS.csvCell("-1"), "'-1");
  assert.equal(FS.csvCell(42), "42");
});

test("JSON export: the scan's facts and the same columns as the CSV", () => {
  const rows = [FS.summarize({ id: 1 }, phishingReport())];
  const out = JSON.parse(FS.toJson(rows, { folder: "account1://Inbox", scanned: 1 }));
  assert.equal(out.folder, "account1://Inbox");
  assert.deepEqual(Object.keys(out.messages[0]), FS.CSV_COLUMNS);
  assert.equal(out.messages[0].verdict, "phishing");
});
