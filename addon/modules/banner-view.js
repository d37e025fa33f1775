/* banner-view.js - draws a banner model into the displayed message.
 *
 * Runs inside the message document (as a message display script) and under
 * jsdom in tests. Every string - finding titles come from the host and may
 * quote the message - is set with textContent; nothing here parses HTML.
 * The banner is one element with a stable id, replaced in place when a later
 * stage arrives, so the reader sees progress turn into a result without the
 * message jumping twice.
 */
(function (root) {
  "use strict";

  const BANNER_ID = "mekiki-banner";

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function appendFindings(doc, box, findings) {
    if (!findings.length) return;
    const list = el(doc, "ul", "mekiki-findings");
    for (const f of findings) {
      const item = el(doc, "li", "mekiki-finding mekiki-sev-" + (f.severity || "info").replace(/[^a-z]/g, ""));
      item.dataset.findingId = f.id;
      item.appendChild(el(doc, "strong", "mekiki-finding-title", f.title));
      if (f.detail) item.appendChild(el(doc, "span", "mekiki-finding-detail", f.detail));
      list.appendChild(item);
    }
    box.appendChild(list);
  }

  function buildBanner(doc, model, onDetails) {
    const box = el(doc, "div", "mekiki-banner mekiki-level-" + model.level);
    box.id = BANNER_ID;
    box.setAttribute("role", model.level === "phishing" || model.level === "error" ? "alert" : "status");
    box.dataset.level = model.level;
    const head = el(doc, "div", "mekiki-head");
    head.appendChild(el(doc, "span", "mekiki-title", model.title));
    if (model.summary) head.appendChild(el(doc, "span", "mekiki-summary", model.summary));
    if (model.detailsLabel && onDetails) {
      const button = el(doc, "button", "mekiki-details", model.detailsLabel);
      button.type = "button";
      button.addEventListener("click", (ev) => { ev.preventDefault(); onDetails(); });
      head.appendChild(button);
    }
    box.appendChild(head);
    appendFindings(doc, box, model.findings || []);
    for (const line of model.help || []) box.appendChild(el(doc, "p", "mekiki-help", line));
    if (model.pending && model.pendingText) box.appendChild(el(doc, "p", "mekiki-pending", model.pendingText));
    return box;
  }

  /* Puts the banner first in the body, replacing an earlier one; a null
   * model removes it. Returns the banner element or null. */
  function renderBanner(doc, model, onDetails) {
    const old = doc.getElementById(BANNER_ID);
    if (!model) {
      if (old) old.remove();
      return null;
    }
    const box = buildBanner(doc, model, onDetails);
    if (old) old.replaceWith(box);
    else if (doc.body) doc.body.insertBefore(box, doc.body.firstChild);
    else doc.documentElement.appendChild(box);
    return box;
  }

  const api = { BANNER_ID, renderBanner, buildBanner };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiBannerView = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
