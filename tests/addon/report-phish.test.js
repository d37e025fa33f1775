"use strict";
/* "Report this phishing": which desk, what the compose window gets, and the
 * action settings' normalisation. */
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { addonModule, phishingReport, translator } = require("./helpers.js");
const RP = addonModule("report-phish.js");

const DESKS = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "data", "report-desks.json"), "utf8"));
const ja = translator("ja");
const en = translator("en");

function withBrand(brand) {
  const r = phishingReport();
  r.message = Object.assign({}, r.message, { claimed_brand: brand });
  return r;
}

test("the shipped desks: Japan's anti-phishing council for Japanese readers, APWG for English ones", () => {
  const none = RP.normalizeActions({});
  const jaDesk = RP.chooseDesk(RP.candidateDesks(DESKS, "ja", phishingReport(), none, ja), none);
  assert.equal(jaDesk.address, "info@antiphishing.jp");
  assert.equal(jaDesk.name, "フィッシング対策協議会");
  const enDesk = RP.chooseDesk(RP.candidateDesks(DESKS, "en", phishingReport(), none, en), none);
  assert.equal(enDesk.address, "reportphishing@apwg.org");
  for (const d of DESKS.desks) assert.match(d.source, /^https:\/\//, d.id + " documents where the address comes from");
});

test("auto: the reader's IT desk first, then the imitated brand's own address, then the public desk", () => {
  const brand = { id: "paypal", name: "PayPal", report_address: "phishing@paypal.com" };
  const it = RP.normalizeActions({ itDeskAddress: " security@corp.example " });
  assert.equal(it.itDeskAddress, "security@corp.example");
  let c = RP.candidateDesks(DESKS, "en", withBrand(brand), it, en);
  assert.deepEqual(c.map((d) => d.id), ["it", "brand", "apwg", "antiphishing_jp", "ncsc_uk"]);
  assert.equal(RP.chooseDesk(c, it).address, "security@corp.example");
  const auto = RP.normalizeActions({});
  c = RP.candidateDesks(DESKS, "en", withBrand(brand), auto, en);
  assert.equal(RP.chooseDesk(c, auto).address, "phishing@paypal.com");
  assert.equal(RP.chooseDesk(c, auto).name, "PayPal's own phishing report address");
});

test("a fixed choice is honoured; one that does not apply to this message falls back", () => {
  const fixed = RP.normalizeActions({ reportDesk: "ncsc_uk" });
  assert.equal(RP.chooseDesk(RP.candidateDesks(DESKS, "ja", phishingReport(), fixed, ja), fixed).address, "report@phishing.gov.uk");
  const brandOnly = RP.normalizeActions({ reportDesk: "brand" });
  const c = RP.candidateDesks(DESKS, "ja", withBrand({ id: "ekinet", name: "えきねっと" }), brandOnly, ja);
  assert.equal(RP.chooseDesk(c, brandOnly).address, "info@antiphishing.jp");
  assert.equal(RP.chooseDesk([], brandOnly), null);
});

test("hostile addresses never reach the To field", () => {
  for (const bad of ["a@b", "x <a@b.example>", "a@b.example, c@d.example", "javascript:alert(1)@x.example", "", 42]) {
    assert.equal(RP.normalizeActions({ itDeskAddress: bad }).itDeskAddress, "", String(bad));
    const c = RP.candidateDesks({ desks: [{ id: "x", name: "X", address: bad }] }, "en",
      withBrand({ id: "b", name: "B", report_address: bad }), RP.normalizeActions({}), en);
    assert.deepEqual(c, [], String(bad));
  }
  assert.equal(RP.normalizeActions({ reportDesk: "../../x" }).reportDesk, "auto");
});

test("moving to Junk needs tagging switched on; both are off by default", () => {
  assert.deepEqual(RP.normalizeActions(undefined), { reportDesk: "auto", itDeskAddress: "", tagByVerdict: false, moveToJunk: false });
  assert.equal(RP.normalizeActions({ moveToJunk: true }).moveToJunk, false);
  assert.equal(RP.normalizeActions({ tagByVerdict: true, moveToJunk: true }).moveToJunk, true);
});

test("the compose window: the desk, a localised subject and body, the original untouched plus the report", async () => {
  const raw = new Uint8Array(Buffer.from("From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n"));
  const report = phishingReport();
  const desk = { id: "antiphishing_jp", address: "info@antiphishing.jp", name: "フィッシング対策協議会" };
  const d = RP.composeDetails({ raw, report, desk, translate: ja });
  assert.deepEqual(d.to, ["info@antiphishing.jp"]);
  assert.equal(d.subject, "フィッシングメールの通報: " + report.message.subject);
  assert.ok(d.isPlainText);
  assert.ok(d.plainTextBody.includes("件名: " + report.message.subject));
  assert.ok(d.plainTextBody.includes("Mekiki の判定: フィッシング"));
  const [original, json] = d.attachments.map((a) => a.file);
  assert.equal(original.type, "message/rfc822");
  assert.equal(original.name, "original-message.eml");
  const bytes = Buffer.from(await original.arrayBuffer());
  /* one more line end, for the closing delimiter to take */
  assert.deepEqual(bytes, Buffer.concat([Buffer.from(raw), Buffer.from("\r\n")]));
  assert.equal(json.type, "application/json");
  assert.deepEqual(JSON.parse(await json.text()), report);
});

test("the line end added for the delimiter follows the message's own", () => {
  const b = (s) => new Uint8Array(Buffer.from(s));
  assert.equal(RP.delimiterLineEnd(b("a\r\n")), "\r\n");
  assert.equal(RP.delimiterLineEnd(b("a\n")), "\n");
  assert.equal(RP.delimiterLineEnd(b("a")), "");
  assert.equal(RP.delimiterLineEnd(b("")), "");
});
