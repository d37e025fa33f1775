/* actions-options.js - the options page's "Acting on verdicts" section.
 *
 * Kept beside options.js rather than in it: it builds its own section and
 * stores its choices under storage.local "actions" (normalised by
 * modules/report-phish.js), so the analysis options are untouched. Every
 * change is saved at once, like the rest of the page.
 */
(function () {
  "use strict";

  const RP = MekikiReportPhish;
  const msg = (key, subs) => browser.i18n.getMessage(key, subs);

  function element(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const c of children || []) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return node;
  }

  function option(value, text) {
    return element("option", { value, textContent: text });
  }

  async function loadDesks() {
    try {
      return await (await fetch(browser.runtime.getURL("data/report-desks.json"))).json();
    } catch (err) {
      return { desks: [] };
    }
  }

  async function build() {
    const stored = (await browser.storage.local.get("actions")).actions;
    const actions = RP.normalizeActions(stored);
    const language = /^ja\b/i.test(browser.i18n.getUILanguage()) ? "ja" : "en";
    const desks = (await loadDesks()).desks || [];

    const desk = element("select", { name: "reportDesk", id: "mk-report-desk" }, [
      option("auto", msg("optReportDeskAuto")),
      option("it", msg("optReportDeskIt")),
      option("brand", msg("optReportDeskBrand")),
      ...desks.filter((d) => RP.isAddress(d.address)).map((d) =>
        option(String(d.id), (d.name && (d.name[language] || d.name.en)) + " <" + d.address + ">")),
    ]);
    desk.value = actions.reportDesk;
    const it = element("input", { type: "email", name: "itDeskAddress", id: "mk-it-desk", value: actions.itDeskAddress,
      placeholder: "security@example.com", spellcheck: false });
    const note = element("span", { id: "mk-it-desk-note", role: "status" });

    async function save() {
      const address = it.value.trim();
      note.textContent = address && !RP.isAddress(address) ? msg("optItDeskInvalid") : "";
      const current = RP.normalizeActions((await browser.storage.local.get("actions")).actions);
      const next = Object.assign({}, current, { reportDesk: desk.value, itDeskAddress: RP.isAddress(address) ? address : "" });
      await browser.storage.local.set({ actions: RP.normalizeActions(next) });
    }
    desk.addEventListener("change", save);
    it.addEventListener("change", save);

    const section = element("fieldset", { id: "mk-actions" }, [
      element("legend", { textContent: msg("optActionsTitle") }),
      element("label", {}, [element("span", { textContent: msg("optReportDesk") }), " ", desk]),
      element("label", { className: "mk-block" }, [element("span", { textContent: msg("optItDesk") }), " ", it, " ", note]),
    ]);
    document.body.insertBefore(section, document.getElementById("mk-saved"));
  }

  build();
})();
