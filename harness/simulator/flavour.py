"""The `spine2` flavour: the same answers, presented the way a re-implementation would.

Everything that may legitimately differ between two faithful implementations does:
JSON key order (sorted, where legacy keeps FHIR's element order) and indentation; header order
(reversed), header name case (Title-Case) and the `Server` header; XML namespace prefixes
(renamed `ns1`, `ns2`... with no default namespace), attribute order (reversed), indentation
and the XML declaration's quoting; multipart messages (ebXML) get another MIME boundary and
their part headers in lower case and reverse order, each part rewritten by its own type.
Values never change. Prefixes used inside QName-valued content (a SOAP `faultcode` of
`SOAP-ENV:Client`, an `xsi:type`) are kept: renaming them would change that content's text.

Generated identifiers and timestamps differ on their own: services draw them per flavour
(`SimulatorContext.flavour`). Installed by `build_app` (`harness.simulator.app`) as ASGI
middleware; drift wraps it.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import orjson
from lxml import etree
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.core.mime import MimeError, Part, build_multipart, is_multipart, parse_multipart
from harness.simulator.buffering import (
    OPAQUE_BODY,
    BufferedResponse,
    RawHeaders,
    call_buffered,
    header_value,
    media_kind,
    send_whole,
)

SPINE2_SERVER = "Spine2/1.0 (candidate)"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_QNAME_CONTENT = re.compile(r"^\s*([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*$")


# --- JSON ---------------------------------------------------------------------------------------


def rewrite_json(body: bytes) -> bytes:
    """Every object's keys sorted (lists keep their order), indented: done in C by orjson."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


# --- XML ----------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _namespace(name: str) -> str | None:
    return name[1:].split("}", 1)[0] if name[:1] == "{" else None


_QNAME_CANDIDATES = etree.XPath("//text()[contains(., ':')] | //@*[contains(., ':')]")
_NAMESPACED_ATTRIBUTES = etree.XPath("//@*[namespace-uri() != '']")
_SEVERAL_ATTRIBUTES = etree.XPath("//*[count(@*) > 1]")


def _nodes(xpath: etree.XPath, root: etree._Element) -> list[Any]:
    result = xpath(root)
    return list(result) if isinstance(result, list) else []


def _prefix_plan(root: etree._Element) -> dict[str, str]:
    """Namespace URI -> the prefix spine2 writes it with (XPath does the scanning, in C)."""
    used: dict[str, None] = {}
    for element in root.iter():
        tag = element.tag
        if isinstance(tag, str) and tag[:1] == "{":
            used[tag[1:].split("}", 1)[0]] = None
    for attribute in _nodes(_NAMESPACED_ATTRIBUTES, root):
        uri = _namespace(str(attribute.attrname))
        if uri and uri != XML_NAMESPACE:
            used[uri] = None
    kept: dict[str, str] = {}  # URIs whose prefix appears inside QName-valued content
    for content in _nodes(_QNAME_CANDIDATES, root):
        found = _QNAME_CONTENT.match(str(content))
        element = content.getparent()
        if found and element is not None:
            prefix = found.group(1)
            uri = element.nsmap.get(prefix)
            if uri is not None:
                kept.setdefault(uri, prefix)
    plan = dict(kept)
    taken = set(kept.values()) | {prefix for prefix in root.nsmap if prefix}
    counter = 1
    for uri in used:
        if uri in plan:
            continue
        while f"ns{counter}" in taken:
            counter += 1
        plan[uri] = f"ns{counter}"
        taken.add(plan[uri])
    return plan


def _reverse_attributes(root: etree._Element) -> None:
    for element in _nodes(_SEVERAL_ATTRIBUTES, root):
        attributes = element.attrib
        items = attributes.items()
        attributes.clear()
        for name, value in reversed(items):
            attributes[name] = value


def _is_indented(root: etree._Element) -> bool:
    return any(
        (element.tail and not element.tail.strip() and "\n" in element.tail)
        for element in root.iter()
    )


def _strip_indentation(root: etree._Element) -> None:
    for element in root.iter():
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None


def rewrite_xml(body: bytes) -> bytes:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return body
    plan = {prefix: uri for uri, prefix in _prefix_plan(root).items()}
    # Declared on a wrapper, the plan's prefixes replace every declaration of the same URI
    # below it; the legacy declarations, now unused, are removed.
    wrapper = etree.Element("spine2", nsmap=plan)
    wrapper.append(root)
    etree.cleanup_namespaces(wrapper, top_nsmap=plan)
    _reverse_attributes(root)
    if _is_indented(root):
        _strip_indentation(root)
    else:
        etree.indent(root, space="   ")
    text = etree.tostring(root, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text + b"\n"


# --- headers and the middleware -----------------------------------------------------------------


def _title(name: bytes) -> bytes:
    return b"-".join(part[:1].upper() + part[1:].lower() for part in name.split(b"-"))


def rewrite_headers(headers: RawHeaders) -> RawHeaders:
    kept = [(_title(k), v) for k, v in headers if k.lower() not in (b"server", b"content-length")]
    kept.reverse()
    kept.insert(0, (b"Server", SPINE2_SERVER.encode()))
    return kept


def rewrite_multipart(content_type: str, body: bytes) -> tuple[str, bytes]:
    """Another boundary; each part's header names lower-cased, in reverse order; each part's
    body rewritten by its own content type (the ebXML envelope and the HL7 as XML)."""
    try:
        message = parse_multipart(content_type, body)
    except MimeError:
        return content_type, body
    parts = [
        Part(
            tuple((name.lower(), value) for name, value in reversed(part.headers)),
            rewrite_body(part.header("content-type"), part.body),
        )
        for part in message.parts
    ]
    kept = [(name, value) for name, value in message.parameters if name.lower() != "boundary"]
    return build_multipart(parts, f"=_spine2_{secrets.token_hex(8)}", kept)


def rewrite_message(content_type: str, body: bytes) -> tuple[str, bytes]:
    """The spine2 presentation of a whole message: its Content-Type (a multipart message has
    another boundary) and its body."""
    if is_multipart(content_type):
        return rewrite_multipart(content_type, body)
    return content_type, rewrite_body(content_type, body)


def rewrite_body(content_type: str | None, body: bytes) -> bytes:
    if not body:
        return body
    kind = media_kind(content_type)
    if kind == "json":
        return rewrite_json(body)
    if kind == "xml":
        return rewrite_xml(body)
    return body


class Spine2Flavour:
    """ASGI middleware giving every HTTP answer the spine2 presentation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_rewritten(response: BufferedResponse) -> None:
            headers = response.headers
            content_type = header_value(headers, b"content-type")
            body = response.body
            if content_type is not None and body and not scope.get(OPAQUE_BODY):
                new_type, body = rewrite_message(content_type, body)
                if new_type != content_type:
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                    headers.append((b"content-type", new_type.encode("latin-1")))
            rewritten = rewrite_headers(headers)
            if not body and (length := header_value(headers, b"content-length")):
                rewritten.append((b"content-length", length.encode()))
            head = scope.get("method") == "HEAD"
            await send_whole(send, response.status, rewritten, body, head)

        await call_buffered(self.app, scope, receive, send, send_rewritten)
