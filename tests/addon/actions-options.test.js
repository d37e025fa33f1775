"use strict";
/* The options page's "acting on verdicts" sections, in jsdom with a stand-in
 * WebExtension API: the reporting desk and IT address, sorting switches, the
 * reader's own lists (shown, removed, exported, cleared) and the feed import
 * (bytes to the host, size and date back). */
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { JSDOM } = require("jsdom");
const { ADDON, translator } = require("./helpers.js");

const DESKS = fs.readFileSync(path.join(ADDON, "..", "data", "report-desks.json"), "utf8");
const tick = () => new Promise((r) => setTimeout(r, 30));

async function page({ stored = {}, feed = { entries: 0, updated: null }, importReply } = {}) {
  const html = fs.readFileSync(path.join(ADDON, "options", "options.html"), "utf8");
  const dom = new JSDOM(html, { runScripts: "outside-only", url: "moz-extension://x/options/options.html" });
  const t = translator("en");
  const store = JSON.parse(JSON.stringify(stored));
  const listeners = [];
  const posted = [];
  const downloads = [];
  dom.window.fetch = async () => ({ json: async () => JSON.parse(DESKS) });
  dom.window.URL.createObjectURL = (blob) => { downloads.push(blob); return "blob:x"; };
  dom.window.URL.revokeObjectURL = () => {};
  dom.window.browser = {
    i18n: { getMessage: (key, subs) => t(key, subs), getUILanguage: () => "en-US" },
    runtime: {
      getURL: (p) => "moz-extension://x/" + p,
      sendMessage: async (msg) => (msg.type === "ping-host" ? { ok: true, databases: { feed } } : { settings: { debugLog: false } }),
      connectNative: () => {
        const port = { onMessage: { addListener: (f) => { port.deliver = f; } }, onDisconnect: { addListener: () => {} },
          postMessage: (m) => { posted.push(m); setTimeout(() => port.deliver(Object.assign({ type: "feed_import", id: m.id }, importReply)), 1); },
          disconnect: () => {} };
        return port;
      },
    },
    storage: {
      local: {
        get: async (keys) => {
          const list = keys === null || keys === undefined ? Object.keys(store) : [].concat(keys);
          return Object.fromEntries(list.filter((k) => k in store).map((k) => [k, JSON.parse(JSON.stringify(store[k]))]));
        },
        set: async (obj) => {
          const changes = {};
          for (const [k, v] of Object.entries(obj)) { store[k] = v; changes[k] = { newValue: v }; }
          for (const l of listeners) l(changes, "local");
        },
      },
      onChanged: { addListener: (l) => listeners.push(l) },
    },
    downloads: { download: async (o) => { downloads.push(o); return 1; } },
  };
  for (const file of ["modules/report-phish.js", "modules/trust-store.js", "modules/protocol.js", "options/actions-options.js"]) {
    dom.window.eval(fs.readFileSync(path.join(ADDON, file), "utf8"));
  }
  await tick();
  return { doc: dom.window.document, window: dom.window, store, posted, downloads };
}

function change(win, el, value) {
  if (typeof value === "boolean") el.checked = value;
  else el.value = value;
  el.dispatchEvent(new win.Event("change"));
}

test("reporting desk: every public desk is offered; a bad IT address is refused, a good one kept", async () => {
  const { doc, window, store } = await page();
  const options = Array.from(doc.querySelectorAll("#mk-report-desk option")).map((o) => o.value);
  assert.deepEqual(options, ["auto", "it", "brand", "antiphishing_jp", "apwg", "ncsc_uk"]);
  change(window, doc.getElementById("mk-it-desk"), "security <x@y>");
  await tick();
  assert.equal(doc.getElementById("mk-it-desk-note").textContent, "This is not an e-mail address; it was not saved.");
  assert.equal(store.actions.itDeskAddress, "");
  change(window, doc.getElementById("mk-it-desk"), "security@corp.example");
  change(window, doc.getElementById("mk-report-desk"), "it");
  await tick();
  assert.equal(store.actions.itDeskAddress, "security@corp.example");
  assert.equal(store.actions.reportDesk, "it");
});

test("sorting is off by default; moving to Junk needs tagging", async () => {
  const { doc, window, store } = await page();
  const tag = doc.getElementById("mk-tag-by-verdict");
  const junk = doc.getElementById("mk-move-to-junk");
  assert.equal(tag.checked, false);
  assert.equal(junk.disabled, true);
  change(window, tag, true);
  await tick();
  assert.equal(junk.disabled, false);
  change(window, junk, true);
  await tick();
  assert.deepEqual([store.actions.tagByVerdict, store.actions.moveToJunk], [true, true]);
  change(window, tag, false);
  await tick();
  assert.deepEqual([store.actions.tagByVerdict, store.actions.moveToJunk], [false, false]);
});

test("the reader's lists: shown, one removed, exported as JSON, cleared", async () => {
  const stored = { trustedSenders: [
    { address: "ksato@tanuki-lab.jp", domain: "tanuki-lab.jp", scope: "address", proof: "dmarc", name: "Kenji Sato", added: "2026-12-01T00:00:00Z" },
    { address: "", domain: "corp.example", scope: "organisation", proof: "dkim", name: "", added: "2026-11-30T00:00:00Z" }],
  missedPhish: [{ messageId: "<m@x>", subject: "s" }] };
  const { doc, window, store, downloads } = await page({ stored });
  const items = Array.from(doc.querySelectorAll("#mk-trusted-list li")).map((li) => li.textContent);
  assert.match(items[0], /^ksato@tanuki-lab\.jp \(Kenji Sato\) — since 2026-12-01, proved by DMARC/);
  assert.match(items[1], /^\*@corp\.example — since 2026-11-30, proved by DKIM signature/);
  assert.equal(doc.getElementById("mk-missed-count").textContent, "Phishing Mekiki missed, noted by you: 1");
  doc.querySelector("#mk-trusted-list li button").click();
  await tick();
  assert.deepEqual(store.trustedSenders.map((e) => e.domain), ["corp.example"]);
  doc.getElementById("mk-lists-export").click();
  await tick();
  const blob = downloads.find((d) => d.size !== undefined);
  /* jsdom's Blob has no text(): read it the old way */
  const text = await new Promise((resolve) => {
    const reader = new window.FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsText(blob);
  });
  const exported = JSON.parse(text);
  assert.equal(exported.trustedSenders.length, 1);
  assert.equal(exported.missedPhish[0].messageId, "<m@x>");
  assert.equal(downloads.find((d) => d.filename).filename, "mekiki-my-lists.json");
  doc.getElementById("mk-lists-clear").click();
  await tick();
  assert.equal(JSON.stringify([store.trustedSenders, store.missedPhish]), "[[],[]]");
  assert.equal(doc.getElementById("mk-trusted-list"), null);
});

test("feed: its size and date are shown; a picked file goes to the host and the answer is shown", async () => {
  const { doc, window, posted } = await page({ feed: { entries: 1200, updated: "2025/01/26" },
    importReply: { status: "ok", imported: 3, error: null, feed: { entries: 1203, updated: "2025/02/01" } } });
  assert.equal(doc.getElementById("mk-feed-status").textContent, "1200 URLs; newest entry dated 2025/01/26.");
  const input = doc.getElementById("mk-feed-file");
  /* what the page reads of a picked File (jsdom's has no arrayBuffer()) */
  const bytes = Buffer.from("https://a.example/\nhttps://b.example/\nhttps://c.example/\n");
  const file = { name: "list.txt", size: bytes.length, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
  Object.defineProperty(input, "files", { value: [file] });
  input.dispatchEvent(new window.Event("change"));
  for (let i = 0; i < 20 && !/Imported/.test(doc.getElementById("mk-feed-result").textContent); i++) await tick();
  assert.equal(posted[0].type, "feed_import");
  assert.equal(posted[0].name, "list.txt");
  assert.equal(Buffer.from(posted[0].data_b64, "base64").toString(), "https://a.example/\nhttps://b.example/\nhttps://c.example/\n");
  assert.equal(doc.getElementById("mk-feed-result").textContent, "Imported 3 URLs from list.txt.");
  assert.equal(doc.getElementById("mk-feed-status").textContent, "1203 URLs; newest entry dated 2025/02/01.");
});
