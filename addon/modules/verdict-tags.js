/* verdict-tags.js - "Sort it": Thunderbird tags by verdict, phishing to Junk.
 *
 * Off by default; the reader switches it on in the options (storage.local
 * "actions": tagByVerdict, moveToJunk). A message Mekiki judged phishing gets
 * the tag "Phishing (Mekiki)", a suspicious one "Suspicious (Mekiki)", a safe
 * one neither (a later, better-informed stage can lift a tag an earlier stage
 * set). With moveToJunk, a phishing message is also moved to its account's
 * Junk folder, once. The tags are Thunderbird's own, so the message list
 * shows them in colour and the reader can sort or search by them.
 *
 * Loaded as a classic script (event page, scan page) and as a CommonJS module.
 */
(function (root) {
  "use strict";

  const TAGS = Object.freeze({
    phishing: Object.freeze({ key: "mekiki_phishing", color: "#C4161C", label: "tagPhishing" }),
    suspicious: Object.freeze({ key: "mekiki_suspicious", color: "#D48A00", label: "tagSuspicious" }),
  });
  const OUR_KEYS = [TAGS.phishing.key, TAGS.suspicious.key];

  /* The message's tags with ours replaced by the one for `verdict`. */
  function tagsFor(current, verdict) {
    const kept = (Array.isArray(current) ? current : []).filter((k) => !OUR_KEYS.includes(k));
    return TAGS[verdict] ? kept.concat(TAGS[verdict].key) : kept;
  }

  function sameSet(a, b) {
    return a.length === b.length && a.every((k) => b.includes(k));
  }

  /* Creates our two tags in Thunderbird when missing. */
  async function ensureTags(tagsApi, translate) {
    const existing = new Set((await tagsApi.list()).map((t) => t.key));
    for (const t of Object.values(TAGS)) {
      if (!existing.has(t.key)) await tagsApi.create(t.key, translate(t.label), t.color);
    }
  }

  /* Applies the reader's sorting choices to one analysed message. `api` is
   * browser (or a fake with messages, messages.tags and folders). Returns
   * what it did: {tagged, moved}. options: noMove (never move), tagsReady
   * (ensureTags already ran, as in a folder scan). */
  async function applyVerdict(api, messageId, verdict, actions, translate, options) {
    const done = { tagged: false, moved: false };
    if (!actions || !actions.tagByVerdict) return done;
    if (!(options && options.tagsReady)) await ensureTags(api.messages.tags, translate);
    const header = await api.messages.get(messageId);
    if (!header) return done;
    const wanted = tagsFor(header.tags, verdict);
    if (!sameSet(wanted, header.tags || [])) {
      await api.messages.update(messageId, { tags: wanted });
      done.tagged = true;
    }
    const folder = header.folder || {};
    const inJunk = folder.specialUse && folder.specialUse.includes("junk");
    if (verdict === "phishing" && actions.moveToJunk && !inJunk && !(options && options.noMove)) {
      const junk = (await api.folders.query({ accountId: folder.accountId, specialUse: ["junk"] }))[0];
      if (junk) {
        await api.messages.move([messageId], junk.id);
        done.moved = true;
        done.junk = junk.id;
      }
    }
    return done;
  }

  const api = { TAGS, tagsFor, ensureTags, applyVerdict };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiVerdictTags = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
