"""Content-Encoding decoded piece by piece, up to a size (harness.transport.decoding)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from harness.transport.decoding import STEP_BYTES, BodyDecoder, decode_body, decoder_for
from harness.transport.errors import Http1Error

DOCUMENT = b'{"resourceType":"Bundle","entry":[' + b'{"id":"x"},' * 2000 + b'{"id":"y"}]}'


def packed(encoding: str, data: bytes = DOCUMENT) -> bytes:
    if encoding == "gzip":  # two members, as pigz writes
        return gzip.compress(data[:100], mtime=0) + gzip.compress(data[100:], mtime=0)
    wbits = zlib.MAX_WBITS if encoding == "deflate" else -zlib.MAX_WBITS
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def fed(decoder: BodyDecoder, wire: bytes, piece: int) -> bytes:
    out = []
    for start in range(0, len(wire), piece):
        out.extend(decoder.feed(wire[start : start + piece]))
    decoder.finish()
    return b"".join(out)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
@pytest.mark.parametrize("piece", [1, 7, 65536])
def test_any_split_of_the_wire_decodes_the_same(encoding: str, piece: int) -> None:
    name = "deflate" if encoding == "raw-deflate" else encoding
    decoder = decoder_for(name, 10 * len(DOCUMENT))
    assert decoder is not None
    assert fed(decoder, packed(encoding), piece) == DOCUMENT


def test_output_comes_in_bounded_pieces_and_stops_at_the_limit() -> None:
    bomb = packed("deflate", bytes(40 * STEP_BYTES))
    decoder = BodyDecoder("deflate", 5 * STEP_BYTES + 10)
    pieces: list[bytes] = []
    with pytest.raises(Http1Error) as raised:
        pieces.extend(decoder.feed(bomb))
    assert raised.value.kind == "too_large" and "max_decoded_bytes" in str(raised.value)
    decoder = BodyDecoder("deflate", 5 * STEP_BYTES)
    pieces = decoder.feed(packed("deflate", bytes(5 * STEP_BYTES)))
    decoder.finish()
    assert max(map(len, pieces)) <= STEP_BYTES and sum(map(len, pieces)) == 5 * STEP_BYTES


@pytest.mark.parametrize(
    ("encoding", "wire", "problem"),
    [
        ("gzip", packed("gzip")[:-5], "truncated"),
        ("deflate", packed("deflate") + b"more", "bytes follow the end"),
        ("gzip", b"not gzip at all", "cannot decode the body"),
        ("deflate", b"x", "truncated"),
    ],
)
def test_broken_streams_are_protocol_errors(encoding: str, wire: bytes, problem: str) -> None:
    decoder = decoder_for(encoding, 1 << 20)
    assert decoder is not None
    with pytest.raises(Http1Error, match=problem) as raised:
        fed(decoder, wire, 3)
    assert raised.value.kind == "protocol"


def test_other_encodings_and_empty_bodies_are_taken_as_they_are() -> None:
    assert decoder_for(None, 1) is None and decoder_for("br", 1) is None
    assert decoder_for(" X-GZIP ", 1) is not None
    assert decode_body([("Content-Encoding", "gzip")], b"", 1) == b""
    body = b"\x1f\x8b raw"
    assert decode_body([("Content-Encoding", "identity")], body, 1) is body
    assert decode_body([("content-encoding", "gzip")], packed("gzip"), 1 << 20) == DOCUMENT
