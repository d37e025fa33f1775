"use strict";
/* "Sort it": which tags a verdict gives, when a message moves to Junk, and
 * that nothing happens while the option is off. A fake Thunderbird records
 * the calls. */
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, translator } = require("./helpers.js");
const VT = addonModule("verdict-tags.js");
const RP = addonModule("report-phish.js");

function fakeThunderbird(message) {
  const calls = [];
  const tags = [];
  return {
    calls,
    messages: {
      tags: {
        list: async () => tags.slice(),
        create: async (key, tag, color) => { calls.push(["create", key, tag, color]); tags.push({ key, tag, color }); },
      },
      get: async (id) => (id === message.id ? message : null),
      update: async (id, props) => { calls.push(["update", id, props]); message.tags = props.tags; },
      move: async (ids, folderId) => { calls.push(["move", ids, folderId]); },
    },
    folders: { query: async (q) => (q.specialUse[0] === "junk" && q.accountId === "account1" ? [{ id: "account1://Junk" }] : []) },
  };
}

const ja = translator("ja");

test("off by default: nothing is tagged or moved", async () => {
  const tb = fakeThunderbird({ id: 7, tags: [], folder: { accountId: "account1", specialUse: ["inbox"] } });
  const done = await VT.applyVerdict(tb, 7, "phishing", RP.normalizeActions({}), ja);
  assert.deepEqual(done, { tagged: false, moved: false });
  assert.deepEqual(tb.calls, []);
});

test("phishing: our tags created once in the reader's language, the message tagged and moved to its account's Junk", async () => {
  const msg = { id: 7, tags: ["$label1"], folder: { accountId: "account1", specialUse: ["inbox"] } };
  const tb = fakeThunderbird(msg);
  const actions = RP.normalizeActions({ tagByVerdict: true, moveToJunk: true });
  const done = await VT.applyVerdict(tb, 7, "phishing", actions, ja);
  assert.deepEqual(done, { tagged: true, moved: true, junk: "account1://Junk" });
  assert.deepEqual(tb.calls.filter((c) => c[0] === "create").map((c) => c[2]), ["フィッシング (Mekiki)", "要注意 (Mekiki)"]);
  assert.deepEqual(msg.tags, ["$label1", "mekiki_phishing"], "the reader's own tags stay");
  assert.deepEqual(tb.calls.find((c) => c[0] === "move"), ["move", [7], "account1://Junk"]);
  /* a second stage with the same verdict changes nothing; noMove is honoured */
  tb.calls.length = 0;
  const again = await VT.applyVerdict(tb, 7, "phishing", actions, ja, { noMove: true });
  assert.deepEqual(again, { tagged: false, moved: false });
  assert.deepEqual(tb.calls, []);
});

test("a later verdict replaces ours; safe lifts it; suspicious is tagged but never moved", async () => {
  assert.deepEqual(VT.tagsFor(["a", "mekiki_phishing"], "suspicious"), ["a", "mekiki_suspicious"]);
  assert.deepEqual(VT.tagsFor(["mekiki_suspicious", "b"], "safe"), ["b"]);
  assert.deepEqual(VT.tagsFor(undefined, "unknown"), []);
  const msg = { id: 1, tags: [], folder: { accountId: "account1", specialUse: [] } };
  const tb = fakeThunderbird(msg);
  const done = await VT.applyVerdict(tb, 1, "suspicious", RP.normalizeActions({ tagByVerdict: true, moveToJunk: true }), ja);
  assert.equal(done.moved, false);
  assert.deepEqual(msg.tags, ["mekiki_suspicious"]);
});

test("already in Junk, or no Junk folder: tagged, not moved", async () => {
  const actions = RP.normalizeActions({ tagByVerdict: true, moveToJunk: true });
  const inJunk = fakeThunderbird({ id: 2, tags: [], folder: { accountId: "account1", specialUse: ["junk"] } });
  assert.equal((await VT.applyVerdict(inJunk, 2, "phishing", actions, ja)).moved, false);
  const noJunk = fakeThunderbird({ id: 3, tags: [], folder: { accountId: "account9", specialUse: [] } });
  const done = await VT.applyVerdict(noJunk, 3, "phishing", actions, ja);
  assert.deepEqual([done.tagged, done.moved], [true, false]);
});
