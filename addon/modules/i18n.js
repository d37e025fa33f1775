/* i18n.js - a translator over a _locales/xx/messages.json dictionary.
 *
 * browser.i18n only knows Thunderbird's UI language, but the user may choose
 * Japanese or English in the options. So the add-on loads the chosen
 * messages.json itself and looks strings up here, with the same $1..$9
 * placeholder convention as i18n.getMessage. A missing key yields the key
 * itself: visible in a test, never a crash.
 */
(function (root) {
  "use strict";

  function makeTranslator(dictionary, fallback) {
    const dict = dictionary || {};
    const fb = fallback || {};
    return function translate(key, substitutions) {
      const entry = dict[key] || fb[key];
      if (!entry || typeof entry.message !== "string") return key;
      const subs = substitutions === undefined ? [] : [].concat(substitutions);
      return entry.message.replace(/\$(\d)/g, (m, n) => {
        const v = subs[Number(n) - 1];
        return v === undefined ? "" : String(v);
      });
    };
  }

  /* Fetches a messages.json by extension URL (pages and background). */
  async function loadDictionary(getURL, lang) {
    const res = await fetch(getURL("_locales/" + lang + "/messages.json"));
    return res.json();
  }

  async function loadTranslator(getURL, lang) {
    const [dict, fallback] = await Promise.all([loadDictionary(getURL, lang), loadDictionary(getURL, "en")]);
    return makeTranslator(dict, fallback);
  }

  const api = { makeTranslator, loadDictionary, loadTranslator };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiI18n = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
