#!/usr/bin/env python3
"""Native-messaging mode, driven the way Thunderbird drives it: frames on a pipe.

Each case starts `$MEKIKI --native`, writes frames (well-formed or deliberately
broken) to its stdin and reads frames back from its stdout. Every byte the host
writes to stdout must belong to a frame: the reader parses the stream strictly
and a stray byte fails the case. Damaged requests must each get an error reply,
and the host must keep serving afterwards (a ping still gets a pong), except
where the input has ended, where it must exit with status 0.
"""
import base64
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time

MEKIKI = os.environ.get("MEKIKI", "mekiki")
HERE = os.path.dirname(os.path.abspath(__file__))
MESSAGES = os.path.join(HERE, "messages")

MAX_MESSAGE = 32 * 1024 * 1024
MAX_FRAME = MAX_MESSAGE // 3 * 4 + 1024 * 1024   # base64 of the largest message plus room
MAX_REPLY = 1024 * 1024  # Thunderbird refuses host messages of this size or more
TIMEOUT = 120
HOSTS = []


class Host:
    """One `mekiki --native` process and its two pipes."""

    def __init__(self, env=None):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([MEKIKI, "--native"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err,
                                     env=dict(os.environ, **(env or {})))
        self.buf = b""
        HOSTS.append(self)

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.write(struct.pack("=I", len(body)) + body)

    def _fill(self, n, deadline):
        fd = self.proc.stdout.fileno()
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for the host")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def recv(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        if not self._fill(4, deadline):
            assert self.buf == b"", "stray bytes on stdout: %r" % self.buf[:64]
            return None
        (n,) = struct.unpack("=I", self.buf[:4])
        assert 0 < n < MAX_REPLY, "reply frame of %d bytes" % n
        assert self._fill(4 + n, deadline), "host stopped inside a frame"
        body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        msg = json.loads(body.decode("utf-8"))
        assert isinstance(msg, dict) and "type" in msg, msg
        return msg

    def close_and_wait(self):
        self.proc.stdin.close()
        rest = self.recv()
        assert rest is None, "unexpected reply after EOF: %r" % rest
        rc = self.proc.wait(timeout=TIMEOUT)
        return rc

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def read_message(name):
    with open(os.path.join(MESSAGES, name), "rb") as f:
        return f.read()


def analyze_request(raw, rid="req-1", online=False, locale="en"):
    return {"type": "analyze", "id": rid, "raw_b64": base64.b64encode(raw).decode(),
            "locale": locale, "online": online}


def expect_error(host, code, rid=None, mentions=None):
    msg = host.recv()
    assert msg is not None, "no reply"
    assert msg["type"] == "error", msg
    assert msg["code"] == code, msg
    assert isinstance(msg.get("message"), str) and msg["message"], msg
    if rid is not None:
        assert msg.get("id") == rid, msg
    if mentions:
        assert mentions in msg["message"], msg
    return msg


def expect_pong(host):
    msg = host.recv()
    assert msg is not None and msg["type"] == "pong", msg
    return msg


# ---- cases -------------------------------------------------------------------------

def case_ping():
    h = Host()
    h.send({"type": "ping"})
    pong = expect_pong(h)
    assert isinstance(pong["version"], str) and pong["version"].count(".") == 2, pong
    dbs = pong["databases"]
    for key in ("geo", "catalog", "feed"):
        assert key in dbs, pong
    assert dbs["catalog"]["brands"] > 0, pong
    h.send({"type": "ping", "id": "p-7"})
    assert expect_pong(h).get("id") == "p-7"
    assert h.close_and_wait() == 0


def case_analyze_offline_only():
    h = Host()
    h.send(analyze_request(read_message("phish_ekinet.eml"), rid="req-1", online=False))
    msg = h.recv()
    assert msg["type"] == "report" and msg["id"] == "req-1" and msg["stage"] == "offline", msg
    report = msg["report"]
    assert report["verdict"] in ("safe", "suspicious", "phishing"), report
    assert report["verdict"] != "safe", "the phishing sample was judged safe: %r" % report.get("findings")
    assert isinstance(report["score"], int) and 0 <= report["score"] <= 100, report
    assert report.get("truncated") is not True
    # online:false means no "final" stage: the next frame answers the next request.
    h.send({"type": "ping"})
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_online_request_to_offline_host_gets_final():
    # A host configured offline still answers an online request with a final stage,
    # so the add-on never waits for a report that will not come.
    h = Host(env={"MEKIKI_OFFLINE": "1"})
    h.send(analyze_request(read_message("phish_ekinet.eml"), rid="req-2", online=True))
    first, second = h.recv(), h.recv()
    assert first["stage"] == "offline" and second["stage"] == "final", (first, second)
    assert second["id"] == "req-2" and second["report"]["mode"] == "offline", second
    assert second["report"]["verdict"] == first["report"]["verdict"]
    assert h.close_and_wait() == 0


def case_locale():
    h = Host()
    raw = read_message("phish_ekinet.eml")
    titles = {}
    for loc in ("ja", "en"):
        h.send(analyze_request(raw, rid=loc, locale=loc))
        msg = h.recv()
        assert msg["type"] == "report" and msg["id"] == loc, msg
        titles[loc] = [f.get("title") for f in msg["report"]["findings"]]
    if titles["ja"]:
        assert titles["ja"] != titles["en"], titles
    h.send(dict(analyze_request(raw, rid="bad-locale"), locale=5))
    expect_error(h, "bad_request", rid="bad-locale", mentions="locale")
    assert h.close_and_wait() == 0


def case_bad_requests():
    """Malformed requests inside well-formed frames: error, then business as usual."""
    h = Host()
    raw = read_message("phish_ekinet.eml")
    good = analyze_request(raw, rid="r")
    cases = [
        (b"{not json", "bad_request", None, "JSON"),
        (b"[1, 2, 3]", "bad_request", None, "object"),
        (b"\"ping\"", "bad_request", None, "object"),
        ({"id": "r"}, "bad_request", "r", "type"),
        ({"type": 7}, "bad_request", None, "type"),
        ({"type": "explode", "id": "r"}, "bad_request", "r", "explode"),
        ({"type": "analyze", "id": "r"}, "bad_request", "r", "raw_b64"),
        ({"type": "analyze", "id": "r", "raw_b64": 12}, "bad_request", "r", "raw_b64"),
        ({"type": "analyze", "id": "r", "raw_b64": ""}, "bad_request", "r", "raw_b64"),
        (dict(good, raw_b64="SGVsbG8*IHdvcmxk"), "bad_request", "r", "raw_b64"),
        (dict(good, raw_b64="SGVsbG8"), "bad_request", "r", "raw_b64"),
        (dict(good, raw_b64="SGVs bG8"), "bad_request", "r", "raw_b64"),
        (dict(good, online="yes"), "bad_request", "r", "online"),
        ({"type": "analyze", "raw_b64": good["raw_b64"]}, "bad_request", None, "id"),
        # Millions of tiny values would cost gigabytes once parsed: refused before parsing.
        (b'{"type":"ping","pad":[' + b"1," * 2000000 + b'1]}', "bad_request", None, "elements"),
    ]
    for req, code, rid, mentions in cases:
        h.send(req)
        expect_error(h, code, rid=rid, mentions=mentions)
        h.send({"type": "ping"})
        expect_pong(h)
    # Brackets and commas inside strings are text, not elements.
    h.send(('{"type":"ping","pad":"%s"}' % ("[1," * 100000)).encode())
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_empty_frame():
    h = Host()
    h.write(struct.pack("=I", 0))
    expect_error(h, "bad_request")
    h.send({"type": "ping"})
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_oversize_message():
    h = Host()
    raw = b"Subject: big\r\n\r\n" + b"A" * (MAX_MESSAGE + 10)
    h.send(analyze_request(raw, rid="big"))
    expect_error(h, "too_large", rid="big")
    h.send({"type": "ping"})
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_absurd_length_resync():
    """A frame over the limit is refused and its body skipped; the next frame is served."""
    h = Host()
    n = MAX_FRAME + 1
    h.write(struct.pack("=I", n))
    chunk = b"x" * (1 << 20)
    sent = 0
    while sent < n:
        part = chunk[: min(len(chunk), n - sent)]
        h.write(part)
        sent += len(part)
    expect_error(h, "too_large")
    h.send({"type": "ping"})
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_absurd_length_then_eof():
    h = Host()
    h.write(struct.pack("=I", 0xFFFFFFF0) + b"only a few bytes")
    expect_error(h, "too_large")
    assert h.close_and_wait() == 0


def case_truncated_length():
    h = Host()
    h.send({"type": "ping"})
    expect_pong(h)
    h.write(b"\x10\x00")
    h.proc.stdin.close()
    expect_error(h, "bad_request")
    assert h.recv() is None
    assert h.proc.wait(timeout=TIMEOUT) == 0


def case_truncated_body():
    h = Host()
    body = json.dumps({"type": "ping"}).encode()
    h.write(struct.pack("=I", len(body) + 100) + body)
    h.proc.stdin.close()
    expect_error(h, "bad_request")
    assert h.recv() is None
    assert h.proc.wait(timeout=TIMEOUT) == 0


def case_eof_exits_cleanly():
    h = Host()
    assert h.close_and_wait() == 0


def case_huge_report_is_trimmed():
    # The first links have long targets and long visible texts: even if the analyser
    # keeps only its first few thousand links, what it keeps is well over the 1 MiB
    # reply limit, while the whole message stays far below the 32 MiB request limit.
    pad = "segment/" * 45
    long_links = "".join('<p><a href="https://host%d.example-%d.test/%s%d">https://www.example-%d.test/%s%d</a></p>\n'
                         % (i, i % 97, pad, i, i % 89, pad, i) for i in range(4000))
    short_links = "".join('<a href="https://h%d.example.test/">l%d</a>\n' % (i, i) for i in range(4000, 100000))
    links = long_links + short_links
    raw = ("From: Shop <news@shop.example>\r\nTo: user@example.jp\r\nSubject: many links\r\n"
           "Date: Mon, 13 May 2024 09:14:58 +0900\r\nMessage-ID: <x@shop.example>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           "<html><body>" + links + "</body></html>\r\n").encode()
    h = Host()
    h.send(analyze_request(raw, rid="links"))
    msg = h.recv(timeout=300)
    assert msg["type"] == "report" and msg["id"] == "links", msg
    assert msg["report"].get("truncated") is True, "a 100,000-link report was not trimmed"
    assert msg["report"]["verdict"] in ("safe", "suspicious", "phishing")
    h.send({"type": "ping"})
    expect_pong(h)
    assert h.close_and_wait() == 0


def case_trusted_senders():
    # The reader's trusted senders (an extension of the protocol) are judged in
    # the host: the report says whether the trust held, and a malformed list is
    # a bad request, not a silent "no list".
    h = Host()
    raw = read_message("phish_ekinet.eml")
    h.send(analyze_request(raw, rid="plain"))
    assert "sender_trust" not in h.recv()["report"]
    entry = {"address": "info@vecterdian.shop", "domain": "vecterdian.shop", "scope": "address", "proof": "dkim"}
    h.send(dict(analyze_request(raw, rid="t1"), trusted_senders=[entry]))
    report = h.recv()["report"]
    trust = report["sender_trust"]
    assert trust["status"] == "unproven" and trust["proof_now"] == "none", trust
    assert trust["entry"]["address"] == "info@vecterdian.shop", trust
    assert "trusted_sender_unproven" in [f["id"] for f in report["findings"]], report["findings"]
    # a full list of the largest size the add-on keeps fits in one request
    many = [{"address": f"p{i}@org{i}.example", "domain": f"org{i}.example", "scope": "address", "proof": "dmarc"}
            for i in range(200)]
    h.send(dict(analyze_request(raw, rid="t2"), trusted_senders=many))
    assert h.recv()["report"]["sender_trust"]["status"] == "not_listed"
    h.send(dict(analyze_request(raw, rid="t3"), trusted_senders=many + many[:1]))
    expect_error(h, "bad_request", rid="t3", mentions="trusted_senders")
    h.send(dict(analyze_request(raw, rid="t4"), trusted_senders=[{"domain": "x.example", "proof": "trust-me"}]))
    expect_error(h, "bad_request", rid="t4", mentions="proof")
    assert h.close_and_wait() == 0


def case_feed_import():
    # The options page's import: a JPCERT/CC-style list sent as bytes lands in
    # the feed database, the answer and every later pong give its size and
    # date, and the next analysis finds the listed link.
    feed_db = os.path.join(tempfile.mkdtemp(prefix="mekiki-feed-"), "feeds.sqlite")
    h = Host(env={"MEKIKI_FEED_DB": feed_db})
    h.send({"type": "ping"})
    feed = expect_pong(h)["databases"]["feed"]
    assert feed["loaded"] is False and feed["entries"] == 0 and feed["updated"] is None, feed
    listing = ("date,URL,description\r\n"
               "2025/01/26,https://ekl-net.vecterdian.shop/update/,えきねっと\r\n"
               "2025/01/27,https://other.example/login,other\r\n").encode("utf-8")
    h.send({"type": "feed_import", "id": "f1", "name": "phishing-2025-01.csv",
            "data_b64": base64.b64encode(listing).decode()})
    msg = h.recv()
    assert msg["type"] == "feed_import" and msg["id"] == "f1" and msg["status"] == "ok", msg
    assert msg["imported"] == 2 and msg["feed"]["entries"] == 2 and msg["feed"]["loaded"], msg
    assert msg["feed"]["updated"] == "2025/01/27", msg   # the newest entry's date, as the list gives it
    h.send(analyze_request(read_message("phish_ekinet.eml"), rid="after"))
    ids = [f["id"] for f in h.recv()["report"]["findings"]]
    assert "link_on_blocklist" in ids, ids
    h.send({"type": "ping"})
    assert expect_pong(h)["databases"]["feed"]["entries"] == 2
    h.send({"type": "feed_import", "id": "f2", "data_b64": "not base64!"})
    expect_error(h, "bad_request", rid="f2", mentions="data_b64")
    h.send({"type": "feed_import", "id": "f3"})
    expect_error(h, "bad_request", rid="f3", mentions="data_b64")
    assert h.close_and_wait() == 0


CASES = [case_ping, case_analyze_offline_only, case_online_request_to_offline_host_gets_final, case_locale, case_bad_requests, case_empty_frame,
         case_oversize_message, case_absurd_length_resync, case_absurd_length_then_eof,
         case_truncated_length, case_truncated_body, case_eof_exits_cleanly, case_huge_report_is_trimmed,
         case_trusted_senders, case_feed_import]


def main():
    only = sys.argv[1:]
    failed = 0
    for case in CASES:
        if only and case.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            case()
            print("ok   %s (%.1f s)" % (case.__name__, time.monotonic() - t0))
        except Exception as e:  # report every case, then fail
            failed += 1
            print("FAIL %s: %s: %s" % (case.__name__, type(e).__name__, e))
            for h in HOSTS:
                sys.stdout.write(h.stderr()[-2000:])
        for h in HOSTS:
            h.kill()
        HOSTS.clear()
    print("%d passed, %d failed" % (len([c for c in CASES if not only or c.__name__ in only]) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
