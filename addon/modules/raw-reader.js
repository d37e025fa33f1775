/* raw-reader.js - a displayed message's raw bytes, ready for the host.
 *
 * The background page shares Thunderbird's main thread, so every
 * millisecond of script here, or in Thunderbird's own code behind an API
 * call, is a millisecond the whole UI stands still. Measured on a 5 MB
 * message: asking messages.getRaw for a File made Thunderbird copy the
 * message into bytes one character at a time in script (about 750 ms of
 * frozen UI), and encoding those bytes to base64 in script cost more again.
 * Asked for a "BinaryString" instead, Thunderbird hands over the string it
 * already has, and btoa - native code that takes exactly such a string -
 * encodes it in a few milliseconds. The SHA-256 of the encoded text
 * (WebCrypto, off the main thread) names exactly what was analysed, so a
 * report can be matched to its message.
 */
(function (root) {
  "use strict";

  async function sha256Hex(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* A binary string (one char per byte) as base64; a string with wider
   * characters (never from getRaw) is encoded as UTF-8 first. */
  function base64OfBinaryString(raw) {
    try {
      return btoa(raw);
    } catch (err) {
      const bytes = new TextEncoder().encode(raw);
      const parts = [];
      for (let i = 0; i < bytes.length; i += 0x8000) parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
      return btoa(parts.join(""));
    }
  }

  /* Returns {b64, size, hash, readMs, encodeMs}; `hash` is a promise, so
   * that hashing never delays the request to the host. */
  async function readRaw(messageId) {
    const t0 = Date.now();
    const raw = await browser.messages.getRaw(messageId, { data_format: "BinaryString" });
    const t1 = Date.now();
    const b64 = base64OfBinaryString(String(raw));
    return { b64, size: raw.length, hash: sha256Hex(b64), readMs: t1 - t0, encodeMs: Date.now() - t1 };
  }

  const api = { readRaw, sha256Hex, base64OfBinaryString };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiRawReader = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
