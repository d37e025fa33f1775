/* actions-options.js - the options page's "Acting on verdicts" section.
 *
 * Kept beside options.js rather than in it: it builds its own section and
 * stores its choices under storage.local "actions" (normalised by
 * modules/report-phish.js), so the analysis options are untouched. Every
 * change is saved at once, like the rest of the page.
 *
 * It also shows the reader's own lists (modules/trust-store.js): the senders
 * they know, each removable, and how many missed phishing messages they
 * noted; both can be exported as JSON or cleared.
 *
 * And the local phishing-URL feed: the reader picks a JPCERT/CC-style CSV or
 * URL-per-line file they downloaded; its bytes go to the host ("feed_import",
 * on a connection of its own) and nowhere else; the feed's size and the date
 * of its newest entry are shown from the host's answer and its pong.
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
    const tag = element("input", { type: "checkbox", name: "tagByVerdict", id: "mk-tag-by-verdict", checked: actions.tagByVerdict });
    const junk = element("input", { type: "checkbox", name: "moveToJunk", id: "mk-move-to-junk", checked: actions.moveToJunk,
      disabled: !actions.tagByVerdict });
    async function saveSorting() {
      junk.disabled = !tag.checked;
      if (!tag.checked) junk.checked = false;
      const current = RP.normalizeActions((await browser.storage.local.get("actions")).actions);
      await browser.storage.local.set({ actions: RP.normalizeActions(Object.assign({}, current,
        { tagByVerdict: tag.checked, moveToJunk: junk.checked })) });
    }
    tag.addEventListener("change", saveSorting);
    junk.addEventListener("change", saveSorting);

    const section = element("fieldset", { id: "mk-actions" }, [
      element("legend", { textContent: msg("optActionsTitle") }),
      element("label", {}, [element("span", { textContent: msg("optReportDesk") }), " ", desk]),
      element("label", { className: "mk-block" }, [element("span", { textContent: msg("optItDesk") }), " ", it, " ", note]),
      element("label", {}, [tag, " ", element("span", { textContent: msg("optTagByVerdict") })]),
      element("label", {}, [junk, " ", element("span", { textContent: msg("optMoveToJunk") })]),
    ]);
    document.body.insertBefore(section, document.getElementById("mk-saved"));
    document.body.insertBefore(await buildLists(), document.getElementById("mk-saved"));
    document.body.insertBefore(await buildFeed(), document.getElementById("mk-saved"));
  }

  /* ---- the local phishing-URL feed ---- */

  const MAX_FEED_BYTES = 32 * 1024 * 1024;   /* the host's limit */
  const feedStatus = element("span", { id: "mk-feed-status" });
  const feedResult = element("span", { id: "mk-feed-result", role: "status" });

  function drawFeed(feed) {
    feedStatus.textContent = !feed ? msg("optFeedUnknown")
      : feed.entries ? msg("optFeedState", [String(feed.entries), String(feed.updated || "")]) : msg("optFeedEmpty");
  }

  async function debugLog() {
    const r = await browser.runtime.sendMessage({ type: "get-settings" }).catch(() => null);
    return !!(r && r.settings && r.settings.debugLog);
  }

  async function importFeed(file) {
    if (!file) return;
    if (file.size > MAX_FEED_BYTES) {
      feedResult.textContent = msg("optFeedTooLarge");
      return;
    }
    feedResult.textContent = msg("optFeedImporting");
    const bytes = new Uint8Array(await file.arrayBuffer());
    const connection = new MekikiProtocol.HostConnection((name) => browser.runtime.connectNative(name), { timeoutMs: 300000 });
    let reply = null;
    try {
      await connection.request({ type: "feed_import", name: String(file.name).slice(0, 200),
        data_b64: MekikiProtocol.encodeBase64(bytes) }, (m) => { reply = m; }, (m) => m.type === "feed_import");
    } catch (err) {
      reply = { status: "failed", error: String(err.message || err.code) };
    } finally {
      if (connection.port) connection.port.disconnect();
    }
    feedResult.textContent = reply.status === "ok" ? msg("optFeedImported", [String(reply.imported), file.name])
      : msg("optFeedFailed", [String(reply.error || "")]);
    if (reply.feed) drawFeed(reply.feed);
    /* The long-lived host reopens the feed when pinged. */
    browser.runtime.sendMessage({ type: "ping-host" }).catch(() => {});
    if (await debugLog()) {
      console.log("mekiki-event " + JSON.stringify({ event: "feed-imported", t: Date.now(), status: reply.status,
        imported: reply.imported, feed: reply.feed || null, error: reply.error || null }));
    }
  }

  async function buildFeed() {
    const picker = element("input", { type: "file", id: "mk-feed-file", accept: ".csv,.txt,text/csv,text/plain" });
    picker.addEventListener("change", () => importFeed(picker.files[0]));
    const host = await browser.runtime.sendMessage({ type: "ping-host" }).catch(() => null);
    drawFeed(host && host.ok && host.databases ? host.databases.feed : null);
    return element("fieldset", { id: "mk-feed" }, [
      element("legend", { textContent: msg("optFeedTitle") }),
      element("p", {}, [feedStatus]),
      element("label", { className: "mk-block" }, [element("span", { textContent: msg("optFeedImport") }), " ", picker]),
      element("p", {}, [feedResult]),
      element("p", { className: "mk-note", textContent: msg("optFeedLocal") }),
    ]);
  }

  /* ---- the reader's own lists ---- */

  const TS = MekikiTrustStore;
  const lists = element("fieldset", { id: "mk-lists" });

  async function drawLists() {
    const { trustedSenders = [], missedPhish = [] } = await browser.storage.local.get(["trustedSenders", "missedPhish"]);
    const rows = trustedSenders.map((e) => {
      const remove = element("button", { type: "button", textContent: msg("optRemove") });
      remove.addEventListener("click", async () => {
        const now = (await browser.storage.local.get("trustedSenders")).trustedSenders;
        await browser.storage.local.set({ trustedSenders: TS.removeTrusted(now, e) });
      });
      const who = (e.address || "*@" + e.domain) + (e.name ? " (" + e.name + ")" : "");
      return element("li", {}, [msg("optTrustedEntry", [who, String(e.added || "").slice(0, 10), msg("trustProof_" + e.proof) || e.proof]), " ", remove]);
    });
    const exportButton = element("button", { type: "button", id: "mk-lists-export", textContent: msg("optListsExport") });
    exportButton.addEventListener("click", async () => {
      const url = URL.createObjectURL(new Blob([TS.exportLists(trustedSenders, missedPhish)], { type: "application/json" }));
      try {
        await browser.downloads.download({ url, filename: "mekiki-my-lists.json", saveAs: true, conflictAction: "uniquify" });
      } finally {
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      }
    });
    const clearButton = element("button", { type: "button", id: "mk-lists-clear", textContent: msg("optListsClear") });
    clearButton.addEventListener("click", () => browser.storage.local.set({ trustedSenders: [], missedPhish: [] }));
    lists.replaceChildren(
      element("legend", { textContent: msg("optTrustedSenders") }),
      rows.length ? element("ul", { id: "mk-trusted-list" }, rows) : element("p", { textContent: msg("optTrustedNone") }),
      element("p", { id: "mk-missed-count", textContent: msg("optMissedCount", [String(missedPhish.length)]) }),
      element("p", {}, [exportButton, " ", clearButton]),
      element("p", { className: "mk-note", textContent: msg("optListsLocal") }));
  }

  async function buildLists() {
    await drawLists();
    browser.storage.onChanged.addListener((changes, area) => {
      if (area === "local" && (changes.trustedSenders || changes.missedPhish)) drawLists();
    });
    return lists;
  }

  build();
})();
