"""Answers a misbehaving server sends, made as they are sent (never held whole): for
`ScriptedServer` scripts in the tests and in `bench/faults.py`.

Each builder returns a stream of byte pieces; an endless one ends only when the client closes
the connection (the server's send then fails).
"""

from __future__ import annotations

import itertools
import time
import zlib
from collections.abc import Iterator

PIECE = 64 * 1024


def huge_answer(length: int, *, content_type: str = "application/json") -> Iterator[bytes]:
    """A 200 OK announcing and sending `length` bytes (a JSON string of that size)."""
    yield (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    yield b'"'
    left = length - 2
    while left > 0:
        piece = min(PIECE, left)
        yield b"a" * piece
        left -= piece
    yield b'"'


def endless_chunked() -> Iterator[bytes]:
    """A chunked 200 OK whose chunks never end."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = f"{PIECE:x}\r\n".encode() + b"z" * PIECE + b"\r\n"
    while True:
        yield chunk


def compressed(decoded_length: int, encoding: str) -> bytes:
    """`decoded_length` zero bytes compressed: gzip, deflate (zlib-wrapped) or raw-deflate (a
    "bomb": 200 MB of zeros is about 200 KB compressed)."""
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "raw-deflate": -15}
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits[encoding])
    zeros = bytes(PIECE)
    out = [packer.compress(zeros) for _ in range(decoded_length // PIECE)]
    out.append(packer.compress(bytes(decoded_length % PIECE)))
    out.append(packer.flush())
    return b"".join(out)


def bomb(body: bytes, encoding: str) -> bytes:
    """A 200 OK carrying an already compressed body with its Content-Encoding."""
    name = "deflate" if encoding == "raw-deflate" else encoding
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Encoding: {name}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def endless_headers(*, one_line: bool = False) -> Iterator[bytes]:
    """A head that never ends: ever more header fields, or (`one_line`) one endless value."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
    if one_line:
        yield b"X-Endless: "
        while True:
            yield b"v" * PIECE
    for number in itertools.count():
        yield f"X-Field-{number}: {'v' * 40}\r\n".encode()


def slow_drip(every_s: float = 0.05) -> Iterator[bytes]:
    """A 200 OK announcing a large body, then one byte of it every `every_s` seconds."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n"
    while True:
        time.sleep(every_s)
        yield b"."
