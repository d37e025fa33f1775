/* banner-model.js - what the banner in a displayed message should say.
 *
 * The banner goes through states: "progress" while the host works, "result"
 * once a report stage arrives (offline first, then final when online look-ups
 * were asked for), "error" when the host is missing, broken or failed, and
 * "unreadable" when Thunderbird would not hand the message over (its API
 * can throw on a hostile message). This module turns such a state plus the
 * user's settings into a plain model of strings (level, title, findings,
 * help lines) - no DOM - so the background can build it in the chosen
 * language and the content script only draws it. An error is never a
 * verdict: it says Mekiki did not check, and what to do.
 *
 * Safe mail never gets an alarm: either nothing or a discreet note. A sender
 * on the user's trusted list softens "suspicious" to that note but never hides
 * "phishing": a forged From address is exactly what phishing looks like.
 * Finding texts quote the message, so they pass through text-safety.js.
 */
(function (root) {
  "use strict";

  const TOP_FINDINGS = 3;
  const ERROR_CODES = ["not_installed", "not_allowed", "not_started", "exited", "timeout", "deadline", "busy",
    "too_large", "bad_request", "internal"];

  function lib(name, file) {
    return root[name] || require(file);
  }

  function topFindings(report, limit) {
    const { safeText } = lib("MekikiTextSafety", "./text-safety.js");
    const list = Array.isArray(report && report.findings)
      ? report.findings.filter((f) => f && typeof f === "object") : [];
    list.sort((a, b) => (Number(b.points) || 0) - (Number(a.points) || 0));
    return list.slice(0, limit).map((f) => ({
      id: String(f.id || ""),
      title: safeText(f.title || f.id || "", 160),
      detail: safeText(f.detail || "", 320),
      severity: String(f.severity || ""),
    }));
  }

  function blank(level, title) {
    return { level, title, summary: "", findings: [], help: [], pending: false, pendingText: "",
      onlineLine: "", detailsLabel: "", compact: false };
  }

  function errorModel(state, t) {
    const { safeText } = lib("MekikiTextSafety", "./text-safety.js");
    const code = ERROR_CODES.includes(state.code) ? state.code : "internal";
    const model = blank("error", t("bannerError_" + code));
    model.code = code;
    if (code === "not_installed" || code === "not_allowed" || code === "not_started") {
      const where = lib("MekikiHostLocation", "./host-location.js");
      const places = where.manifestPlaces(state.platform);
      model.help = [t("bannerHelp_" + code, [places.join(t("listOr"))]), t("bannerHelpInstallCommand", [where.installCommand(state.platform)])];
    } else {
      model.help = [t("bannerHelp_" + code)];
    }
    if (state.message) model.summary = t("bannerErrorDetail", [safeText(state.message, 300)]);
    model.detailsLabel = t("bannerDetails");
    return model;
  }

  function unreadableModel(state, t) {
    const { safeText } = lib("MekikiTextSafety", "./text-safety.js");
    const model = blank("error", t("bannerUnreadable"));
    model.code = "unreadable";
    model.help = [t("bannerHelp_unreadable")];
    if (state.message) model.summary = t("bannerErrorDetail", [safeText(state.message, 200)]);
    return model;
  }

  function resultModel(state, settings, t) {
    const report = state.report || {};
    let verdict = ["safe", "suspicious", "phishing"].includes(report.verdict) ? report.verdict : "suspicious";
    const trusted = lib("MekikiSettings", "./settings.js").isTrustedSender(report, settings.trustedDomains || []) ||
      (!!report.sender_trust && report.sender_trust.status === "held");   /* the host's judgement, trust-store.js */
    if (trusted && verdict === "suspicious") verdict = "safe";
    const pending = state.stage === "offline" && !!state.onlinePending;
    if (verdict === "safe" && settings.safeBanner === "none" && !pending) return null;
    const score = Number.isFinite(Number(report.score)) ? Number(report.score) : 0;
    const model = blank(verdict, t("bannerTitle_" + verdict));
    model.summary = trusted ? t("bannerTrustedSender") : t("bannerScore", [score]);
    model.findings = verdict === "safe" ? [] : topFindings(report, TOP_FINDINGS);
    model.pending = pending;
    model.pendingText = pending ? t("bannerOnlinePending") : "";
    if (state.stage === "final") {
      const lookups = lib("MekikiLookupSummary", "./lookup-summary.js");
      model.onlineLine = lookups.describe(lookups.summarize(report), t);
    }
    model.detailsLabel = t("bannerDetails");
    /* The compact banner is a choice for everyday mail; phishing keeps the
     * full banner, since that is the one message that must stop the reader. */
    model.compact = settings.bannerStyle === "compact" && verdict !== "phishing";
    model.expandLabel = t("bannerExpand");
    return model;
  }

  function buildBannerModel(state, settings, t) {
    if (!state) return null;
    if (state.kind === "progress") {
      const model = blank("progress", t("bannerAnalyzing"));
      model.pending = true;
      return model;
    }
    if (state.kind === "error") return errorModel(state, t);
    if (state.kind === "unreadable") return unreadableModel(state, t);
    if (state.kind === "result") return resultModel(state, settings, t);
    return null;
  }

  const api = { buildBannerModel, topFindings, ERROR_CODES };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiBannerModel = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
