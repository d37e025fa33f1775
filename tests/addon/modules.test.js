"use strict";
/* The small modules behind the trustworthy verdict: text made safe to show,
 * look-up counts, the toolbar button's look, where the host is registered,
 * and the raw message's encoding. */
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, translator } = require("./helpers.js");
const T = addonModule("text-safety.js");
const L = addonModule("lookup-summary.js");
const A = addonModule("verdict-action.js");
const H = addonModule("host-location.js");
const Raw = addonModule("raw-reader.js");

const en = translator("en");
const ja = translator("ja");

test("safeText: bidi controls, zero-width and control characters become visible marks", () => {
  assert.equal(T.safeText("PayPal \u202emoc.lapyap@ecivres"), "PayPal [U+202E]moc.lapyap@ecivres");
  assert.equal(T.safeText("a\u200bb\u2066c\u0007d\ufeff"), "a[U+200B]b[U+2066]c[U+0007]d[U+FEFF]");
  assert.equal(T.safeText("日本語\tok\n"), "日本語\tok\n", "ordinary text and whitespace untouched");
  assert.ok(T.hasHidden("x\u202ey"));
  assert.ok(!T.hasHidden("plain"));
  assert.equal(T.safeText(null), "");
});

test("safeText: caps by characters, not UTF-16 units, and says how much was cut", () => {
  assert.equal(T.safeText("😀".repeat(10), 4), "😀😀😀😀… (+6)");
  assert.equal(T.safeText("abc", 3), "abc");
  assert.ok(T.safeText("x".repeat(5000)).length < 320);
});

test("look-up summary from the host's counts, or counted from the statuses", () => {
  const fromHost = L.summarize({ online: { answered: 3, failed: 1, timed_out: 2, skipped: 5, resolver_unreliable: true } });
  assert.deepEqual([fromHost.answered, fromHost.failed, fromHost.timedOut, fromHost.skipped, fromHost.asked], [3, 1, 2, 5, 6]);
  assert.equal(fromHost.trustworthy, false, "an unreliable resolver makes the online part weak");
  const counted = L.summarize({ lookups: [{ status: "ok" }, { status: "cached" }, { status: "nxdomain" }, { status: "timeout" },
    { status: "error" }, { status: "skipped" }, { status: "???" }, null] });
  assert.deepEqual([counted.answered, counted.failed, counted.timedOut, counted.skipped], [3, 2, 1, 1]);
  assert.match(L.describe(fromHost, en), /3 of 6 look-ups answered \(1 failed, 2 timed out\)/);
  assert.match(L.describe(fromHost, en), /DNS server gave unreliable answers/);
  assert.equal(L.describe(L.summarize({}), en), "No online look-ups were made.");
  assert.match(L.describe(L.summarize({ lookups: [{ status: "timeout" }] }), ja), /1 件の照会のどれにも応答がありませんでした/);
});

test("look-up labels: record type, purpose (unknown ones generic), status in words", () => {
  assert.equal(L.kindLabel({ kind: "dns", type: "mx" }), "DNS MX");
  assert.equal(L.kindLabel({ kind: "rdap", type: "domain" }), "RDAP");
  assert.equal(L.kindLabel({ kind: "whois" }), "WHOIS");
  for (const p of L.PURPOSES) assert.ok(!L.purposeLabel(p, ja).startsWith("purpose_"), p);
  assert.equal(L.purposeLabel("something_new", en), "other check");
  assert.equal(L.statusLabel("nxdomain", ja), "存在しません");
  assert.equal(L.statusLabel("weird", en), "failed");
});

test("toolbar button: a badge, colour, icon and title for every state", () => {
  const phish = A.actionLook("phishing", "Warning: phishing", ja);
  assert.equal(phish.badgeText, "危険");
  assert.match(phish.title, /Warning: phishing/);
  assert.match(phish.icon, /state-phishing\.svg$/);
  assert.match(phish.badgeColor, /^#[0-9a-f]{6}$/);
  const seen = new Set();
  for (const level of ["phishing", "suspicious", "safe", "progress", "error"]) {
    const look = A.actionLook(level, "", en);
    assert.ok(look.badgeText && !look.badgeText.startsWith("badge_"), level);
    assert.ok(!look.title.includes("badgeTitle_"), level);
    seen.add(look.badgeColor);
  }
  assert.equal(seen.size, 5, "each state its own colour");
  const none = A.actionLook("none", null, en);
  assert.equal(none.badgeText, "");
  assert.equal(A.actionLook("bogus", null, en).level, "none");
});

test("where Thunderbird looks for the program, per platform", () => {
  assert.deepEqual(H.manifestPlaces("linux"), ["~/.mozilla/native-messaging-hosts/mekiki.json", "/usr/lib/mozilla/native-messaging-hosts/mekiki.json"]);
  assert.match(H.manifestPlaces("mac")[0], /NativeMessagingHosts\/mekiki\.json$/);
  assert.match(H.manifestPlaces("win")[0], /^HKEY_CURRENT_USER/);
  assert.match(H.installCommand("openbsd"), /mekiki install/);
});

test("raw message: a binary string encodes byte for byte", () => {
  const bytes = Buffer.alloc(70000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
  const binary = bytes.toString("latin1");
  assert.equal(Raw.base64OfBinaryString(binary), bytes.toString("base64"));
  assert.equal(Raw.base64OfBinaryString("日本"), Buffer.from("日本").toString("base64"), "wider characters as UTF-8");
});

test("raw message: read via getRaw as a binary string, hashed", async () => {
  const asked = [];
  globalThis.browser = { messages: { getRaw: async (id, opts) => { asked.push([id, opts]); return "Subject: x\r\n\r\nhi"; } } };
  try {
    const raw = await Raw.readRaw(7);
    assert.deepEqual(asked, [[7, { data_format: "BinaryString" }]]);
    assert.equal(Buffer.from(raw.b64, "base64").toString(), "Subject: x\r\n\r\nhi");
    assert.equal(raw.size, 16);
    assert.equal(await raw.hash, require("node:crypto").createHash("sha256").update(raw.b64).digest("hex"));
  } finally {
    delete globalThis.browser;
  }
});
