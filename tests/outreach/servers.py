"""Real local servers for the delivery adapters, each in a thread: a small SMTP server (enough of RFC 5321 for
smtplib) and an HTTP gateway. What they receive goes into a queue, so tests wait on it instead of sleeping."""

from __future__ import annotations

import json
import queue
import socket
import socketserver
import threading
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server = self.server
        self.reply("220 test.local ESMTP")
        sender, recipients = None, []
        while line := self.rfile.readline():
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250-test.local")
                self.reply("250 8BITMIME")
            elif verb == b"MAIL":
                sender, recipients = line.strip()[10:].decode(), []
                self.reply("250 OK")
            elif verb == b"RCPT":
                if server.refuse_recipients:
                    self.reply("550 5.1.1 No such user")
                else:
                    recipients.append(line.strip()[8:].decode())
                    self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.received.put(
                    {
                        "from": sender,
                        "to": recipients,
                        "message": message_from_bytes(b"".join(data), policy=default),
                    }
                )
                self.reply("250 OK queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            elif verb in (b"RSET", b"NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


class _InBackground:
    """A test server answering from a daemon thread for the length of a ``with`` block."""

    def __enter__(self):
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class SMTPServer(_InBackground, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: queue.Queue = queue.Queue()
        self.refuse_recipients = False

    @property
    def port(self) -> int:
        return self.server_address[1]


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.server.received.put(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(body), "status": status}
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status < 400 else b'{"error": "no"}')

    def log_message(self, *args):  # keep test output quiet
        pass


class Gateway(_InBackground, ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statuses: list[int] | None = None):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.received: queue.Queue = queue.Queue()
        self.statuses = list(statuses or [])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


def closed_port() -> int:
    """A port nobody listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
