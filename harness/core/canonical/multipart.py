"""multipart/* bodies (ebXML's multipart/related, MIME messages): compared part by part.

What is noise in a multipart body: the boundary (it only has to be absent from the parts), the
case and the order of each part's header names, and the line ends. What is meaning: how many
parts there are, their order (the `start` part, RFC 2387's root, first; then the others as
written), each part's header values, and each part's body, compared by the comparator of its
own media family (an XML envelope by the XML comparator, a JSON part by the JSON one, a nested
multipart by this one).

Paths: `/part[n]` is the n-th part (1-based, the root first), `/part[n]/@<header>` one of its
headers (lower-case name), and the part body's own paths below it (`/part[2]/Envelope/Body/...`
for an XML part). Rules address them the same way; `part` without an index covers every part,
`*` any one step, `@*` any header (`/part/@content-id`, `/*/@*`).
"""

from __future__ import annotations

from collections.abc import Callable

from harness.core.canonical.base import (
    BodyComparator,
    ContentTypes,
    family_of,
    unparsed_body,
    unparsed_difference,
)
from harness.core.canonical.headers import normalise_content_type
from harness.core.canonical.text import TEXT
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import bare_media_type
from harness.core.mime import MimeError, Multipart, Part, parse_multipart
from harness.core.rules import RuleNode, effect_of, step_xml

# Content-Length says nothing a part's bytes do not; MIME-Version means something only at the
# top of a message (RFC 2045 section 4): writers differ on repeating it in parts.
IGNORED_PART_HEADERS = frozenset({"content-length", "mime-version"})
_PART = "part"


def parse(content_type: str | None, body: bytes) -> Multipart | None:
    """The parts of a multipart body, or None when it is not one (no boundary, no parts)."""
    try:
        return parse_multipart(content_type or _sniffed_content_type(body), body)
    except MimeError:
        return None


def _sniffed_content_type(body: bytes) -> str:
    """Without a Content-Type, the boundary is the first delimiter line (`--boundary`)."""
    first = body.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    if not first.startswith(b"--") or len(first) < 3:
        return ""
    boundary = first[2:].decode("latin-1").replace('"', "")
    return f'multipart/mixed; boundary="{boundary}"'


def ordered_parts(message: Multipart) -> list[Part]:
    """The root (`start`) part first, then the others in the order they were written."""
    root = message.root
    return [root, *(part for part in message.parts if part is not root)]


def part_headers(part: Part) -> dict[str, str]:
    """A part's headers by lower-case name, repeated ones joined with `, ` (Content-Type
    normalised: media type and parameter names in lower case, parameters sorted)."""
    found: dict[str, str] = {}
    for name, value in part.headers:
        key = name.strip().lower()
        if key in IGNORED_PART_HEADERS:
            continue
        text = value.strip()
        found[key] = f"{found[key]}, {text}" if key in found else text
    if "content-type" in found:
        found["content-type"] = normalise_content_type(found["content-type"])
    return found


class MultipartComparator:
    """`comparator_named(family)` gives each part's comparator (the registry of
    `harness.core.canonical`, handed in so that this module does not import it back)."""

    name = "multipart"

    def __init__(self, comparator_named: Callable[[str], BodyComparator]) -> None:
        self.comparator_named = comparator_named

    def diff(
        self,
        legacy: bytes,
        candidate: bytes,
        states: tuple[RuleNode, ...],
        out: list[Difference],
        content_types: ContentTypes = (None, None),
    ) -> bool:
        if legacy == candidate:
            return True
        a, b = parse(content_types[0], legacy), parse(content_types[1], candidate)
        if a is None and b is None:
            return False
        ignored = bool(states) and effect_of(states).ignore
        if ignored:
            return True
        if a is None or b is None:
            shown_a = unparsed_body(legacy) if a is None else _describe(a)
            shown_b = unparsed_body(candidate) if b is None else _describe(b)
            out.append(unparsed_difference(legacy, shown_a, candidate, shown_b))
            return True
        parts_a, parts_b = ordered_parts(a), ordered_parts(b)
        for index in range(max(len(parts_a), len(parts_b))):
            step = f"{_PART}[{index + 1}]"
            path = f"/{step}"
            here = step_xml(states, step, _PART) if states else ()
            if here and effect_of(here).ignore:
                continue
            if index >= len(parts_b):
                out.append(Difference(path, DiffKind.MISSING, _describe_part(parts_a[index])))
            elif index >= len(parts_a):
                out.append(Difference(path, DiffKind.EXTRA, None, _describe_part(parts_b[index])))
            else:
                self._diff_part(parts_a[index], parts_b[index], path, here, out)
        return True

    def _diff_part(
        self,
        a: Part,
        b: Part,
        path: str,
        states: tuple[RuleNode, ...],
        out: list[Difference],
    ) -> None:
        headers_a, headers_b = part_headers(a), part_headers(b)
        if headers_a != headers_b:
            for name in sorted(headers_a.keys() | headers_b.keys()):
                value_a, value_b = headers_a.get(name), headers_b.get(name)
                if value_a == value_b:
                    continue
                key = f"@{name}"
                at = step_xml(states, key, key) if states else ()
                effect = effect_of(at) if at else None
                if effect is not None and effect.ignore:
                    continue
                if value_a is None:
                    out.append(Difference(f"{path}/{key}", DiffKind.EXTRA, None, value_b))
                elif value_b is None:
                    out.append(Difference(f"{path}/{key}", DiffKind.MISSING, value_a, None))
                elif (
                    effect is None
                    or effect.value is None
                    or not effect.value.accepts(value_a, value_b)
                ):
                    out.append(Difference(f"{path}/{key}", DiffKind.CHANGED, value_a, value_b))
        if a.body == b.body:
            return
        type_a, type_b = a.header("content-type"), b.header("content-type")
        family_a, family_b = family_of(bare_media_type(type_a)), family_of(bare_media_type(type_b))
        comparator = self.comparator_named(family_a) if family_a == family_b else TEXT
        inner: list[Difference] = []
        if not comparator.diff(a.body, b.body, states, inner, (type_a, type_b)):
            TEXT.diff(a.body, b.body, states, inner)
        out.extend(
            Difference(path if d.path == "/" else path + d.path, d.kind, d.legacy, d.candidate)
            for d in inner
        )


def _describe(message: Multipart) -> str:
    return f"{message.media_type} of {len(message.parts)} part(s)"


def _describe_part(part: Part) -> str:
    kind = bare_media_type(part.header("content-type")) or "a part without Content-Type"
    return f"{kind} of {len(part.body)} bytes"
