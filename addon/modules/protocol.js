/* protocol.js - the add-on's side of the native-messaging protocol (contract §3).
 *
 * The host speaks JSON frames over a long-lived runtime.connectNative port.
 * This module holds the parts that need no browser: turning raw message bytes
 * into base64 without blowing the call stack, building requests, and a small
 * connection object that pairs replies with requests by id.
 *
 * The connection object is given a `connect` function (runtime.connectNative
 * in the add-on, a fake port in tests). It opens the port lazily on the first
 * request and again after the host exits, so a crashed or upgraded host costs
 * one failed request at most. Every pending request is settled on disconnect:
 * the user must see an error banner, never a spinner that spins forever.
 *
 * Loaded as a classic script (background, pages) and as a CommonJS module
 * (Node tests); see the footer.
 */
(function (root) {
  "use strict";

  const HOST_NAME = "mekiki";
  /* The host refuses larger messages (MK_NATIVE_MAX_MESSAGE in native.h). */
  const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
  const REQUEST_TIMEOUT_MS = 60000;

  /* btoa wants a binary string; building it in slices keeps
   * String.fromCharCode's argument list far below engine limits. */
  function encodeBase64(bytes) {
    const SLICE = 0x8000;
    const parts = [];
    for (let i = 0; i < bytes.length; i += SLICE) {
      parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + SLICE)));
    }
    return btoa(parts.join(""));
  }

  /* `lookups` (which kinds of online look-up the user allows) is an
   * addition to the contract's fields; a host that does not know it simply
   * ignores it and `online` alone still decides. `extra` carries further
   * additions (trusted_senders, see trust-store.js). */
  function makeAnalyzeRequest(id, bytes, locale, online, lookups, extra) {
    const req = { type: "analyze", id, raw_b64: encodeBase64(bytes), locale, online: !!online };
    if (online && lookups) req.lookups = Object.assign({}, lookups);
    if (extra) Object.assign(req, extra, { type: "analyze", id });
    return req;
  }

  /* Classifies why a port closed, so the banner can say how to fix it. */
  function classifyDisconnect(errorMessage) {
    const text = String(errorMessage || "");
    if (/no such native application|not found|manifest/i.test(text)) return "not_installed";
    if (/access|permission|allowed/i.test(text)) return "not_allowed";
    return "exited";
  }

  class HostConnection {
    constructor(connect, options = {}) {
      this.connect = connect;
      this.timeoutMs = options.timeoutMs || REQUEST_TIMEOUT_MS;
      /* Wrapped: the bare timer functions refuse a `this` that is not a window. */
      this.setTimer = options.setTimer || ((fn, ms) => setTimeout(fn, ms));
      this.clearTimer = options.clearTimer || ((t) => clearTimeout(t));
      this.port = null;
      this.pending = new Map();
      this.pings = [];   /* ids of pings in flight: pongs carry no id */
      this.counter = 0;
    }

    nextId() {
      this.counter += 1;
      return "req-" + this.counter;
    }

    ensurePort() {
      if (this.port) return this.port;
      const port = this.connect(HOST_NAME);
      port.onMessage.addListener((msg) => this.dispatch(msg));
      port.onDisconnect.addListener((p) => this.dropPort(port, p && p.error));
      this.port = port;
      return port;
    }

    /* Sends a request whose replies go to onReply(msg) until `done` is
     * returned by isLast(msg); resolves when finished, rejects on error. */
    request(body, onReply, isLast) {
      return new Promise((resolve, reject) => {
        const id = body.id || this.nextId();
        const entry = { onReply, isLast, resolve, reject, timer: null };
        entry.timer = this.setTimer(() => this.fail(id, { code: "timeout" }), this.timeoutMs);
        this.pending.set(id, entry);
        if (body.type === "ping") this.pings.push(id);
        try {
          this.ensurePort().postMessage(Object.assign({}, body, { id }));
        } catch (err) {
          this.fail(id, { code: classifyDisconnect(err && err.message), message: String(err && err.message) });
        }
      });
    }

    dispatch(msg) {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "pong" && !this.pending.has(msg.id)) msg = Object.assign({}, msg, { id: this.pings.shift() });
      const entry = this.pending.get(msg.id);
      if (!entry) return;
      if (msg.type === "error") {
        this.fail(msg.id, { code: msg.code || "internal", message: msg.message || "" });
        return;
      }
      entry.onReply(msg);
      if (entry.isLast(msg)) this.finish(msg.id);
    }

    finish(id) {
      this.pings = this.pings.filter((p) => p !== id);
      const entry = this.pending.get(id);
      if (!entry) return;
      this.clearTimer(entry.timer);
      this.pending.delete(id);
      entry.resolve();
    }

    fail(id, error) {
      this.pings = this.pings.filter((p) => p !== id);
      const entry = this.pending.get(id);
      if (!entry) return;
      this.clearTimer(entry.timer);
      this.pending.delete(id);
      const err = new Error(error.message || error.code);
      err.code = error.code;
      entry.reject(err);
    }

    dropPort(port, error) {
      if (this.port !== port) return;
      this.port = null;
      const code = classifyDisconnect(error && error.message);
      for (const id of Array.from(this.pending.keys())) {
        this.fail(id, { code, message: (error && error.message) || "host exited" });
      }
    }
  }

  /* Runs one analysis: the offline report first, then the final one unless
   * online look-ups were not requested. */
  function analyze(connection, bytes, locale, online, onStage, lookups, extra) {
    if (bytes.length > MAX_MESSAGE_BYTES) {
      const err = new Error("message too large");
      err.code = "too_large";
      return Promise.reject(err);
    }
    const body = makeAnalyzeRequest(connection.nextId(), bytes, locale, online, lookups, extra);
    const isLast = (msg) => msg.type === "report" && (msg.stage === "final" || !online);
    return connection.request(body, (msg) => {
      if (msg.type === "report") onStage(msg.stage, msg.report);
    }, isLast);
  }

  const api = { HOST_NAME, MAX_MESSAGE_BYTES, encodeBase64, makeAnalyzeRequest, classifyDisconnect, HostConnection, analyze };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiProtocol = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
