"""What a messaging answer means, once the noise a faithful re-implementation may have is gone.

Generated identifiers (MESH message ids, UUIDs) become `id1`, `id2`... in order of first
appearance on each side, so two traces agree when their identifiers correspond, whatever
their values; timestamps become `<time>`. JSON is compared parsed (key order is noise), XML as
C14N 2.0 with prefixes rewritten and whitespace-only text stripped, multipart part by part
(the boundary, part header case and order are noise). Header names are compared without case.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import canonicalize

import httpx
import orjson
from lxml import etree

from harness.core.mime import is_multipart, parse_multipart
from harness.simulator.buffering import media_kind

MESH_ID = re.compile(r"\b\d{20}_[0-9A-F]{6}\b")
UUID = re.compile(
    r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b"
)
TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?\b|\b20\d{12}\b")
COMPARED_HEADERS = ("content-type", "content-encoding", "soapaction")


class Ids:
    """One side's identifiers, numbered by first appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def text(self, value: str) -> str:
        def name(found: re.Match[str]) -> str:
            key = found.group(0).upper()
            return self.seen.setdefault(key, f"id{len(self.seen) + 1}")

        value = MESH_ID.sub(name, value)
        value = UUID.sub(name, value)
        return TIME.sub("<time>", value)

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return self.text(value) if isinstance(value, str) else value


def body_meaning(content_type: str | None, body: bytes, ids: Ids) -> Any:
    if not body:
        return b""
    if is_multipart(content_type):
        message = parse_multipart(content_type, body)
        return [
            (
                sorted(
                    (k.lower(), ids.text(v))
                    for k, v in part.headers
                    if k.lower() != "content-length"
                ),
                body_meaning(part.header("content-type"), part.body, ids),
            )
            for part in message.parts
        ]
    kind = media_kind(content_type)
    if kind == "json":
        return ids.json(orjson.loads(body))
    if kind == "xml":
        text = etree.tostring(etree.fromstring(body), encoding="unicode")
        return ids.text(canonicalize(text, rewrite_prefixes=True, strip_text=True))
    return body


def _media(value: str) -> str:
    """A Content-Type's meaning: multipart boundaries are noise, other parameters are not."""
    return re.sub(r';\s*boundary="?[^";]*"?', "", value.lower().replace(" ", ""))


def headers_meaning(headers: httpx.Headers | dict[str, str], ids: Ids) -> dict[str, str]:
    items = headers.items()
    kept = {
        name.lower(): ids.text(value)
        for name, value in items
        if name.lower().startswith("mex-") or name.lower() in COMPARED_HEADERS
    }
    if "content-type" in kept:
        kept["content-type"] = _media(kept["content-type"])
    return kept


def meaning(response: httpx.Response, ids: Ids) -> tuple[int, dict[str, str], Any]:
    content_type = response.headers.get("content-type")
    return (
        response.status_code,
        headers_meaning(response.headers, ids),
        body_meaning(content_type, response.content, ids),
    )
