"use strict";
/* The location data's age as the options page shows it, and the report's
 * footer with the credit the data's licence requires. */
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, translator, newDocument, phishingReport, HOSTILE } = require("./helpers.js");
const F = addonModule("data-freshness.js");
const R = addonModule("report-view.js");

const NOW = Date.parse("2026-12-02T04:30:00Z");
const file = (date, name) => ({ path: "/x/" + date, build_date: date, name: name || "DB-IP City Lite" });

test("fresh data: name, date, age, no warning", () => {
  const d = F.cityData({ geo: { city: [file("2026-11-05"), file("2026-11-05")], asn: null } }, NOW);
  assert.deepEqual(d, { name: "DB-IP City Lite", buildDate: "2026-11-05", ageDays: 27, stale: false });
});

test("older than 90 days warns, and the oldest file decides", () => {
  const d = F.cityData({ geo: { city: [file("2026-11-05"), file("2026-08-01")] } }, NOW);
  assert.equal(d.buildDate, "2026-08-01");
  assert.equal(d.ageDays, 123);
  assert.equal(d.stale, true);
  assert.equal(F.cityData({ geo: { city: [file("2026-09-03")] } }, NOW).stale, false);   /* 90 days: not yet */
  assert.equal(F.cityData({ geo: { city: [file("2026-09-02")] } }, NOW).stale, true);    /* 91 days */
});

test("no data, or a host that sends nonsense", () => {
  assert.equal(F.cityData(undefined, NOW), null);
  assert.equal(F.cityData({ geo: { city: [] } }, NOW), null);
  assert.equal(F.cityData({ geo: { city: {} } }, NOW), null);
  assert.equal(F.cityData({ geo: { city: [null, 7, { build_date: "2026-13-45x" }, { build_date: 5 }] } }, NOW), null);
  assert.equal(F.cityData({ geo: { city: [{ build_date: "2026-01-01", name: { x: 1 } }] } }, NOW).name, "?");
});

test("report footer: each database with its date, licence and attribution, as text", () => {
  const doc = newDocument();
  const main = doc.createElement("main");
  doc.body.appendChild(main);
  const report = phishingReport({ databases: [
    { kind: "city", name: "DB-IP City Lite", build_date: "2026-11-05", licence: "CC BY 4.0",
      attribution: "IP Geolocation by DB-IP", url: "https://db-ip.com" },
    { kind: "asn", name: HOSTILE, build_date: null, licence: null, attribution: null, url: null },
  ] });
  R.renderReport(doc, main, report, translator("ja"));
  const foot = main.querySelector("footer.mk-databases");
  assert.equal(foot.querySelector(".mk-databases-title").textContent, "所在地・AS データ");
  const lines = Array.from(foot.querySelectorAll(".mk-database")).map((p) => p.textContent);
  assert.deepEqual(lines, ["DB-IP City Lite (2026-11-05, CC BY 4.0) — IP Geolocation by DB-IP https://db-ip.com", HOSTILE]);
  assert.equal(foot.querySelectorAll("a, script, img").length, 0);
  const empty = doc.createElement("main");
  R.renderReport(doc, empty, phishingReport(), translator("en"));
  assert.equal(empty.querySelector("footer.mk-databases").childNodes.length, 0);
});
