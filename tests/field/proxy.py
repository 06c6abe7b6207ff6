"""A small TCP proxy for the sync tests: it relays a kit's connections to the office and cuts some of them at a
random byte (in either direction), as a mountain network does. Seeded, so a failing run can be repeated."""

from __future__ import annotations

import contextlib
import random
import socket
import threading


class CuttingProxy:
    def __init__(self, upstream_port: int, *, cut_share: float, seed: int, max_offset: int = 20_000):
        self.upstream_port = upstream_port
        self.cut_share = cut_share
        self.random = random.Random(seed)
        self.max_offset = max_offset
        self.cuts = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            budget = (
                self.random.randint(0, self.max_offset) if self.random.random() < self.cut_share else None
            )
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            state = {"left": budget}
            lock = threading.Lock()
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(source, target, client, upstream, state, lock), daemon=True
                ).start()

    def _pipe(self, source, target, client, upstream, state, lock) -> None:
        try:
            while True:
                data = source.recv(4096)
                if not data:
                    break
                with lock:
                    if state["left"] is not None:
                        if len(data) >= state["left"]:
                            target.sendall(data[: state["left"]])
                            self.cuts += 1
                            state["left"] = 0
                            raise ConnectionAbortedError  # cut here, mid-message
                        state["left"] -= len(data)
                target.sendall(data)
        except OSError:
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
