"use strict";
/* The banner's action buttons, end to end inside the add-on: the event page
 * against a fake Thunderbird (fake-thunderbird.js) acts on a banner's
 * request only for the message that tab shows now, for the bytes whose
 * verdict the banner was drawn for, and for an action that banner offers;
 * the view draws the buttons and ignores clicks no person made. */
const test = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { RAW, fakeThunderbird, loadBackground } = require("./fake-thunderbird.js");
const { addonModule, translator, newDocument, phishingReport } = require("./helpers.js");

const M = addonModule("banner-model.js");
const V = addonModule("banner-view.js");
const S = addonModule("settings.js");
const en = translator("en");

const settle = () => new Promise((r) => setTimeout(r, 20));
const hashOf = (raw) => crypto.createHash("sha256").update(Buffer.from(raw, "latin1").toString("base64")).digest("hex");
const header = (id) => ({ id, headerMessageId: "m" + id + "@example.com", size: RAW.length, date: "2025-01-26T00:00:00Z" });
const banner = (tabId) => ({ id: "mekiki@mekiki.app", tab: { id: tabId }, url: "mailbox:///inbox?number=1" });

function report(verdict) {
  return phishingReport({ verdict, score: verdict === "safe" ? 5 : 92,
    message: Object.assign({}, phishingReport().message, { message_id: "m10@example.com" }) });
}

/* Tab 1 shows message 10 with `verdict`; tab 2 shows message 11 (safe). */
async function twoTabs(verdict) {
  const tb = fakeThunderbird();
  tb.store.actions = { itDeskAddress: "it-desk@example.com", reportDesk: "it" };
  await loadBackground(tb);
  for (const [tabId, id] of [[1, 10], [2, 11]]) {
    tb.displayed.set(tabId, [header(id)]);
    tb.listeners.displayed({ id: tabId }, { messages: [header(id)] });
  }
  await settle();
  const port = tb.ports[tb.ports.length - 1];
  const [first, second] = tb.posted.filter((m) => m.type === "analyze");
  port.msg({ type: "report", id: first.id, stage: "offline", report: report(verdict) });
  port.msg({ type: "report", id: second.id, stage: "offline", report: report("safe") });
  await settle();
  return tb;
}

const ask = (tb, fields, sender) => tb.listeners.message(Object.assign({ type: "banner-action" }, fields), sender);

test("the banner is pushed the hash of what was judged and the actions its verdict offers", async () => {
  const tb = await twoTabs("phishing");
  const push = tb.sent.filter(([tabId]) => tabId === 1).pop()[1];
  assert.equal(push.hash, hashOf(RAW));
  assert.deepEqual(Array.from(push.model.actions, (a) => a.id), ["report"]);
  const safe = tb.sent.filter(([tabId]) => tabId === 2).pop()[1];
  assert.deepEqual(Array.from(safe.model.actions, (a) => a.id), ["trust-address", "trust-organisation", "missed"]);
});

test("'Report this phishing' from the banner opens a compose window with the judged bytes attached, and sends nothing", async () => {
  const tb = await twoTabs("phishing");
  const reply = await ask(tb, { action: "report", messageId: 10, hash: hashOf(RAW) }, banner(1));
  assert.equal(reply.ok, true, JSON.stringify(reply));
  assert.match(reply.text, /it-desk@example\.com/);
  assert.equal(tb.composed.length, 1);
  const details = tb.composed[0];
  assert.deepEqual(Array.from(details.to), ["it-desk@example.com"]);
  const original = details.attachments[0].file;
  assert.equal(original.type, "message/rfc822");
  const bytes = Buffer.from(await original.arrayBuffer());
  assert.equal(bytes.subarray(0, RAW.length).toString("latin1"), RAW, "the original, byte for byte (plus the delimiter's line end)");
  assert.equal(JSON.parse(await details.attachments[1].file.text()).verdict, "phishing");
});

test("a request for a message the tab does not show, or from elsewhere, is refused", async () => {
  const tb = await twoTabs("phishing");
  const hash = hashOf(RAW);
  const cases = [
    [{ action: "report", messageId: 10, hash }, banner(2), "not-displayed"],       /* tab 2 shows message 11 */
    [{ action: "report", messageId: 10, hash }, banner(3), "no-message"],          /* a tab showing nothing */
    [{ action: "report", messageId: 10, hash }, { id: "mekiki@mekiki.app" }, "no-message"],   /* not a tab: a page */
    [{ action: "report", messageId: 10, hash }, { id: "other@example.com", tab: { id: 1 } }, "sender"],
    [{ action: "report", messageId: "10", hash: hash.toUpperCase() }, banner(1), "stale"],
    [{ action: "report", messageId: 10 }, banner(1), "stale"],
    [{ action: "missed", messageId: 10, hash }, banner(1), "not-offered"],         /* phishing: no "This is phishing" */
    [{ action: "send", messageId: 10, hash }, banner(1), "not-offered"],
  ];
  for (const [fields, sender, reason] of cases) {
    const reply = await ask(tb, fields, sender);
    assert.equal(reply.ok, false, JSON.stringify(fields));
    assert.equal(reply.refused, reason, JSON.stringify([fields, sender]));
  }
  assert.equal(tb.composed.length, 0, "no compose window opened");
  assert.deepEqual(Object.keys(tb.store), ["actions"], "nothing stored");
});

test("a stale banner is refused: another message now on screen, or the bytes changed since the verdict", async () => {
  const tb = await twoTabs("suspicious");
  const hash = hashOf(RAW);
  /* Thunderbird now shows message 12 in tab 1; its display event is late. */
  tb.displayed.set(1, [header(12)]);
  let reply = await ask(tb, { action: "report", messageId: 10, hash }, banner(1));
  assert.equal(reply.refused, "not-displayed");
  tb.displayed.set(1, [header(10)]);
  /* The stored message no longer has the bytes that were judged. */
  tb.raw = RAW.replace("hi", "hi, changed");
  reply = await ask(tb, { action: "report", messageId: 10, hash }, banner(1));
  assert.equal(reply.refused, "changed");
  assert.equal(tb.composed.length, 0);
  assert.match(reply.text, /no longer matches/);
});

test("'I know this sender' and 'This is phishing' from the banner store what the report tab stores", async () => {
  const tb = await twoTabs("safe");
  let reply = await ask(tb, { action: "trust-address", messageId: 10, hash: hashOf(RAW) }, banner(1));
  assert.equal(reply.ok, true, JSON.stringify(reply));
  assert.equal(tb.store.trustedSenders.length, 1);
  assert.equal(tb.store.trustedSenders[0].address, "member@eki-net.com");
  assert.equal(tb.store.trustedSenders[0].scope, "address");
  reply = await ask(tb, { action: "missed", messageId: 10, hash: hashOf(RAW) }, banner(1));
  assert.equal(reply.ok, true);
  assert.equal(tb.store.missedPhish[0].messageId, "m10@example.com");
  await settle();
  const push = tb.sent.filter(([tabId]) => tabId === 1).pop()[1];
  assert.match(push.model.markedLine, /You noted this message/, "the banner now says the reader's mark");
  assert.ok(!push.model.actions.some((a) => a.id === "missed"), "and no longer offers to mark it again");
  reply = await ask(tb, { action: "missed", messageId: 10, hash: hashOf(RAW) }, banner(1));
  assert.equal(reply.refused, "not-offered");
});

test("the view: buttons per verdict, a menu in the compact banner, and clicks no person made do nothing", () => {
  const defaults = S.normalize({});
  const doc = newDocument();
  const calls = [];
  const phish = M.buildBannerModel({ kind: "result", stage: "offline", report: report("phishing") }, defaults, en);
  const box = V.renderBanner(doc, phish, () => {}, (id) => calls.push(id));
  const buttons = Array.from(box.querySelectorAll("[data-action]"));
  assert.deepEqual(buttons.map((b) => [b.dataset.action, b.textContent]), [["report", "Report this phishing"]]);
  buttons[0].click();   /* a script's click: isTrusted is false */
  buttons[0].dispatchEvent(new doc.defaultView.MouseEvent("click", { bubbles: true }));
  assert.deepEqual(calls, [], "an event a script made never acts");
  assert.equal(V.showActionStatus(doc, "done").textContent, "done");

  const compact = S.normalize({ bannerStyle: "compact" });
  const sus = M.buildBannerModel({ kind: "result", stage: "offline", report: report("suspicious") }, compact, en);
  const small = V.renderBanner(doc, sus, () => {}, () => {});
  const row = small.querySelector('[data-part="actions"]');
  const menu = small.querySelector('[data-part="actions-menu"]');
  assert.equal(row.hidden, true, "folded in the one-line banner");
  assert.equal(row.style.display, "none", "and not drawn (its inline display would beat the hidden attribute)");
  assert.equal(menu.textContent, "Actions");
  menu.click();
  assert.equal(row.hidden, false, "and reachable from its menu button");
  assert.equal(row.style.display, "flex");
  assert.deepEqual(Array.from(row.querySelectorAll("[data-action]"), (b) => b.dataset.action),
    ["report", "trust-address", "trust-organisation"]);
  const trusted = M.buildBannerModel({ kind: "result", stage: "offline",
    report: Object.assign(report("safe"), { sender_trust: { status: "held" } }) }, defaults, en);
  assert.deepEqual(trusted.actions.map((a) => a.id), ["missed"], "a sender already trusted is not offered again");
});
