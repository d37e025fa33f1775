#!/usr/bin/env python3
"""test_trust.py - a verdict the reader can trust, in a real Thunderbird.

Each check is a defect a reader met (issue 12); each failed with the add-on
as it was before and must pass now. Screenshots go to $MEKIKI_BUILD_DIR/e2e/.

- stale: after a safe message, a message Thunderbird's API refuses to
  describe (a 1,000-character word in the display name) must not keep the
  safe verdict, nor open the previous report; opened first, it must still
  get a banner. Switching from a phishing message to a safe one never shows
  the phishing banner over the safe one.
- forged: a message whose style sheet hides the banner and draws a fake
  "no sign of phishing" box: the toolbar badge still says phishing and the
  real banner is still visible.
- bidi: a U+202E in the sender's name and a 5,000-character subject: no
  override reaches the banner or report, and the banner stays short.
- lookups: every online look-up times out: the banner and report say so
  with counts, never "includes online checks".
- host: the registered program is missing: the banner names the manifest
  Thunderbird read and how to fix it.
- open: a message already on screen when the add-on starts gets its
  banner; its window closing is noticed; clicking the button twice opens
  one report tab; a message tab restored when Thunderbird starts again
  gets its banner.
- freeze and timing: the longest main-thread stall while a 5 MB message
  with a large attachment is analysed, and display -> banner times.
- second message: displayed 100 ms after one whose look-ups hang, its
  offline verdict does not wait for them (the earlier one is cancelled).
"""
import base64
import json
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chrome_scripts as js  # noqa: E402
from tbharness import (ADDON_ID, MESSAGES, Run, check, run_tests, setup_home,  # noqa: E402
                       take_screenshot)

RESULT_LEVELS = ("phishing", "suspicious", "safe", "error", "none")


def msg(name):
    return os.path.join(MESSAGES, name)


def since_now(run):
    run.poll_events()
    return len(run.events)


def message_id(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.lower().startswith("message-id:"):
                return line.split(":", 1)[1].strip().strip("<>")
    raise ValueError(f"{path} has no Message-ID")


def select(run, path):
    """Displays the Inbox message read from `path` in the 3-pane tab."""
    mark = since_now(run)
    run.chrome(js.SELECT_MESSAGE, [message_id(path)])
    return mark


def banner_after(run, mark, levels=RESULT_LEVELS, timeout=60.0, quiet=False):
    return run.wait_event(lambda e: e.get("event") == "banner" and e.get("level") in levels,
                          "banner " + "/".join(levels), since=mark, timeout=timeout, quiet=quiet)


def action_after(run, mark, levels):
    return run.wait_event(lambda e: e.get("event") == "action" and e.get("level") in levels,
                          "toolbar button " + "/".join(levels), since=mark)


def click_report(run):
    mark = since_now(run)
    run.chrome(js.CLICK_ACTION)
    return run.wait_event(lambda e: e.get("event") == "report-rendered", "report rendered", since=mark, timeout=30)


def big_message(root, n=1):
    """A 5 MB message: a short phishing text and a large PDF attachment."""
    path = os.path.join(root, f"big-attachment-{n}.eml")
    with open(msg("phishing-ekinet.eml"), encoding="utf-8") as f:
        head, body = f.read().split("\n\n", 1)
    head = head.replace("<20250126094211.5F3A2B1C@participan.shop>", f"<big-attachment-{n}@participan.shop>")
    head = head.replace('multipart/alternative; boundary="mk-e2e-boundary"', 'multipart/mixed; boundary="mk-e2e-outer"')
    blob = base64.encodebytes(os.urandom(3_700_000)).decode()
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + "\n\n--mk-e2e-outer\nContent-Type: multipart/alternative; boundary=\"mk-e2e-boundary\"\n\n"
                + body.rstrip("\n") + "\n\n--mk-e2e-outer\nContent-Type: application/pdf; name=\"invoice.pdf\"\n"
                "Content-Disposition: attachment; filename=\"invoice.pdf\"\nContent-Transfer-Encoding: base64\n\n"
                + blob + "\n--mk-e2e-outer--\n")
    return path


def copy_of(root, name, n):
    """The fixture under a new Message-ID: a message Mekiki has not seen."""
    path = os.path.join(root, f"copy-{n}-{name}")
    with open(msg(name), encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("Message-ID: <", f"Message-ID: <copy-{n}-", 1))
    return path


def phishing_copy(root, n):
    return copy_of(root, "phishing-ekinet.eml", n)


TIMING_RUNS = 7
FREEZE_RUNS = 3


def test_in_one_window(root, xpi):
    """The 3-pane tab, one message after another."""
    setup_home(root)
    # Timing pairs: a safe message, then a phishing one, so that a verdict
    # left over from the previous message can never pass for the new one's.
    copies = [phishing_copy(root, n) for n in range(TIMING_RUNS)]
    safe_copies = [copy_of(root, "genuine-colleague.eml", n) for n in range(TIMING_RUNS)]
    bigs = [big_message(root, n) for n in range(FREEZE_RUNS)]
    genuine, long_name, phishing, forged, bidi = inbox = [
        msg("genuine-colleague.eml"), msg("long-display-name.eml"), msg("phishing-ekinet.eml"),
        msg("forged-banner.eml"), msg("bidi-name.eml")]
    inbox = inbox + bigs + copies + safe_copies
    run = Run(root, xpi, inbox=inbox)
    try:
        if not check(run.wait_event(lambda e: e.get("event") == "ready", "add-on ready") is not None, "add-on started"):
            print(run.tail())
            return
        # -- 1. stale verdict
        ev = banner_after(run, select(run, genuine))
        check(ev is not None and ev["level"] == "safe", f"the genuine message is marked safe ({ev and ev['level']})")
        mark = select(run, long_name)
        ev = banner_after(run, mark, timeout=20)
        print(f"long display name: banner {ev and (ev['level'], ev.get('text', '')[:120])}")
        check(ev is not None and ev["level"] == "error", "a message Thunderbird will not describe gets an error banner, not the previous verdict")
        shown = [e for e in run.events[mark:] if e.get("event") == "banner"]
        check(all(e["level"] != "safe" for e in shown), "the previous message's safe verdict is never shown over it")
        state = run.chrome(js.ACTION_STATE)
        print(f"toolbar button: {state}")
        check(bool(state) and all("OK" != s["badge"] for s in state), "the toolbar button does not say safe for it")
        take_screenshot(run, "unreadable-message.png", "mail:3pane")
        rendered = click_report(run)
        check(rendered is not None and "Kim" not in rendered.get("text", "") and "読み取れ" in rendered.get("text", ""),
              "its report says Mekiki could not read it, not the previous message's report")
        run.chrome("document.getElementById('tabmail').switchToTab(0); return true;")
        # -- flash of the previous verdict
        ev = banner_after(run, select(run, phishing), ("phishing",))
        check(ev is not None, "the phishing message gets its phishing banner")
        mark = select(run, genuine)
        ev = banner_after(run, mark, ("safe",))
        flashes = [e for e in run.events[mark:] if e.get("event") == "banner" and e.get("level") == "phishing"]
        check(ev is not None and not flashes, f"the safe message never shows the phishing banner first ({len(flashes)} flashes)")
        # -- 2. forged banner
        mark = select(run, forged)
        ev = banner_after(run, mark, ("phishing",))
        check(ev is not None, "the message that hides the banner is still judged phishing")
        act = action_after(run, mark, ("phishing",))
        time.sleep(0.3)
        state = run.chrome(js.ACTION_STATE)
        print(f"toolbar button: {state}")
        check(any(s["badge"] == "危険" and "フィッシング" in s["title"] for s in state) and act is not None,
              "the toolbar badge says phishing (危険), out of the message's reach")
        banners = run.chrome(js.BANNER_STATE)
        print(f"banner as drawn: {[(b['display'], b['height'], b['text'][:60]) for b in banners]}")
        check(any(b["display"] != "none" and b["height"] > 20 and "フィッシング" in b["text"] for b in banners),
              "the real banner stays visible despite the message's style sheet")
        take_screenshot(run, "forged-banner.png", "mail:3pane")
        # -- 3. direction override, long subject
        mark = select(run, bidi)
        ev = banner_after(run, mark, ("phishing", "suspicious"))
        if check(ev is not None, "the message with a direction override gets a banner"):
            check("\u202e" not in ev.get("text", ""), "no U+202E reaches the banner")
            check("[U+202E]" in ev.get("text", ""), "the override is shown as a visible mark")
            check(0 < ev.get("height", 0) < 400, f"the banner stays short ({ev.get('height')} px)")
        take_screenshot(run, "bidi-name.png", "mail:3pane")
        rendered = click_report(run)
        if check(rendered is not None, "the report opens"):
            text = rendered.get("text", "")
            check("\u202e" not in text and "[U+202E]" in text, "the report shows the override as a mark, never applies it")
            check(len(text) < 6000 or text.count("アカウント確認のお願い") < 100, "the 5,000-character subject is cut short")
        tabs = run.chrome(js.REPORT_TABS)
        check(tabs == 1, f"clicking the button again reuses the report tab ({tabs} report tabs)")
        run.chrome("document.getElementById('tabmail').switchToTab(0); return true;")
        # -- 8. UI freeze on a 5 MB message (shown after a safe one: its
        # verdict must not flash over the big message while that loads).
        # A stall the add-on causes happens every time; one from the machine
        # being busy elsewhere does not: the least of three runs is judged.
        stalls = []
        for big in bigs:
            banner_after(run, select(run, genuine), ("safe",))
            run.chrome(js.LAG_START)
            mark = select(run, big)
            ev = banner_after(run, mark, ("phishing", "suspicious", "error"))
            time.sleep(0.5)
            lag = run.chrome(js.LAG_STOP)
            stalls.append(lag["max"])
            flashes = [e for e in run.events[mark:] if e.get("event") == "banner" and e.get("level") == "safe"]
            check(not flashes, f"the previous message's safe verdict never flashes over the 5 MB message ({len(flashes)} times)")
            check(ev is not None and ev["level"] == "phishing", "the 5 MB message is analysed")
            timing = run.wait_event(lambda e: e.get("event") == "timing", "timing", since=mark, timeout=1, quiet=True)
            print(f"5 MB message: longest main-thread stall {lag['max']} ms over {lag['samples']} ticks; "
                  f"banner after {ev and ev.get('ms')} ms; phases {timing}")
        print(f"FREEZE 5 MB message: longest main-thread stall, least of {len(stalls)} runs: {min(stalls)} ms ({stalls})")
        check(min(stalls) < 400, f"the UI never stands still for 400 ms or more ({min(stalls)} ms)")
        # -- display -> banner, several messages
        times = []
        for n in range(TIMING_RUNS):
            banner_after(run, select(run, safe_copies[n]), ("safe",))
            ev = banner_after(run, select(run, copies[n]), ("phishing",))
            if ev:
                times.append(ev["ms"])
        if check(len(times) == TIMING_RUNS, "every timing message got its banner"):
            print(f"TIMING display -> offline banner: median {statistics.median(times)} ms over {len(times)} "
                  f"messages ({sorted(times)})")
    finally:
        run.stop()


def test_unreadable_first(root, xpi):
    setup_home(root)
    run = Run(root, xpi, [msg("long-display-name.eml")])
    try:
        ev = banner_after(run, 0)
        check(ev is not None and ev["level"] == "error" and "読み取れ" in ev.get("text", ""),
              "opened first, a message Thunderbird will not describe still gets a banner saying so")
        if ev:
            take_screenshot(run, "unreadable-first.png")
    finally:
        run.stop()


def silent_ports():
    """A UDP and a TCP socket on loopback that never answer."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(64)
    return udp, tcp


def silent_network_home(root, budget_ms):
    """A HOME whose host sends every look-up to loopback servers that never
    answer, with online look-ups on; returns the sockets to close."""
    udp, tcp = silent_ports()
    dns, web = udp.getsockname()[1], tcp.getsockname()[1]
    setup_home(root, {"online": True}, env=[f"MEKIKI_DNS_SERVER=127.0.0.1:{dns}",
                                            f"MEKIKI_RDAP_BASE=http://127.0.0.1:{web}",
                                            f"MEKIKI_WHOIS_SERVER=127.0.0.1:{web}", f"MEKIKI_BUDGET_MS={budget_ms}",
                                            "MEKIKI_NO_CACHE=1"])
    return udp, tcp


def test_lookups_time_out(root, xpi):
    udp, tcp = silent_network_home(root, 1500)
    run = Run(root, xpi, [msg("phishing-ekinet.eml")])
    try:
        ev = run.wait_event(lambda e: e.get("event") == "banner" and e.get("stage") == "final", "final banner")
        if check(ev is not None, "the final (online) banner arrives"):
            print(f"final banner: {ev.get('text')!r}")
            check("応答がありませんでした" in ev.get("text", ""), "the banner says no look-up was answered")
        take_screenshot(run, "lookups-timed-out.png")
        rendered = click_report(run)
        if check(rendered is not None, "the report opens"):
            text = rendered.get("text", "")
            check("オンライン照会 (DNS・登録情報) を含みます" not in text, "the report does not claim online checks")
            check("時間切れ" in text and "件中 0 件" in text, "the report counts the timed-out look-ups")
    finally:
        run.stop()
        udp.close()
        tcp.close()


def test_host_missing(root, xpi):
    home = setup_home(root)
    # The program the registration names has gone (moved, uninstalled).
    manifest = os.path.join(home, ".mozilla", "native-messaging-hosts", "mekiki.json")
    with open(manifest) as f:
        data = json.load(f)
    data["path"] = os.path.join(root, "no-such-dir", "mekiki")
    with open(manifest, "w") as f:
        json.dump(data, f)
    run = Run(root, xpi, [msg("phishing-ekinet.eml")])
    try:
        ev = banner_after(run, 0, ("error",))
        if check(ev is not None, "a missing program gives an error banner"):
            text = ev.get("text", "")
            print(f"banner: {text!r}")
            check("起動できませんでした" in text, "it says the program could not be started")
            check(".mozilla/native-messaging-hosts/mekiki.json" in text, "it names the manifest Thunderbird read")
            check("mekiki install" in text and "chmod +x" in text, "it says how to fix it")
            check("予期せず終了" not in text, "it does not claim the program stopped unexpectedly")
        take_screenshot(run, "host-missing.png")
    finally:
        run.stop()


def test_already_open(root, xpi):
    setup_home(root)
    run = Run(root, xpi, [msg("phishing-ekinet.eml")])
    try:
        first = banner_after(run, 0, ("phishing",))
        check(first is not None, "the message gets its banner")
        mark = since_now(run)
        active = run.chrome(js.RESTART_ADDON, [ADDON_ID])
        check(active, "the add-on restarted while the message stays open")
        ev = banner_after(run, mark, ("phishing",))
        check(ev is not None, "the message already open when the add-on started gets its banner")
        act = action_after(run, mark, ("phishing",))
        check(act is not None, "and its toolbar button shows the verdict")
        mark = since_now(run)
        closed = run.chrome(js.CLOSE_MESSAGE_WINDOWS)
        ev = run.wait_event(lambda e: e.get("event") == "tab-closed", "tab closed", since=mark, timeout=20)
        check(closed >= 1 and ev is not None and ev.get("tracked") == 0, "closing the message window is noticed")
    finally:
        run.stop()


def test_restored_at_startup(root, xpi):
    """A message tab left open when Thunderbird quit is on screen again when
    it starts: it must get its banner without being clicked."""
    setup_home(root)
    phishing = msg("phishing-ekinet.eml")
    run = Run(root, xpi, inbox=[msg("genuine-colleague.eml"), phishing])
    try:
        banner_after(run, select(run, phishing), ("phishing",))
        mark = since_now(run)
        run.chrome(js.OPEN_IN_TAB)
        check(banner_after(run, mark, ("phishing",)) is not None, "the message opened in a tab of its own")
    finally:
        run.stop()
    again = Run(root, xpi, profile=run.profile)
    try:
        ev = banner_after(again, 0, ("phishing",), timeout=40)
        kinds = again.chrome(js.TAB_KINDS)
        check("mailMessageTab" in kinds, f"Thunderbird restored the message tab ({kinds})")
        check(ev is not None, "the restored message gets its banner at start-up")
        if ev:
            take_screenshot(again, "restored-at-startup.png", "mail:3pane")
    finally:
        again.stop()


PAIRS = 5


def test_second_message_waits_for_nobody(root, xpi):
    """Item 7: a message displayed 100 ms after another, while the first
    one's look-ups wait on a resolver and registry that never answer (3 s
    budget): how long until the second one's offline banner?"""
    udp, tcp = silent_network_home(root, 3000)
    inbox = []
    for n in range(PAIRS):
        # The first of a pair is safe, the second phishing: a verdict left
        # over from the first can never pass for the second's.
        inbox += [copy_of(root, "genuine-colleague.eml", n), phishing_copy(root, 100 + n)]
    run = Run(root, xpi, inbox=inbox)
    try:
        if not check(run.wait_event(lambda e: e.get("event") == "host", "host started") is not None, "host started"):
            return
        times = []
        for n in range(PAIRS):
            select(run, inbox[2 * n])
            time.sleep(0.1)
            mark = select(run, inbox[2 * n + 1])
            ev = banner_after(run, mark, ("phishing",), timeout=30)
            if ev:
                times.append(ev["ms"])
            # Let the pair's look-ups run out before the next pair.
            run.wait_event(lambda e: e.get("event") == "banner" and e.get("stage") == "final", "final",
                           since=mark, timeout=10, quiet=True)
        if check(len(times) == PAIRS, "every second message got its banner"):
            median = statistics.median(times)
            print(f"TIMING second message, displayed 100 ms after one whose look-ups hang: offline banner after "
                  f"median {median} ms over {PAIRS} pairs ({sorted(times)})")
            check(median < 1500, f"the second message's verdict does not wait for the first one's look-ups ({median} ms)")
        cancels = [e for e in run.events if e.get("event") == "cancel"]
        check(len(cancels) >= PAIRS, f"the look-ups of each message no longer displayed were cancelled ({len(cancels)})")
    finally:
        run.stop()
        udp.close()
        tcp.close()


def main():
    return run_tests([test_in_one_window, test_unreadable_first, test_lookups_time_out, test_host_missing,
                      test_already_open, test_restored_at_startup, test_second_message_waits_for_nobody], prefix="mekiki-e2e-trust-")


if __name__ == "__main__":
    sys.exit(main())
