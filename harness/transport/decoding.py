"""`Content-Encoding: gzip` / `deflate` decoded as the body arrives, up to a size.

The client feeds each piece of a compressed body to a `BodyDecoder` as it is read, so it keeps
only decoded bytes, never more than `max_decoded_bytes` of them: zlib is asked for at most one
byte more than the room left, and that byte's arrival is the limit passed (a 200 KB "gzip
bomb" stops at the limit instead of unfolding into gigabytes). Output comes in pieces of at
most `STEP_BYTES`, handed over as they are (never joined here), so decoding holds no second
copy of what it decoded. Every gzip member is decoded
(RFC 1952 allows several, as pigz writes); a truncated stream, bytes after the end of a deflate
stream and corrupt data are errors. `deflate` is taken with its zlib wrapper (RFC 9110) or raw,
as some servers send it, told apart by the wrapper's two-byte header.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from harness.core.exchange import header
from harness.transport.errors import Http1Error
from harness.transport.limits import size

_GZIP_WBITS = 16 + zlib.MAX_WBITS
STEP_BYTES = 1024 * 1024  # the most zlib is asked to decode at once


class BodyDecoder:
    """Decodes one gzip or deflate body piece by piece, holding at most `max_decoded_bytes`."""

    __slots__ = ("_gzip", "_pending", "_room", "_stream", "_wire_bytes", "encoding", "limit")

    def __init__(self, encoding: str, max_decoded_bytes: int) -> None:
        self.encoding = encoding
        self.limit = max_decoded_bytes
        self._gzip = encoding != "deflate"
        self._room = max_decoded_bytes
        self._stream: zlib._Decompress | None = None
        self._pending = b""  # deflate: the first byte, until the wrapper's header can be read
        self._wire_bytes = 0

    def feed(self, data: bytes) -> list[bytes]:
        """The decoded pieces `data` gives; raises Http1Error when corrupt or past the limit."""
        self._wire_bytes += len(data)
        if self._stream is None:
            data = self._pending + data
            if not self._gzip and len(data) < 2:
                self._pending = data
                return []
            self._pending = b""
            self._stream = zlib.decompressobj(self._wbits_for(data))
        out = []
        stream = self._stream
        try:
            while True:
                if stream.eof:  # a member ended: bytes after it start another (gzip only)
                    if not data:
                        break
                    if not self._gzip:
                        raise zlib.error("bytes follow the end of the compressed body")
                    stream = self._stream = zlib.decompressobj(_GZIP_WBITS)
                step = min(self._room + 1, STEP_BYTES)
                piece = stream.decompress(data, step)
                if len(piece) > self._room:
                    raise self._too_large()
                self._room -= len(piece)
                if piece:
                    out.append(piece)
                if stream.unconsumed_tail:  # the step was full: more to decode from this data
                    data = stream.unconsumed_tail
                elif stream.eof:
                    data = stream.unused_data
                elif len(piece) == step:  # full, input used up: output may still be pending
                    data = b""
                else:
                    break
        except zlib.error as error:
            raise Http1Error(f"cannot decode the body: {error}", "protocol") from None
        return out

    def finish(self) -> None:
        """The body is complete: raises Http1Error when its compressed stream was cut short."""
        if self._pending or (self._stream is not None and not self._stream.eof):
            raise Http1Error("cannot decode the body: the compressed body is truncated", "protocol")

    def _wbits_for(self, start: bytes) -> int:
        if self._gzip:
            return _GZIP_WBITS
        return zlib.MAX_WBITS if _zlib_header(start[0], start[1]) else -zlib.MAX_WBITS

    def _too_large(self) -> Http1Error:
        return Http1Error(
            f"answer too large: its {self.encoding}-decoded body passed max_decoded_bytes = "
            f"{size(self.limit)} (from {self._wire_bytes:,} compressed bytes; decoding stopped)",
            "too_large",
        )


def decoder_for(encoding: str | None, max_decoded_bytes: int) -> BodyDecoder | None:
    """A decoder for a `Content-Encoding` value, or None when the body is taken as it is."""
    if encoding is None:
        return None
    name = encoding.strip().lower()
    if name in ("gzip", "x-gzip"):
        return BodyDecoder("gzip", max_decoded_bytes)
    if name == "deflate":
        return BodyDecoder("deflate", max_decoded_bytes)
    return None


def decode_body(headers: Sequence[tuple[str, str]], body: bytes, max_decoded_bytes: int) -> bytes:
    """A whole body without its gzip/deflate `Content-Encoding` (the body itself when it has
    none); raises Http1Error when it is corrupt or decodes past `max_decoded_bytes`."""
    decoder = decoder_for(header(headers, "content-encoding"), max_decoded_bytes)
    if decoder is None or not body:
        return body
    decoded = decoder.feed(body)
    decoder.finish()
    return b"".join(decoded)


def _zlib_header(cmf: int, flg: int) -> bool:
    """Whether two bytes open a zlib stream (RFC 1950: deflate, a window of at most 32 KiB, a
    check that makes the pair a multiple of 31)."""
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
