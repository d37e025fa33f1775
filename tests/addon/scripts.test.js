"use strict";
/* The installers: package-addon.sh makes an .xpi with the manifest at its
 * root; install-host.sh writes a manifest Thunderbird accepts, limited to
 * Mekiki's add-on, and a wrapper when environment variables are needed. */
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

test("install-host.sh writes the manifest where Thunderbird looks, with a wrapper for --env", { skip: process.platform !== "linux" }, () => {
  const home = tmp();
  const fakeHost = path.join(home, "my host");
  fs.writeFileSync(fakeHost, "#!/bin/sh\necho \"$MEKIKI_DATA_DIR\"\n", { mode: 0o755 });
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, "share") };
  execFileSync("bash", [path.join(ROOT, "scripts", "install-host.sh"), "--binary", fakeHost,
    "--env", "MEKIKI_DATA_DIR=/data dir/it's"], { env });
  const manifestPath = path.join(home, ".mozilla", "native-messaging-hosts", "mekiki.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  assert.equal(manifest.name, "mekiki");
  assert.deepEqual(manifest.allowed_extensions, ["mekiki@mekiki.app"]);
  assert.ok(path.isAbsolute(manifest.path));
  assert.equal(execFileSync(manifest.path, [], { env: {} }).toString().trim(), "/data dir/it's");

  execFileSync("bash", [path.join(ROOT, "scripts", "install-host.sh"), "--binary", fakeHost], { env });
  assert.equal(JSON.parse(fs.readFileSync(manifestPath, "utf8")).path, fakeHost);
  execFileSync("bash", [path.join(ROOT, "scripts", "install-host.sh"), "--uninstall"], { env });
  assert.ok(!fs.existsSync(manifestPath));
  fs.rmSync(home, { recursive: true });
});

test("install-host.sh refuses a missing program", { skip: process.platform !== "linux" }, () => {
  const home = tmp();
  assert.throws(() => execFileSync("bash", [path.join(ROOT, "scripts", "install-host.sh"), "--binary", path.join(home, "nope")],
    { env: { ...process.env, HOME: home }, stdio: "pipe" }));
  fs.rmSync(home, { recursive: true });
});
