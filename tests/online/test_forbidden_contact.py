#!/usr/bin/env python3
"""Nothing internal is ever asked about or connected to, whatever a message or a registry says.

1. Messages generated here name hosts under special-use and private-use suffixes (.local,
   .internal, .corp, .home.arpa, .onion, .test, ...) as sender, reply-to, return path and links,
   next to one public name (the control), and come from internal addresses in IPv6 disguise
   (::127.0.0.1, 64:ff9b::a00:1, 2002:c0a8:101::1, fec0::1, ff02::1, SIIT, 100::1). They are
   analysed online against a DNS server that logs every question, an RDAP server and a WHOIS
   server that record every request: none of the internal names may arrive, and no reverse
   (PTR) question may be asked; the control name must arrive, so the recording is proven to work.
2. The configured RDAP server (on 127.0.0.1, the user's choice) answers 302 to loopback in every
   spelling (127.0.0.2, [::ffff:127.0.0.2], 2130706434, 0x7f000002, 127.1, another port on
   127.0.0.1, localhost): the listeners there must see no connection, while a redirect within
   the configured server itself is still followed.
3. A malformed special-use list stops the host at start instead of being half-used.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Backlogged, Dnsmasq, Rdap, Whois, conclude, mekiki, rdap_record  # noqa: E402

SPECIAL = ["helpdesk.corp.internal", "vault.internal", "mail.example.invalid", "printer.local",
           "intranet.corp", "router.home.arpa", "nas.lan", "wallet.alt", "app.test", "shop.example",
           "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", "box.localhost",
           "payroll.intranet", "files.private", "pc.localdomain", "www.example.com"]
DISGUISED = ["::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "2002:7f00:1::1",
             "fec0::1", "ff02::1", "::ffff:0:7f00:1", "100::1", "::ffff:127.0.0.2", "fd00::1"]
CONTROL = "eki-net.com"


def message(origin_ip=None):
    received = ""
    if origin_ip:
        received = (f"Received: from relay (relay [IPv6:{origin_ip}])\r\n"
                    "\tby mx.recipient-mail.jp (Postfix) with ESMTP id 1A2B3C\r\n"
                    "\tfor <taro@recipient-mail.jp>; Mon, 3 Jun 2024 10:15:02 +0900 (JST)\r\n")
    links = "".join(f'<p><a href="http://{h}/login">{h}</a></p>\r\n' for h in SPECIAL[3:])
    return (received +
            f"Return-Path: <bounce@{SPECIAL[2]}>\r\n"
            f"From: IT Desk <it@{SPECIAL[0]}>\r\n"
            f"Reply-To: admin@{SPECIAL[1]}\r\n"
            "To: taro@recipient-mail.jp\r\nSubject: Password expiry\r\n"
            "Date: Mon, 3 Jun 2024 10:14:58 +0900\r\nMessage-ID: <1@helpdesk.corp.internal>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
            f"<html><body>{links}<p><a href=\"https://{CONTROL}/\">{CONTROL}</a></p></body></html>\r\n").encode()


def run_analyze(args, raw, timeout=60):
    with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as fh:
        fh.write(raw)
        path = fh.name
    try:
        return subprocess.run([mekiki(), "analyze"] + args + [path], capture_output=True, timeout=timeout)
    finally:
        os.unlink(path)


# ---- 1. special-use names and disguised addresses ------------------------------------------

def case_names_and_addresses(failures):
    tmp = tempfile.mkdtemp(prefix="mk-contact-")
    log = os.path.join(tmp, "queries.log")
    dns = Dnsmasq(["--log-queries", f"--log-facility={log}", f"--address=/{CONTROL}/93.184.216.34"])
    rdap, whois = Rdap(generic=[CONTROL]), Whois()
    try:
        args = ["--dns-server", dns.address, "--rdap-base", rdap.base, "--whois-server", whois.address,
                "--budget-ms", "2000", "--no-cache"]
        asked = 0
        for origin in [None] + DISGUISED:
            p = run_analyze(args, message(origin))
            if p.returncode != 0:
                failures.append(f"origin {origin}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
            asked += 1
        time.sleep(0.3)   # dnsmasq writes its log asynchronously
        questions = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
        queries = [line for line in questions.splitlines() if "query[" in line]
        leaked = sorted({n for n in SPECIAL for q in queries if n in q.lower()})
        ptr = [q for q in queries if "query[PTR]" in q]
        rdap_leaks = [r for r in rdap.requests if any(n in r.lower() for n in SPECIAL)]
        whois_leaks = [q for q in whois.queries if any(n in q.lower() for n in SPECIAL)]
        print(f"{asked} messages: {len(queries)} DNS questions, {len(rdap.requests)} RDAP requests, "
              f"{len(whois.queries)} WHOIS queries; internal names leaked: {leaked or 'none'}, "
              f"PTR questions: {len(ptr)}")
        if not any(CONTROL in q for q in queries) or not any(CONTROL in r for r in rdap.requests):
            failures.append("the public control name was not looked up: the recording proves nothing")
        if leaked:
            failures.append(f"DNS was asked about internal names: {leaked}")
        if ptr:
            failures.append(f"PTR asked for an internal address: {ptr[:3]}")
        if rdap_leaks or whois_leaks:
            failures.append(f"registries were asked about internal names: {rdap_leaks[:3]} {whois_leaks[:3]}")
    finally:
        dns.stop()
        rdap.stop()
        whois.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- 2. redirects from the configured registry --------------------------------------------

class Trap:
    """A TCP listener that records every connection made to it."""

    def __init__(self, host, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(16)
        self.hits = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, peer = self.sock.accept()
            except OSError:
                return
            self.hits.append(peer)
            c.close()

    def stop(self):
        self.sock.close()


def redirecting_registry(locations):
    """An RDAP server answering /domain/NAME with 302 to locations[NAME] (or the generic record)."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            name = self.path.rsplit("/", 1)[-1].lower()
            if self.path.startswith("/domain/") and name in locations:
                self.send_response(302)
                self.send_header("Location", locations[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = rdap_record("generic").replace("@NAME@", name).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = Backlogged(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, requests


def case_rdap_redirects(failures):
    other, inner = Trap("127.0.0.1"), Trap("127.0.0.2")
    traps = [other, inner]
    loop6 = None
    try:
        loop6 = Trap("::1", socket.AF_INET6)
        traps.append(loop6)
    except OSError:
        pass   # no IPv6 loopback on this machine
    q, q2 = inner.port, other.port
    locations = {
        "to-127-0-0-2.com": f"http://127.0.0.2:{q}/steal",
        "to-mapped.com": f"http://[::ffff:127.0.0.2]:{q}/steal",
        "to-decimal.com": f"http://2130706434:{q}/steal",
        "to-hex.com": f"http://0x7f000002:{q}/steal",
        "to-short.com": f"http://127.1:{q2}/steal",
        "to-other-port.com": f"http://127.0.0.1:{q2}/steal",
        "to-localhost.com": f"http://localhost:{q2}/steal",
    }
    if loop6:
        locations["to-ipv6-loopback.com"] = f"http://[::1]:{loop6.port}/steal"
    httpd, requests = redirecting_registry(locations)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    locations["same-server.com"] = f"{base}/v2/domain/same-server.com"
    names = sorted(locations)
    dns = Dnsmasq([])
    try:
        links = "".join(f'<a href="https://www.{n}/">{n}</a>\r\n' for n in names)
        raw = ("From: Shop <news@same-server.com>\r\nTo: taro@recipient-mail.jp\r\nSubject: offers\r\n"
               "Date: Mon, 3 Jun 2024 10:14:58 +0900\r\nMessage-ID: <2@same-server.com>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
               f"<html><body>{links}</body></html>\r\n").encode()
        p = run_analyze(["--dns-server", dns.address, "--rdap-base", base, "--budget-ms", "3000", "--no-cache"], raw)
        hits = {t.sock.getsockname()[:2]: t.hits for t in traps if t.hits}
        followed = [r for r in requests if r.startswith("/v2/")]
        print(f"{len(names)} redirects answered; connections to the traps: {hits or 'none'}; "
              f"followed within the configured server: {followed}")
        if p.returncode != 0:
            failures.append(f"redirects: exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
        if hits:
            failures.append(f"a redirect reached inside: {hits}")
        if followed != ["/v2/domain/same-server.com"]:
            failures.append(f"the redirect within the configured server was not followed: {requests}")
        asked = {r.rsplit('/', 1)[-1] for r in requests if r.startswith("/domain/")}
        if asked != set(names):
            failures.append(f"the registry was not asked about every name: {sorted(asked)}")
    finally:
        dns.stop()
        httpd.shutdown()
        httpd.server_close()
        for t in traps:
            t.stop()


# ---- 3. the list is validated at start -----------------------------------------------------

def case_list_validated(failures):
    src = os.environ.get("MEKIKI_DATA_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "data")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        shutil.copytree(src, data)
        bad = {"broken JSON": "{", "an upper-case suffix": '{"names": [{"suffix": "Local", "source": "x"}]}',
               "no source": '{"names": [{"suffix": "local"}]}',
               "a repeated suffix": '{"names": [{"suffix": "lan", "source": "x"}, {"suffix": "lan", "source": "y"}]}',
               "an empty list": '{"names": []}'}
        for what, text in bad.items():
            with open(os.path.join(data, "special_use_names.json"), "w") as fh:
                fh.write(text)
            p = run_analyze(["--offline", "--data-dir", data], message())
            err = p.stderr.decode(errors="replace")
            if p.returncode == 0 or "special_use_names.json" not in err:
                failures.append(f"a list with {what} was accepted (exit {p.returncode}): {err[-200:]}")
        os.unlink(os.path.join(data, "special_use_names.json"))
        p = run_analyze(["--offline", "--data-dir", data], message())
        if p.returncode == 0:
            failures.append("the host started without its special-use list")
    print("malformed and missing special-use lists stop the host")


CASES = [case_names_and_addresses, case_rdap_redirects, case_list_validated]


def main():
    mekiki()
    failures = []
    for case in CASES:
        before = len(failures)
        t0 = time.monotonic()
        case(failures)
        print(f"{'ok  ' if len(failures) == before else 'FAIL'} {case.__name__} ({time.monotonic() - t0:.1f} s)")
    return conclude(failures, len(CASES))


if __name__ == "__main__":
    sys.exit(main())
