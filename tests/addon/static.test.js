"use strict";
/* Checks over the add-on's files as a whole: the manifest, the locales, and
 * the safety rules (no HTML parsing of strings, no remote resources). */
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { ADDON, locale, addonModule } = require("./helpers.js");

function files(dir, out = []) {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

const all = files(ADDON);
const code = all.filter((p) => /\.(js|html)$/.test(p));
const manifest = JSON.parse(fs.readFileSync(path.join(ADDON, "manifest.json"), "utf8"));

test("manifest: MV3, Mekiki's id, the APIs the add-on uses", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.browser_specific_settings.gecko.id, "mekiki@mekiki.app");
  assert.equal(manifest.browser_specific_settings.gecko.strict_min_version, "128.0");
  for (const perm of ["messagesRead", "scripting", "nativeMessaging", "storage", "menus", "downloads"]) {
    assert.ok(manifest.permissions.includes(perm), perm);
  }
  assert.ok(manifest.message_display_action);
  for (const p of manifest.background.scripts) assert.ok(fs.existsSync(path.join(ADDON, p)), p);
});

test("strict CSP with no remote sources", () => {
  const csp = manifest.content_security_policy.extension_pages;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /https?:|\*|unsafe/);
});

test("no remote resources anywhere in the add-on", () => {
  for (const p of all.filter((f) => /\.(js|html|css|json)$/.test(f))) {
    const text = fs.readFileSync(p, "utf8");
    const remote = text.match(/(src|href|url)\s*[=(]\s*["']?https?:/i);
    assert.equal(remote, null, p);
  }
});

test("no HTML-parsing sinks: strings are inserted with textContent only", () => {
  for (const p of code) {
    const text = fs.readFileSync(p, "utf8");
    for (const sink of ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "eval(", "new Function"]) {
      assert.ok(!text.includes(sink), `${path.relative(ADDON, p)} uses ${sink}`);
    }
  }
});

test("both locales define the same strings, with the same placeholders", () => {
  const en = locale("en");
  const ja = locale("ja");
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    const ph = (s) => (s.match(/\$\d/g) || []).sort().join();
    assert.equal(ph(ja[key].message), ph(en[key].message), key);
  }
});

test("every string the code asks for exists", () => {
  const en = locale("en");
  const wanted = new Set();
  for (const p of code.concat([path.join(ADDON, "manifest.json")])) {
    const text = fs.readFileSync(p, "utf8");
    for (const m of text.matchAll(/\b(?:t|translate|getMessage)\("([A-Za-z_]+)"\s*[,)]/g)) wanted.add(m[1]);
    for (const m of text.matchAll(/data-i18n="([A-Za-z_]+)"/g)) wanted.add(m[1]);
    for (const m of text.matchAll(/__MSG_([A-Za-z_]+)__/g)) wanted.add(m[1]);
  }
  /* Keys built from a prefix and a code or verdict. */
  for (const v of ["safe", "suspicious", "phishing"]) wanted.add("bannerTitle_" + v).add("verdict_" + v);
  for (const c of ["not_installed", "not_allowed", "not_started", "exited", "timeout", "deadline", "busy", "too_large", "bad_request", "internal", "unreadable"]) {
    if (c !== "unreadable") wanted.add("bannerError_" + c);
    wanted.add("bannerHelp_" + c);
  }
  for (const level of ["phishing", "suspicious", "safe", "progress", "error"]) wanted.add("badge_" + level).add("badgeTitle_" + level);
  for (const p of addonModule("lookup-summary.js").PURPOSES.concat(["other"])) wanted.add("purpose_" + p);
  for (const s of ["ok", "cached", "nxdomain", "timeout", "error", "skipped"]) wanted.add("lookupStatus_" + s);
  for (const s of ["high", "medium", "low", "info"]) wanted.add("severity_" + s);
  for (const s of ["deadline", "other"]) wanted.add("onlineStopped_" + s);
  assert.ok(wanted.size > 50);
  for (const key of wanted) assert.ok(en[key], "missing string " + key);
});

test("the host registers itself for this add-on, under the name the add-on connects to", () => {
  // `mekiki install` writes the manifest from these two constants (tests/install/ checks the file).
  const header = fs.readFileSync(path.join(ADDON, "..", "native-host", "src", "app", "install.h"), "utf8");
  const manifest = JSON.parse(fs.readFileSync(path.join(ADDON, "manifest.json"), "utf8"));
  const protocol = fs.readFileSync(path.join(ADDON, "modules", "protocol.js"), "utf8");
  const id = header.match(/#define MK_ADDON_ID "([^"]+)"/)[1];
  const name = header.match(/#define MK_HOST_NAME "([^"]+)"/)[1];
  assert.equal(id, manifest.browser_specific_settings.gecko.id);
  assert.match(name, /^[a-z0-9_.]+$/);
  assert.match(protocol, new RegExp(`const HOST_NAME = "${name}";`));
});
