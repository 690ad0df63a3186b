"""multipart/related: what the Spine writes, read back, and faithful variants read the same."""

from __future__ import annotations

import pytest

from harness.core.mime import MimeError, Part, build_multipart, parse_multipart

# The shape of NHS England's ebxml_request template: LF line ends, unquoted start.
TEMPLATE = (
    b"----=_MIME-Boundary\n"
    b"Content-Id: <ebXMLHeader@spine.nhs.uk>\n"
    b"Content-Type: text/xml; charset=UTF-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n"
    b"<SOAP:Envelope/>\n"
    b"\n"
    b"----=_MIME-Boundary\n"
    b"Content-Id: <M1@spine.nhs.uk>\n"
    b"Content-Type: text/xml; charset=UTF-8\n"
    b"\n"
    b"<hl7/>\n"
    b"----=_MIME-Boundary--\n"
)
CONTENT_TYPE = (
    'multipart/related; boundary="--=_MIME-Boundary"; type=text/xml; start=ebXMLHeader@spine.nhs.uk'
)


def test_the_templates_shape_parses() -> None:
    message = parse_multipart(CONTENT_TYPE, TEMPLATE)
    assert [part.content_id for part in message.parts] == [
        "ebXMLHeader@spine.nhs.uk",
        "M1@spine.nhs.uk",
    ]
    assert message.root.body == b"<SOAP:Envelope/>\n"
    assert message.parts[1].body == b"<hl7/>"
    assert message.parameter("type") == "text/xml"


def test_build_then_parse_round_trips_with_crlf() -> None:
    parts = [
        Part((("Content-Id", "<a@x>"), ("Content-Type", "text/xml")), b"<a/>"),
        Part((("Content-Id", "<b@x>"),), b"line one\r\nline two\r\n"),
    ]
    content_type, body = build_multipart(parts, "--=_MIME-Boundary", {"start": "<b@x>"})
    message = parse_multipart(content_type, body)
    assert message.parts == tuple(parts)
    assert message.root is message.parts[1]  # the start parameter names the root


def test_another_boundary_and_lower_case_headers_mean_the_same() -> None:
    body = TEMPLATE.replace(b"--=_MIME-Boundary", b"=_other_42").replace(
        b"Content-Id", b"content-id"
    )
    message = parse_multipart(CONTENT_TYPE.replace("--=_MIME-Boundary", "=_other_42"), body)
    assert message.root.header("CONTENT-ID") == "<ebXMLHeader@spine.nhs.uk>"


def test_a_boundary_inside_a_line_is_content() -> None:
    body = TEMPLATE.replace(b"<hl7/>", b"<hl7>x----=_MIME-Boundary</hl7>")
    assert parse_multipart(CONTENT_TYPE, body).parts[1].body == b"<hl7>x----=_MIME-Boundary</hl7>"


@pytest.mark.parametrize(
    ("content_type", "body", "words"),
    [
        ("text/xml", TEMPLATE, "not multipart"),
        ("multipart/related", TEMPLATE, "no boundary"),
        (CONTENT_TYPE, b"no boundary here", "no part"),
        (CONTENT_TYPE, TEMPLATE.replace(b"----=_MIME-Boundary--\n", b""), "closing boundary"),
        (
            CONTENT_TYPE,
            TEMPLATE.replace(b"Content-Transfer-Encoding: 8bit", b"garbage"),
            "Name: value",
        ),
    ],
)
def test_unreadable_messages_say_why(content_type: str, body: bytes, words: str) -> None:
    with pytest.raises(MimeError, match=words):
        parse_multipart(content_type, body)


def test_the_spine2_presentation_changes_boundary_and_part_headers_not_meaning() -> None:
    from harness.simulator.flavour import rewrite_message

    legacy_type, legacy = build_multipart(
        [
            Part(
                (("Content-Id", "<a@x>"), ("Content-Type", "text/xml")),
                b'<e:a xmlns:e="urn:e">1</e:a>',
            ),
            Part(
                (("Content-Id", "<b@x>"), ("Content-Type", "application/octet-stream")), b"raw\x00"
            ),
        ],
        "--=_MIME-Boundary",
        {"type": "text/xml", "start": "<a@x>"},
    )
    spine2_type, spine2 = rewrite_message(legacy_type, legacy)
    old, new = parse_multipart(legacy_type, legacy), parse_multipart(spine2_type, spine2)
    assert new.parameter("boundary") != old.parameter("boundary")
    assert new.parameter("start") == "<a@x>" and new.parameter("type") == "text/xml"
    assert [p.headers for p in new.parts] == [
        (("content-type", "text/xml"), ("content-id", "<a@x>")),
        (("content-type", "application/octet-stream"), ("content-id", "<b@x>")),
    ]
    assert b"ns1:a" in new.parts[0].body  # XML presented the spine2 way
    assert new.parts[1].body == b"raw\x00"  # other content untouched
    assert rewrite_message("text/plain", b"x") == ("text/plain", b"x")
    assert rewrite_message(legacy_type, b"garbage") == (legacy_type, b"garbage")
