"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, translator, newDocument, phishingReport, HOSTILE } = require("./helpers.js");
const M = addonModule("banner-model.js");
const V = addonModule("banner-view.js");
const S = addonModule("settings.js");

const ja = translator("ja");
const en = translator("en");
const defaults = S.normalize({});

function shown(doc) {
  return doc.getElementById(V.BANNER_ID);
}

test("phishing: red banner, verdict wording, top findings by points, details button", () => {
  const doc = newDocument();
  let opened = 0;
  const model = M.buildBannerModel({ kind: "result", stage: "offline", report: phishingReport() }, defaults, ja);
  const box = V.renderBanner(doc, model, () => { opened += 1; });
  assert.equal(box.dataset.level, "phishing");
  assert.equal(box.getAttribute("role"), "alert");
  assert.match(box.textContent, /フィッシング詐欺の可能性が非常に高い/);
  assert.match(box.textContent, /危険度 92 \/ 100/);
  const titles = Array.from(box.querySelectorAll(".mekiki-finding-title")).map((n) => n.textContent);
  assert.deepEqual(titles, ["リンクの表示と実際の行き先が違います", "迷惑メールの印が付いています", "送信元に逆引き名がありません"]);
  assert.equal(doc.body.firstChild, box, "the banner is the first thing in the message");
  box.querySelector("button.mekiki-details").click();
  assert.equal(opened, 1);
});

test("English wording when English is chosen", () => {
  const doc = newDocument();
  const box = V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, defaults, en));
  assert.match(box.textContent, /very likely phishing/);
});

test("a hostile subject or finding title is shown as text, never as markup", () => {
  const doc = newDocument();
  const report = phishingReport({ findings: [{ id: "x", points: 50, severity: "high", title: HOSTILE, detail: HOSTILE }] });
  report.message.subject = HOSTILE;
  const box = V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "offline", report }, defaults, en));
  assert.equal(doc.querySelectorAll("img").length, 0);
  assert.equal(box.querySelector(".mekiki-finding-title").textContent, HOSTILE);
});

test("progress becomes the result in place, and online progress is visible", () => {
  const doc = newDocument();
  V.renderBanner(doc, M.buildBannerModel({ kind: "progress" }, defaults, en));
  assert.equal(shown(doc).dataset.level, "progress");
  const model = M.buildBannerModel({ kind: "result", stage: "offline", onlinePending: true, report: phishingReport() }, defaults, en);
  V.renderBanner(doc, model);
  assert.equal(doc.querySelectorAll("#" + V.BANNER_ID).length, 1);
  assert.equal(shown(doc).dataset.level, "phishing");
  assert.match(shown(doc).querySelector(".mekiki-pending").textContent, /Online checks are running/);
  V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, defaults, en));
  assert.equal(shown(doc).querySelector(".mekiki-pending"), null);
});

test("safe mail: a discreet note by default, nothing when switched off, never findings", () => {
  const safe = phishingReport({ verdict: "safe", score: 3 });
  const note = M.buildBannerModel({ kind: "result", stage: "final", report: safe }, defaults, en);
  assert.equal(note.level, "safe");
  assert.deepEqual(note.findings, []);
  const none = M.buildBannerModel({ kind: "result", stage: "final", report: safe }, S.normalize({ safeBanner: "none" }), en);
  assert.equal(none, null);
  const doc = newDocument();
  V.renderBanner(doc, note);
  V.renderBanner(doc, none);
  assert.equal(shown(doc), null, "a null model removes the banner");
});

test("trusted senders soften suspicious to safe but never hide phishing", () => {
  const trusted = S.normalize({ trustedDomains: ["eki-net.com"] });
  const sus = M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport({ verdict: "suspicious" }) }, trusted, en);
  assert.equal(sus.level, "safe");
  assert.match(sus.summary, /trusted list/);
  const phish = M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, trusted, en);
  assert.equal(phish.level, "phishing");
});

test("a missing host gives a helpful banner, never silence", () => {
  const doc = newDocument();
  const model = M.buildBannerModel({ kind: "error", code: "not_installed", message: "No such native application mekiki" }, defaults, ja);
  const box = V.renderBanner(doc, model);
  assert.equal(box.dataset.level, "error");
  assert.match(box.textContent, /インストールされていません/);
  assert.match(box.textContent, /mekiki install/);
  for (const code of ["exited", "timeout", "too_large", "bad_request", "internal", "weird"]) {
    const m = M.buildBannerModel({ kind: "error", code }, defaults, en);
    assert.ok(m.title && !m.title.startsWith("banner"), code + " has a real title");
    assert.ok(m.help[0] && !m.help[0].startsWith("banner"), code + " has help");
  }
});

test("junk reports do not break the banner", () => {
  for (const report of [null, {}, { verdict: 7, findings: [null, 1, "x", { points: "lots" }] }]) {
    const model = M.buildBannerModel({ kind: "result", stage: "offline", report }, defaults, en);
    V.renderBanner(newDocument(), model);
  }
});
