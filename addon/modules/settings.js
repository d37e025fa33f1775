/* settings.js - the user's options and how they combine.
 *
 * Three layers, later wins: built-in defaults, storage.managed (what an
 * administrator or a test profile sets through a managed-storage manifest),
 * storage.local (what the user chose on the options page). Normalising here
 * means the rest of the add-on can trust the types it reads.
 */
(function (root) {
  "use strict";

  const DEFAULTS = Object.freeze({
    autoAnalyze: true,
    online: true,
    lookups: Object.freeze({ dns: true, rdap: true, geo: true, feeds: true }),
    safeBanner: "note",      /* "none" | "note": a discreet line for safe mail */
    bannerStyle: "full",     /* "full" | "compact": one line, expandable (never for phishing) */
    language: "auto",        /* "auto" | "ja" | "en" */
    trustedDomains: Object.freeze([]),
    exportSaveAs: true,      /* ask where to save the exported report */
    debugLog: false,         /* timing lines on the console (tests, support) */
  });

  const DOMAIN_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

  function parseDomainList(text) {
    const seen = new Set();
    for (const raw of String(text || "").split(/[\s,;]+/)) {
      const d = raw.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
      if (d && d.length <= 253 && DOMAIN_RE.test(d)) seen.add(d);
    }
    return Array.from(seen).slice(0, 500);
  }

  function pickBool(value, fallback) {
    return typeof value === "boolean" ? value : fallback;
  }

  function pickEnum(value, allowed, fallback) {
    return allowed.includes(value) ? value : fallback;
  }

  function normalize(stored) {
    const s = stored && typeof stored === "object" ? stored : {};
    const lk = s.lookups && typeof s.lookups === "object" ? s.lookups : {};
    return {
      autoAnalyze: pickBool(s.autoAnalyze, DEFAULTS.autoAnalyze),
      online: pickBool(s.online, DEFAULTS.online),
      lookups: {
        dns: pickBool(lk.dns, DEFAULTS.lookups.dns),
        rdap: pickBool(lk.rdap, DEFAULTS.lookups.rdap),
        geo: pickBool(lk.geo, DEFAULTS.lookups.geo),
        feeds: pickBool(lk.feeds, DEFAULTS.lookups.feeds),
      },
      safeBanner: pickEnum(s.safeBanner, ["none", "note"], DEFAULTS.safeBanner),
      bannerStyle: pickEnum(s.bannerStyle, ["full", "compact"], DEFAULTS.bannerStyle),
      language: pickEnum(s.language, ["auto", "ja", "en"], DEFAULTS.language),
      trustedDomains: Array.isArray(s.trustedDomains) ? parseDomainList(s.trustedDomains.join(" ")) : [],
      exportSaveAs: pickBool(s.exportSaveAs, DEFAULTS.exportSaveAs),
      debugLog: pickBool(s.debugLog, DEFAULTS.debugLog),
    };
  }

  /* Layers objects left to right; nested lookups merge key by key. */
  function merge(...layers) {
    const out = {};
    for (const layer of layers) {
      if (!layer || typeof layer !== "object") continue;
      for (const [k, v] of Object.entries(layer)) {
        if (k === "lookups" && v && typeof v === "object") out.lookups = Object.assign({}, out.lookups, v);
        else out[k] = v;
      }
    }
    return normalize(out);
  }

  /* "auto" follows Thunderbird's UI language; anything not Japanese is English. */
  function resolveLanguage(setting, uiLanguage) {
    if (setting === "ja" || setting === "en") return setting;
    return /^ja\b/i.test(String(uiLanguage || "")) ? "ja" : "en";
  }

  /* True when the From address or its registrable domain is on the user's list. */
  function isTrustedSender(report, trustedDomains) {
    const from = report && report.message && report.message.from;
    if (!from || !trustedDomains.length) return false;
    const candidates = [from.registrable_domain, from.domain].filter(Boolean).map((d) => String(d).toLowerCase());
    return candidates.some((d) => trustedDomains.some((t) => d === t || d.endsWith("." + t)));
  }

  /* Reads the stored settings: an administrator's managed ones (absent as a
   * rule: then the call rejects) over the reader's own. `local` is what the
   * reader stored, for the callers that keep more than settings there. */
  async function load(storage) {
    let managed = {};
    try {
      managed = await storage.managed.get(null);
    } catch (e) {
      managed = {};   /* no managed-storage manifest: the usual case */
    }
    const local = await storage.local.get(null);
    return { local, settings: merge(managed, local) };
  }

  const api = { DEFAULTS, normalize, merge, load, parseDomainList, resolveLanguage, isTrustedSender };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiSettings = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
