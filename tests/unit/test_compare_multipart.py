"""The multipart comparator: boundaries and part-header case and order are noise; each part is
compared by its own media family's comparator; paths are `/part[n]/...`."""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.policy import HTTP

import pytest

from harness.core.compare import Comparator, compare
from harness.core.difference import DiffKind
from harness.core.exchange import Response
from harness.core.mime import Part, build_multipart
from harness.core.rules import Rule

pytestmark = pytest.mark.unit

ENVELOPE = b'<s:Envelope xmlns:s="urn:s"><s:Body><id>A1</id><when>2026</when></s:Body></s:Envelope>'
PAYLOAD = b'<hl7:msg xmlns:hl7="urn:hl7"><code>AA</code></hl7:msg>'


def message(
    boundary: str = "--=_MIME-Boundary",
    envelope: bytes = ENVELOPE,
    payload: bytes | None = PAYLOAD,
    *,
    lower: bool = False,
    reverse: bool = False,
    payload_id: str = "<payload@example.org>",
    line_end: bytes = b"\r\n",
) -> Response:
    def headers(content_id: str, content_type: str) -> tuple[tuple[str, str], ...]:
        found = (
            ("Content-Id", content_id),
            ("Content-Type", content_type),
            ("Content-Transfer-Encoding", "8bit"),
        )
        if lower:
            found = tuple((name.lower(), value) for name, value in found)
        return found[::-1] if reverse else found

    parts = [Part(headers("<envelope@example.org>", "text/xml; charset=UTF-8"), envelope)]
    if payload is not None:
        parts.append(Part(headers(payload_id, "application/xml; charset=UTF-8"), payload))
    content_type, body = build_multipart(
        parts, boundary, {"type": "text/xml", "start": "<envelope@example.org>"}, line_end
    )
    return Response(202, (("Content-Type", content_type),), body)


def test_another_boundary_and_part_headers_in_another_case_and_order_are_noise() -> None:
    legacy = message()
    candidate = message("b0undary-7f3a", lower=True, reverse=True, line_end=b"\n")
    assert legacy.body != candidate.body
    assert compare(legacy, candidate) == []


def test_a_changed_element_of_a_part_is_reported_at_its_path() -> None:
    changed = ENVELOPE.replace(b"A1", b"B2")
    differences = compare(message(), message("other", envelope=changed))
    assert [(d.path, d.kind, d.legacy, d.candidate) for d in differences] == [
        ("/part[1]/Envelope/Body/id", DiffKind.CHANGED, "A1", "B2")
    ]


def test_namespace_prefixes_inside_a_part_are_noise_as_in_any_xml() -> None:
    renamed = b'<ns1:msg xmlns:ns1="urn:hl7"><code>AA</code></ns1:msg>'
    assert compare(message(), message(payload=renamed)) == []


def test_a_missing_part_and_a_changed_part_header() -> None:
    differences = compare(message(), message(payload=None))
    assert [(d.path, d.kind) for d in differences] == [("/part[2]", DiffKind.MISSING)]
    differences = compare(message(), message(payload_id="<other@example.org>"))
    assert [(d.path, d.kind) for d in differences] == [("/part[2]/@content-id", DiffKind.CHANGED)]


def test_rules_address_parts_headers_and_bodies() -> None:
    rules = [
        Rule("/part/@content-id"),
        Rule("/part[1]/Envelope/Body/when", "pattern", pattern=r"\d{4}"),
    ]
    candidate = message(
        payload_id="<other@example.org>", envelope=ENVELOPE.replace(b"2026", b"2027")
    )
    assert Comparator(rules).compare(message(), candidate) == []
    assert Comparator([Rule("/*/@*")]).compare(message(), message(payload_id="<x@y>")) == []


def test_a_json_part_is_compared_as_json() -> None:
    def with_json(document: bytes) -> Response:
        part = Part((("Content-Type", "application/json"),), document)
        content_type, body = build_multipart([part], "b1")
        return Response(200, (("Content-Type", content_type),), body)

    assert compare(with_json(b'{"a": 1, "b": 2}'), with_json(b'{"b":2,"a":1}')) == []
    differences = compare(with_json(b'{"a": 1}'), with_json(b'{"a": 2}'))
    assert [(d.path, d.legacy, d.candidate) for d in differences] == [("/part[1]/a", 1, 2)]


def test_a_body_that_is_not_multipart_on_one_side() -> None:
    legacy = message()
    broken = Response(202, legacy.headers, b"nonsense")
    differences = compare(legacy, broken)
    assert [(d.path, d.kind) for d in differences] == [("/", DiffKind.TYPE)]


def test_the_root_part_comes_first_whatever_its_place() -> None:
    first = Part((("Content-Id", "<p@x>"), ("Content-Type", "text/plain")), b"payload")
    root = Part((("Content-Id", "<root@x>"), ("Content-Type", "text/xml")), ENVELOPE)
    type_a, body_a = build_multipart([root, first], "a", {"start": "<root@x>"})
    type_b, body_b = build_multipart([first, root], "b", {"start": "<root@x>"})
    assert (
        compare(
            Response(200, (("Content-Type", type_a),), body_a),
            Response(200, (("Content-Type", type_b),), body_b),
        )
        == []
    )


def test_a_message_written_by_the_standard_library_means_the_same() -> None:
    """Python's own email package (its boundary, its header spelling and folding)."""
    related = MIMEMultipart("related", type="text/xml", start="<envelope@example.org>")
    for content_id, subtype, body in (
        ("<envelope@example.org>", "xml", ENVELOPE),
        ("<payload@example.org>", "xml", PAYLOAD),
    ):
        part = MIMEApplication(body, subtype, _encoder=lambda p: None)
        del part["Content-Type"]
        part["Content-Type"] = f"{'text' if 'envelope' in content_id else 'application'}/xml"
        part.set_param("charset", "UTF-8")
        part["Content-Id"] = content_id
        part["Content-Transfer-Encoding"] = "8bit"
        related.attach(part)
    head, _, body = related.as_bytes(policy=HTTP).partition(b"\r\n\r\n")
    content_type = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.replace(b"\r\n ", b" ").split(b"\r\n")
        if line.lower().startswith(b"content-type:")
    )
    theirs = Response(202, (("Content-Type", content_type),), body)
    assert compare(message(), theirs, options=None) == []
    changed = theirs.body.replace(b"<code>AA</code>", b"<code>AE</code>")
    differences = compare(message(), Response(202, theirs.headers, changed))
    assert [d.path for d in differences] == ["/part[2]/msg/code"]
