"""FHIR XML for SDS answers (`Accept: application/fhir+xml`), as the legacy service offered it.

The standard FHIR JSON -> XML mapping for the few resource types SDS returns: primitives become
`<name value="..."/>`, lists repeat the element, `extension.url` is an attribute, a contained
`resource` is wrapped in an element named by its `resourceType`, and children follow the order
the FHIR R4 definitions give (which differs from the JSON the service builds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from lxml import etree

FHIR_NS = "http://hl7.org/fhir"
# lxml takes None as the default namespace's prefix; its stubs only know string prefixes.
DEFAULT_FHIR: Mapping[str, str] = cast("Mapping[str, str]", {None: FHIR_NS})
_DOMAIN = ("id", "meta", "implicitRules", "language", "text", "contained", "extension")
ORDER: dict[str, tuple[str, ...]] = {
    "Bundle": ("id", "meta", "identifier", "type", "timestamp", "total", "link", "entry"),
    "Device": (*_DOMAIN, "identifier", "status", "manufacturer", "owner"),
    "Endpoint": (
        *_DOMAIN,
        "identifier",
        "status",
        "connectionType",
        "name",
        "managingOrganization",
        "payloadType",
        "address",
    ),
    "OperationOutcome": (*_DOMAIN, "issue"),
    "entry": ("link", "fullUrl", "resource", "search"),
    "issue": ("severity", "code", "details", "diagnostics"),
    "extension": ("extension", "valueReference", "valueString", "valueInteger"),
    "identifier": ("system", "value"),
    "coding": ("system", "version", "code", "display"),
}


def _ordered(name: str, value: dict[str, Any]) -> list[str]:
    order = ORDER.get(name, ())
    known = [key for key in order if key in value]
    return known + [key for key in value if key not in order]


def _element(parent: etree._Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _element(parent, name, item)
        return
    if isinstance(value, dict):
        element = etree.SubElement(parent, f"{{{FHIR_NS}}}{name}")
        if name == "resource" and "resourceType" in value:
            _resource(element, value)
            return
        if "url" in value and name == "extension":
            element.set("url", str(value["url"]))
        for key in _ordered(name, value):
            if not (key == "url" and name == "extension"):
                _element(element, key, value[key])
        return
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    etree.SubElement(parent, f"{{{FHIR_NS}}}{name}", value=text)


def _resource(parent: etree._Element | None, resource: dict[str, Any]) -> etree._Element:
    kind = str(resource["resourceType"])
    if parent is None:
        element = etree.Element(f"{{{FHIR_NS}}}{kind}", nsmap=DEFAULT_FHIR)
    else:
        element = etree.SubElement(parent, f"{{{FHIR_NS}}}{kind}")
    for key in _ordered(kind, resource):
        if key != "resourceType":
            _element(element, key, resource[key])
    return element


def to_fhir_xml(resource: dict[str, Any]) -> bytes:
    return etree.tostring(_resource(None, resource), xml_declaration=True, encoding="UTF-8")
