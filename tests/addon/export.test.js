"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, phishingReport, HOSTILE } = require("./helpers.js");
const E = addonModule("export.js");

test("file name from the message date and subject", () => {
  assert.equal(E.exportFileName(phishingReport()), "mekiki-2025-01-26-spam-会員情報更新と退会手続きのご案内.json");
});

test("no date: today; no subject: just the date", () => {
  const now = new Date(Date.UTC(2026, 2, 4));
  assert.equal(E.exportFileName({ message: {} }, now), "mekiki-2026-03-04.json");
  assert.equal(E.exportFileName(null, now), "mekiki-2026-03-04.json");
  assert.equal(E.exportFileName({ message: { date: "garbage", subject: "" } }, now), "mekiki-2026-03-04.json");
});

test("hostile or odd subjects make safe, bounded names", () => {
  const now = new Date(Date.UTC(2026, 0, 1));
  for (const subject of [HOSTILE, "../../etc/passwd", "a\u0000b\r\nc", "..", "CON:?*|\"", "x".repeat(10000), "\u202Egnp.exe"]) {
    const name = E.exportFileName({ message: { subject } }, now);
    assert.match(name, /^mekiki-2026-01-01(-[^\/\\:*?"<>|\u0000-\u001f]+)?\.json$/, name);
    assert.ok(!name.includes(".."), name);
    assert.ok(name.length < 100, name);
  }
});

test("the exported text is the report itself", () => {
  const report = phishingReport();
  assert.deepEqual(JSON.parse(E.serializeReport(report)), report);
});
