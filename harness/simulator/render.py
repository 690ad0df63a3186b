"""How the simulated legacy platform writes its answers (the spine2 flavour rewrites them later)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from lxml import etree
from starlette.responses import Response

FHIR_JSON = "application/fhir+json"
SOAP_XML = "text/xml"
LEGACY_SERVER = "Spine/2013 (legacy)"


def json_response(
    body: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = FHIR_JSON,
) -> Response:
    """A JSON answer, keys in the order the service built them."""
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={"Server": LEGACY_SERVER, **(headers or {})},
        media_type=media_type,
    )


def xml_response(
    root: etree._Element | bytes,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = SOAP_XML,
) -> Response:
    """An XML answer with an XML declaration, as the legacy platform sent them."""
    body = (
        root
        if isinstance(root, bytes)
        else etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    )
    return Response(
        body,
        status_code=status,
        headers={"Server": LEGACY_SERVER, **(headers or {})},
        media_type=f"{media_type}; charset=utf-8",
    )
