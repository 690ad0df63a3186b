"""A scripted HTTP/1.1 server on a real socket: each connection answers its requests with the
script's canned bytes and keeps what it received, so tests see the exact bytes both ways.

An answer may also be a stream (an iterator of byte pieces, sent one by one: an endless or
slow answer made as it goes, never held whole), which ends when it runs out or when the client
closes the connection; `cut_by_client` counts the answers a client stopped that way (the
server sees it at its next send: `wait_for_cuts` waits for that).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator

from harness.core.exchange import Request, Response
from harness.transport import TransportError
from harness.transport.live import LiveTransport

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
# What a connection does with its n-th request: answer bytes, or a stream of pieces, or None to
# close without one, or (bytes, ending): then "reset" (an abortive close: RST), "hold" (send
# nothing more and wait until the client closes), or a number of seconds before closing.
Ending = str | float
Answer = bytes | Iterator[bytes]
Script = Callable[[int, bytes], Answer | tuple[bytes, Ending] | None]


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
        self.cut_by_client = 0
        self._cuts = threading.Condition()
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

    def wait_for_cuts(self, count: int, timeout_s: float = 30.0) -> int:
        """`cut_by_client` once it reaches `count` (or the timeout passes: then what it is)."""
        with self._cuts:
            self._cuts.wait_for(lambda: self.cut_by_client >= count, timeout_s)
            return self.cut_by_client

    def _cut(self) -> None:
        with self._cuts:
            self.cut_by_client += 1
            self._cuts.notify_all()

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
                try:
                    request, buffered = _read_request(connection, buffered)
                except OSError:  # reset by a client that closed with an answer half read
                    return
                if request is None:
                    return
                self.requests.append(request)
                answer = self.script(index, request)
                if answer is None:
                    return
                answer, ending = answer if isinstance(answer, tuple) else (answer, None)
                pieces = iter([answer]) if isinstance(answer, bytes) else answer
                if not self._stream(connection, pieces):
                    return
                if ending == "hold":
                    self._hold(connection)
                    return
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

    def _stream(self, connection: socket.socket, pieces: Iterator[bytes]) -> bool:
        """Send the pieces; False when the client closed the connection before the end."""
        try:
            for piece in pieces:
                connection.sendall(piece)
        except OSError:  # reset or broken pipe: the client gave up on the answer
            self._cut()
            return False
        return True

    def _hold(self, connection: socket.socket) -> None:
        """Send nothing more; return once the client has closed the connection."""
        try:
            while connection.recv(65536):
                pass
        except OSError:
            pass
        self._cut()


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


def send_all(
    transport: LiveTransport, requests: list[Request], *, pause_s: float = 0.0
) -> list[Response | TransportError]:
    """Send the requests in order on one event loop (so connections can be reused)."""

    async def go() -> list[Response | TransportError]:
        out: list[Response | TransportError] = []
        try:
            for request in requests:
                try:
                    out.append(await transport.send(request))
                except TransportError as error:
                    out.append(error)
                await asyncio.sleep(pause_s)
        finally:
            await transport.aclose()
        return out

    return asyncio.run(go())
