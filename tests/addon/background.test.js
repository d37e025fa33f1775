"use strict";
/* The background page against a fake Thunderbird: which verdict each tab
 * shows, on its button and in its banner, when messages change under it,
 * when Thunderbird's API never answers, when tabs close, and what the host
 * is told. The add-on's own scripts are loaded as the manifest lists them. */
const test = require("node:test");
const assert = require("node:assert/strict");
const vm = require("node:vm");

const { RAW, fakeThunderbird, loadBackground } = require("./fake-thunderbird.js");

const header = (id) => ({ id, headerMessageId: "m" + id + "@example.com", size: RAW.length, date: "2025-01-26T00:00:00Z" });
const settle = () => new Promise((r) => setTimeout(r, 20));
const analyses = (tb) => tb.posted.filter((m) => m.type === "analyze");

function answer(tb, request, verdict) {
  tb.ports[tb.ports.length - 1].msg({ type: "report", id: request.id, stage: "offline", report: { verdict, score: 90, findings: [] } });
}

test("each tab shows only its own message's verdict, on the button and in the banner", async () => {
  const tb = fakeThunderbird();
  await loadBackground(tb);
  tb.displayed.set(1, [header(10)]);
  tb.listeners.displayed({ id: 1 }, { messages: [header(10)] });
  await settle();
  assert.equal(analyses(tb).length, 1);
  assert.equal(Buffer.from(analyses(tb)[0].raw_b64, "base64").toString(), RAW);
  assert.equal(tb.actions[1].text, "…", "checking");
  answer(tb, analyses(tb)[0], "phishing");
  await settle();
  assert.equal(tb.actions[1].text, "RISK");
  assert.match(tb.actions[1].path, /state-phishing/);
  const last = tb.sent[tb.sent.length - 1];
  assert.deepEqual([last[0], last[1].messageId, last[1].model.level], [1, 10, "phishing"]);

  /* A new document in tab 1 whose message Thunderbird never describes. */
  tb.displayed.set(1, "hang");
  const started = Date.now();
  const reply = await tb.listeners.message({ type: "banner-ready" }, { tab: { id: 1 } });
  assert.ok(Date.now() - started < 2500, "answered within the time limit");
  assert.equal(reply.messageId, null, "not the previous message");
  assert.equal(reply.model.level, "error");
  assert.match(reply.model.title, /could not read this message/);
  await settle();
  assert.equal(tb.actions[1].text, "!", "the button no longer says RISK");
});

test("a message no longer displayed has its look-ups cancelled; a closed tab is forgotten", async () => {
  const tb = fakeThunderbird();
  await loadBackground(tb);
  tb.listeners.displayed({ id: 1 }, { messages: [header(20)] });
  await settle();
  const first = analyses(tb)[0];
  answer(tb, first, "safe");   /* offline; the final stage is still to come */
  tb.listeners.displayed({ id: 1 }, { messages: [header(21)] });
  await settle();
  assert.ok(tb.posted.some((m) => m.type === "cancel" && m.id === first.id), "the first message's request is cancelled");
  const second = analyses(tb)[1];
  tb.listeners.removed(1, { windowId: 1, isWindowClosing: false });
  await settle();
  assert.ok(tb.posted.some((m) => m.type === "cancel" && m.id === second.id), "closing the tab cancels its request");
  const pushes = tb.sent.length;
  answer(tb, second, "phishing");
  await settle();
  assert.equal(tb.sent.length, pushes, "nothing is pushed to a closed tab");
});

test("the same message in two tabs is analysed once and kept while either shows it", async () => {
  const tb = fakeThunderbird();
  await loadBackground(tb);
  tb.listeners.displayed({ id: 1 }, { messages: [header(30)] });
  tb.listeners.displayed({ id: 2 }, { messages: [header(30)] });
  await settle();
  assert.equal(analyses(tb).length, 1);
  tb.listeners.removed(1, {});
  await settle();
  assert.ok(!tb.posted.some((m) => m.type === "cancel"), "still displayed in tab 2");
  answer(tb, analyses(tb)[0], "suspicious");
  await settle();
  assert.equal(tb.actions[2].text, "?");
});

test("the button opens one report tab and reuses it", async () => {
  const tb = fakeThunderbird();
  await loadBackground(tb);
  tb.displayed.set(1, [header(40)]);
  await tb.listeners.click({ id: 1 });
  await settle();
  tb.displayed.set(1, [header(41)]);
  await tb.listeners.click({ id: 1 });
  await settle();
  assert.deepEqual(tb.created, ["report/report.html?message=40"]);
  assert.deepEqual(tb.updated, [[99, "report/report.html?message=41"]]);
  tb.listeners.removed(99, {});
  await tb.listeners.click({ id: 1 });
  await settle();
  assert.equal(tb.created.length, 2, "a closed report tab is not reused");
});

test("a deadline after the offline verdict keeps the verdict and says the online part stopped", async () => {
  const tb = fakeThunderbird();
  tb.browser.storage.local.get = async () => ({ online: true });
  await loadBackground(tb);
  tb.listeners.displayed({ id: 1 }, { messages: [header(50)] });
  await settle();
  const req = analyses(tb)[0];
  answer(tb, req, "phishing");
  tb.ports[0].msg({ type: "error", id: req.id, code: "deadline", message: "past its deadline" });
  await settle();
  assert.equal(tb.actions[1].text, "RISK", "the offline verdict stands");
  const report = await tb.listeners.message({ type: "get-report", messageId: 50 }, {});
  assert.equal(report.onlineError, "deadline");
  tb.listeners.displayed({ id: 1 }, { messages: [header(51)] });
  await settle();
  tb.ports[0].msg({ type: "error", id: analyses(tb)[1].id, code: "deadline", message: "past its deadline" });
  await settle();
  assert.equal(tb.actions[1].text, "!", "with no verdict yet, a deadline is an error, never a verdict");
});

test("old entries make room, but never the one still on screen", async () => {
  const tb = fakeThunderbird();
  const context = await loadBackground(tb);
  tb.listeners.displayed({ id: 1 }, { messages: [header(1000)] });
  await settle();
  const kept = analyses(tb)[0];
  for (let i = 0; i < 60; i++) tb.listeners.displayed({ id: 2 }, { messages: [header(2000 + i)] });
  await settle();
  assert.ok(!tb.posted.some((m) => m.type === "cancel" && m.id === kept.id), "tab 1's request is not cancelled");
  answer(tb, kept, "phishing");
  await settle();
  assert.equal(tb.actions[1].text, "RISK", "tab 1 still gets its verdict");
  assert.ok(vm.runInContext("entries.size", context) <= 51);
});
