/* verdict-action.js - the verdict on Mekiki's toolbar button.
 *
 * The banner lives inside the message, where the message's own styles can
 * hide it or draw a fake one. The message-header button is Thunderbird's
 * chrome: no message can reach it. So every state is also shown there, per
 * tab: icon, badge text and colour, and tooltip title. This module maps a
 * banner level to that appearance; the background applies it.
 */
(function (root) {
  "use strict";

  const LOOKS = {
    phishing: { color: "#c50042", icon: "icons/state-phishing.svg" },
    suspicious: { color: "#b35c00", icon: "icons/state-suspicious.svg" },
    safe: { color: "#1e7b34", icon: "icons/state-safe.svg" },
    progress: { color: "#5b5b66", icon: "icons/state-checking.svg" },
    error: { color: "#6b2fa3", icon: "icons/state-error.svg" },
    none: { color: "#5b5b66", icon: "icons/mekiki.svg" },
  };

  /* level: phishing | suspicious | safe | progress | error | none.
   * Returns {badgeText, badgeColor, icon, title}. */
  function actionLook(level, headline, t) {
    const key = Object.prototype.hasOwnProperty.call(LOOKS, level) ? level : "none";
    const look = LOOKS[key];
    const badgeText = key === "none" ? "" : t("badge_" + key);
    const title = key === "none" ? t("actionTitle") : t("actionTitleState", [headline || t("badgeTitle_" + key)]);
    return { level: key, badgeText, badgeColor: look.color, icon: look.icon, title };
  }

  const api = { actionLook };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiVerdictAction = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
