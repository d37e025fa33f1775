"use strict";
/* The reader's own lists: what "I know this sender" stores, what the host is
 * sent, and what "This is phishing" keeps. */
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, phishingReport } = require("./helpers.js");
const TS = addonModule("trust-store.js");
const P = addonModule("protocol.js");

function colleague(proof) {
  const r = phishingReport();
  r.verdict = "safe";
  r.message = Object.assign({}, r.message, { message_id: "<x@tanuki-lab.jp>",
    from: { name: "Kenji Sato", address: "KSato@Tanuki-Lab.jp", domain: "tanuki-lab.jp", registrable_domain: "tanuki-lab.jp" } });
  r.message.authentication = { spf: "pass", dkim: "pass", dmarc: "pass", header: "", proves_from: proof };
  return r;
}

test("'I know this sender' records the address, the organisation and the proof the host saw", () => {
  const now = new Date(Date.UTC(2026, 11, 2));
  const e = TS.entryFromReport(colleague("dmarc"), "address", now);
  assert.deepEqual(e, { address: "ksato@tanuki-lab.jp", domain: "tanuki-lab.jp", scope: "address", proof: "dmarc",
    name: "Kenji Sato", added: "2026-12-02T00:00:00.000Z" });
  const org = TS.entryFromReport(colleague("dkim"), "organisation", now);
  assert.equal(org.address, "");
  assert.equal(org.scope, "organisation");
  /* an odd value, or no authentication at all: no proof claimed */
  assert.equal(TS.entryFromReport(colleague("magic"), "address").proof, "none");
  const bare = colleague("dmarc");
  bare.message.authentication = null;
  assert.equal(TS.entryFromReport(bare, "address").proof, "none");
  assert.equal(TS.entryFromReport({ message: { from: null } }, "address"), null);
});

test("the list keeps one entry per sender, newest first, bounded like the host's limit", () => {
  let list = [];
  for (let i = 0; i < TS.MAX_TRUSTED + 20; i++) {
    list = TS.addTrusted(list, { address: `p${i}@x.example`, domain: "x.example", scope: "address", proof: "none" });
  }
  assert.equal(list.length, TS.MAX_TRUSTED);
  assert.equal(list[0].address, `p${TS.MAX_TRUSTED + 19}@x.example`);
  const again = TS.addTrusted(list, { address: list[5].address, domain: "x.example", scope: "address", proof: "dkim" });
  assert.equal(again.length, TS.MAX_TRUSTED);
  assert.equal(again[0].proof, "dkim");
  assert.equal(again.filter((e) => e.address === list[5].address).length, 1);
  assert.equal(TS.removeTrusted(again, again[0]).length, TS.MAX_TRUSTED - 1);
});

test("the request carries only the fields the host's rule reads", () => {
  const sent = TS.requestList([{ address: "a@b.example", domain: "b.example", scope: "address", proof: "dmarc", name: "A", added: "x" },
    { domain: "", scope: "address" }, null, { domain: "c.example", scope: "weird", proof: "?" }]);
  assert.deepEqual(sent, [{ address: "a@b.example", domain: "b.example", scope: "address", proof: "dmarc" },
    { address: "", domain: "c.example", scope: "address", proof: "none" }]);
  /* nobody trusted: the request is exactly the contract's */
  assert.equal(TS.requestFields([]), null);
  assert.deepEqual(Object.keys(P.makeAnalyzeRequest("r", new Uint8Array([65]), "ja", false, null, TS.requestFields([]))).sort(),
    ["id", "locale", "online", "raw_b64", "type"]);
  assert.deepEqual(TS.requestFields(sent), { trusted_senders: sent });
  const req = P.makeAnalyzeRequest("req-9", new Uint8Array([65]), "ja", false, null, { trusted_senders: sent, type: "evil", id: "x" });
  assert.deepEqual(req.trusted_senders, sent);
  assert.equal(req.type, "analyze");
  assert.equal(req.id, "req-9");
});

test("'This is phishing' keeps what finds the message again and what Mekiki said, nothing more", () => {
  const rec = TS.missedFromReport(colleague("dmarc"), { headerMessageId: "fallback" }, new Date(Date.UTC(2026, 0, 1)));
  assert.equal(rec.messageId, "<x@tanuki-lab.jp>");
  assert.equal(rec.verdict, "safe");
  assert.equal(rec.from, "KSato@Tanuki-Lab.jp");
  assert.ok(Array.isArray(rec.findings));
  assert.equal(rec.marked, "2026-01-01T00:00:00.000Z");
  let list = TS.addMissed([], rec);
  list = TS.addMissed(list, rec);
  assert.equal(list.length, 1);
  const out = JSON.parse(TS.exportLists([{ domain: "x.example" }], list));
  assert.deepEqual(Object.keys(out), ["trustedSenders", "missedPhish"]);
  assert.equal(out.missedPhish[0].messageId, "<x@tanuki-lab.jp>");
});
