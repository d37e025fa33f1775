"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule, translator, newDocument, phishingReport, HOSTILE } = require("./helpers.js");
const R = addonModule("report-view.js");

function render(report, lang) {
  const doc = newDocument();
  const main = doc.createElement("main");
  doc.body.appendChild(main);
  R.renderReport(doc, main, report, translator(lang || "en"));
  return { doc, main };
}

test("summary: verdict, score, subject", () => {
  const { main } = render(phishingReport(), "ja");
  assert.equal(main.querySelector(".mk-verdict").dataset.verdict, "phishing");
  assert.equal(main.querySelector(".mk-verdict").textContent, "フィッシング");
  assert.match(main.querySelector(".mk-score").textContent, /92/);
  assert.equal(main.querySelector(".mk-subject").textContent, "[spam] 会員情報更新と退会手続きのご案内");
});

test("findings with evidence and explanations", () => {
  const { main } = render(phishingReport());
  const items = main.querySelectorAll(".mk-finding");
  assert.equal(items.length, 4);
  const link = main.querySelector('[data-finding-id="link_text_mismatch"]');
  assert.match(link.querySelector(".mk-evidence").textContent, /shown: www\.eki-net\.com\nactual: ekl-net\.vecterdian\.shop/);
  assert.match(link.querySelector(".mk-finding-detail").textContent, /ekl-net/);
});

test("hop table like a header analyser, origin marked", () => {
  const { main } = render(phishingReport());
  const rows = main.querySelectorAll(".mk-hop-table tbody tr");
  assert.equal(rows.length, 2);
  const cells = Array.from(rows[0].querySelectorAll("td")).map((td) => td.textContent);
  assert.deepEqual(cells, ["0", "mail5.participan.shop", "—", "23.94.183.109", "mx.mail.example.jp", "1 s", "US / Buffalo", "AS36352 HostPapa"]);
  assert.ok(rows[0].classList.contains("mk-origin"));
  assert.ok(rows[1].classList.contains("mk-trusted"));
  const heads = Array.from(main.querySelectorAll(".mk-hop-table th")).map((th) => th.textContent);
  assert.deepEqual(heads.slice(0, 4), ["#", "HELO", "rDNS", "IP"]);
});

test("links: what is shown versus where it goes, flags, and nothing clickable", () => {
  const { main } = render(phishingReport());
  const cells = Array.from(main.querySelectorAll(".mk-link-table tbody td")).map((td) => td.textContent);
  assert.deepEqual(cells, ["https://www.eki-net.com/Personal/member/Login/Login", "https://ekl-net.vecterdian.shop/update/",
    "vecterdian.shop", "link_text_mismatch, lookalike_domain"]);
  assert.equal(main.querySelectorAll("a").length, 0);
});

test("sender panel shows From, Return-Path, Message-ID domain, brand", () => {
  const { main } = render(phishingReport());
  const text = main.querySelector("#mk-sender").textContent;
  assert.match(text, /"えきねっと" <member@eki-net\.com>/);
  assert.match(text, /<bounce@participan\.shop>/);
  assert.match(text, /participan\.shop/);
  assert.match(text, /えきねっと \(eki-net\.com\)/);
});

test("look-ups listed; none says so", () => {
  let { main } = render(phishingReport({ lookups: [{ kind: "dns", target: "participan.shop", status: "nxdomain", ms: 12 }] }));
  assert.deepEqual(Array.from(main.querySelectorAll(".mk-lookup-table td")).map((t) => t.textContent), ["dns", "participan.shop", "nxdomain", "12 ms"]);
  ({ main } = render(phishingReport()));
  assert.match(main.querySelector("#mk-lookups").textContent, /Nothing was looked up/);
});

test("hostile subject, URL and evidence appear as text only", () => {
  const report = phishingReport();
  report.message.subject = HOSTILE;
  report.message.from.name = HOSTILE;
  report.links[0].text = HOSTILE;
  report.links[0].href = "javascript:alert(1)//" + HOSTILE;
  report.findings[0].title = HOSTILE;
  report.findings[0].evidence = { shown: HOSTILE };
  report.hops[0].helo = "<script>alert(1)</script>";
  const { doc, main } = render(report);
  assert.equal(doc.querySelectorAll("img, script, a, iframe").length, 0);
  assert.equal(main.querySelector(".mk-subject").textContent, HOSTILE);
  assert.ok(main.textContent.includes("<script>alert(1)</script>"));
});

test("re-rendering replaces the previous report; junk does not throw", () => {
  const doc = newDocument();
  const main = doc.createElement("main");
  const t = translator("en");
  R.renderReport(doc, main, phishingReport(), t);
  R.renderReport(doc, main, phishingReport({ verdict: "safe", findings: [] }), t);
  assert.equal(main.querySelectorAll("#mk-summary").length, 1);
  assert.match(main.textContent, /Nothing suspicious was found/);
  for (const junk of [null, 5, { hops: [null, 3, { index: "x" }], links: "no", findings: [{}], message: "str", truncated: true }]) {
    R.renderReport(doc, main, junk, t);
  }
});
