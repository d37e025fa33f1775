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
  assert.equal(main.querySelector(".mk-subject").textContent, "件名: [spam] 会員情報更新と退会手続きのご案内");
  assert.equal(main.querySelector(".mk-mode").textContent, "オフライン解析のみ (オンライン照会なし)。");
});

test("findings with evidence and explanations", () => {
  const { main } = render(phishingReport());
  const items = main.querySelectorAll(".mk-finding");
  assert.equal(items.length, 4);
  const link = main.querySelector('[data-finding-id="link_text_mismatch"]');
  const ev = Array.from(link.querySelectorAll(".mk-evidence dt, .mk-evidence dd")).map((n) => n.textContent);
  assert.deepEqual(ev, ["Shown as", "www.eki-net.com", "Really goes to", "ekl-net.vecterdian.shop"]);
  assert.match(link.querySelector(".mk-finding-detail").textContent, /ekl-net/);
  assert.match(link.querySelector(".mk-finding-points").textContent, /35 points, importance: high/);
});

test("evidence in words: no ids, link numbers from one, tricks and places named, phrases quoted", () => {
  const t = translator("ja");
  const rows = R.evidenceRows({ link: 0, brand: "えきねっと", brand_id: "ekinet", how: "confusable", where: "link",
    phrases: ["ろぐいん", "情報を更新"], odd_field: "x" }, t);
  const text = rows.map((r) => r.join(": ")).join("\n");
  assert.doesNotMatch(text, /ekinet|brand_id|confusable|link: 0/);
  assert.match(text, /リンク: メール内の 1 番目のリンク/);
  assert.match(text, /手口: 形の似た文字への置き換え/);
  assert.match(text, /使われている言葉: 「ろぐいん」、「情報を更新」/);
  assert.match(text, /odd field: x/);
});

test("dates in the reader's time zone and language", () => {
  const t = translator("ja");
  const shown = R.localDate("2025-01-26T01:42:11Z", t);
  assert.equal(shown, new Intl.DateTimeFormat("ja-JP", { dateStyle: "medium", timeStyle: "medium" }).format(new Date("2025-01-26T01:42:11Z")));
  assert.doesNotMatch(shown, /T01:42:11Z/);
  assert.equal(R.localDate("not a date", t), "not a date");
});

test("hop table like a header analyser, origin marked", () => {
  const { main } = render(phishingReport());
  const rows = main.querySelectorAll(".mk-hop-table tbody tr");
  assert.equal(rows.length, 2);
  const cells = Array.from(rows[0].querySelectorAll("td")).map((td) => td.textContent);
  assert.deepEqual(cells, ["1", "mail5.participan.shop", "—", "23.94.183.109", "mx.mail.example.jp", "—", "1 s", "US / Buffalo", "AS36352 HostPapa"]);
  assert.ok(rows[0].classList.contains("mk-origin"));
  assert.ok(rows[1].classList.contains("mk-trusted"));
  const heads = Array.from(main.querySelectorAll(".mk-hop-table th")).map((th) => th.textContent);
  assert.deepEqual(heads.slice(0, 4), ["Step", "Server's own name (HELO)", "Reverse name", "Address"]);
  const ja = render(phishingReport({ hops: [{ index: 0, rdns: "unknown", delay_s: null }] }), "ja").main;
  const jaCells = Array.from(ja.querySelectorAll(".mk-hop-table td")).map((td) => td.textContent);
  assert.equal(jaCells[2], "逆引き名なし");
  assert.ok(!ja.textContent.includes("null"), "no 'null s' delays");
});

test("links: what is shown versus where it goes, flags, and nothing clickable", () => {
  const { main } = render(phishingReport());
  const cells = Array.from(main.querySelectorAll(".mk-link-table tbody td")).map((td) => td.textContent);
  assert.deepEqual(cells, ["https://www.eki-net.com/Personal/member/Login/Login", "https://ekl-net.vecterdian.shop/update/",
    "vecterdian.shop", "shown address differs from the real one, imitates a real domain"]);
  assert.equal(main.querySelectorAll("a").length, 0);
});

test("sender panel shows From, Return-Path, Message-ID domain, brand", () => {
  const { main } = render(phishingReport());
  const text = main.querySelector("#mk-sender").textContent;
  assert.match(text, /えきねっと <member@eki-net\.com>/);
  assert.match(text, /<bounce@participan\.shop>/);
  assert.match(text, /participan\.shop/);
  assert.match(text, /えきねっと \(official domains: eki-net\.com\)/);
  assert.match(text, /No authentication results/);
  const withAuth = render(phishingReport({ message: Object.assign({}, phishingReport().message,
    { authentication: { spf: "fail", dkim: "pass", dmarc: "", header: "mx; spf=fail" } }) }), "ja").main;
  assert.match(withAuth.querySelector("#mk-sender").textContent, /SPF: 不合格 \(fail\)、DKIM: 合格 \(pass\)/);
  assert.doesNotMatch(withAuth.querySelector("#mk-sender").textContent, /\{"spf"/, "not JSON");
});

test("look-ups listed with record type, purpose and plain results; none says so", () => {
  let { main } = render(phishingReport({ lookups: [
    { kind: "dns", type: "MX", purpose: "sender", target: "participan.shop", status: "nxdomain", ms: 12 },
    { kind: "rdap", type: "domain", purpose: "registration", target: "participan.shop", status: "timeout", ms: null },
    { kind: "dns", type: "A", purpose: "a_new_purpose", target: "x.example", status: "ok", ms: 3.4 }] }), "ja");
  const rows = Array.from(main.querySelectorAll(".mk-lookup-table tbody tr")).map((tr) => Array.from(tr.children).map((t) => t.textContent));
  assert.deepEqual(rows, [
    ["participan.shop", "DNS MX", "差出人のドメイン", "存在しません", "12 ミリ秒"],
    ["participan.shop", "RDAP", "ドメインの登録日・登録者", "時間切れ", "—"],
    ["x.example", "DNS A", "その他の確認", "応答あり", "3 ミリ秒"]]);
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
  assert.equal(main.querySelector(".mk-subject bdi").textContent, HOSTILE);
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

test("online mode says how many look-ups answered; never 'includes online checks' when all timed out", () => {
  const lookups = ["A", "AAAA", "MX"].map((type) => ({ kind: "dns", type, target: "x.example", status: "timeout" }));
  const { main } = render(phishingReport({ mode: "online", lookups }), "ja");
  const line = main.querySelector(".mk-mode");
  assert.match(line.textContent, /3 件の照会のどれにも応答がありませんでした/);
  assert.equal(line.dataset.trustworthy, "false");
  const counted = render(phishingReport({ mode: "online", lookups, online: { answered: 7, failed: 1, timed_out: 2, skipped: 4 } }), "en").main;
  assert.match(counted.querySelector(".mk-mode").textContent, /7 of 10 look-ups answered \(1 failed, 2 timed out\)/);
  const stopped = render(phishingReport(), "en");
  R.renderReport(stopped.doc, stopped.main, phishingReport(), translator("en"), { onlineError: "deadline" });
  assert.match(stopped.main.querySelector(".mk-mode").textContent, /did not finish in time/);
});

test("a direction override and a huge name stay contained in the report", () => {
  const report = phishingReport();
  report.message.from = { name: "PayPal \u202emoc.lapyap@ecivres", address: "service@paypa1-support.example" };
  report.message.subject = "PayPal ".repeat(1000);
  const { main } = render(report, "en");
  const sender = main.querySelector("#mk-sender");
  assert.ok(!main.textContent.includes("\u202e"));
  assert.match(sender.textContent, /PayPal \[U\+202E\]moc\.lapyap@ecivres <service@paypa1-support\.example>/);
  assert.ok(sender.querySelector(".mk-mailbox bdi"), "the name is an isolated run");
  assert.ok(main.querySelector(".mk-subject").textContent.length < 260, "the subject is capped");
});
