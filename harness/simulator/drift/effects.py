"""What a drift entry does to a response: one effect per entry, the bugs re-implementations have.

Each effect is a frozen record applied to a `ResponseDraft`; `spec.py` reads them from YAML.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from lxml import etree

from harness.core.canonical.times import parse_timestamp
from harness.simulator.behaviour import reorder
from harness.simulator.drift.draft import ResponseDraft
from harness.simulator.drift.paths import (
    json_delete,
    json_locations,
    xml_delete,
    xml_select,
    xml_set,
    xml_text,
)

SPINE_CODES = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass
class EffectEnv:
    """What an effect may consult besides the response: its entry's random stream and the
    master patient records (for effects that undo redaction)."""

    entry_id: str
    rng: random.Random
    restricted_master: Callable[[str], dict[str, Any] | None]


class Effect(Protocol):
    @property
    def kind(self) -> str: ...

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None: ...


# --- effects on values at a path ----------------------------------------------------------------


def _rewrite_values(draft: ResponseDraft, path: str, change: Callable[[Any], Any]) -> None:
    """Replace every value at `path` by `change(value)` (None from `change` keeps the value)."""
    document = draft.document()
    if isinstance(document, etree._Element):
        for node in xml_select(document, path):
            new = change(xml_text(node))
            if new is not None:
                xml_set(node, str(new))
                draft.changed = True
    elif document is not None:
        for container, key in json_locations(document, path):
            new = change(container[key])
            if new is not None:
                container[key] = new
                draft.changed = True


@dataclass(frozen=True, slots=True)
class Drop:
    """A field the re-implementation forgot to send."""

    path: str
    kind: str = "drop"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        document = draft.document()
        if isinstance(document, etree._Element):
            for node in xml_select(document, self.path):
                xml_delete(node)
                draft.changed = True
        elif document is not None and json_delete(document, self.path):
            draft.changed = True


@dataclass(frozen=True, slots=True)
class SetValue:
    """A field with a wrong value."""

    path: str
    value: Any
    kind: str = "set"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        _rewrite_values(draft, self.path, lambda _: copy.deepcopy(self.value))


_DATE_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d")


def parse_date(text: str) -> datetime | None:
    """ISO 8601 dates and date-times, and HL7 v3 TS values (yyyymmdd[hhmm[ss]])."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


@dataclass(frozen=True, slots=True)
class ReformatDate:
    """A date written in another format (e.g. `%Y%m%d` for `1990-04-12`)."""

    path: str
    format: str
    kind: str = "reformat_date"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        def change(value: Any) -> str | None:
            parsed = parse_date(value) if isinstance(value, str) else None
            return parsed.strftime(self.format) if parsed else None

        _rewrite_values(draft, self.path, change)


@dataclass(frozen=True, slots=True)
class ShiftTimes:
    """Date-times moved by `seconds` (a wrong clock, a timezone slip, an expiry computed from
    the wrong base): those at `path`, or every one in the answer. Plain dates (a birth date)
    are left alone."""

    seconds: float
    path: str | None = None
    kind: str = "shift_times"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        if self.path is not None:
            _rewrite_values(draft, self.path, lambda value: shifted_time(value, self.seconds))
            return
        document = draft.document()
        if isinstance(document, etree._Element):
            for element in document.iter():
                if isinstance(element.tag, str):
                    moved = shifted_time(element.text, self.seconds)
                    if moved is not None:
                        element.text, draft.changed = moved, True
                    for name, value in element.attrib.items():
                        moved = shifted_time(str(value), self.seconds)
                        if moved is not None:
                            element.set(name, moved)
                            draft.changed = True
        elif document is not None:
            draft.changed = _shift_json(document, self.seconds) or draft.changed


def _shift_json(node: Any, seconds: float) -> bool:
    changed = False
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items) if isinstance(node, dict | list) else ():
        if isinstance(value, str):
            moved = shifted_time(value, seconds)
            if moved is not None:
                node[key], changed = moved, True
        elif isinstance(value, dict | list):
            changed = _shift_json(value, seconds) or changed
    return changed


def shifted_time(text: object, seconds: float) -> str | None:
    """`text` moved by `seconds` in its own format, when it is a date-time (ISO 8601 with a time,
    or HL7 TS down to the minute at least); None otherwise."""
    if not isinstance(text, str) or not text:
        return None
    value = text.strip()
    if value.isdigit() and len(value) >= 12:
        parsed = parse_timestamp(value)
        if parsed is None:
            return None
        return (parsed + timedelta(seconds=seconds)).strftime("%Y%m%d%H%M%S")[: len(value)]
    if "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    fraction = value.split(".", 1)[1] if "." in value.split("T", 1)[1] else ""
    digits = len(fraction) - len(fraction.lstrip("0123456789"))
    spec = {0: "seconds", 3: "milliseconds"}.get(digits, "microseconds")
    moved = (parsed + timedelta(seconds=seconds)).isoformat(timespec=spec)
    return moved.replace("+00:00", "Z") if value.endswith("Z") else moved


@dataclass(frozen=True, slots=True)
class ReformatNumber:
    """A number written differently: as a string, or with another precision."""

    path: str
    format: str
    kind: str = "reformat_number"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        def change(value: Any) -> str | None:
            if isinstance(value, bool):
                return None
            if isinstance(value, str):
                try:
                    value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
                except ValueError:
                    return None
            if not isinstance(value, int | float):
                return None
            return format(value, self.format)

        _rewrite_values(draft, self.path, change)


# --- effects on lists ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Truncate:
    """A list cut short (a page limit, a lost join)."""

    path: str
    keep: int
    kind: str = "truncate"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        document = draft.document()
        if isinstance(document, etree._Element):
            for node in xml_select(document, self.path)[self.keep :]:
                xml_delete(node)
                draft.changed = True
        elif document is not None:
            for container, key in json_locations(document, self.path):
                items = container[key]
                if isinstance(items, list) and len(items) > self.keep:
                    del items[self.keep :]
                    draft.changed = True


@dataclass(frozen=True, slots=True)
class Reorder:
    """A list whose order matters, returned in another order."""

    path: str
    order: str  # reverse | rotate
    kind: str = "reorder"

    def _arrange(self, items: list[Any]) -> list[Any]:
        return reorder(items, "rotate" if self.order == "rotate" else "reverse")

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        document = draft.document()
        if isinstance(document, etree._Element):
            groups: dict[Any, list[etree._Element]] = {}
            for node in xml_select(document, self.path):
                if isinstance(node, etree._Element) and node.getparent() is not None:
                    groups.setdefault(node.getparent(), []).append(node)
            for parent, nodes in groups.items():
                if len(nodes) < 2:
                    continue
                positions = [parent.index(node) for node in nodes]
                tails = [node.tail for node in nodes]
                for node in nodes:
                    parent.remove(node)
                for position, node, tail in zip(
                    positions, self._arrange(nodes), tails, strict=True
                ):
                    node.tail = tail
                    parent.insert(position, node)
                draft.changed = True
        elif document is not None:
            for container, key in json_locations(document, self.path):
                items = container[key]
                if isinstance(items, list) and len(items) > 1:
                    container[key] = self._arrange(items)
                    draft.changed = True


# --- domain effects -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """An OperationOutcome (or SOAP fault ErrorCode) with another error code."""

    code: str
    issue_code: str | None = None
    kind: str = "error_code"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        document = draft.document()
        if isinstance(document, etree._Element):
            for node in xml_select(document, "//ErrorCode"):
                xml_set(node, self.code)
                draft.changed = True
            return
        if not isinstance(document, dict) or document.get("resourceType") != "OperationOutcome":
            return
        for issue in document.get("issue", []):
            for coding in issue.get("details", {}).get("coding", []):
                coding["code"] = self.code
                draft.changed = True
            if self.issue_code is not None:
                issue["code"] = self.issue_code
                draft.changed = True


@dataclass(frozen=True, slots=True)
class LeakRestrictedAddress:
    """A restricted (sensitive) patient's address sent although redaction removed it.

    FHIR answers get the master record's `address` back; SOAP answers get HL7 `addr` elements.
    """

    kind: str = "leak_restricted_address"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        document = draft.document()
        if isinstance(document, etree._Element):
            self._leak_xml(document, draft, env)
        elif isinstance(document, dict):
            self._leak_json(document, draft, env)

    @staticmethod
    def _leak_json(document: dict[str, Any], draft: ResponseDraft, env: EffectEnv) -> None:
        patients = [document] if document.get("resourceType") == "Patient" else []
        for entry in document.get("entry", []) if document.get("resourceType") == "Bundle" else []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") == "Patient":
                patients.append(resource)
        for patient in patients:
            master = env.restricted_master(str(patient.get("id", "")))
            if master and master.get("address") and "address" not in patient:
                patient["address"] = copy.deepcopy(master["address"])
                draft.changed = True

    @staticmethod
    def _leak_xml(root: etree._Element, draft: ResponseDraft, env: EffectEnv) -> None:
        for patient in xml_select(root, "//subject/patient"):
            children = [etree.QName(child).localname for child in patient]
            number = next(
                (
                    child.get("extension")
                    for child in patient
                    if child.tag and etree.QName(child).localname == "id"
                ),
                None,
            )
            master = env.restricted_master(str(number)) if number else None
            if not master or not master.get("address") or "addr" in children:
                continue
            namespace = etree.QName(patient).namespace
            position = sum(1 for name in children if name in ("id", "confidentialityCode"))
            for offset, address in enumerate(master["address"]):
                patient.insert(position + offset, _hl7_address(namespace, address))
            draft.changed = True


_HL7_ADDRESS_USE = {"home": "H", "temp": "TMP", "work": "WP", "billing": "PST", "old": "OLD"}


def _hl7_address(namespace: str | None, address: dict[str, Any]) -> etree._Element:
    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    element = etree.Element(tag("addr"), use=_HL7_ADDRESS_USE.get(address.get("use", ""), "H"))
    for line in address.get("line", []):
        etree.SubElement(element, tag("streetAddressLine")).text = str(line)
    if "postalCode" in address:
        etree.SubElement(element, tag("postalCode")).text = str(address["postalCode"])
    return element


@dataclass(frozen=True, slots=True)
class VersionOffByOne:
    """meta.versionId and the ETag one version out."""

    delta: int = 1
    kind: str = "version_off_by_one"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        etag = draft.header("etag")
        if etag:
            prefix, _, rest = etag.partition('"')
            number = rest.rstrip('"')
            if number.isdigit():
                draft.set_header("etag", f'{prefix}"{int(number) + self.delta}"')
        document = draft.json()
        if document is not None:
            for pointer in ("/meta/versionId", "/entry/*/resource/meta/versionId"):
                for container, key in json_locations(document, pointer):
                    if str(container[key]).isdigit():
                        container[key] = str(int(container[key]) + self.delta)
                        draft.changed = True


# --- effects on the envelope --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """Another HTTP status for the same answer (only for answers of status `when_status`)."""

    to: int
    when_status: int | None = None
    kind: str = "status"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        if self.when_status is None or draft.status == self.when_status:
            draft.status = self.to


@dataclass(frozen=True, slots=True)
class DropHeader:
    """A response header not sent."""

    name: str
    kind: str = "drop_header"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        draft.drop_header(self.name)


@dataclass(frozen=True, slots=True)
class Latency:
    """A slower answer."""

    ms: float
    kind: str = "latency"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        draft.delay_ms += self.ms


@dataclass(frozen=True, slots=True)
class Intermittent5xx:
    """A share of the answers replaced by a server error, chosen by a seeded random stream."""

    rate: float
    status: int = 503
    kind: str = "intermittent_5xx"

    def apply(self, draft: ResponseDraft, env: EffectEnv) -> None:
        if env.rng.random() >= self.rate:
            return
        if draft.kind == "xml":
            draft.replace(self.status, "text/xml; charset=utf-8", soap_server_fault())
        else:
            draft.replace(self.status, "application/fhir+json", service_unavailable())


def service_unavailable() -> bytes:
    return orjson.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "transient",
                    "details": {
                        "coding": [
                            {
                                "system": SPINE_CODES,
                                "code": "SERVICE_UNAVAILABLE",
                                "display": "Service unavailable",
                            }
                        ]
                    },
                    "diagnostics": "The service is temporarily unavailable.",
                }
            ],
        }
    )


def soap_server_fault() -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV})
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault"
    )
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Server"
    etree.SubElement(fault, "faultstring").text = "The service is temporarily unavailable."
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
