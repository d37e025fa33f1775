/* options.js - the options page. Every change is written to storage.local at
 * once; the background listens to storage changes, so a new setting applies
 * to the next banner without a restart. Labels use browser.i18n (the page is
 * Thunderbird chrome, so its UI language is the right one here). */
(function () {
  "use strict";

  const form = document.getElementById("mk-options");
  const LOOKUPS = ["dns", "rdap", "geo", "feeds"];

  function localize() {
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = browser.i18n.getMessage(node.dataset.i18n);
    }
    document.title = browser.i18n.getMessage("optionsTitle");
  }

  function fill(s) {
    form.autoAnalyze.checked = s.autoAnalyze;
    form.online.checked = s.online;
    for (const k of LOOKUPS) form["lookup-" + k].checked = s.lookups[k];
    document.getElementById("mk-lookups").disabled = !s.online;
    form.safeBanner.value = s.safeBanner;
    form.bannerStyle.value = s.bannerStyle;
    form.language.value = s.language;
    form.trustedDomains.value = s.trustedDomains.join("\n");
    form.exportSaveAs.checked = s.exportSaveAs;
  }

  function collect() {
    const lookups = {};
    for (const k of LOOKUPS) lookups[k] = form["lookup-" + k].checked;
    return {
      autoAnalyze: form.autoAnalyze.checked,
      online: form.online.checked,
      lookups,
      safeBanner: form.safeBanner.value,
      bannerStyle: form.bannerStyle.value,
      language: form.language.value,
      trustedDomains: trustedList(form.trustedDomains.value),
      exportSaveAs: form.exportSaveAs.checked,
    };
  }

  /* Same rule as modules/settings.js parseDomainList; the background
   * normalises again, so this only keeps the stored list tidy. */
  function trustedList(text) {
    return text.split(/[\s,;]+/).map((d) => d.trim().toLowerCase()).filter(Boolean).slice(0, 500);
  }

  async function save() {
    await browser.storage.local.set(collect());
    document.getElementById("mk-lookups").disabled = !form.online.checked;
    document.getElementById("mk-saved").textContent = browser.i18n.getMessage("optSaved");
  }

  /* Says what is wrong and where Thunderbird looked, not just "an error". */
  function hostProblem(res) {
    const code = res && res.code;
    if (code === "not_installed" || code === "not_allowed" || code === "not_started") {
      const where = MekikiHostLocation.manifestPlaces(res.platform).join(browser.i18n.getMessage("listOr"));
      return [browser.i18n.getMessage("bannerError_" + code), browser.i18n.getMessage("bannerHelp_" + code, [where]),
        browser.i18n.getMessage("bannerHelpInstallCommand", [MekikiHostLocation.installCommand(res.platform)])].join(" ");
    }
    return browser.i18n.getMessage("optHostMissing", [String((res && (res.message || res.code)) || "?")]);
  }

  async function showHost() {
    const out = document.getElementById("mk-host");
    const res = await browser.runtime.sendMessage({ type: "ping-host" });
    out.textContent = res && res.ok ? browser.i18n.getMessage("optHostOk", [String(res.version || "?")]) : hostProblem(res);
    if (res && res.ok) showData(res.databases);
  }

  /* The location data's name and date, and a warning when it is stale. */
  function showData(databases) {
    const data = globalThis.MekikiDataFreshness.cityData(databases, Date.now());
    document.getElementById("mk-data").textContent = data
      ? browser.i18n.getMessage("optDataDate", [data.name, data.buildDate])
      : browser.i18n.getMessage("optDataNone");
    const old = document.getElementById("mk-data-old");
    old.hidden = !(data && data.stale);
    old.textContent = data && data.stale ? browser.i18n.getMessage("optDataOld", [String(data.ageDays)]) : "";
  }

  /* Asks the host to fetch, check and install the current data (the host
   * keeps the old files on any failure), then shows the new state. */
  async function updateData() {
    const button = document.getElementById("mk-update-data");
    const out = document.getElementById("mk-data-result");
    button.disabled = true;
    out.textContent = browser.i18n.getMessage("optDataUpdating");
    try {
      const res = await browser.runtime.sendMessage({ type: "update-data" });
      if (res && res.status === "updated") {
        const data = globalThis.MekikiDataFreshness.cityData(res.databases, Date.now());
        out.textContent = browser.i18n.getMessage("optDataUpdated", [data ? data.buildDate : "?"]);
      } else if (res && res.status === "current") {
        out.textContent = browser.i18n.getMessage("optDataCurrent");
      } else {
        out.textContent = browser.i18n.getMessage("optDataFailed", [String((res && (res.error || res.code)) || "?")]);
      }
      if (res && res.databases) showData(res.databases);
    } finally {
      button.disabled = false;
    }
  }

  async function init() {
    localize();
    /* The background's merged view includes managed defaults. */
    const res = await browser.runtime.sendMessage({ type: "get-settings" });
    fill(res.settings);
    form.addEventListener("change", () => save());
    form.addEventListener("input", (ev) => { if (ev.target.name === "trustedDomains") save(); });
    document.getElementById("mk-update-data").addEventListener("click", () => updateData());
    showHost();
  }

  init();
})();
