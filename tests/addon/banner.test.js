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
  const b = V.currentBanner(doc);
  return b ? b.box : null;
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
  const titles = Array.from(box.querySelectorAll("[data-finding-id] strong")).map((n) => n.textContent);
  assert.deepEqual(titles, ["リンクの表示と実際の行き先が違います", "迷惑メールの印が付いています", "送信元に逆引き名がありません"]);
  assert.equal(doc.body.firstChild, V.currentBanner(doc).host, "the banner is the first thing in the message");
  box.querySelector('button[data-part="details"]').click();
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
  assert.equal(box.querySelector("[data-finding-id] strong").textContent, HOSTILE);
});

test("progress becomes the result in place, and online progress is visible", () => {
  const doc = newDocument();
  V.renderBanner(doc, M.buildBannerModel({ kind: "progress" }, defaults, en));
  assert.equal(shown(doc).dataset.level, "progress");
  const model = M.buildBannerModel({ kind: "result", stage: "offline", onlinePending: true, report: phishingReport() }, defaults, en);
  V.renderBanner(doc, model);
  assert.equal(doc.body.children.length, 2, "one banner host beside the message");
  assert.equal(shown(doc).dataset.level, "phishing");
  assert.match(shown(doc).querySelector('[data-part="pending"]').textContent, /Online checks are running/);
  V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, defaults, en));
  assert.equal(shown(doc).querySelector('[data-part="pending"]'), null);
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
  for (const code of ["exited", "timeout", "deadline", "busy", "not_started", "too_large", "bad_request", "internal", "weird"]) {
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

test("the banner lives in a closed shadow root the message's selectors cannot reach", () => {
  const doc = newDocument();
  const style = doc.createElement("style");
  style.textContent = "div#mekiki-banner, .mekiki-banner, body > div:first-child { display: none !important; }";
  doc.head.appendChild(style);
  V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "offline", report: phishingReport() }, defaults, en));
  const { host, box } = V.currentBanner(doc);
  assert.equal(host.shadowRoot, null, "closed: the message cannot open it");
  assert.equal(doc.querySelector("[data-level]"), null, "nothing of the banner is visible to document queries");
  assert.match(host.style.cssText, /display: block !important/);
  assert.equal(doc.defaultView.getComputedStyle(host).display, "block", "the inline !important rule wins over the message's");
  assert.match(box.style.cssText, /background/, "the box is styled inline");
});

test("a removed banner is put back", async () => {
  const doc = newDocument();
  V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "offline", report: phishingReport() }, defaults, en));
  const { host } = V.currentBanner(doc);
  host.remove();
  host.style.display = "none";
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(host.isConnected, "re-inserted");
  assert.equal(doc.body.firstChild, host);
  assert.match(host.style.cssText, /display: block !important/, "its own styles restored");
});

test("direction overrides in message text become visible marks, in isolated runs, and long text is cut", () => {
  const doc = newDocument();
  const name = "PayPal \u202emoc.lapyap@ecivres";
  const report = phishingReport({ findings: [{ id: "display_name_brand_mismatch", points: 40, severity: "high",
    title: "差出人名は「" + name + "」", detail: "x".repeat(5000) }] });
  const box = V.renderBanner(doc, M.buildBannerModel({ kind: "result", stage: "offline", report }, defaults, ja));
  assert.ok(!box.textContent.includes("\u202e"));
  assert.ok(box.textContent.includes("[U+202E]"));
  assert.ok(box.querySelector("[data-finding-id] bdi"), "finding text sits in <bdi>");
  assert.ok(box.textContent.length < 1000, "the 5,000-character detail is capped");
});

test("unreadable message: says Mekiki could not read it, never a verdict", () => {
  const model = M.buildBannerModel({ kind: "unreadable", message: "Thunderbird did not say which message is displayed" }, defaults, ja);
  assert.equal(model.level, "error");
  assert.match(model.title, /読み取れなかった/);
  assert.ok(model.help[0].length > 20);
});

test("a program that cannot be started: the manifest's place and the fix, per platform", () => {
  const linux = M.buildBannerModel({ kind: "error", code: "not_started", message: "An unexpected error occurred", platform: "linux" }, defaults, en);
  assert.match(linux.title, /could not be started/);
  assert.match(linux.help.join(" "), /~\/\.mozilla\/native-messaging-hosts\/mekiki\.json/);
  assert.match(linux.help.join(" "), /chmod \+x/);
  assert.match(linux.help.join(" "), /mekiki install/);
  const win = M.buildBannerModel({ kind: "error", code: "not_installed", platform: "win" }, defaults, en);
  assert.match(win.help.join(" "), /HKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts\\mekiki/);
  assert.match(win.help.join(" "), /mekiki\.exe install/);
  const mac = M.buildBannerModel({ kind: "error", code: "not_allowed", platform: "mac" }, defaults, ja);
  assert.match(mac.help.join(" "), /Library\/Application Support/);
});

test("final stage: the online line counts answers, failures and time-outs", () => {
  const lookups = [];
  for (let i = 0; i < 5; i++) lookups.push({ kind: "dns", type: "A", target: "x" + i + ".example", status: "timeout" });
  const report = phishingReport({ mode: "online", lookups });
  const model = M.buildBannerModel({ kind: "result", stage: "final", report }, defaults, en);
  assert.match(model.onlineLine, /none of the 5 look-ups was answered/);
  assert.match(model.onlineLine, /0 of 5 look-ups answered \(0 failed, 5 timed out\)/);
  const offline = M.buildBannerModel({ kind: "result", stage: "offline", onlinePending: true, report }, defaults, en);
  assert.equal(offline.onlineLine, "", "no online line before the final stage");
});

test("compact banner: one line that expands, but phishing stays full", () => {
  const compact = S.normalize({ bannerStyle: "compact" });
  const doc = newDocument();
  const sus = M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport({ verdict: "suspicious" }) }, compact, en);
  assert.equal(sus.compact, true);
  const box = V.renderBanner(doc, sus);
  const body = box.querySelector('[data-part="body"]');
  assert.equal(body.hidden, true, "findings folded away");
  box.querySelector('[data-part="expand"]').click();
  assert.equal(body.hidden, false, "and shown on request");
  const phish = M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, compact, en);
  assert.equal(phish.compact, false);
  assert.equal(M.buildBannerModel({ kind: "result", stage: "final", report: phishingReport() }, defaults, en).compact, false);
});
