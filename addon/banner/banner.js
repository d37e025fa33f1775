/* banner.js - the message display script: shows Mekiki's banner in the message.
 *
 * It knows nothing about analysis. On load it asks the background for the
 * banner of the message this document shows; the answer names that message
 * (its id, or none when Thunderbird could not identify it), and from then on
 * a push for any other message is ignored, so one message's verdict can
 * never be drawn over another. Each payload carries a sequence number; an
 * older one arriving late is dropped, so "checking…" never overwrites a
 * result. Once a banner is on screen it reports back what it shows, which
 * feeds the timing log and tests.
 *
 * An action button asks the background to act ("banner-action"), naming
 * the message and the SHA-256 of the bytes whose verdict the banner shows;
 * the background acts only if that is still the message on screen in this
 * tab with that verdict, and answers with a line to show under the buttons.
 */
(function () {
  "use strict";

  /* Injected twice (registered, and again into messages already open when
   * the add-on started): one banner script per document. */
  if (globalThis.mekikiBannerLoaded) return;
  globalThis.mekikiBannerLoaded = true;

  let lastSeq = -1;
  let myMessage;   /* undefined until the background answers */
  const early = [];   /* pushes that overtook the answer */

  function announce(payload, box) {
    const send = () => {
      const shown = MekikiBannerView.currentBanner(document);
      const rect = shown && shown.host.getBoundingClientRect ? shown.host.getBoundingClientRect() : null;
      browser.runtime.sendMessage({
        type: "banner-shown",
        messageId: payload.messageId,
        stage: payload.stage,
        level: payload.model ? payload.model.level : "none",
        text: box ? box.textContent : "",
        height: rect ? Math.round(rect.height) : 0,
      }).catch(() => {});
    };
    /* After the next frame the banner has been laid out and painted; the
     * timeout covers documents that never get a frame (hidden, headless). */
    let sent = false;
    const once = () => { if (!sent) { sent = true; send(); } };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(once, 0));
    setTimeout(once, 100);
  }

  function show(payload) {
    if (!payload || payload.type !== "mekiki-banner" || payload.seq <= lastSeq) return;
    if (myMessage === undefined || payload.messageId !== myMessage) return;
    lastSeq = payload.seq;
    const act = (action) => browser.runtime.sendMessage({ type: "banner-action", action,
      messageId: payload.messageId, hash: payload.hash }).then((answer) => {
      MekikiBannerView.showActionStatus(document, answer && answer.text);
    });
    const draw = () => {
      const box = MekikiBannerView.renderBanner(document, payload.model, () => {
        browser.runtime.sendMessage({ type: "open-report" }).catch(() => {});
      }, act);
      announce(payload, box);
    };
    if (document.body) draw();
    else document.addEventListener("DOMContentLoaded", draw, { once: true });
  }

  browser.runtime.onMessage.addListener((msg) => {
    if (myMessage === undefined) early.push(msg);
    else show(msg);
  });
  browser.runtime.sendMessage({ type: "banner-ready" }).then((payload) => {
    if (!payload) return;
    myMessage = payload.messageId;
    for (const p of [payload].concat(early).sort((a, b) => (a && a.seq) - (b && b.seq))) show(p);
    early.length = 0;
  }, () => {});
})();
