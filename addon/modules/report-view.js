/* report-view.js - the full report, drawn as a page of sections.
 *
 * Mirrors what a header analyser shows, in the order a reader checks a
 * suspicious mail: the verdict and score; the findings with their evidence;
 * the sender panel (From, Reply-To, Return-Path, Message-ID, authentication);
 * the hop table (HELO / rDNS / IP, by, delay, country, network owner); the
 * links (what is shown versus where it goes); what was looked up; and a
 * footer naming the location and network data, its date, and the credit its
 * licence (CC BY) requires.
 *
 * The report is host output about a hostile message, so every value goes in
 * through textContent, and no value becomes an href: a link that the reader
 * could click from the report would defeat the point of the report.
 */
(function (root) {
  "use strict";

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function str(v) {
    if (v === undefined || v === null || v === "") return "—";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  /* Host output is trusted to be JSON, not to be well-formed: keep objects only. */
  function objects(list) {
    return Array.isArray(list) ? list.filter((x) => x && typeof x === "object") : [];
  }

  function section(doc, id, title) {
    const sec = el(doc, "section", "mk-section");
    sec.id = id;
    sec.appendChild(el(doc, "h2", "", title));
    return sec;
  }

  /* A table from column titles and rows of cell values. */
  function table(doc, className, headings, rows) {
    const tbl = el(doc, "table", className);
    const thead = el(doc, "thead");
    const hr = el(doc, "tr");
    for (const h of headings) hr.appendChild(el(doc, "th", "", h));
    thead.appendChild(hr);
    tbl.appendChild(thead);
    const tbody = el(doc, "tbody");
    for (const row of rows) {
      const tr = el(doc, "tr");
      for (const cell of row.cells) {
        const td = el(doc, "td", "", str(cell));
        tr.appendChild(td);
      }
      if (row.className) tr.className = row.className;
      tbody.appendChild(tr);
    }
    tbl.appendChild(tbody);
    return tbl;
  }

  function renderSummary(doc, report, t) {
    const sec = section(doc, "mk-summary", t("reportSummary"));
    const verdict = ["safe", "suspicious", "phishing"].includes(report.verdict) ? report.verdict : "unknown";
    const badge = el(doc, "div", "mk-verdict mk-verdict-" + verdict, t("verdict_" + verdict));
    badge.dataset.verdict = verdict;
    sec.appendChild(badge);
    sec.appendChild(el(doc, "p", "mk-score", t("reportScore", [str(report.score)])));
    const msg = report.message && typeof report.message === "object" ? report.message : {};
    sec.appendChild(el(doc, "p", "mk-subject", str(msg.subject)));
    sec.appendChild(el(doc, "p", "mk-mode", t(report.mode === "online" ? "reportModeOnline" : "reportModeOffline")));
    if (report.truncated) sec.appendChild(el(doc, "p", "mk-note", t("reportTruncated")));
    if (report.error) sec.appendChild(el(doc, "p", "mk-note", t("reportHostError", [str(report.error)])));
    return sec;
  }

  function evidenceText(evidence) {
    if (!evidence || typeof evidence !== "object") return "";
    return Object.entries(evidence).map(([k, v]) => k + ": " + str(v)).join("\n");
  }

  function renderFindings(doc, report, t) {
    const sec = section(doc, "mk-findings", t("reportFindings"));
    /* Strongest evidence first, as in the banner. */
    const findings = objects(report.findings).sort((a, b) => (Number(b.points) || 0) - (Number(a.points) || 0));
    if (!findings.length) {
      sec.appendChild(el(doc, "p", "mk-empty", t("reportNoFindings")));
      return sec;
    }
    const list = el(doc, "ol", "mk-finding-list");
    for (const f of findings) {
      const item = el(doc, "li", "mk-finding mk-sev-" + String(f.severity || "info").replace(/[^a-z]/g, ""));
      item.dataset.findingId = String(f.id || "");
      const head = el(doc, "div", "mk-finding-head");
      head.appendChild(el(doc, "strong", "mk-finding-title", str(f.title || f.id)));
      head.appendChild(el(doc, "span", "mk-finding-points", t("reportPoints", [str(f.points), str(f.severity)])));
      item.appendChild(head);
      if (f.detail) item.appendChild(el(doc, "p", "mk-finding-detail", f.detail));
      const ev = evidenceText(f.evidence);
      if (ev) item.appendChild(el(doc, "pre", "mk-evidence", ev));
      list.appendChild(item);
    }
    sec.appendChild(list);
    return sec;
  }

  function mailbox(m) {
    if (!m) return "";
    if (typeof m === "string") return m;
    const name = m.name ? '"' + m.name + '" ' : "";
    return name + "<" + (m.address || "") + ">";
  }

  function renderSender(doc, report, t) {
    const sec = section(doc, "mk-sender", t("reportSender"));
    const msg = report.message && typeof report.message === "object" ? report.message : {};
    const brand = msg.claimed_brand && typeof msg.claimed_brand === "object" ? msg.claimed_brand : null;
    const rows = [
      [t("fieldFrom"), mailbox(msg.from)],
      [t("fieldFromDomain"), msg.from && msg.from.registrable_domain],
      [t("fieldReplyTo"), mailbox(msg.reply_to)],
      [t("fieldReturnPath"), mailbox(msg.return_path)],
      [t("fieldMessageId"), msg.message_id_domain],
      [t("fieldDate"), msg.date],
      [t("fieldBrand"), brand ? str(brand.name || brand.id) + " (" + [].concat(brand.official_domains || []).join(", ") + ")" : ""],
      [t("fieldAuth"), msg.authentication || msg.auth || msg.authentication_results],
    ];
    const dl = el(doc, "dl", "mk-fields");
    for (const [k, v] of rows) {
      dl.appendChild(el(doc, "dt", "", k));
      dl.appendChild(el(doc, "dd", "", str(v)));
    }
    sec.appendChild(dl);
    return sec;
  }

  function renderHops(doc, report, t) {
    const sec = section(doc, "mk-hops", t("reportHops"));
    const hops = objects(report.hops);
    const originHop = report.origin ? report.origin.hop : -1;
    const rows = hops.map((h) => ({
      className: (h.index === originHop ? "mk-origin " : "") + (h.trusted ? "mk-trusted" : ""),
      cells: [h.index, h.helo, h.rdns, h.ip, h.by, h.delay_s === undefined ? "" : h.delay_s + " s",
        h.geo ? [h.geo.country, h.geo.city].filter(Boolean).join(" / ") : "",
        h.asn ? "AS" + h.asn.number + " " + (h.asn.org || "") : ""],
    }));
    if (!rows.length) sec.appendChild(el(doc, "p", "mk-empty", t("reportNoHops")));
    else sec.appendChild(table(doc, "mk-hop-table", [
      "#", "HELO", "rDNS", "IP", t("hopBy"), t("hopDelay"), t("hopCountry"), t("hopNetwork")], rows));
    if (report.origin) sec.appendChild(el(doc, "p", "mk-note", t("reportOrigin", [str(report.origin.ip), str(report.origin.rdns)])));
    return sec;
  }

  function renderLinks(doc, report, t) {
    const sec = section(doc, "mk-links", t("reportLinks"));
    const links = objects(report.links);
    if (!links.length) {
      sec.appendChild(el(doc, "p", "mk-empty", t("reportNoLinks")));
      return sec;
    }
    const rows = links.map((l) => ({
      className: Array.isArray(l.findings) && l.findings.length ? "mk-flagged" : "",
      cells: [l.text, l.href, l.registrable_domain || l.host, Array.isArray(l.findings) ? l.findings.join(", ") : ""],
    }));
    sec.appendChild(table(doc, "mk-link-table", [t("linkShown"), t("linkActual"), t("linkDomain"), t("linkFlags")], rows));
    return sec;
  }

  function renderLookups(doc, report, t) {
    const sec = section(doc, "mk-lookups", t("reportLookups"));
    const lookups = objects(report.lookups);
    if (!lookups.length) {
      sec.appendChild(el(doc, "p", "mk-empty", t("reportNoLookups")));
      return sec;
    }
    const rows = lookups.map((l) => ({ cells: [l.kind, l.target, l.status, l.ms === undefined ? "" : l.ms + " ms"] }));
    sec.appendChild(table(doc, "mk-lookup-table", [t("lookupKind"), t("lookupTarget"), t("lookupStatus"), t("lookupTime")], rows));
    return sec;
  }

  /* One line per database: "DB-IP City Lite (2026-06-05, CC BY 4.0) - IP
   * Geolocation by DB-IP https://db-ip.com" (text, like every value here). */
  function renderDatabases(doc, report, t) {
    const foot = el(doc, "footer", "mk-databases");
    const dbs = objects(report.databases);
    if (!dbs.length) return foot;
    foot.appendChild(el(doc, "p", "mk-databases-title", t("reportDatabases")));
    for (const d of dbs) {
      const facts = [d.build_date, d.licence].filter((x) => typeof x === "string" && x).join(", ");
      const credit = typeof d.credit === "string" ? d.credit : "";
      foot.appendChild(el(doc, "p", "mk-database", str(d.name) + (facts ? " (" + facts + ")" : "") + (credit ? " — " + credit : "")));
    }
    return foot;
  }

  /* Fills container (emptied first) with the whole report. */
  function renderReport(doc, container, report, t) {
    while (container.firstChild) container.removeChild(container.firstChild);
    const r = report && typeof report === "object" ? report : {};
    container.appendChild(renderSummary(doc, r, t));
    container.appendChild(renderFindings(doc, r, t));
    container.appendChild(renderSender(doc, r, t));
    container.appendChild(renderHops(doc, r, t));
    container.appendChild(renderLinks(doc, r, t));
    container.appendChild(renderLookups(doc, r, t));
    container.appendChild(renderDatabases(doc, r, t));
    return container;
  }

  const api = { renderReport };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiReportView = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
