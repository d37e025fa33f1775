/* banner-view.js - draws a banner model into the displayed message.
 *
 * Runs inside the message document (as a message display script) and under
 * jsdom in tests. The message is hostile and its styles apply to the whole
 * document, so the banner is built where they cannot reach: a host element
 * whose own inline styles are all !important (an inline !important
 * declaration beats any style sheet), holding a closed shadow root; inside,
 * every element is styled inline, and no id or class of the banner is
 * visible to the message's selectors. If the banner is taken out of the
 * document it is put back. Still, the message could paint a look-alike next
 * to it, which is why the toolbar button (verdict-action.js) carries the
 * verdict too.
 *
 * Every string is set with textContent; strings that come from the message
 * sit in <bdi> so a direction override cannot reorder Mekiki's own words.
 * The banner is replaced in place when a later stage arrives, so the reader
 * sees progress turn into a result without the message jumping twice.
 *
 * The model's actions ("Report this phishing", "I know this sender", "This
 * is phishing") become buttons in a row of their own; in the compact
 * one-line banner they fold into an "Actions" button that opens the row.
 * They call back only for a click the reader made (event.isTrusted): an
 * event a script makes up never acts. What the action did is shown in a
 * status line under them (showActionStatus).
 */
(function (root) {
  "use strict";

  const HOST_STYLE = "all: initial !important; display: block !important; position: relative !important; "
    + "visibility: visible !important; opacity: 1 !important; margin: 0 0 12px 0 !important; "
    + "width: auto !important; height: auto !important; max-height: none !important; overflow: visible !important; "
    + "transform: none !important; filter: none !important; clip-path: none !important; z-index: 2147483647 !important; "
    + "contain: content !important;";
  const BOX = "box-sizing: border-box; display: block; padding: 10px 14px; border-radius: 6px; border-left: 6px solid #888; "
    + "font: 14px/1.45 system-ui, 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic UI', sans-serif; "
    + "overflow-wrap: anywhere; unicode-bidi: isolate; text-align: start; direction: ltr;";
  const LEVELS = {
    phishing: "background: #fde2e1; border-left-color: #c4161c; color: #5c0a0d;",
    suspicious: "background: #fff4d6; border-left-color: #d48a00; color: #4d3300;",
    safe: "background: #eef6ee; border-left-color: #5a9a5a; color: #1e3d1e; padding: 4px 10px; font-size: 12px;",
    progress: "background: #eef2f8; border-left-color: #6b87b3; color: #24364f;",
    error: "background: #f4ecfb; border-left-color: #7a3fb0; color: #2e1745;",
  };
  const STYLES = {
    head: "display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 14px;",
    title: "font-weight: 700; flex: 1 1 auto;",
    summary: "opacity: 0.85;",
    button: "cursor: pointer; padding: 2px 10px; border: 1px solid currentColor; border-radius: 4px; "
      + "background: transparent; color: inherit; font: inherit;",
    findings: "margin: 6px 0 0 0; padding-left: 20px;",
    finding: "margin: 2px 0;",
    findingTitle: "font-weight: 600; display: block;",
    findingDetail: "display: block; opacity: 0.9;",
    line: "margin: 6px 0 0 0;",
    actions: "display: flex; flex-wrap: wrap; gap: 6px 8px; margin: 8px 0 0 0;",
    actionStatus: "margin: 6px 0 0 0; font-weight: 600;",
    pending: "margin: 6px 0 0 0; font-style: italic;",
  };

  const banners = new WeakMap();   /* document -> {host, box, observer} */

  function el(doc, tag, style, text) {
    const node = doc.createElement(tag);
    if (style) node.style.cssText = style;
    if (text !== undefined && text !== null && text !== "") {
      /* Text from the host quotes the message: isolate it. */
      const bdi = doc.createElement("bdi");
      bdi.textContent = String(text);
      node.appendChild(bdi);
    }
    return node;
  }

  function appendFindings(doc, parent, findings) {
    if (!findings.length) return;
    const list = el(doc, "ul", STYLES.findings);
    list.dataset.part = "findings";
    for (const f of findings) {
      const item = el(doc, "li", STYLES.finding);
      item.dataset.findingId = f.id;
      item.dataset.severity = f.severity || "info";
      item.appendChild(el(doc, "strong", STYLES.findingTitle, f.title));
      if (f.detail) item.appendChild(el(doc, "span", STYLES.findingDetail, f.detail));
      list.appendChild(item);
    }
    parent.appendChild(list);
  }

  function button(doc, label, onClick) {
    const b = el(doc, "button", STYLES.button, label);
    b.type = "button";
    b.addEventListener("click", (ev) => { ev.preventDefault(); onClick(); });
    return b;
  }

  /* A row of action buttons; onAction(id) runs for a trusted click only and
   * the button stays disabled until the promise it returns settles. */
  function actionRow(doc, actions, onAction) {
    const row = el(doc, "div", STYLES.actions);
    row.dataset.part = "actions";
    for (const a of actions) {
      const b = el(doc, "button", STYLES.button, a.label);
      b.type = "button";
      b.dataset.action = a.id;
      if (a.title) b.title = a.title;
      b.addEventListener("click", (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        if (!ev.isTrusted || b.disabled) return;
        b.disabled = true;
        Promise.resolve().then(() => onAction(a.id)).catch(() => {}).finally(() => { b.disabled = false; });
      });
      row.appendChild(b);
    }
    return row;
  }

  function buildBanner(doc, model, onDetails, onAction) {
    const box = el(doc, "div", BOX + (LEVELS[model.level] || LEVELS.error));
    box.setAttribute("role", model.level === "phishing" || model.level === "error" ? "alert" : "status");
    box.dataset.level = model.level;
    const head = el(doc, "div", STYLES.head);
    const title = el(doc, "span", STYLES.title, model.title);
    title.dataset.part = "title";
    head.appendChild(title);
    if (model.summary) head.appendChild(el(doc, "span", STYLES.summary, model.summary));
    const body = el(doc, "div", "");
    body.dataset.part = "body";
    if (model.compact) {
      body.hidden = true;
      const toggle = button(doc, model.expandLabel || "…", () => {
        body.hidden = !body.hidden;
        toggle.setAttribute("aria-expanded", String(!body.hidden));
      });
      toggle.dataset.part = "expand";
      toggle.setAttribute("aria-expanded", "false");
      head.appendChild(toggle);
    }
    if (model.detailsLabel && onDetails) {
      const details = button(doc, model.detailsLabel, onDetails);
      details.dataset.part = "details";
      head.appendChild(details);
    }
    box.appendChild(head);
    const actions = model.actions && model.actions.length && onAction ? actionRow(doc, model.actions, onAction) : null;
    if (actions && model.compact) {
      /* One line: the actions wait behind a small menu button. The row's
       * inline display would beat the hidden attribute: set both. */
      const fold = (folded) => {
        actions.hidden = folded;
        actions.style.display = folded ? "none" : "flex";
      };
      fold(true);
      const menu = button(doc, model.actionsLabel || "…", () => {
        fold(!actions.hidden);
        menu.setAttribute("aria-expanded", String(!actions.hidden));
      });
      menu.dataset.part = "actions-menu";
      if (model.actionsTitle) menu.title = model.actionsTitle;
      menu.setAttribute("aria-expanded", "false");
      menu.setAttribute("aria-haspopup", "true");
      head.appendChild(menu);
    }
    if (actions) box.appendChild(actions);
    if (model.markedLine) {
      const marked = el(doc, "p", STYLES.line, model.markedLine);
      marked.dataset.part = "marked";
      box.appendChild(marked);
    }
    const status = el(doc, "p", STYLES.actionStatus);
    status.dataset.part = "action-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    box.appendChild(status);
    appendFindings(doc, body, model.findings || []);
    for (const line of model.help || []) body.appendChild(el(doc, "p", STYLES.line, line));
    if (model.onlineLine) {
      const online = el(doc, "p", STYLES.line, model.onlineLine);
      online.dataset.part = "online";
      body.appendChild(online);
    }
    if (model.pending && model.pendingText) {
      const pending = el(doc, "p", STYLES.pending, model.pendingText);
      pending.dataset.part = "pending";
      body.appendChild(pending);
    }
    if (body.firstChild) box.insertBefore(body, head.nextSibling);
    return box;
  }

  function place(doc, host) {
    if (doc.body) doc.body.insertBefore(host, doc.body.firstChild);
    else doc.documentElement.appendChild(host);
  }

  function newHost(doc) {
    const host = doc.createElement("div");
    /* Through the style object: a message's content-security policy may
     * refuse style attributes, never CSSOM. */
    host.style.cssText = HOST_STYLE;
    const expected = host.style.cssText;
    const shadow = host.attachShadow({ mode: "closed" });
    const state = { host, shadow, box: null, observer: null };
    /* Put back if removed, and keep the host's own styles. */
    const View = doc.defaultView;
    if (View && View.MutationObserver) {
      state.observer = new View.MutationObserver(() => {
        if (!state.box) return;
        if (host.style.cssText !== expected) host.style.cssText = HOST_STYLE;
        if (host.hidden) host.hidden = false;
        if (!host.isConnected) place(doc, host);
      });
      state.observer.observe(doc.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["style", "hidden", "class", "id"] });
    }
    return state;
  }

  /* Puts the banner first in the body, replacing an earlier one; a null
   * model removes it. Returns the banner's box (inside the shadow root) or null. */
  function renderBanner(doc, model, onDetails, onAction) {
    let state = banners.get(doc);
    if (!model) {
      if (state) {
        state.box = null;
        state.host.remove();
      }
      return null;
    }
    if (!state) {
      state = newHost(doc);
      banners.set(doc, state);
    }
    const box = buildBanner(doc, model, onDetails, onAction);
    if (state.box) state.box.replaceWith(box);
    else state.shadow.appendChild(box);
    state.box = box;
    if (!state.host.isConnected) place(doc, state.host);
    return box;
  }

  /* The banner's host element and box in this document (tests, measurements). */
  function currentBanner(doc) {
    const state = banners.get(doc);
    return state && state.box ? { host: state.host, box: state.box } : null;
  }

  /* Says under the action buttons what the last action did. */
  function showActionStatus(doc, text) {
    const state = banners.get(doc);
    const status = state && state.box && state.box.querySelector('[data-part="action-status"]');
    if (!status) return null;
    status.replaceChildren();
    if (text) status.appendChild(el(doc, "span", "", text));
    status.hidden = !text;
    return status;
  }

  const api = { renderBanner, buildBanner, currentBanner, showActionStatus };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiBannerView = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
