"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addonModule } = require("./helpers.js");
const P = addonModule("protocol.js");

/* A port that records what the add-on posts and lets the test answer. */
function fakeConnect(log) {
  return (name) => {
    const port = {
      name, posted: [], msgListeners: [], discListeners: [],
      onMessage: { addListener: (f) => port.msgListeners.push(f) },
      onDisconnect: { addListener: (f) => port.discListeners.push(f) },
      postMessage: (m) => port.posted.push(m),
      reply: (m) => port.msgListeners.forEach((f) => f(m)),
      die: (message) => port.discListeners.forEach((f) => f({ error: message ? { message } : null })),
    };
    log.push(port);
    return port;
  };
}

test("base64 matches Node's for large binary input", () => {
  const bytes = new Uint8Array(100000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  assert.equal(P.encodeBase64(bytes), Buffer.from(bytes).toString("base64"));
  assert.equal(P.encodeBase64(new Uint8Array(0)), "");
});

test("analyze request carries the contract's fields", () => {
  const req = P.makeAnalyzeRequest("req-9", new TextEncoder().encode("Subject: x\r\n\r\nhi"), "ja", false);
  assert.deepEqual(Object.keys(req).sort(), ["id", "locale", "online", "raw_b64", "type"]);
  assert.equal(req.type, "analyze");
  assert.equal(Buffer.from(req.raw_b64, "base64").toString(), "Subject: x\r\n\r\nhi");
  assert.equal(req.online, false);
  const online = P.makeAnalyzeRequest("req-10", new Uint8Array([1]), "en", true, { dns: true, rdap: false });
  assert.deepEqual(online.lookups, { dns: true, rdap: false });
});

test("offline then final stages reach the caller; the request ends on final", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const stages = [];
  const done = P.analyze(conn, new Uint8Array([65]), "en", true, (stage, report) => stages.push([stage, report.verdict]));
  const port = ports[0];
  assert.equal(port.name, "mekiki");
  const id = port.posted[0].id;
  port.reply({ type: "report", id, stage: "offline", report: { verdict: "suspicious" } });
  assert.equal(conn.pending.size, 1, "still waiting for the final stage");
  port.reply({ type: "report", id: "other", stage: "final", report: { verdict: "safe" } });
  port.reply({ type: "report", id, stage: "final", report: { verdict: "phishing" } });
  await done;
  assert.deepEqual(stages, [["offline", "suspicious"], ["final", "phishing"]]);
  assert.equal(conn.pending.size, 0);
});

test("without online look-ups the offline stage is the last", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const done = P.analyze(conn, new Uint8Array([65]), "en", false, () => {});
  ports[0].reply({ type: "report", id: ports[0].posted[0].id, stage: "offline", report: {} });
  await done;
});

test("a host error rejects with its code; the port stays open", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const done = P.analyze(conn, new Uint8Array([65]), "en", false, () => {});
  ports[0].reply({ type: "error", id: ports[0].posted[0].id, code: "bad_request", message: "nope" });
  await assert.rejects(done, (err) => err.code === "bad_request");
  assert.equal(conn.port, ports[0]);
});

test("a missing host rejects as not_installed, and the next request reconnects", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const first = P.analyze(conn, new Uint8Array([65]), "en", false, () => {});
  ports[0].die("No such native application mekiki");
  await assert.rejects(first, (err) => err.code === "not_installed");
  const second = P.analyze(conn, new Uint8Array([66]), "en", false, () => {});
  assert.equal(ports.length, 2, "a new port after the old one closed");
  ports[1].reply({ type: "report", id: ports[1].posted[0].id, stage: "offline", report: {} });
  await second;
});

test("a host that exits mid-request rejects as exited", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const done = P.analyze(conn, new Uint8Array([65]), "en", true, () => {});
  ports[0].reply({ type: "report", id: ports[0].posted[0].id, stage: "offline", report: {} });
  ports[0].die(null);
  await assert.rejects(done, (err) => err.code === "exited");
});

test("a silent host times out", async () => {
  const ports = [];
  let fire = null;
  const conn = new P.HostConnection(fakeConnect(ports), { setTimer: (f) => { fire = f; return 1; }, clearTimer: () => {} });
  const done = P.analyze(conn, new Uint8Array([65]), "en", false, () => {});
  fire();
  await assert.rejects(done, (err) => err.code === "timeout");
});

test("pongs without an id answer the oldest ping", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  let pong = null;
  const done = conn.request({ type: "ping" }, (m) => { pong = m; }, (m) => m.type === "pong");
  ports[0].reply({ type: "pong", version: "1.2.3", databases: {} });
  await done;
  assert.equal(pong.version, "1.2.3");
});

test("oversized messages are refused before reaching the host", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const big = { length: P.MAX_MESSAGE_BYTES + 1 };
  await assert.rejects(P.analyze(conn, big, "en", false, () => {}), (err) => err.code === "too_large");
  assert.equal(ports.length, 0);
});

test("garbage from the host is ignored", () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  conn.ensurePort();
  for (const junk of [null, 42, "x", [], { type: "report" }, { id: "nope" }]) ports[0].reply(junk);
  assert.equal(conn.pending.size, 0);
});

test("a port that closes before it ever spoke: the program could not be started", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const done = P.analyze(conn, new Uint8Array([65]), "en", false, () => {});
  ports[0].die("An unexpected error occurred");
  await assert.rejects(done, (err) => err.code === "not_started");
  assert.equal(P.classifyDisconnect("An unexpected error occurred", true), "exited");
  assert.equal(P.classifyDisconnect("No such native application mekiki", false), "not_installed");
});

test("cancel: the host is told, nothing more is delivered, the request settles as cancelled", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const stages = [];
  const done = P.analyze(conn, new Uint8Array([65]), "en", true, (stage) => stages.push(stage), undefined, "req-77");
  const port = ports[0];
  assert.equal(port.posted[0].id, "req-77");
  port.reply({ type: "report", id: "req-77", stage: "offline", report: {} });
  assert.ok(conn.cancel("req-77"));
  await assert.rejects(done, (err) => err.code === "cancelled");
  assert.deepEqual(port.posted[1], { type: "cancel", id: "req-77" });
  port.reply({ type: "report", id: "req-77", stage: "final", report: {} });
  assert.deepEqual(stages, ["offline"]);
  assert.equal(conn.cancel("req-77"), false, "cancelling twice is harmless");
});

test("a deadline error from the host rejects with code deadline", async () => {
  const ports = [];
  const conn = new P.HostConnection(fakeConnect(ports));
  const done = P.analyze(conn, new Uint8Array([65]), "en", true, () => {});
  ports[0].reply({ type: "error", id: ports[0].posted[0].id, code: "deadline", message: "analysis passed its deadline" });
  await assert.rejects(done, (err) => err.code === "deadline");
});

test("a hung host is restarted and the requests still wanted are sent again", async () => {
  const ports = [];
  const timers = [];
  const wanted = new Set(["req-2"]);
  let restarts = 0;
  const conn = new P.HostConnection(fakeConnect(ports), {
    setTimer: (f) => { timers.push(f); return timers.length; }, clearTimer: () => {},
    stillWanted: (body) => wanted.has(body.id), onRestart: () => { restarts += 1; },
  });
  const first = P.analyze(conn, new Uint8Array([65]), "en", false, () => {}, undefined, "req-1");
  const second = P.analyze(conn, new Uint8Array([66]), "en", false, () => {}, undefined, "req-2");
  const third = P.analyze(conn, new Uint8Array([67]), "en", false, () => {}, undefined, "req-3");
  let disconnected = 0;
  ports[0].disconnect = () => { disconnected += 1; };
  timers[0]();   /* req-1 got no reply in time */
  await assert.rejects(first, (err) => err.code === "timeout");
  await assert.rejects(third, (err) => err.code === "cancelled");
  assert.equal(disconnected, 1, "the hung port is closed");
  assert.equal(restarts, 1);
  assert.equal(ports.length, 2, "a new host");
  assert.deepEqual(ports[1].posted.map((m) => m.id), ["req-2"]);
  assert.equal(ports[1].posted[0].raw_b64, "Qg==", "the same request, whole");
  ports[0].reply({ type: "report", id: "req-2", stage: "offline", report: { verdict: "stale port" } });
  assert.equal(conn.pending.size, 1, "the old port is no longer heard");
  ports[1].reply({ type: "report", id: "req-2", stage: "offline", report: {} });
  await second;
});

test("each reply re-arms the timer: a slow final stage is not a hang", async () => {
  const ports = [];
  let armed = 0;
  const conn = new P.HostConnection(fakeConnect(ports), { setTimer: () => { armed += 1; return armed; }, clearTimer: () => {} });
  const done = P.analyze(conn, new Uint8Array([65]), "en", true, () => {});
  const id = ports[0].posted[0].id;
  ports[0].reply({ type: "report", id, stage: "offline", report: {} });
  assert.equal(armed, 2);
  ports[0].reply({ type: "report", id, stage: "final", report: {} });
  await done;
});

test("already-encoded base64 is sent as it is", () => {
  const req = P.makeAnalyzeRequest("req-1", "SGVsbG8=", "en", false);
  assert.equal(req.raw_b64, "SGVsbG8=");
});
