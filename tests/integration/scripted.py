"""A scripted HTTP/1.1 server on a real socket: each connection answers its requests with the
script's canned bytes and keeps what it received, so tests see the exact bytes both ways."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
# What a connection does with its n-th request: answer bytes, or None to close without one, or
# (bytes, ending): then "reset" (an abortive close: RST) or a number of seconds before closing.
Ending = str | float
Script = Callable[[int, bytes], bytes | tuple[bytes, Ending] | None]


class ScriptedServer:
    """A TCP server whose connections answer by `script`; records requests and connections."""

    def __init__(
        self,
        script: Script,
        *,
        close_after_answer: bool = False,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.script = script
        self.tls = tls
        self.close_after_answer = close_after_answer
        self.requests: list[bytes] = []
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}"
        self._start(self._accept)

    def close(self) -> None:
        """Stop accepting, end every connection and wait for the threads (none outlive a test)."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept (Linux)
        self._listener.close()
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(connection)
            self._start(self._serve, connection)

    def _serve(self, connection: socket.socket) -> None:
        if self.tls is not None:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except (ssl.SSLError, OSError):  # the client refused our certificate
                connection.close()
                return
        with connection:
            buffered = b""
            for index in range(1000):
                request, buffered = _read_request(connection, buffered)
                if request is None:
                    return
                self.requests.append(request)
                answer = self.script(index, request)
                if answer is None:
                    return
                answer, ending = answer if isinstance(answer, tuple) else (answer, None)
                connection.sendall(answer)
                if ending == "reset":
                    time.sleep(0.05)
                    linger = struct.pack("ii", 1, 0)
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    return
                if isinstance(ending, float):
                    time.sleep(ending)
                    return
                if self.close_after_answer:
                    return


def _read_request(connection: socket.socket, buffered: bytes) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in buffered:
        chunk = connection.recv(65536)
        if not chunk:
            return None, b""
        buffered += chunk
    head, _, rest = buffered.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += connection.recv(65536)
    return head + b"\r\n\r\n" + rest[:length], rest[length:]
