"""Chunked MESH messages: the `Mex-Chunk-Range` header and reassembly, pure.

A message of n chunks is sent as chunk 1 (`POST .../outbox`, `Mex-Chunk-Range: 1:n`) and then
chunks 2..n (`POST .../outbox/{id}/{k}`, `Mex-Chunk-Range: k:n`). Chunks may arrive in any
order and a chunk sent again (a client retrying) replaces the copy held; the message is
delivered once every chunk is held. Each chunk is stored as sent (gzip stays gzip), and a
download of chunk k returns the k-th chunk of the reassembly order.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from harness.simulator.behaviour import ChunkOrder, reorder

MAX_CHUNKS = 100_000
GZIP_MAGIC = b"\x1f\x8b"


class ChunkRangeError(ValueError):
    """A `Mex-Chunk-Range` header that does not fit the request."""


@dataclass(frozen=True, slots=True)
class ChunkRange:
    number: int
    total: int


def parse_chunk_range(header: str | None, number_in_path: int = 1) -> ChunkRange:
    """`k:n` with 1 <= k <= n; absent means `1:1` (only for the first chunk)."""
    text = (header or "").strip()
    if not text:
        if number_in_path != 1:
            raise ChunkRangeError("Mex-Chunk-Range is required for chunks after the first")
        return ChunkRange(1, 1)
    number_text, separator, total_text = text.partition(":")
    if not separator:
        raise ChunkRangeError(f"Mex-Chunk-Range {text!r} is not 'chunk:total'")
    try:
        number, total = int(number_text.strip()), int(total_text.strip())
    except ValueError:
        raise ChunkRangeError(f"Mex-Chunk-Range {text!r}: chunk values should be numeric") from None
    if not 0 < number <= total or total > MAX_CHUNKS:
        raise ChunkRangeError(f"Mex-Chunk-Range {text!r} is out of range")
    if number != number_in_path:
        raise ChunkRangeError(f"Mex-Chunk-Range {text!r} does not match chunk {number_in_path}")
    return ChunkRange(number, total)


class ChunkSet:
    """The chunks of one message as they arrive."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._chunks: list[bytes | None] = [None] * total

    def put(self, number: int, data: bytes) -> None:
        if not 1 <= number <= self.total:
            raise ChunkRangeError(f"chunk {number} of a message of {self.total} chunks")
        self._chunks[number - 1] = data

    @property
    def complete(self) -> bool:
        return all(chunk is not None for chunk in self._chunks)

    @property
    def missing(self) -> list[int]:
        return [index + 1 for index, chunk in enumerate(self._chunks) if chunk is None]

    @property
    def size(self) -> int:
        return sum(len(chunk) for chunk in self._chunks if chunk is not None)

    def assemble(self, order: ChunkOrder | None = None) -> list[bytes]:
        """The chunks in delivery order (None: as sent); only once complete."""
        if not self.complete:
            raise ChunkRangeError(f"chunks {self.missing} have not arrived")
        return reorder([chunk for chunk in self._chunks if chunk is not None], order)


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


def gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise ChunkRangeError(f"a gzip chunk is not valid gzip: {error}") from None
