"""Chunk ranges and reassembly: out of order, resent, compressed, or mixed up by drift."""

from __future__ import annotations

import gzip

import pytest

from harness.simulator.mesh.chunks import (
    ChunkRange,
    ChunkRangeError,
    ChunkSet,
    gunzip,
    parse_chunk_range,
)


@pytest.mark.parametrize(
    ("header", "number", "expected"),
    [(None, 1, ChunkRange(1, 1)), ("1:3", 1, ChunkRange(1, 3)), (" 2 : 3 ", 2, ChunkRange(2, 3))],
)
def test_good_ranges(header: str | None, number: int, expected: ChunkRange) -> None:
    assert parse_chunk_range(header, number) == expected


@pytest.mark.parametrize(
    ("header", "number", "words"),
    [
        (None, 2, "required"),
        ("2", 2, "chunk:total"),
        ("a:b", 1, "numeric"),
        ("0:2", 1, "out of range"),
        ("3:2", 3, "out of range"),
        ("2:3", 3, "does not match"),
    ],
)
def test_bad_ranges(header: str, number: int, words: str) -> None:
    with pytest.raises(ChunkRangeError, match=words):
        parse_chunk_range(header, number)


def test_chunks_arriving_out_of_order_and_resent_assemble_in_order() -> None:
    chunks = ChunkSet(3)
    chunks.put(1, b"one ")
    chunks.put(3, b"three")
    assert not chunks.complete and chunks.missing == [2]
    with pytest.raises(ChunkRangeError, match=r"\[2\]"):
        chunks.assemble()
    chunks.put(2, b"TWO ")
    chunks.put(2, b"two ")  # a client resending chunk 2 replaces it
    assert chunks.complete and chunks.size == len(b"one two three")
    assert b"".join(chunks.assemble()) == b"one two three"


@pytest.mark.parametrize(("order", "joined"), [("reverse", b"[3][2][1]"), ("rotate", b"[2][3][1]")])
def test_drift_reassembles_in_another_order(order: str, joined: bytes) -> None:
    chunks = ChunkSet(3)
    for number, part in enumerate((b"[1]", b"[2]", b"[3]"), start=1):
        chunks.put(number, part)
    assert b"".join(chunks.assemble(order)) == joined  # type: ignore[arg-type]


def test_a_chunk_outside_the_message_is_refused() -> None:
    with pytest.raises(ChunkRangeError):
        ChunkSet(2).put(3, b"x")


def test_gzip_chunks_are_each_compressed_on_their_own() -> None:
    parts = [b"first half, ", b"second half"]
    assert b"".join(gunzip(gzip.compress(p)) for p in parts) == b"".join(parts)
    with pytest.raises(ChunkRangeError, match="not valid gzip"):
        gunzip(b"\x1f\x8bnot really")
