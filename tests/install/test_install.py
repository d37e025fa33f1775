#!/usr/bin/env python3
"""`mekiki install` / `mekiki uninstall` on Linux, as Thunderbird sees them:
the manifest lands in ~/.mozilla/native-messaging-hosts/ naming this very
program and only Mekiki's add-on; the host it names answers a ping when
started the way Thunderbird starts it (argv: manifest path, add-on id);
--env settings reach the host through a wrapper, quoting intact; uninstall
removes both; a malformed --env is refused without writing anything.

The same behaviour on Windows (registry key, manifest beside mekiki.exe,
drive-letter launch) is tested under Wine by tests/windows/test_wine.py."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

MEKIKI = os.path.realpath(os.environ.get("MEKIKI") or "build/mekiki")
ADDON_ID = "mekiki@mekiki.app"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))


def ping_as_thunderbird(program, manifest_path, env):
    """Starts program with Thunderbird's arguments, sends one ping, returns the reply."""
    body = json.dumps({"type": "ping", "id": "tb"}).encode()
    out = subprocess.run([program, manifest_path, ADDON_ID], input=struct.pack("=I", len(body)) + body,
                         capture_output=True, timeout=60, env=env)
    if len(out.stdout) < 4:
        return None, out.stderr.decode(errors="replace")
    (n,) = struct.unpack("=I", out.stdout[:4])
    return json.loads(out.stdout[4:4 + n]), out.stderr.decode(errors="replace")


def main():
    home = tempfile.mkdtemp(prefix="mekiki-install-")
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, "share"))
    env.pop("MEKIKI_DATA_DIR", None)   # the host must find its data by itself
    manifest_path = os.path.join(home, ".mozilla", "native-messaging-hosts", "mekiki.json")
    try:
        r = subprocess.run([MEKIKI, "install"], capture_output=True, timeout=60, env=env)
        check("install succeeds", r.returncode == 0, r.stderr)
        manifest = json.load(open(manifest_path))
        check("manifest names the host", manifest.get("name") == "mekiki", manifest)
        check("manifest is for stdio", manifest.get("type") == "stdio", manifest)
        check("only Mekiki's add-on may start it", manifest.get("allowed_extensions") == [ADDON_ID], manifest)
        check("manifest points at this program", manifest.get("path") == MEKIKI, manifest.get("path"))
        reply, err = ping_as_thunderbird(manifest["path"], manifest_path, env)
        check("host started as Thunderbird starts it answers a ping",
              reply is not None and reply.get("type") == "pong" and reply.get("id") == "tb", (reply, err))

        odd = "/data dir/it's"
        r = subprocess.run([MEKIKI, "install", "--env", "MEKIKI_DATA_DIR=" + odd, "--env", "MEKIKI_LOCALE=en"],
                           capture_output=True, timeout=60, env=env)
        manifest = json.load(open(manifest_path))
        wrapper = manifest.get("path", "")
        check("install --env points the manifest at a wrapper",
              r.returncode == 0 and wrapper != MEKIKI and os.access(wrapper, os.X_OK), (r.stderr, wrapper))
        text = open(wrapper).read() if os.path.exists(wrapper) else ""
        check("wrapper exports the settings, quoted", "export MEKIKI_DATA_DIR='/data dir/it'\\''s'" in text, text)
        check("wrapper runs this program", MEKIKI in text and '"$@"' in text, text)

        subprocess.run([MEKIKI, "install", "--env", "MEKIKI_LOCALE=ja"], capture_output=True, timeout=60, env=env)
        reply, err = ping_as_thunderbird(json.load(open(manifest_path))["path"], manifest_path, env)
        check("host behind the wrapper answers a ping", reply is not None and reply.get("type") == "pong",
              (reply, err))

        r = subprocess.run([MEKIKI, "uninstall"], capture_output=True, timeout=60, env=env)
        check("uninstall removes the manifest", r.returncode == 0 and not os.path.exists(manifest_path), r.stderr)
        check("uninstall removes the wrapper", not os.path.exists(wrapper), wrapper)
        r = subprocess.run([MEKIKI, "uninstall"], capture_output=True, timeout=60, env=env)
        check("uninstall twice is fine", r.returncode == 0, r.stderr)

        r = subprocess.run([MEKIKI, "install", "--env", "1BAD=x"], capture_output=True, timeout=60, env=env)
        check("a malformed --env is refused", r.returncode == 1 and not os.path.exists(manifest_path), r.stderr)
        r = subprocess.run([MEKIKI, "install", "extra"], capture_output=True, timeout=60, env=env)
        check("install takes no file arguments", r.returncode == 2, r.returncode)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"{sum(results)}/{len(results)} checks passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
