/* actions-background.js - the background half of acting on verdicts.
 *
 * Loaded after background.js in the same event page, with listeners of its
 * own so the analysis code stays untouched: the folder pane's "Scan this
 * folder with Mekiki" item, which opens the scan page (scan/) for the folder
 * the reader right-clicked; and, when the reader switched it on, sorting
 * each analysed message by its verdict (modules/verdict-tags.js), which
 * background.js hands over through MekikiActions.onReport. Nothing here
 * runs unless the reader clicked or switched it on.
 */
"use strict";

(function () {
  const SCAN_MENU_ID = "mekiki-scan-folder";
  let translate = (key) => key;
  let actions = MekikiReportPhish.normalizeActions({});
  let debugLog = false;
  const moved = new Set();   /* each message is moved to Junk at most once */

  async function loadLanguage() {
    const { local, settings } = await MekikiSettings.load(browser.storage);
    actions = MekikiReportPhish.normalizeActions(local.actions);
    debugLog = settings.debugLog;
    const lang = MekikiSettings.resolveLanguage(settings.language, browser.i18n.getUILanguage());
    translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), lang);
  }

  async function openScan(folder) {
    if (!folder || !folder.id) return;
    const url = browser.runtime.getURL("scan/scan.html?folder=" + encodeURIComponent(folder.id));
    await browser.tabs.create({ url });
  }

  function log(event, fields) {
    if (debugLog) console.log("mekiki-event " + JSON.stringify(Object.assign({ event, t: Date.now() }, fields)));
  }

  /* Called by background.js for every report stage of a displayed message. */
  async function onReport(messageId, stage, report) {
    await started;
    if (!actions.tagByVerdict || !report || !report.verdict) return;
    try {
      const done = await MekikiVerdictTags.applyVerdict(browser, messageId, report.verdict, actions, translate,
        { noMove: moved.has(messageId) });
      if (done.moved) moved.add(messageId);
      log("verdict-sorted", { messageId, stage, verdict: report.verdict, tagged: done.tagged, moved: done.moved, junk: done.junk });
    } catch (err) {
      log("verdict-sort-failed", { messageId, message: String(err.message || err) });
    }
  }
  globalThis.MekikiActions = { onReport };

  const started = (async () => {
    await loadLanguage();
    browser.menus.create({ id: SCAN_MENU_ID, contexts: ["folder_pane"], title: translate("menuScanFolder") },
      () => void browser.runtime.lastError);
  })();

  browser.menus.onClicked.addListener((info) => {
    if (info.menuItemId !== SCAN_MENU_ID) return;
    const folders = info.selectedFolders || [];
    started.then(() => openScan(folders[0]));
  });
  browser.storage.onChanged.addListener(() => {
    started.then(async () => {
      await loadLanguage();
      browser.menus.update(SCAN_MENU_ID, { title: translate("menuScanFolder") }).catch(() => {});
    });
  });
})();
