"""multipart/* messages (RFC 2046, RFC 2387's multipart/related): parse and build, pure.

    Content-Type: multipart/related; boundary="--=_MIME-Boundary"; type="text/xml";
        start="<envelope@example.org>"

    ----=_MIME-Boundary
    Content-Id: <envelope@example.org>
    Content-Type: text/xml; charset=UTF-8
    Content-Transfer-Encoding: 8bit

    <SOAP:Envelope ...>
    ----=_MIME-Boundary--

Line ends may be CRLF or LF (published ebXML templates use LF). Header names are read without
case, so a re-implementation that writes `content-id` instead of `Content-Id` means the same.
The simulator's messaging reads and writes its messages with it, and the comparison's
`multipart` comparator (`harness.core.canonical.multipart`) reads both sides' bodies with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_PARAMETER = re.compile(r';\s*([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class MimeError(ValueError):
    """Not a multipart message this simulator can read (the message says why)."""


@dataclass(frozen=True, slots=True)
class Part:
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def content_id(self) -> str:
        return (self.header("content-id") or "").strip().strip("<>")


@dataclass(frozen=True, slots=True)
class Multipart:
    media_type: str  # multipart/related
    parameters: tuple[tuple[str, str], ...]  # boundary, type, start ... as sent
    parts: tuple[Part, ...]

    def parameter(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.parameters if key.lower() == wanted), None)

    @property
    def root(self) -> Part:
        """The `start` part, else the first (RFC 2387)."""
        start = (self.parameter("start") or "").strip().strip("<>")
        if start:
            for part in self.parts:
                if part.content_id == start:
                    return part
        return self.parts[0]


def content_type_parameters(content_type: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The media type (lower case) and its parameters, quotes removed."""
    media_type, _, rest = content_type.partition(";")
    parameters = []
    for name, raw in _PARAMETER.findall(";" + rest):
        value = raw.strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        parameters.append((name, value))
    return media_type.strip().lower(), tuple(parameters)


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").strip().lower().startswith("multipart/")


def parse_multipart(content_type: str | None, body: bytes) -> Multipart:
    media_type, parameters = content_type_parameters(content_type or "")
    if not media_type.startswith("multipart/"):
        raise MimeError(f"the Content-Type is {media_type or 'missing'}, not multipart/related")
    boundary = {k.lower(): v for k, v in parameters}.get("boundary")
    if not boundary:
        raise MimeError("the multipart Content-Type has no boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = re.split(rb"(?:\A|\r?\n)" + re.escape(delimiter), body)
    if len(chunks) < 3:
        raise MimeError("the body has no part between its boundaries")
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        parts.append(_part(chunk))
    else:
        raise MimeError("the body does not end with the closing boundary")
    if not parts:
        raise MimeError("the body has no part between its boundaries")
    return Multipart(media_type, parameters, tuple(parts))


def _part(chunk: bytes) -> Part:
    text = (
        chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:] if chunk.startswith(b"\n") else chunk
    )
    found = re.search(rb"\r?\n\r?\n", text)
    if found is None:
        head, body = text, b""
    else:
        head, body = text[: found.start()], text[found.end() :]
    headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        if not line.strip():
            continue
        if line[:1] in " \t" and headers:  # a folded header line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, separator, value = line.partition(":")
        if not separator:
            raise MimeError(f"a part header line is not 'Name: value': {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return Part(tuple(headers), body)


def build_multipart(
    parts: Iterable[Part],
    boundary: str,
    parameters: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    line_end: bytes = b"\r\n",
) -> tuple[str, bytes]:
    """The Content-Type (boundary first, then `parameters`) and the body."""
    delimiter = b"--" + boundary.encode("latin-1")
    lines: list[bytes] = []
    for part in parts:
        lines.append(delimiter)
        lines.extend(f"{name}: {value}".encode("latin-1") for name, value in part.headers)
        lines.append(b"")
        lines.append(part.body)
    lines.append(delimiter + b"--")
    items = parameters.items() if isinstance(parameters, Mapping) else parameters
    extra = "".join(f'; {name}="{value}"' for name, value in items)
    return f'multipart/related; boundary="{boundary}"{extra}', line_end.join(lines) + line_end
