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
 * A port that closes before it ever spoke means the program could not be
 * started at all (missing, not executable, failing at once): that is told
 * apart from a program that stopped later.
 *
 * A request whose message is no longer displayed is cancelled: the host is
 * sent {"type":"cancel","id":...} and sends nothing more for it. A host that
 * gives no reply within the timeout is treated as hung: its port is closed,
 * a new one started, and the requests still wanted are sent again there.
 *
 * Loaded as a classic script (background, pages) and as a CommonJS module
 * (Node tests); see the footer.
 */
(function (root) {
  "use strict";

  const HOST_NAME = "mekiki";
  /* The host refuses larger messages (MK_NATIVE_MAX_MESSAGE in native.h). */
  const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
  /* Longest wait for the next frame of a request; the host's whole look-up
   * budget (3 s by default) fits many times over. */
  const REPLY_TIMEOUT_MS = 20000;

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
  function makeAnalyzeRequest(id, raw, locale, online, lookups, extra) {
    const b64 = typeof raw === "string" ? raw : encodeBase64(raw);
    const req = { type: "analyze", id, raw_b64: b64, locale, online: !!online };
    if (online && lookups) req.lookups = Object.assign({}, lookups);
    if (extra) Object.assign(req, extra, { type: "analyze", id });
    return req;
  }

  /* Classifies why a port closed, so the banner can say how to fix it.
   * `spoke` is whether the port ever delivered a frame. */
  function classifyDisconnect(errorMessage, spoke) {
    const text = String(errorMessage || "");
    if (/no such native application|not found|manifest/i.test(text)) return "not_installed";
    if (/access|permission|allowed/i.test(text)) return "not_allowed";
    return spoke === false ? "not_started" : "exited";
  }

  class HostConnection {
    constructor(connect, options = {}) {
      this.connect = connect;
      this.timeoutMs = options.timeoutMs || REPLY_TIMEOUT_MS;
      /* Which pending request bodies are still worth re-sending after a restart. */
      this.stillWanted = options.stillWanted || (() => true);
      this.onRestart = options.onRestart || (() => {});
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
      const record = { port, spoke: false };
      port.onMessage.addListener((msg) => {
        record.spoke = true;
        if (this.port === port) this.dispatch(msg);
      });
      port.onDisconnect.addListener((p) => this.dropPort(port, p && p.error, record.spoke));
      this.port = port;
      return port;
    }

    armTimer(id, entry) {
      this.clearTimer(entry.timer);
      entry.timer = this.setTimer(() => this.hung(id), this.timeoutMs);
    }

    send(id, entry) {
      this.armTimer(id, entry);
      try {
        this.ensurePort().postMessage(entry.body);
      } catch (err) {
        this.fail(id, { code: classifyDisconnect(err && err.message), message: String(err && err.message) });
      }
    }

    /* Sends a request whose replies go to onReply(msg) until `done` is
     * returned by isLast(msg); resolves when finished, rejects on error. */
    request(body, onReply, isLast) {
      return new Promise((resolve, reject) => {
        const id = body.id || this.nextId();
        const entry = { body: Object.assign({}, body, { id }), onReply, isLast, resolve, reject, timer: null };
        this.pending.set(id, entry);
        if (body.type === "ping") this.pings.push(id);
        this.send(id, entry);
      });
    }

    /* The message of request `id` is no longer displayed: the host stops
     * working on it; the request settles with code "cancelled". */
    cancel(id) {
      if (!this.pending.has(id)) return false;
      if (this.port) {
        try { this.port.postMessage({ type: "cancel", id }); } catch (err) { /* port already gone */ }
      }
      this.fail(id, { code: "cancelled", message: "message no longer displayed" });
      return true;
    }

    /* No reply to `id` in time: that request fails; the host is restarted
     * and the other requests still wanted are sent to the new one. */
    hung(id) {
      this.fail(id, { code: "timeout" });
      const old = this.port;
      this.port = null;
      if (old) {
        try { old.disconnect(); } catch (err) { /* already closed */ }
      }
      this.pings = [];
      for (const [other, entry] of Array.from(this.pending)) {
        if (entry.body.type === "ping" || !this.stillWanted(entry.body)) {
          this.fail(other, { code: entry.body.type === "ping" ? "timeout" : "cancelled" });
        } else {
          this.send(other, entry);
        }
      }
      this.onRestart();
    }

    dispatch(msg) {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "pong" && !this.pending.has(msg.id)) msg = Object.assign({}, msg, { id: this.pings.shift() });
      const entry = this.pending.get(msg.id);
      if (!entry) return;
      this.armTimer(msg.id, entry);
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

    dropPort(port, error, spoke) {
      if (this.port !== port) return;
      this.port = null;
      const code = classifyDisconnect(error && error.message, spoke);
      for (const id of Array.from(this.pending.keys())) {
        this.fail(id, { code, message: (error && error.message) || "host exited" });
      }
    }
  }

  /* Runs one analysis: the offline report first, then the final one unless
   * online look-ups were not requested. */
  /* `raw` is the message's bytes or, already encoded, their base64 text.
   * `id` (optional) names the request so that it can be cancelled; `extra`
   * carries further fields (trusted_senders, see trust-store.js). */
  function analyze(connection, raw, locale, online, onStage, lookups, id, extra) {
    const size = typeof raw === "string" ? Math.floor(raw.length * 3 / 4) : raw.length;
    if (size > MAX_MESSAGE_BYTES) {
      const err = new Error("message too large");
      err.code = "too_large";
      return Promise.reject(err);
    }
    const body = makeAnalyzeRequest(id || connection.nextId(), raw, locale, online, lookups, extra);
    const isLast = (msg) => msg.type === "report" && (msg.stage === "final" || !online);
    return connection.request(body, (msg) => {
      if (msg.type === "report") onStage(msg.stage, msg.report);
    }, isLast);
  }

  const api = { HOST_NAME, MAX_MESSAGE_BYTES, encodeBase64, makeAnalyzeRequest, classifyDisconnect, HostConnection, analyze };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.MekikiProtocol = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
