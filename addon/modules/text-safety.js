/* text-safety.js - message text made safe to show next to Mekiki's own words.
 *
 * Names, subjects and addresses come from the message, which is hostile. Two
 * tricks matter on screen: bidirectional controls (U+202E turns
 * "moc.lapyap@ecivres" into "service@paypal.com" and spills into the labels
 * after it) and sheer length (a 5,000-character name makes a banner taller
 * than the screen). Controls are replaced by a visible mark such as [U+202E],
 * so the reader sees that the sender used one; other invisible characters
 * (zero-width, C0/C1 controls) are marked the same way; and every piece is
 * capped with an ellipsis that says how much was left out. The views still
 * put each piece in its own isolated run (<bdi>), so nothing can reorder
 * Mekiki's labels around it.
 */
(function (root) {
  "use strict";

  /* Bidi embedding/override/isolate controls and marks, zero-width
   * characters and the byte-order mark, C0 and C1 controls except tab/newline. */
  const HIDDEN = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

  function hex(ch) {
    return "[U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0") + "]";
  }

  function hasHidden(text) {
    HIDDEN.lastIndex = 0;
    return HIDDEN.test(String(text));
  }

  /* The text with hidden characters shown as marks, cut to `max` characters
   * (code points) with "…" and a count of what was left out. */
  function safeText(value, max) {
    if (value === undefined || value === null) return "";
    const shown = String(value).replace(HIDDEN, hex);
    const limit = max || 300;
    const chars = Array.from(shown);
    if (chars.length <= limit) return shown;
    return chars.slice(0, limit).join("") + "… (+" + (chars.length - limit) + ")";
  }

  const api = { safeText, hasHidden };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiTextSafety = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
