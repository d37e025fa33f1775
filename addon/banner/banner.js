/* banner.js - the message display script: shows Mekiki's banner in the message.
 *
 * It knows nothing about analysis. On load it asks the background for the
 * current banner of this message, then follows pushes. Each payload carries a
 * sequence number; an older one arriving late is dropped, so a "checking…"
 * state can never overwrite a result. Once a banner is on screen it reports
 * back (what it shows, which stage), which feeds the timing log and tests.
 */
(function () {
  "use strict";

  let lastSeq = -1;

  function announce(payload, box) {
    const send = () => browser.runtime.sendMessage({
      type: "banner-shown",
      stage: payload.stage,
      level: payload.model ? payload.model.level : "none",
      text: box ? box.textContent : "",
    }).catch(() => {});
    /* After the next frame the banner has been laid out and painted; the
     * timeout covers documents that never get a frame (hidden, headless). */
    let sent = false;
    const once = () => { if (!sent) { sent = true; send(); } };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(once, 0));
    setTimeout(once, 100);
  }

  function show(payload) {
    if (!payload || payload.type !== "mekiki-banner" || payload.seq <= lastSeq) return;
    lastSeq = payload.seq;
    const draw = () => {
      const box = MekikiBannerView.renderBanner(document, payload.model, () => {
        browser.runtime.sendMessage({ type: "open-report" }).catch(() => {});
      });
      announce(payload, box);
    };
    if (document.body) draw();
    else document.addEventListener("DOMContentLoaded", draw, { once: true });
  }

  browser.runtime.onMessage.addListener((msg) => {
    show(msg);
  });
  browser.runtime.sendMessage({ type: "banner-ready" }).then(show, () => {});
})();
