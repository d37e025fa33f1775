/* report-view.js - the full report, drawn as a page of sections.
 *
 * Mirrors what a header analyser shows, in the order a reader checks a
 * suspicious mail: the verdict and score, and how the online checks went;
 * the findings with what Mekiki saw; the sender panel (From, Reply-To,
 * Return-Path, Message-ID, authentication); the hop table (server name,
 * reverse name, address, receiving server, delay, country, network owner);
 * the links (what is shown versus where it goes); what was looked up; and a
 * footer naming the location and network data, its date, and the credit its
 * licence (CC BY) requires.
 *
 * It is written for a reader who is not an expert: every label is
 * localised, evidence is shown as labelled statements rather than raw
 * fields, ids (brand_id, link indexes, finding ids) become words, dates are
 * in the reader's own time zone, and look-ups say their record type and why
 * they were made. Message text is isolated in <bdi> and capped
 * (text-safety.js), so a direction override or a huge name cannot take over
 * the page. Every value goes in through textContent, and no value becomes an
 * href: a link the reader could click from the report would defeat its point.
 */
(function (root) {
  "use strict";

  function lib(name, file) {
    return root[name] || require(file);
  }

  const CAP = 300;

  function safe(value, max) {
    return lib("MekikiTextSafety", "./text-safety.js").safeText(value, max || CAP);
  }

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  /* Message-derived text: isolated and made visible. */
  function quoted(doc, value, max) {
    const node = doc.createElement("bdi");
    node.textContent = value === undefined || value === null || value === "" ? "—" : safe(value, max);
    return node;
  }

  function objects(list) {
    return Array.isArray(list) ? list.filter((x) => x && typeof x === "object") : [];
  }

  function section(doc, id, title) {
    const sec = el(doc, "section", "mk-section");
    sec.id = id;
    sec.appendChild(el(doc, "h2", "", title));
    return sec;
  }

  /* A table from column titles and rows of cells; a cell is a Node or text
   * from the message. */
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
        const td = el(doc, "td");
        td.appendChild(cell && typeof cell === "object" && cell.nodeType ? cell : quoted(doc, cell));
        tr.appendChild(td);
      }
      if (row.className) tr.className = row.className;
      tbody.appendChild(tr);
    }
    tbl.appendChild(tbody);
    return tbl;
  }

  function fields(doc, rows) {
    const dl = el(doc, "dl", "mk-fields");
    for (const [k, v] of rows) {
      dl.appendChild(el(doc, "dt", "", k));
      const dd = el(doc, "dd");
      dd.appendChild(v && typeof v === "object" && v.nodeType ? v : quoted(doc, v));
      dl.appendChild(dd);
    }
    return dl;
  }

  /* An RFC 3339 date in the reader's time zone and language. */
  function localDate(value, t) {
    if (!value) return "";
    const d = new Date(String(value));
    if (isNaN(d.getTime())) return String(value);
    try {
      return new Intl.DateTimeFormat(t("dateLocale"), { dateStyle: "medium", timeStyle: "medium" }).format(d);
    } catch (e) {
      return d.toString();
    }
  }

  function known(t, prefix, value, fallbackKey) {
    const key = prefix + String(value || "");
    const text = t(key);
    return text === key ? t(fallbackKey) : text;
  }

  function renderSummary(doc, report, t, context) {
    const sec = section(doc, "mk-summary", t("reportSummary"));
    const verdict = ["safe", "suspicious", "phishing"].includes(report.verdict) ? report.verdict : "unknown";
    const badge = el(doc, "div", "mk-verdict mk-verdict-" + verdict, t("verdict_" + verdict));
    badge.dataset.verdict = verdict;
    sec.appendChild(badge);
    sec.appendChild(el(doc, "p", "mk-score", t("reportScore", [Number(report.score) || 0])));
    const msg = report.message && typeof report.message === "object" ? report.message : {};
    const subject = el(doc, "p", "mk-subject");
    subject.appendChild(el(doc, "span", "mk-label", t("fieldSubject") + ": "));
    subject.appendChild(quoted(doc, msg.subject, 200));
    sec.appendChild(subject);
    const online = el(doc, "p", "mk-mode");
    online.dataset.part = "online";
    if (report.mode === "online") {
      const L = lib("MekikiLookupSummary", "./lookup-summary.js");
      const summary = L.summarize(report);
      online.textContent = L.describe(summary, t);
      online.dataset.trustworthy = String(summary.trustworthy);
    } else {
      online.textContent = t("reportModeOffline");
    }
    if (context && context.onlineError) online.textContent += " " + t("onlineStopped_" + (context.onlineError === "deadline" ? "deadline" : "other"));
    sec.appendChild(online);
    if (report.truncated) sec.appendChild(el(doc, "p", "mk-note", t("reportTruncated")));
    if (report.error) sec.appendChild(el(doc, "p", "mk-note", t("reportHostError", [safe(report.error)])));
    return sec;
  }

  /* What Mekiki saw, as labelled statements. Ids and indexes become words;
   * keys this add-on does not know are shown with a plain label. */
  function evidenceRows(evidence, t) {
    if (!evidence || typeof evidence !== "object") return [];
    const rows = [];
    for (const [key, value] of Object.entries(evidence)) {
      if (value === null || value === undefined || value === "" || /_id$/.test(key)) continue;
      let shown;
      if (key === "link" && Number.isInteger(value)) shown = t("evidenceLinkNumber", [value + 1]);
      else if (key === "how") shown = known(t, "technique_", value, "technique_other");
      else if (key === "where") shown = known(t, "where_", value, "where_other");
      else if (key === "asn") shown = "AS" + value;
      else if (Array.isArray(value)) shown = value.map((v) => "「" + safe(v, 80) + "」").join(t("listAnd"));
      else if (typeof value === "object") shown = Object.entries(value).map(([k, v]) => k + " " + v).join(", ");
      else shown = value;
      const label = t("evidence_" + key);
      rows.push([label === "evidence_" + key ? t("evidenceOther", [key.replace(/_/g, " ")]) : label, shown]);
    }
    return rows;
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
      const severity = ["high", "medium", "low", "info"].includes(f.severity) ? f.severity : "info";
      const item = el(doc, "li", "mk-finding mk-sev-" + severity);
      item.dataset.findingId = String(f.id || "");
      const head = el(doc, "div", "mk-finding-head");
      const title = el(doc, "strong", "mk-finding-title");
      title.appendChild(quoted(doc, f.title || f.id, 200));
      head.appendChild(title);
      head.appendChild(el(doc, "span", "mk-finding-points", t("reportPoints", [Number(f.points) || 0, t("severity_" + severity)])));
      item.appendChild(head);
      if (f.detail) {
        const detail = el(doc, "p", "mk-finding-detail");
        detail.appendChild(quoted(doc, f.detail, 600));
        item.appendChild(detail);
      }
      const rows = evidenceRows(f.evidence, t);
      if (rows.length) {
        item.appendChild(el(doc, "p", "mk-evidence-head", t("evidenceHead")));
        const dl = fields(doc, rows);
        dl.className = "mk-fields mk-evidence";
        item.appendChild(dl);
      }
      list.appendChild(item);
    }
    sec.appendChild(list);
    return sec;
  }

  /* "Name <address>" with both parts isolated. */
  function mailbox(doc, m) {
    const span = el(doc, "span", "mk-mailbox");
    if (!m) {
      span.textContent = "—";
      return span;
    }
    if (typeof m === "string") {
      span.appendChild(quoted(doc, m));
      return span;
    }
    if (m.name) {
      span.appendChild(quoted(doc, m.name, 120));
      span.appendChild(doc.createTextNode(" "));
    }
    span.appendChild(doc.createTextNode("<"));
    span.appendChild(quoted(doc, m.address || "", 200));
    span.appendChild(doc.createTextNode(">"));
    return span;
  }

  function authText(auth, t) {
    if (!auth || typeof auth !== "object") return t("authNone");
    const parts = [];
    for (const method of ["spf", "dkim", "dmarc"]) {
      const result = String(auth[method] || "");
      if (!result) continue;
      parts.push(method.toUpperCase() + ": " + known(t, "authResult_", result, "authResult_other") + " (" + result + ")");
    }
    return parts.length ? parts.join(t("listAnd")) : t("authNone");
  }

  function renderSender(doc, report, t) {
    const sec = section(doc, "mk-sender", t("reportSender"));
    const msg = report.message && typeof report.message === "object" ? report.message : {};
    const brand = msg.claimed_brand && typeof msg.claimed_brand === "object" ? msg.claimed_brand : null;
    sec.appendChild(fields(doc, [
      [t("fieldFrom"), mailbox(doc, msg.from)],
      [t("fieldFromDomain"), msg.from && msg.from.registrable_domain],
      [t("fieldReplyTo"), msg.reply_to ? mailbox(doc, msg.reply_to) : t("fieldNone")],
      [t("fieldReturnPath"), msg.return_path ? mailbox(doc, msg.return_path) : t("fieldNone")],
      [t("fieldMessageId"), msg.message_id_domain],
      [t("fieldDate"), localDate(msg.date, t)],
      [t("fieldBrand"), brand ? t("brandLine", [safe(brand.name || brand.id, 80), [].concat(brand.official_domains || []).join(", ")]) : t("fieldNone")],
      [t("fieldAuth"), authText(msg.authentication, t)],
    ]));
    return sec;
  }

  function renderHops(doc, report, t) {
    const sec = section(doc, "mk-hops", t("reportHops"));
    const hops = objects(report.hops);
    const originHop = report.origin ? report.origin.hop : -1;
    const rows = hops.map((h) => ({
      className: (h.index === originHop ? "mk-origin " : "") + (h.trusted ? "mk-trusted" : ""),
      cells: [String((Number(h.index) || 0) + 1), h.helo, h.rdns === "unknown" ? t("hopNoRdns") : h.rdns, h.ip, h.by,
        localDate(h.date, t),
        Number.isFinite(Number(h.delay_s)) && h.delay_s !== null ? t("hopSeconds", [Number(h.delay_s)]) : "",
        h.geo ? [h.geo.country, h.geo.city].filter(Boolean).join(" / ") : "",
        h.asn ? "AS" + h.asn.number + " " + (h.asn.org || "") : ""],
    }));
    if (!rows.length) sec.appendChild(el(doc, "p", "mk-empty", t("reportNoHops")));
    else sec.appendChild(table(doc, "mk-hop-table", [t("hopIndex"), t("hopHelo"), t("hopRdns"), t("hopIp"), t("hopBy"),
      t("fieldDate"), t("hopDelay"), t("hopCountry"), t("hopNetwork")], rows));
    if (report.origin) {
      const p = el(doc, "p", "mk-note");
      const ip = safe(report.origin.ip, 60);
      const rdns = report.origin.rdns && report.origin.rdns !== "unknown" ? safe(report.origin.rdns, 120) : t("hopNoRdns");
      p.textContent = t("reportOrigin", [ip, rdns]);
      sec.appendChild(p);
    }
    return sec;
  }

  function linkFlags(ids, t) {
    return (Array.isArray(ids) ? ids : []).map((id) => known(t, "linkFlag_", id, "linkFlag_other")).join(t("listAnd"));
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
      cells: [l.text, l.href, l.registrable_domain || l.host, el(doc, "span", "", linkFlags(l.findings, t) || t("linkNoFlags"))],
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
    const L = lib("MekikiLookupSummary", "./lookup-summary.js");
    const rows = lookups.map((l) => ({
      className: "mk-status-" + String(l.status || "error").replace(/[^a-z]/g, ""),
      cells: [l.target, el(doc, "span", "", L.kindLabel(l)), el(doc, "span", "", L.purposeLabel(l.purpose, t)),
        el(doc, "span", "", L.statusLabel(l.status, t)),
        el(doc, "span", "", Number.isFinite(Number(l.ms)) && l.ms !== null ? t("lookupMs", [Math.round(Number(l.ms))]) : "—")],
    }));
    sec.appendChild(table(doc, "mk-lookup-table", [t("lookupTarget"), t("lookupKind"), t("lookupPurpose"),
      t("lookupStatus"), t("lookupTime")], rows));
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
      foot.appendChild(el(doc, "p", "mk-database", safe(d.name, 200) + (facts ? " (" + facts + ")" : "") + (credit ? " — " + credit : "")));
    }
    return foot;
  }

  /* Fills container (emptied first) with the whole report. `context` may
   * carry onlineError (the online stage did not finish). */
  function renderReport(doc, container, report, t, context) {
    while (container.firstChild) container.removeChild(container.firstChild);
    const r = report && typeof report === "object" ? report : {};
    container.appendChild(renderSummary(doc, r, t, context));
    container.appendChild(renderFindings(doc, r, t));
    container.appendChild(renderSender(doc, r, t));
    container.appendChild(renderHops(doc, r, t));
    container.appendChild(renderLinks(doc, r, t));
    container.appendChild(renderLookups(doc, r, t));
    container.appendChild(renderDatabases(doc, r, t));
    return container;
  }

  const api = { renderReport, evidenceRows, localDate };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiReportView = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
