/* lookup-summary.js - how the online look-ups went, in words a reader trusts.
 *
 * A verdict "with online checks" means nothing when every look-up timed out.
 * The host's final report may carry `online` (answered / failed / timed_out /
 * skipped counts and whether the resolver or the registry looked
 * unreliable); an older host gives only `lookups[]`, whose statuses are
 * counted here the same way: ok, cached and nxdomain are answers (a
 * definite "no such domain" is an answer), error is a failure, timeout a
 * time-out, skipped a skip. Each look-up also gets a plain label from its
 * record type and purpose; a purpose this add-on does not know reads
 * generically rather than as an id.
 */
(function (root) {
  "use strict";

  const PURPOSES = ["sender", "reply_to", "return_path", "link", "origin_reverse", "origin_forward", "helo",
    "spf", "registration", "resolver_check", "geo", "asn", "feed"];
  const ANSWERED = ["ok", "cached", "nxdomain"];

  function count(n) {
    const v = Number(n);
    return Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
  }

  function summarize(report) {
    const r = report && typeof report === "object" ? report : {};
    const online = r.online && typeof r.online === "object" ? r.online : null;
    let s;
    if (online) {
      s = { answered: count(online.answered), failed: count(online.failed), timedOut: count(online.timed_out),
        skipped: count(online.skipped) };
    } else {
      s = { answered: 0, failed: 0, timedOut: 0, skipped: 0 };
      for (const l of Array.isArray(r.lookups) ? r.lookups : []) {
        if (!l || typeof l !== "object") continue;
        const status = String(l.status || "");
        if (ANSWERED.includes(status)) s.answered += 1;
        else if (status === "timeout") s.timedOut += 1;
        else if (status === "skipped") s.skipped += 1;
        else s.failed += 1;
      }
    }
    s.asked = s.answered + s.failed + s.timedOut;
    s.resolverUnreliable = !!(online && online.resolver_unreliable);
    s.registryUnreliable = !!(online && online.registry_unreliable);
    /* Online checks "count" only when at least half of what was asked came back. */
    s.trustworthy = s.asked > 0 && s.answered * 2 >= s.asked && !s.resolverUnreliable;
    return s;
  }

  /* One line for the banner and the report's summary. */
  function describe(summary, t) {
    if (summary.asked === 0) return t("onlineNone");
    const counts = t("onlineCounts", [summary.answered, summary.asked, summary.failed, summary.timedOut]);
    if (summary.answered === 0) return t("onlineAllFailed", [summary.asked]) + " " + counts;
    const lines = [counts];
    if (summary.resolverUnreliable) lines.push(t("onlineResolverUnreliable"));
    if (summary.registryUnreliable) lines.push(t("onlineRegistryUnreliable"));
    if (!summary.trustworthy) lines.push(t("onlineMostlyFailed"));
    return lines.join(" ");
  }

  function purposeLabel(purpose, t) {
    const p = String(purpose || "");
    return PURPOSES.includes(p) ? t("purpose_" + p) : t("purpose_other");
  }

  const STATUSES = ["ok", "cached", "nxdomain", "timeout", "error", "skipped"];

  function statusLabel(status, t) {
    const s = String(status || "");
    return STATUSES.includes(s) ? t("lookupStatus_" + s) : t("lookupStatus_error");
  }

  /* "DNS A", "RDAP", "WHOIS"… from the entry's kind and record type. */
  function kindLabel(lookup) {
    const kind = String(lookup.kind || "").toUpperCase();
    const type = String(lookup.type || "").toUpperCase();
    if (kind === "DNS" && type) return "DNS " + type;
    if (type && type !== "DOMAIN" && type !== kind) return kind ? kind + " " + type : type;
    return kind || type || "?";
  }

  const api = { PURPOSES, summarize, describe, purposeLabel, statusLabel, kindLabel };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiLookupSummary = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
