/* banner-model.js - what the banner in a displayed message should say.
 *
 * The banner goes through states: "progress" while the host works, "result"
 * once a report stage arrives (offline first, then final when online look-ups
 * were asked for), and "error" when the host is missing or failed. This
 * module turns such a state plus the user's settings into a plain model of
 * strings (level, title, findings, help lines) - no DOM - so the background
 * can build it in the chosen language and the content script only draws it.
 *
 * Safe mail never gets an alarm: either nothing or a discreet note. A sender
 * on the user's trusted list softens "suspicious" to that note but never hides
 * "phishing": a forged From address is exactly what phishing looks like.
 */
(function (root) {
  "use strict";

  const TOP_FINDINGS = 3;

  function topFindings(report, limit) {
    const list = Array.isArray(report && report.findings)
      ? report.findings.filter((f) => f && typeof f === "object") : [];
    list.sort((a, b) => (Number(b.points) || 0) - (Number(a.points) || 0));
    return list.slice(0, limit).map((f) => ({
      id: String(f.id || ""),
      title: String(f.title || f.id || ""),
      detail: String(f.detail || ""),
      severity: String(f.severity || ""),
    }));
  }

  function errorModel(state, t) {
    const code = state.code || "internal";
    const known = ["not_installed", "not_allowed", "exited", "timeout", "too_large", "bad_request", "internal"];
    const key = known.includes(code) ? code : "internal";
    const help = [t("bannerHelp_" + key)];
    if (key === "not_installed" || key === "not_allowed") help.push(t("bannerHelpInstallCommand"));
    return {
      level: "error",
      title: t("bannerError_" + key),
      summary: state.message ? t("bannerErrorDetail", [String(state.message).slice(0, 300)]) : "",
      findings: [],
      help,
      pending: false,
      pendingText: "",
      detailsLabel: "",
    };
  }

  function resultModel(state, settings, t) {
    const report = state.report || {};
    let verdict = ["safe", "suspicious", "phishing"].includes(report.verdict) ? report.verdict : "suspicious";
    const MekikiSettings = root.MekikiSettings || require("./settings.js");
    const trusted = MekikiSettings.isTrustedSender(report, settings.trustedDomains || []) ||
      (!!report.sender_trust && report.sender_trust.status === "held");   /* the host's judgement, trust-store.js */
    if (trusted && verdict === "suspicious") verdict = "safe";
    const pending = state.stage === "offline" && !!state.onlinePending;
    if (verdict === "safe" && settings.safeBanner === "none" && !pending) return null;
    const score = Number.isFinite(Number(report.score)) ? Number(report.score) : 0;
    return {
      level: verdict,
      title: t("bannerTitle_" + verdict),
      summary: trusted ? t("bannerTrustedSender") : t("bannerScore", [score]),
      findings: verdict === "safe" ? [] : topFindings(report, TOP_FINDINGS),
      help: [],
      pending,
      pendingText: pending ? t("bannerOnlinePending") : "",
      detailsLabel: t("bannerDetails"),
    };
  }

  function buildBannerModel(state, settings, t) {
    if (!state) return null;
    if (state.kind === "progress") {
      return { level: "progress", title: t("bannerAnalyzing"), summary: "", findings: [], help: [],
        pending: true, pendingText: "", detailsLabel: "" };
    }
    if (state.kind === "error") return errorModel(state, t);
    if (state.kind === "result") return resultModel(state, settings, t);
    return null;
  }

  const api = { buildBannerModel, topFindings };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiBannerModel = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
