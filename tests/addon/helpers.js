/* helpers.js - shared fixtures for the add-on's Node tests: the add-on's own
 * modules, its real locale files, a jsdom document and sample reports. */
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const { JSDOM } = require("jsdom");

const ADDON = path.resolve(__dirname, "..", "..", "addon");

function addonModule(name) {
  return require(path.join(ADDON, "modules", name));
}

function locale(lang) {
  return JSON.parse(fs.readFileSync(path.join(ADDON, "_locales", lang, "messages.json"), "utf8"));
}

function translator(lang) {
  return addonModule("i18n.js").makeTranslator(locale(lang), locale("en"));
}

function newDocument() {
  return new JSDOM("<!DOCTYPE html><html><body><p id='mail'>mail body</p></body></html>").window.document;
}

const HOSTILE = "<img src=x onerror=alert(1)>";

function phishingReport(overrides) {
  return Object.assign({
    schema_version: 1,
    verdict: "phishing",
    score: 92,
    mode: "offline",
    message: {
      subject: "[spam] 会員情報更新と退会手続きのご案内",
      date: "2025-01-26T10:42:11+09:00",
      from: { name: "えきねっと", address: "member@eki-net.com", domain: "eki-net.com", registrable_domain: "eki-net.com" },
      reply_to: null,
      return_path: { address: "bounce@participan.shop" },
      message_id_domain: "participan.shop",
      claimed_brand: { id: "ekinet", name: "えきねっと", official_domains: ["eki-net.com"] },
    },
    hops: [
      { index: 0, helo: "mail5.participan.shop", rdns: null, ip: "23.94.183.109", by: "mx.mail.example.jp",
        with: "ESMTP", delay_s: 1, trusted: false, geo: { country: "US", city: "Buffalo" }, asn: { number: 36352, org: "HostPapa" } },
      { index: 1, helo: "mx.mail.example.jp", rdns: "mx.mail.example.jp", ip: "192.0.2.25", by: "mbox.mail.example.jp",
        with: "ESMTP", delay_s: 0, trusted: true },
    ],
    origin: { hop: 0, ip: "23.94.183.109", helo: "mail5.participan.shop", rdns: null },
    links: [{ href: "https://ekl-net.vecterdian.shop/update/", text: "https://www.eki-net.com/Personal/member/Login/Login",
      host: "ekl-net.vecterdian.shop", registrable_domain: "vecterdian.shop", findings: ["link_text_mismatch", "lookalike_domain"] }],
    findings: [
      { id: "spam_stamp", severity: "medium", points: 15, title: "迷惑メールの印が付いています", detail: "件名に [spam]", evidence: { stamp: "[spam]" } },
      { id: "link_text_mismatch", severity: "high", points: 35, title: "リンクの表示と実際の行き先が違います",
        detail: "表示は www.eki-net.com ですが実際は ekl-net.vecterdian.shop です", evidence: { shown: "www.eki-net.com", actual: "ekl-net.vecterdian.shop" } },
      { id: "received_no_rdns", severity: "medium", points: 10, title: "送信元に逆引き名がありません", detail: "unknown", evidence: { ip: "23.94.183.109" } },
      { id: "urgency_language", severity: "low", points: 5, title: "期限で急かしています", detail: "期限を過ぎると", evidence: { phrase: "期限を過ぎると" } },
    ],
    lookups: [],
    timing_ms: { parse: 0.4, analyze: 0.3, enrich: 0, total: 0.8 },
  }, overrides || {});
}

module.exports = { ADDON, addonModule, locale, translator, newDocument, phishingReport, HOSTILE };
