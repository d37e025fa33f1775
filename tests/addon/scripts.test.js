"use strict";
/* The add-on's packaging: package-addon.sh makes an .xpi with the manifest at
 * its root. (The host registers itself: `mekiki install`, tests/install/.) */
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { ADDON } = require("./helpers.js");

const ROOT = path.resolve(ADDON, "..");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "mekiki-addon-test-"));

test("package-addon.sh builds a reproducible xpi with manifest.json at the root", () => {
  const dir = tmp();
  const a = path.join(dir, "a.xpi");
  const b = path.join(dir, "b.xpi");
  execFileSync("bash", [path.join(ROOT, "scripts", "package-addon.sh"), a]);
  execFileSync("bash", [path.join(ROOT, "scripts", "package-addon.sh"), b]);
  const bytes = fs.readFileSync(a);
  assert.deepEqual(bytes, fs.readFileSync(b));
  assert.equal(bytes.readUInt32LE(0), 0x04034b50, "a zip file");
  assert.ok(bytes.includes(Buffer.from("manifest.json")));
  assert.ok(!bytes.includes(Buffer.from("node_modules")));
  fs.rmSync(dir, { recursive: true });
});
