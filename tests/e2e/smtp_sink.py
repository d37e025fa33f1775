"""smtp_sink.py - a minimal SMTP server on 127.0.0.1 that keeps what it receives.

Enough of RFC 5321 for Thunderbird to deliver a message: EHLO/HELO (with
8BITMIME and SIZE), MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT. No
authentication, no TLS, no relaying: every accepted message is appended to
`messages` as (mail_from, [rcpt], data bytes exactly as received, CRLF line
ends). It runs an asyncio loop in a daemon thread; stop() closes it.
"""
import asyncio
import threading

MAX_MESSAGE = 64 * 1024 * 1024


class SmtpSink:
    def __init__(self):
        self.messages = []
        self.port = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def stop(self):
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _session(self, reader, writer):
        def reply(line):
            writer.write(line.encode() + b"\r\n")

        reply("220 127.0.0.1 test sink")
        mail_from, rcpts = None, []
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 60)
                if not line:
                    break
                verb = line.decode("ascii", "replace").strip()
                upper = verb.upper()
                if upper.startswith("EHLO"):
                    reply("250-127.0.0.1")
                    reply("250-8BITMIME")
                    reply(f"250 SIZE {MAX_MESSAGE}")
                elif upper.startswith("HELO"):
                    reply("250 127.0.0.1")
                elif upper.startswith("MAIL FROM:"):
                    mail_from, rcpts = verb[10:].strip(), []
                    reply("250 OK")
                elif upper.startswith("RCPT TO:"):
                    rcpts.append(verb[8:].strip())
                    reply("250 OK")
                elif upper == "DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    data = bytearray()
                    while True:
                        chunk = await asyncio.wait_for(reader.readline(), 60)
                        if not chunk or chunk in (b".\r\n", b".\n"):
                            break
                        data += chunk[1:] if chunk.startswith(b".") else chunk
                        if len(data) > MAX_MESSAGE:
                            break
                    self.messages.append((mail_from, list(rcpts), bytes(data)))
                    reply("250 OK queued")
                elif upper in ("RSET", "NOOP"):
                    reply("250 OK")
                elif upper == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    break
                else:
                    reply("502 not implemented")
                await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        writer.close()
