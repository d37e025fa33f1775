"""A tiny DNS responder on 127.0.0.1 for the answer shapes dnsmasq will not give.

It listens on UDP and TCP on one port. Names given a shape are answered here:
  SERVFAIL   rcode 2
  REFUSED    rcode 5
  EMPTY      NOERROR with no records (the name exists, nothing of that type)
  TRUNCATED  TC bit over UDP with no records; over TCP the question goes on to dnsmasq,
             as a real server's full answer would
  SILENT     no reply at all (a timeout)
  GARBAGE    a reply with the right id and nonsense after the header (c-ares drops
             it as not answering the question: the query ends in a timeout)
Every other question is passed to the upstream dnsmasq and its reply returned.
In "liar" mode every question is answered NXDOMAIN here, as captive portals and
broken resolvers do; in "hijack" mode every A question gets the same address.
Nothing is sent anywhere but 127.0.0.1.
"""
import socket
import socketserver
import struct
import threading

from servers import udp_exchange

SHAPES = ("SERVFAIL", "REFUSED", "EMPTY", "TRUNCATED", "SILENT", "GARBAGE")
QTYPES = {1: "A", 28: "AAAA", 15: "MX", 12: "PTR", 16: "TXT"}


def question(packet):
    """(lower-case name, type word) of a query, or (None, None)."""
    try:
        pos, labels = 12, []
        while packet[pos]:
            n = packet[pos]
            labels.append(packet[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        qtype = struct.unpack(">H", packet[pos + 1:pos + 3])[0]
        return ".".join(labels).lower(), QTYPES.get(qtype, str(qtype))
    except (IndexError, struct.error):
        return None, None


def question_section(packet):
    pos = 12
    while packet[pos]:
        pos += 1 + packet[pos]
    return packet[12:pos + 5]


def reply(packet, rcode=0, tc=False, answers=b"", ancount=0):
    flags = 0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode   # QR, AA, RD, RA
    if tc:
        flags |= 0x0200
    header = packet[:2] + struct.pack(">HHHHH", flags, 1, ancount, 0, 0)
    return header + question_section(packet) + answers


def a_record(addr):
    return b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)


class Responder:
    def __init__(self, upstream_port, shapes=None, mode="normal", hijack_address="198.51.100.77"):
        self.upstream_port = upstream_port
        self.shapes = {k.lower().rstrip("."): v for k, v in (shapes or {}).items()}
        self.mode = mode
        self.hijack = hijack_address
        self.questions = []
        outer = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                out = outer.answer(data, tcp=False)
                if out is not None:
                    sock.sendto(out, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self):
                # A client may send several questions down one connection.
                try:
                    while True:
                        data = self.read_message()
                        if data is None:
                            return
                        out = outer.answer(data, tcp=True)
                        if out is not None:
                            self.request.sendall(struct.pack(">H", len(out)) + out)
                except OSError:
                    pass

            def read_message(self):
                head = self.recv_exactly(2)
                return self.recv_exactly(struct.unpack(">H", head)[0]) if head else None

            def recv_exactly(self, n):
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        return None
                    data += chunk
                return data

        class UdpServer(socketserver.ThreadingUDPServer):
            daemon_threads = True

        class TcpServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.tcp = TcpServer(("127.0.0.1", 0), Tcp)
        self.port = self.tcp.server_address[1]
        self.udp = UdpServer(("127.0.0.1", self.port), Udp)
        for s in (self.tcp, self.udp):
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def shape_of(self, name):
        while name:
            if name in self.shapes:
                return self.shapes[name]
            name = name.partition(".")[2]
        return None

    def answer(self, data, tcp):
        name, qtype = question(data)
        if name is None or len(data) < 12:
            return None
        self.questions.append((name, qtype, "tcp" if tcp else "udp"))
        if self.mode == "liar":
            return reply(data, rcode=3)
        if self.mode == "hijack" and qtype == "A":
            return reply(data, answers=a_record(self.hijack), ancount=1)
        shape = self.shape_of(name)
        if shape == "SILENT":
            return None
        if shape == "SERVFAIL":
            return reply(data, rcode=2)
        if shape == "REFUSED":
            return reply(data, rcode=5)
        if shape == "EMPTY":
            return reply(data)
        if shape == "GARBAGE":
            return data[:2] + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + b"\xff\x07garbage\xc0\xff\x00"
        if shape == "TRUNCATED" and not tcp:
            return reply(data, tc=True)
        return self.forward(data)

    def forward(self, data):
        out = udp_exchange(self.upstream_port, data, 2) if self.upstream_port else reply(data, rcode=3)
        return out if out is not None else reply(data, rcode=2)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        for s in (self.tcp, self.udp):
            s.shutdown()
            s.server_close()
