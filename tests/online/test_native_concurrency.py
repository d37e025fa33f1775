#!/usr/bin/env python3
"""Native messaging never makes one message wait behind another.

Thunderbird shows a message, then the next one; the host must answer the next one's offline
verdict at once even while the previous one's look-ups wait on a resolver and registry that never
answer (a silent server on 127.0.0.1), answer a ping meanwhile, stop a cancelled request's
look-ups (its connections close, nothing more is said about it), answer a request past its
deadline with a "deadline" error and keep serving, refuse requests past the in-flight bound with
"busy", and give every one of many concurrent requests the same verdict it gets alone.

`python3 test_native_concurrency.py --measure N` prints the second message's offline answer time
(median of N runs) with the first message's look-ups stuck; it also runs against an older binary
(MEKIKI=...) to measure the time before concurrency.
"""
import base64
import contextlib
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import SEED_DNS, Dnsmasq, Rdap, Silent, Whois, conclude, mekiki  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
from frames import FrameReader  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUDGET_MS = 3000
ASAN = "asan" in os.environ.get("MEKIKI", "")
# Generous for sanitizer builds, far below the look-up budget a blocked host would need.
PROMPT_S = 1.5 if ASAN else 1.0


def fixture(name):
    with open(os.path.join(HERE, "fixtures", name), "rb") as fh:
        return fh.read()


def request(rid, raw, online=True, **extra):
    return dict({"type": "analyze", "id": rid, "raw_b64": base64.b64encode(raw).decode(),
                 "locale": "en", "online": online}, **extra)


class Host:
    """One `mekiki --native` and its pipes; frames are parsed strictly."""

    def __init__(self, env):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([mekiki(), "--native"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=dict(os.environ, **env))
        self.frames = FrameReader(self.proc.stdout.fileno())
        self.backlog = []

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.proc.stdin.write(struct.pack("=I", len(body)) + body)
        self.proc.stdin.flush()

    def recv(self, timeout):
        """The next frame, or None when none arrives within timeout seconds (or at end of output)."""
        return self.frames.read(time.monotonic() + timeout)

    def wait_for(self, pred, timeout, seen=None):
        """The first frame, read earlier or now, for which pred holds: (frame, seconds waited), or
        (None, timeout). Frames read on the way are kept for later calls and also listed in seen."""
        for i, msg in enumerate(self.backlog):
            if pred(msg):
                return self.backlog.pop(i), 0.0
        t0 = time.monotonic()
        while True:
            left = timeout - (time.monotonic() - t0)
            msg = self.recv(max(left, 0))
            if msg is None:
                return None, timeout
            if pred(msg):
                return msg, time.monotonic() - t0
            self.backlog.append(msg)
            if seen is not None:
                seen.append(msg)

    def close(self):
        self.proc.stdin.close()
        rest, self.backlog = self.backlog, []
        while True:
            msg = self.recv(60)
            if msg is None:
                break
            rest.append(msg)
        return self.proc.wait(60), rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")


def is_report(rid, stage):
    return lambda m: m.get("type") == "report" and m.get("id") == rid and m.get("stage") == stage


@contextlib.contextmanager
def stuck_host():
    """A host whose resolver, registry and WHOIS server (one silent server) never answer."""
    silent = Silent()
    cache = tempfile.mkdtemp(prefix="mk-cache-")
    h = Host({"MEKIKI_DNS_SERVER": silent.address, "MEKIKI_RDAP_BASE": f"http://{silent.address}",
              "MEKIKI_WHOIS_SERVER": silent.address, "MEKIKI_BUDGET_MS": str(BUDGET_MS),
              "MEKIKI_NO_CACHE": "1", "MEKIKI_CACHE_DIR": cache})
    try:
        yield h, silent
    finally:
        h.kill()
        silent.stop()
        shutil.rmtree(cache, ignore_errors=True)


def second_message_times(runs):
    """Seconds until the second message's offline report, the first one's look-ups stuck, per run."""
    times = []
    with stuck_host() as (h, _):
        for i in range(runs):
            a, b = f"first-{i}", f"second-{i}"
            h.send(request(a, fixture("ekinet.eml")))
            first, _ = h.wait_for(is_report(a, "offline"), 30)
            assert first, "no offline report for the first message"
            time.sleep(0.1)   # the second message is displayed 100 ms later
            h.send(request(b, fixture("campaign.eml")))
            second, took = h.wait_for(is_report(b, "offline"), 30)
            assert second, "no offline report for the second message"
            times.append(took)
            finals = [h.wait_for(is_report(rid, "final"), 30)[0] for rid in (a, b)]
            assert all(finals), "a final report is missing"
    return times


# ---- cases -------------------------------------------------------------------------

def case_second_message_not_blocked(failures):
    times = second_message_times(3)
    median = statistics.median(times)
    print(f"second message's offline report: median {median * 1000:.0f} ms "
          f"({', '.join(f'{t * 1000:.0f}' for t in times)}), look-up budget {BUDGET_MS} ms")
    if median > PROMPT_S:
        failures.append(f"the second message waited {median * 1000:.0f} ms behind the first one's look-ups")


def case_ping_during_lookups(failures):
    with stuck_host() as (h, silent):
        h.send(request("slow", fixture("ekinet.eml")))
        offline, _ = h.wait_for(is_report("slow", "offline"), 30)
        h.send({"type": "ping", "id": "p"})
        seen = []
        pong, took = h.wait_for(lambda m: m.get("type") == "pong", PROMPT_S, seen)
        if not offline or not pong:
            failures.append(f"no pong while look-ups run (saw {[m.get('type') for m in seen]})")
        elif any(is_report("slow", "final")(m) for m in seen):
            failures.append("the pong came only after the look-ups")
        else:
            print(f"ping answered in {took * 1000:.0f} ms while look-ups wait")
        final, _ = h.wait_for(is_report("slow", "final"), BUDGET_MS / 1000 + 5)
        if not final:
            failures.append("the final report never came after the ping")


def peer_closed(conn):
    """True once the host has closed its end (what it sent before is read and dropped)."""
    conn.setblocking(False)
    try:
        while True:
            if conn.recv(65536) == b"":
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def case_cancel(failures):
    with stuck_host() as (h, silent):
        h.send(request("gone", fixture("ekinet.eml")))
        offline, _ = h.wait_for(is_report("gone", "offline"), 30)
        t_conn = time.monotonic() + 5
        while time.monotonic() < t_conn and not silent.conns:
            time.sleep(0.02)
        conns = list(silent.conns)
        h.send({"type": "cancel", "id": "gone"})
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2 and not all(peer_closed(c) for c in conns):
            time.sleep(0.02)
        closed_after = time.monotonic() - t0
        h.send({"type": "ping"})
        seen = []
        pong, _ = h.wait_for(lambda m: m.get("type") == "pong", PROMPT_S, seen)
        h.wait_for(lambda m: False, BUDGET_MS / 1000 + 1, seen)
        about_gone = [m for m in seen if m.get("id") == "gone"]
        print(f"cancel: {len(conns)} registry connection(s) closed after {closed_after * 1000:.0f} ms, "
              f"{len(about_gone)} frame(s) about the cancelled request")
        if not offline or not conns:
            failures.append("cancel: the request did not start its look-ups")
        if not all(peer_closed(c) for c in conns):
            failures.append("cancel: the registry connections stayed open")
        if about_gone:
            failures.append(f"cancel: the host still spoke about the request: {about_gone}")
        if not pong:
            failures.append("cancel: no pong after the cancel")
        h.send({"type": "cancel", "id": "never-seen"})   # unknown ids are ignored
        h.send({"type": "cancel"})
        bad, _ = h.wait_for(lambda m: m.get("type") == "error", PROMPT_S)
        if not bad or bad.get("type") != "error" or bad.get("code") != "bad_request":
            failures.append(f"cancel without id: {bad}")
        rc, rest = h.close()
        if rc != 0 or rest:
            failures.append(f"cancel: exit {rc}, then {rest}")


def slow_message():
    """About 24 MB of HTML: seconds of decoding and parsing, never a millisecond."""
    pad = "segment/" * 10
    links = "".join('<p><a href="https://host%d.example-%d.test/%s%d">click %d</a></p>\n' % (i, i % 97, pad, i, i)
                    for i in range(160000))
    return ("From: Shop <news@shop.example>\r\nTo: user@example.jp\r\nSubject: many links\r\n"
            "Date: Mon, 13 May 2024 09:14:58 +0900\r\nMessage-ID: <x@shop.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<html><body>" + links + "</body></html>\r\n").encode()


def case_deadline(failures):
    h = Host({"MEKIKI_OFFLINE": "1"})
    try:
        h.send(request("huge", slow_message(), deadline_ms=1))
        h.send(request("next", fixture("campaign.eml")))
        h.send({"type": "ping"})
        seen = []
        late, took = h.wait_for(lambda m: m.get("id") == "huge", 30, seen)
        pong, _ = h.wait_for(lambda m: m.get("type") == "pong", 30)
        more, _ = h.wait_for(lambda m: m.get("id") == "next", 30)
        nxt = [more] if more else []
        print(f"deadline: the huge message answered {late and late.get('type')}/{late and late.get('code')} "
              f"after {took * 1000:.0f} ms")
        if not late or late.get("type") != "error" or late.get("code") != "deadline":
            failures.append(f"deadline: expected a deadline error, got {late}")
        if not pong:
            failures.append("deadline: no pong")
        if not nxt or nxt[0].get("type") != "report":
            failures.append(f"deadline: the next message was not served: {nxt}")
        h.send(dict(request("bad", fixture("campaign.eml")), deadline_ms=-5))
        bad, _ = h.wait_for(lambda m: m.get("id") == "bad", 30)
        if not bad or bad.get("code") != "bad_request":
            failures.append(f"deadline_ms=-5 was not refused: {bad}")
        rc, rest = h.close()
        if rc != 0 or [m for m in rest if m.get("id") == "huge"]:
            failures.append(f"deadline: exit {rc}, then {rest}")
    finally:
        h.kill()


def case_busy(failures):
    with stuck_host() as (h, silent):
        ids = [f"r{i}" for i in range(8)]
        for rid in ids:
            h.send(request(rid, fixture("ekinet.eml")))
        offline = set()
        while len(offline) < len(ids):
            msg = h.recv(30)
            if msg is None:
                break
            if msg.get("type") == "report" and msg.get("stage") == "offline":
                offline.add(msg.get("id"))
        if offline != set(ids):
            failures.append(f"busy: only {sorted(offline)} got an offline report")
        h.send(request("ninth", fixture("campaign.eml")))
        refused, took = h.wait_for(lambda m: m.get("id") == "ninth", PROMPT_S)
        print(f"busy: the ninth request got {refused and refused.get('code')} in {took * 1000:.0f} ms")
        if not refused or refused.get("type") != "error" or refused.get("code") != "busy":
            failures.append(f"busy: the ninth request got {refused}")
        for rid in ids:
            h.send({"type": "cancel", "id": rid})
        served = None
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5 and not served:
            time.sleep(0.1)
            h.send(request("after", fixture("campaign.eml"), online=False))
            msg, _ = h.wait_for(lambda m: m.get("id") == "after", 10)
            served = msg if msg and msg.get("type") == "report" else None
        if not served:
            failures.append("busy: no request was served after the cancels")


def verdict_of(msg):
    r = msg["report"]
    return r["verdict"], r["score"], sorted(f["id"] for f in r.get("findings", []))


def case_many_concurrent(failures):
    """Eight requests at once, three rounds, against the recorded servers: each alone-verdict holds."""
    names = ["ekinet.eml", "campaign.eml", "webmail.eml", "many_links.eml"]
    dns, rdap, whois = Dnsmasq(SEED_DNS), Rdap(), Whois()
    try:
        with tempfile.TemporaryDirectory() as cache:
            env = {"MEKIKI_DNS_SERVER": dns.address, "MEKIKI_RDAP_BASE": rdap.base,
                   "MEKIKI_WHOIS_SERVER": whois.address, "MEKIKI_BUDGET_MS": str(BUDGET_MS),
                   "MEKIKI_CACHE_DIR": cache}
            alone = {}
            h = Host(env)
            for name in names:
                h.send(request(name, fixture(name)))
                off, _ = h.wait_for(is_report(name, "offline"), 60)
                fin, _ = h.wait_for(is_report(name, "final"), 60)
                alone[name] = (verdict_of(off), verdict_of(fin))
            h.close()
            h = Host(env)
            mismatches = answered = 0
            for round_ in range(3):
                batch = [(f"{round_}-{i}", names[(i + round_) % len(names)]) for i in range(8)]
                for rid, name in batch:
                    h.send(request(rid, fixture(name)))
                got = {}
                while len(got) < 2 * len(batch):
                    msg = h.recv(60)
                    if msg is None:
                        break
                    got[(msg.get("id"), msg.get("stage"))] = msg
                for rid, name in batch:
                    off, fin = got.get((rid, "offline")), got.get((rid, "final"))
                    if not off or not fin:
                        failures.append(f"concurrent: {rid} ({name}) lacks a stage: {sorted(got)}")
                        continue
                    answered += 1
                    if (verdict_of(off), verdict_of(fin)) != alone[name]:
                        mismatches += 1
                        failures.append(f"concurrent: {rid} ({name}) differs from its verdict alone")
            rc, rest = h.close()
            print(f"concurrent: {answered} requests answered in rounds of 8, {mismatches} differ from alone")
            if rc != 0 or rest:
                failures.append(f"concurrent: exit {rc}, then {rest}")
    finally:
        dns.stop()
        rdap.stop()
        whois.stop()


CASES = [case_second_message_not_blocked, case_ping_during_lookups, case_cancel, case_deadline, case_busy,
         case_many_concurrent]


def measure(runs):
    times = second_message_times(runs)
    print(f"{mekiki()}: second message's offline report with the first one's look-ups stuck "
          f"(budget {BUDGET_MS} ms): median {statistics.median(times) * 1000:.0f} ms over {runs} runs "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")


def main():
    mekiki()
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(int(sys.argv[2]))
        return 0
    only = sys.argv[1:]
    failures = []
    ran = 0
    for case in CASES:
        if only and case.__name__ not in only:
            continue
        ran += 1
        t0 = time.monotonic()
        before = len(failures)
        case(failures)
        print(f"{'ok  ' if len(failures) == before else 'FAIL'} {case.__name__} ({time.monotonic() - t0:.1f} s)")
    return conclude(failures, ran)


if __name__ == "__main__":
    sys.exit(main())
