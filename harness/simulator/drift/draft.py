"""A response being drifted: status, headers and a body parsed once, on demand."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from lxml import etree

from harness.simulator.buffering import media_kind

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_UNPARSED = object()


class ResponseDraft:
    """Mutable for the effects of one response; `body()` re-serialises only when changed."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.delay_ms = 0.0
        self._body = body
        self._document: Any = _UNPARSED
        self.changed = False

    # headers

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def set_header(self, name: str, value: str) -> None:
        wanted = name.lower()
        for index, (key, _) in enumerate(self.headers):
            if key.lower() == wanted:
                self.headers[index] = (key, value)
                return
        self.headers.append((name, value))

    def drop_header(self, name: str) -> None:
        wanted = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]

    @property
    def kind(self) -> str:
        return media_kind(self.header("content-type"))

    # body

    def document(self) -> Any:
        """The parsed body: JSON value, XML root element, or None; mutate it in place."""
        if self._document is _UNPARSED:
            self._document = None
            kind = self.kind
            if kind == "json" and self._body:
                with contextlib.suppress(orjson.JSONDecodeError):
                    self._document = orjson.loads(self._body)
            elif kind == "xml" and self._body:
                with contextlib.suppress(etree.XMLSyntaxError):
                    self._document = etree.fromstring(self._body, _PARSER)
        return self._document

    def json(self) -> Any:
        """The parsed JSON body, None when the body is not JSON."""
        document = self.document()
        return None if isinstance(document, etree._Element) else document

    def xml(self) -> etree._Element | None:
        """The parsed XML root, None when the body is not XML."""
        document = self.document()
        return document if isinstance(document, etree._Element) else None

    def replace(self, status: int, content_type: str, body: bytes) -> None:
        """Throw the answer away for another one (an injected failure)."""
        self.status = status
        self.drop_header("content-type")
        self.drop_header("etag")
        self.drop_header("location")
        self.headers.append(("content-type", content_type))
        self._body = body
        self._document = _UNPARSED
        self.changed = False

    def body(self) -> bytes:
        if not self.changed or self._document is _UNPARSED or self._document is None:
            return self._body
        if isinstance(self._document, etree._Element):
            declared = self._body.lstrip().startswith(b"<?xml")
            return etree.tostring(self._document, xml_declaration=declared, encoding="UTF-8")
        indented = b"\n" in self._body.strip()
        return orjson.dumps(self._document, option=orjson.OPT_INDENT_2 if indented else 0)
