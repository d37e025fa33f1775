"""frames.py - reading the host's native-messaging frames in tests.

A frame is a 4-byte native-endian length and that many bytes of JSON. The
reader keeps what it has read past a frame for the next call, and waits on
the pipe with select(), so a test can bound how long it waits.
"""
import json
import os
import select
import struct
import time


class FrameReader:
    def __init__(self, fd):
        self.fd = fd
        self.buf = b""

    def read(self, deadline):
        """The next frame as parsed JSON, or None at end of output or once
        time.monotonic() passes deadline."""
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack("=I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return json.loads(body)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
