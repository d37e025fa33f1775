"""Real servers on 127.0.0.1 for the online tests: dnsmasq, RDAP over HTTP, WHOIS, silent.

Each server picks a free port, runs until stop(), and never touches anything
beyond loopback. The RDAP server answers /domain/NAME from fixtures/rdap/NAME.json
(404 when there is none, or the generic record for names listed in `generic`),
optionally after a delay, or as a case says (any status, body file, silence);
the WHOIS server answers recorded registry answers (fixtures/whois/).
dnsmasq always knows the names of data/resolver_check.json, so that the engine's
resolver check finds an honest resolver unless a test means otherwise.
"""
import datetime
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "data")

# Zones dnsmasq answers for itself (NXDOMAIN for names it has no record of).
LOCAL_ZONES = "com/net/org/jp/shop/xyz/cn/de/fr/uk/br/ru/au/info/top/online/site/invalid/arpa"


def resolver_check_records():
    """dnsmasq options that make the resolver check's must-exist names resolve."""
    with open(os.path.join(DATA, "resolver_check.json"), encoding="utf-8") as f:
        names = json.load(f).get("must_exist", [])
    # Documentation addresses: nothing is ever sent to them.
    return [f"--host-record={n},192.0.2.{200 + i}" for i, n in enumerate(names)]


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def udp_exchange(port, packet, timeout):
    """Sends one datagram to 127.0.0.1:port; the reply, or None when none came in time."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(packet, ("127.0.0.1", port))
        return s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()


def skip(reason):
    print("SKIP:", reason)
    sys.exit(0)


class Dnsmasq:
    """dnsmasq in the foreground, authoritative-looking for the fixture names."""

    def __init__(self, records, honest=True):
        if not shutil.which("dnsmasq"):
            skip("dnsmasq not installed")
        self.port = free_port(socket.SOCK_DGRAM)
        self.tmp = tempfile.mkdtemp(prefix="mk-dns-")
        args = ["dnsmasq", f"--port={self.port}", "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "-k", "-C", "/dev/null",
                f"--pid-file={self.tmp}/pid", f"--local=/{LOCAL_ZONES}/"] + records
        if honest:
            args += resolver_check_records()
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 5
        while time.time() < deadline and not self._answers():
            time.sleep(0.05)

    def _answers(self):
        probe = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04test\x00\x00\x01\x00\x01"
        return udp_exchange(self.port, probe, 0.2) is not None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)
        shutil.rmtree(self.tmp, ignore_errors=True)


def rdap_record(name):
    path = os.path.join(FIXTURES, "rdap", name + ".json")
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    ten_days_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    return text.replace("@CREATED_10_DAYS_AGO@", ten_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))


class Backlogged(ThreadingHTTPServer):
    # The default listen backlog (5) drops concurrent SYNs, which the client retries after 1 s.
    request_queue_size = 128


class Rdap:
    """An RDAP registry: recorded JSON per domain, 404 for unregistered names.

    `answers` maps a domain to (HTTP status, body file under fixtures/ or None,
    delay seconds); status 0 means never answering within any budget."""

    def __init__(self, delay=0.0, generic=(), answers=None):
        outer = self
        self.requests = []
        self.generic = set(generic)
        self.answers = answers or {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                if delay:
                    time.sleep(delay)
                name = self.path.rsplit("/", 1)[-1].lower()
                if name in outer.answers:
                    self.answer_as_told(*outer.answers[name])
                    return
                body = rdap_record(name) if self.path.startswith("/domain/") else None
                if body is None and name in outer.generic:
                    body = rdap_record("generic").replace("@NAME@", name)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "application/rdap+json")
                    self.end_headers()
                    self.wfile.write(b'{"errorCode": 404, "title": "Not Found"}')
                    return
                self.send(200, body.encode())

            def send(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "application/rdap+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def answer_as_told(self, status, body_file, wait):
                if wait or not status:
                    time.sleep(wait or 30)
                if not status:
                    return
                if body_file:
                    with open(os.path.join(FIXTURES, body_file), "rb") as f:
                        data = f.read()
                else:
                    data = json.dumps({"errorCode": status, "title": "recorded error"}).encode()
                self.send(status, data)

            def log_message(self, *a):
                pass

        self.httpd = Backlogged(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


JPRS_RECORDS = {
    "colonista.jp": """[ JPRS database provides information on network administration. ]

Domain Information:
[Domain Name]                   COLONISTA.JP

[Registrant]                    Xserver Inc.

[Name Server]                   ns1.xserver.jp
[Signing Key]

[Created on]                    2019/07/01
[Expires on]                    2025/07/31
[Status]                        Active
[Last Updated]                  2024/08/01 01:05:06 (JST)
""",
}


class Whois:
    """A WHOIS server answering recorded registry answers.

    By default JPRS-like (queries NAME/e); `records` maps a domain to an answer file
    under fixtures/ (sent as recorded, bytes and all) or to "SILENT"."""

    def __init__(self, delay=0.0, records=None):
        outer = self
        self.queries = []
        self.records = records

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                q = self.rfile.readline(1024).decode("ascii", "replace").strip()
                outer.queries.append(q)
                if delay:
                    time.sleep(delay)
                name = (q[:-2] if q.endswith("/e") else q).lower()
                if outer.records is None:
                    self.wfile.write(JPRS_RECORDS.get(name, "No match!!\n").encode())
                    return
                answer = outer.records.get(name)
                if answer == "SILENT":
                    time.sleep(30)
                    return
                if answer is None:
                    self.wfile.write(b"No match!!\n")
                    return
                with open(os.path.join(FIXTURES, answer), "rb") as f:
                    self.wfile.write(f.read())

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """Accepts TCP connections and swallows UDP datagrams, never answering either."""

    def __init__(self):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.tcp.listen(64)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.conns = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.tcp.accept()
                self.conns.append(c)
            except OSError:
                return

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.running = False
        for c in self.conns:
            c.close()
        self.tcp.close()
        self.udp.close()


def mekiki():
    path = os.environ.get("MEKIKI")
    if not path or not os.access(path, os.X_OK):
        skip("MEKIKI is not set to a built binary")
    return path


def analyze(args, eml, timeout=30):
    """Runs `mekiki analyze ARGS FILE`; returns (report, wall seconds)."""
    cmd = [mekiki(), "analyze"] + args + [os.path.join(FIXTURES, eml)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return json.loads(p.stdout), wall


def finding_ids(report):
    return [f["id"] for f in report.get("findings", [])]


def conclude(failures, checks):
    """Prints each failure and the closing "N passed, N failed" line; returns the exit status."""
    for f in failures:
        print("FAIL", f)
    failed = min(len(failures), checks)
    print(f"{checks - failed} passed, {failed} failed")
    return 1 if failures else 0


def finding(report, fid):
    for f in report.get("findings", []):
        if f["id"] == fid:
            return f
    return None


# DNS records for the seed-modelled fixtures.
SEED_DNS = [
    # えきねっと: the real domain resolves and publishes SPF; the sender's VPS does not belong to it.
    "--address=/eki-net.com/203.0.113.10",
    "--mx-host=eki-net.com,mx.eki-net.com,10",
    "--txt-record=eki-net.com,v=spf1 ip4:203.0.113.0/24 include:_spf.eki-net.com -all",
    "--txt-record=_spf.eki-net.com,v=spf1 ip4:192.0.2.0/24 -all",
    "--address=/participan.shop/23.94.183.109",
    "--address=/vecterdian.shop/172.67.1.1",
    # the origin's live PTR names a host that does not resolve back
    "--ptr-record=109.183.94.23.in-addr.arpa,23-94-183-109-host.colocrossing.com",
    # さくらインターネット spoof: campaign-vps.com is NXDOMAIN (no record given), origin on SAKURA's network
    "--ptr-record=180.158.43.163.in-addr.arpa,ik1-430-12345.vs.sakura.ne.jp",
    "--address=/ik1-430-12345.vs.sakura.ne.jp/163.43.158.180",
    # webmail: colonista.jp exists, aq.xyz does not; the relay's rDNS resolves back
    "--address=/colonista.jp/157.112.189.10",
    "--mx-host=colonista.jp,mx.colonista.jp,10",
    "--txt-record=colonista.jp,v=spf1 ip4:157.112.189.0/24 -all",
    "--ptr-record=104.144.142.83.in-addr.arpa,zm-store01.srv.celeste.fr",
    "--address=/zm-store01.srv.celeste.fr/83.142.144.104",
    "--address=/chinonso.net/104.21.2.2",
]
