/* actions-background.js - the background half of acting on verdicts.
 *
 * Loaded after background.js in the same event page, with listeners of its
 * own so the analysis code stays untouched: the folder pane's "Scan this
 * folder with Mekiki" item, which opens the scan page (scan/) for the folder
 * the reader right-clicked. Nothing here runs unless the reader clicks.
 */
"use strict";

(function () {
  const SCAN_MENU_ID = "mekiki-scan-folder";
  let translate = (key) => key;

  async function loadLanguage() {
    let managed = {};
    try {
      managed = await browser.storage.managed.get(null);
    } catch (e) {
      managed = {};   /* no managed-storage manifest: the usual case */
    }
    const settings = MekikiSettings.merge(managed, await browser.storage.local.get(null));
    const lang = MekikiSettings.resolveLanguage(settings.language, browser.i18n.getUILanguage());
    translate = await MekikiI18n.loadTranslator((p) => browser.runtime.getURL(p), lang);
  }

  async function openScan(folder) {
    if (!folder || !folder.id) return;
    const url = browser.runtime.getURL("scan/scan.html?folder=" + encodeURIComponent(folder.id));
    await browser.tabs.create({ url });
  }

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
