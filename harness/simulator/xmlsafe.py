"""Parsing XML that arrives from outside: no network, no entities, no DTD, a size cap.

SOAP and ebXML forbid document type declarations, so any DTD is refused outright (XML bombs
and external entities never get parsed); garbage becomes an `UnsafeXml` naming the problem.
One hardened parser per thread, since lxml parsers must not be shared between threads.
"""

from __future__ import annotations

import threading

from lxml import etree

_local = threading.local()


class UnsafeXml(ValueError):
    """The bytes are not an XML document this simulator will read (the message says why)."""


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
        )
    return parser


def parse_xml(data: bytes, max_bytes: int, what: str = "the body") -> etree._Element:
    """The root element of `data`; UnsafeXml when empty, too large, with a DTD, or malformed."""
    if not data.strip():
        raise UnsafeXml(f"{what} is empty")
    if len(data) > max_bytes:
        raise UnsafeXml(f"{what} exceeds {max_bytes} bytes")
    upper = data.upper()  # cheap refusal before parsing; the docinfo check below catches UTF-16
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise UnsafeXml(f"{what} must not contain a document type declaration")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise UnsafeXml(f"{what} is not well-formed XML: {error}") from None
    if root is None or not isinstance(root.tag, str):
        raise UnsafeXml(f"{what} is not an XML document")
    info = root.getroottree().docinfo
    doctype: object = getattr(info, "doctype", "")  # lxml has it; its stubs do not
    if info.internalDTD is not None or doctype:
        raise UnsafeXml(f"{what} must not contain a document type declaration")
    return root
