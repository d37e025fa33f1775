"""marionette.py - a minimal Marionette client for the end-to-end test.

Marionette is Gecko's remote-control protocol: frames of `LENGTH:JSON` over
TCP. Commands are `[0, id, name, params]`, replies `[1, id, error, result]`.
There is no geckodriver in Debian, and the test needs only a handful of
commands (new session, switch context, run a script, take a screenshot), so
a client this small is easier to trust than a dependency.
"""
import json
import socket
import time


class MarionetteError(RuntimeError):
    pass


class Marionette:
    def __init__(self, port, host="127.0.0.1", timeout=60.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection((host, port), timeout=5)
                break
            except OSError as err:
                last = err
                time.sleep(0.2)
        else:
            raise MarionetteError(f"cannot connect to Marionette on port {port}: {last}")
        self.sock.settimeout(timeout)
        self.buf = b""
        self.next_id = 0
        self.hello = self._read()

    def _read(self):
        while b":" not in self.buf:
            self._fill()
        head, _, rest = self.buf.partition(b":")
        length = int(head)
        self.buf = rest
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return json.loads(body)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise MarionetteError("Marionette closed the connection")
        self.buf += chunk

    def call(self, name, params=None):
        self.next_id += 1
        data = json.dumps([0, self.next_id, name, params or {}]).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data)
        while True:
            reply = self._read()
            if isinstance(reply, list) and reply[0] == 1 and reply[1] == self.next_id:
                if reply[2]:
                    raise MarionetteError(f"{name}: {reply[2]}")
                return reply[3]

    def start(self):
        return self.call("WebDriver:NewSession", {"capabilities": {"alwaysMatch": {}}})

    def chrome(self):
        self.call("Marionette:SetContext", {"value": "chrome"})

    def script(self, source, args=None, sandbox=None):
        params = {"script": source, "args": args or []}
        if sandbox:
            params["sandbox"] = sandbox
        result = self.call("WebDriver:ExecuteScript", params)
        return result.get("value") if isinstance(result, dict) else result

    def windows(self):
        return self.call("WebDriver:GetWindowHandles")

    def switch_window(self, handle):
        self.call("WebDriver:SwitchToWindow", {"handle": handle})

    def screenshot_png(self):
        import base64
        result = self.call("WebDriver:TakeScreenshot", {"full": False, "hash": False})
        return base64.b64decode(result["value"] if isinstance(result, dict) else result)

    def quit(self):
        try:
            self.call("Marionette:Quit", {"flags": ["eForceQuit"]})
        except (MarionetteError, OSError):
            pass
