/* fake-thunderbird.js - the add-on's event page loaded against a fake
 * Thunderbird (browser.*) for the Node tests: what it posts to the host,
 * pushes to banners, sets on the toolbar button, stores and composes. */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { ADDON } = require("./helpers.js");

const RAW = "From: x@example.com\r\nSubject: hi\r\n\r\nbody\r\n";

function fakeThunderbird() {
  const listeners = {};
  const on = (name) => ({ addListener: (f) => { listeners[name] = f; } });
  const tb = {
    listeners, posted: [], sent: [], actions: {}, created: [], updated: [], ports: [],
    displayed: new Map(),   /* tabId -> messages, or "hang" */
    store: {}, storageListeners: [], composed: [], raw: RAW,
  };
  const port = () => {
    const p = { msg: null, disc: null, onMessage: { addListener: (f) => { p.msg = f; } },
      onDisconnect: { addListener: (f) => { p.disc = f; } },
      postMessage: (m) => tb.posted.push(m), disconnect: () => {} };
    tb.ports.push(p);
    return p;
  };
  const action = (field) => async (details) => {
    tb.actions[details.tabId] = Object.assign({}, tb.actions[details.tabId], { [field]: details[field] });
  };
  tb.browser = {
    storage: {
      managed: { get: async () => { throw new Error("none"); } },
      local: {
        get: async (keys) => {
          const wanted = keys === undefined || keys === null ? Object.keys(tb.store) : [].concat(keys);
          return Object.fromEntries(wanted.filter((k) => k in tb.store).map((k) => [k, structuredClone(tb.store[k])]));
        },
        set: async (items) => {
          const changes = {};
          for (const [k, v] of Object.entries(items)) {
            changes[k] = { oldValue: tb.store[k], newValue: structuredClone(v) };
            tb.store[k] = structuredClone(v);
          }
          for (const f of tb.storageListeners) f(changes, "local");
        },
      },
      onChanged: { addListener: (f) => { tb.storageListeners.push(f); } },
    },
    i18n: { getUILanguage: () => "en" },
    runtime: { id: "mekiki@mekiki.app", getURL: (p) => p, getPlatformInfo: async () => ({ os: "linux" }), connectNative: port,
      onMessage: on("message"), onStartup: on("startup") },
    scripting: { messageDisplay: { getRegisteredScripts: async () => [], registerScripts: async () => {} },
      executeScript: async () => [] },
    menus: { create: () => {}, update: async () => {}, onClicked: on("menu") },
    messageDisplay: {
      onMessagesDisplayed: on("displayed"),
      getDisplayedMessages: (tabId) => {
        const m = tb.displayed.get(tabId);
        return m === "hang" ? new Promise(() => {}) : Promise.resolve({ id: null, messages: m || [] });
      },
    },
    messageDisplayAction: { setIcon: action("path"), setBadgeText: action("text"), setBadgeBackgroundColor: action("color"),
      setTitle: action("title"), onClicked: on("click") },
    tabs: { onRemoved: on("removed"), query: async () => [], sendMessage: async (tabId, m) => { tb.sent.push([tabId, m]); },
      create: async (p) => { tb.created.push(p.url); return { id: 99 }; },
      update: async (id, p) => { tb.updated.push([id, p.url]); return { id }; } },
    messages: {
      getRaw: async () => tb.raw,
      get: async (id) => ({ id, headerMessageId: "m" + id + "@example.com" }),
    },
    compose: { beginNew: async (details) => { tb.composed.push(details); return { id: 500 + tb.composed.length }; } },
  };
  return tb;
}

async function loadBackground(tb) {
  const manifest = JSON.parse(fs.readFileSync(path.join(ADDON, "manifest.json"), "utf8"));
  const context = vm.createContext({
    browser: tb.browser, console, setTimeout, clearTimeout, crypto: globalThis.crypto, TextEncoder, btoa, atob, File,
    fetch: async (p) => ({ json: async () => JSON.parse(fs.readFileSync(path.join(ADDON, p), "utf8")) }),
  });
  context.globalThis = context;
  for (const file of manifest.background.scripts) {
    vm.runInContext(fs.readFileSync(path.join(ADDON, file), "utf8"), context, { filename: file });
  }
  await vm.runInContext("ready", context);
  tb.ports[0].msg({ type: "pong", version: "test" });
  return context;
}

module.exports = { RAW, fakeThunderbird, loadBackground };
