/* raw-reader.js - a displayed message's raw bytes, ready for the host.
 *
 * The background page shares Thunderbird's main thread, so every
 * millisecond of JavaScript here is a millisecond the whole UI stands
 * still. A 5 MB message encoded to base64 in script (bytes -> binary string
 * in slices -> btoa) held the UI for a few hundred milliseconds. Instead the
 * message is fetched as a File and read with FileReader.readAsDataURL,
 * which reads and encodes natively and off the script's hands; only the
 * "data:...;base64," prefix is cut. The SHA-256 of the bytes (WebCrypto,
 * off the main thread too) names exactly what was analysed, so a report
 * can be matched to its message.
 */
(function (root) {
  "use strict";

  function dataUrlOf(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error || new Error("could not read the message"));
      reader.readAsDataURL(blob);
    });
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* Returns {b64, size, hash, readMs, encodeMs}. */
  async function readRaw(messageId) {
    const t0 = Date.now();
    const file = await browser.messages.getRaw(messageId, { data_format: "File" });
    const t1 = Date.now();
    const [url, hash] = await Promise.all([dataUrlOf(file), sha256Hex(file)]);
    const b64 = url.slice(url.indexOf(",") + 1);
    return { b64, size: file.size, hash, readMs: t1 - t0, encodeMs: Date.now() - t1 };
  }

  const api = { readRaw, sha256Hex };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiRawReader = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
