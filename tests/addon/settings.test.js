"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule } = require("./helpers.js");
const S = addonModule("settings.js");

test("defaults: automatic, online, a discreet note for safe mail, language follows Thunderbird", () => {
  const s = S.normalize({});
  assert.equal(s.autoAnalyze, true);
  assert.equal(s.online, true);
  assert.equal(s.safeBanner, "note");
  assert.equal(s.language, "auto");
  assert.deepEqual(s.trustedDomains, []);
});

test("local choices override managed ones, look-up kinds merge key by key", () => {
  const s = S.merge({ online: false, debugLog: true, lookups: { dns: false } }, { online: true, lookups: { rdap: false } });
  assert.equal(s.online, true);
  assert.equal(s.debugLog, true);
  assert.deepEqual(s.lookups, { dns: false, rdap: false, geo: true, feeds: true });
});

test("values of the wrong type fall back to defaults", () => {
  const s = S.normalize({ autoAnalyze: "yes", safeBanner: "loud", language: "fr", trustedDomains: "x.example" });
  assert.equal(s.autoAnalyze, true);
  assert.equal(s.safeBanner, "note");
  assert.equal(s.language, "auto");
  assert.deepEqual(s.trustedDomains, []);
});

test("trusted domain lists are cleaned", () => {
  assert.deepEqual(S.parseDomainList("Example.COM\n*.corp.example.jp, bad_domain  <img> example.com."), ["example.com", "corp.example.jp"]);
  assert.equal(S.parseDomainList(Array(2000).fill(0).map((_, i) => "d" + i + ".example").join(" ")).length, 500);
});

test("language: explicit choice wins, auto follows the UI", () => {
  assert.equal(S.resolveLanguage("en", "ja"), "en");
  assert.equal(S.resolveLanguage("auto", "ja-JP"), "ja");
  assert.equal(S.resolveLanguage("auto", "de"), "en");
});

test("trusted sender matches the registrable domain and subdomains only", () => {
  const report = { message: { from: { domain: "mail.corp.example.jp", registrable_domain: "example.jp" } } };
  assert.equal(S.isTrustedSender(report, ["example.jp"]), true);
  assert.equal(S.isTrustedSender(report, ["corp.example.jp"]), true);
  assert.equal(S.isTrustedSender(report, ["ample.jp"]), false);
  assert.equal(S.isTrustedSender({}, ["example.jp"]), false);
});
