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
 *
 * A result also lists the actions its banner offers (model.actions), the
 * same as the report tab's and run by the same code (reader-actions.js):
 * "Report this phishing" on phishing and suspicious verdicts; "I know this
 * sender" / "...their organisation" on suspicious and safe ones whose
 * sender the host neither already trusts nor found imitating a trusted one;
 * "This is phishing" on a message shown as safe that the reader has not
 * noted yet (`extras.marked`). The background accepts a banner's request
 * only for an action this model offers for the message on screen.
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
      onlineLine: "", detailsLabel: "", compact: false, actions: [], actionsLabel: "", markedLine: "" };
  }

  const ACTIONS = {
    report: ["reportPhishButton", "reportPhishButtonTitle"],
    "trust-address": ["trustSenderButton", null],
    "trust-organisation": ["trustOrgButton", "trustOrgButtonTitle"],
    missed: ["missedButton", "missedButtonTitle"],
  };

  /* The ids of the actions a result banner offers (see the top comment). */
  function actionIds(verdict, report, trusted, marked) {
    const ids = [];
    if (verdict === "phishing" || verdict === "suspicious") ids.push("report");
    const from = report.message && report.message.from;
    const trustStatus = report.sender_trust && report.sender_trust.status;
    if (verdict !== "phishing" && !trusted && trustStatus !== "imitated" && from && (from.registrable_domain || from.domain)) {
      ids.push("trust-address", "trust-organisation");
    }
    if (verdict === "safe" && !marked) ids.push("missed");
    return ids;
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

  function resultModel(state, settings, t, extras) {
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
    const marked = !!(extras && extras.marked);
    model.actions = actionIds(verdict, report, trusted, marked).map((id) => ({
      id, label: t(ACTIONS[id][0]), title: ACTIONS[id][1] ? t(ACTIONS[id][1]) : "" }));
    model.actionsLabel = t("bannerActions");
    model.actionsTitle = t("bannerActionsTitle");
    model.markedLine = marked ? t("bannerMarkedPhish") : "";
    return model;
  }

  /* extras: {marked} - whether the reader noted this message as phishing. */
  function buildBannerModel(state, settings, t, extras) {
    if (!state) return null;
    if (state.kind === "progress") {
      const model = blank("progress", t("bannerAnalyzing"));
      model.pending = true;
      return model;
    }
    if (state.kind === "error") return errorModel(state, t);
    if (state.kind === "unreadable") return unreadableModel(state, t);
    if (state.kind === "result") return resultModel(state, settings, t, extras);
    return null;
  }

  const api = { buildBannerModel, topFindings, ERROR_CODES, ACTION_IDS: Object.keys(ACTIONS) };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiBannerModel = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
