"""Building blocks of the HL7 v3 messages: safe readers of FHIR JSON, wrappers, agents, patients.

Readers (`dig*`) never raise on a missing or mistyped field: they answer empty values, since a
translation renders whatever the validated message holds.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from harness.simulator.eps.bundles import NHS_NUMBER_SYSTEM, ROLE_SYSTEM

HL7 = "urn:hl7-org:v3"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SPINE_ASID = "567456789789"
SENDER_ASID = "200000001285"
SNOMED_OID = "2.16.840.1.113883.2.1.3.2.4.15"
SDS_ORG_OID = "1.2.826.0.1285.0.1.10"
SDS_ROLE_PROFILE_OID = "1.2.826.0.1285.0.2.0.67"
VOCAB = "2.16.840.1.113883.2.1.3.2.4.17"
SDS_USER_OID = "1.2.826.0.1285.0.2.0.65"
PROFESSIONAL_OID = "1.2.826.0.1285.0.2.1.54"
JOB_ROLE_OID = "1.2.826.0.1285.0.2.1.104"
SDS_USER_SYSTEM = "https://fhir.nhs.uk/Id/sds-user-id"
PROFESSIONAL_SYSTEMS = tuple(
    f"https://fhir.hl7.org.uk/Id/{kind}"
    for kind in ("gmc-number", "nmc-number", "gphc-number", "hcpc-number", "professional-code")
)
DIN_SYSTEM = "https://fhir.hl7.org.uk/Id/din-number"
GENDER = {"male": "1", "female": "2", "other": "9", "unknown": "0"}

Json = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Session:
    """Who is sending: the smartcard session's role profile (NHSD-Session-URID) and user."""

    role_profile_id: str
    user_id: str = "UNKNOWN"


def add(
    parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = (
        etree.Element(f"{{{HL7}}}{tag}", nsmap={None: HL7})  # type: ignore[dict-item]
        if parent is None
        else etree.SubElement(parent, f"{{{HL7}}}{tag}")
    )
    for key, value in attrs.items():
        element.set(key.rstrip("_"), value)
    if text is not None:
        element.text = text
    return element


def hl7_time(value: str | None) -> str:
    """FHIR date/dateTime -> HL7 v3 TS (yyyyMMddHHmmss, or yyyyMMdd for a date)."""
    if not value:
        return ""
    if len(value) == 10:
        return value.replace("-", "")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")
    except ValueError:
        return ""


def dig(value: Any, *path: str | int) -> Any:
    """Follow `path` through objects and arrays; None when any step is missing or mistyped."""
    for step in path:
        if isinstance(step, str) and isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def dig_obj(value: Any, *path: str | int) -> Mapping[str, Any]:
    found = dig(value, *path)
    return found if isinstance(found, Mapping) else {}


def dig_objs(value: Any, *path: str | int) -> list[Mapping[str, Any]]:
    found = dig(value, *path)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def dig_text(value: Any, *path: str | int) -> str:
    found = dig(value, *path)
    return str(found) if isinstance(found, str | int | float) else ""


def dig_texts(value: Any, *path: str | int) -> list[str]:
    found = dig(value, *path)
    return (
        [str(v) for v in found if isinstance(v, str | int | float)]
        if isinstance(found, list)
        else []
    )


def first_coding(coding_holder: Any) -> tuple[str, str]:
    return dig_text(coding_holder, "coding", 0, "code"), dig_text(
        coding_holder, "coding", 0, "display"
    )


def identifier_of(resource: Json, system: str) -> str:
    for identifier in dig_objs(resource, "identifier"):
        if identifier.get("system") == system:
            return dig_text(identifier, "value")
    return ""


def first_identifier_of(resource: Json) -> str:
    return dig_text(resource, "identifier", 0, "value")


SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def xml_signature(provenance: Json) -> etree._Element:
    """The XML-DSig Signature carried (base64) in Provenance.signature.data, if it parses."""
    data = dig_text(provenance, "signature", 0, "data")
    try:
        element = etree.fromstring(base64.b64decode(str(data), validate=True), SAFE_PARSER)
        if element.tag == f"{{{DSIG}}}Signature":
            return element
    except (ValueError, etree.XMLSyntaxError):
        pass
    signature = etree.Element(f"{{{DSIG}}}Signature", nsmap={None: DSIG})  # type: ignore[dict-item]
    etree.SubElement(signature, f"{{{DSIG}}}SignatureValue")
    return signature


class MessageIndex:
    """Index of a FHIR message bundle by resource type and fullUrl."""

    def __init__(self, bundle: Json) -> None:
        self.bundle = bundle
        self.by_url: dict[str, Json] = {}
        self.resources: list[Json] = []
        for entry in dig_objs(bundle, "entry"):
            resource = dig_obj(entry, "resource")
            self.resources.append(resource)
            if isinstance(entry.get("fullUrl"), str):
                self.by_url[entry["fullUrl"]] = resource

    def of_type(self, kind: str) -> list[Json]:
        return [r for r in self.resources if r.get("resourceType") == kind]

    def first(self, kind: str) -> Json:
        found = self.of_type(kind)
        return found[0] if found else {}

    def ref(self, reference: Any) -> Json:
        url = reference.get("reference") if isinstance(reference, Mapping) else None
        return self.by_url.get(str(url), {})

    @property
    def message_id(self) -> str:
        return (dig_text(self.bundle, "identifier", "value") or dig_text(self.bundle, "id")).upper()


def transmission_header(
    root: etree._Element,
    message_id: str,
    interaction: str,
    created: str,
    *,
    receiver: str = SPINE_ASID,
    sender: str = SENDER_ASID,
    acknowledges: tuple[str, str] | None = None,
) -> None:
    """The HL7 v3 transmission wrapper; `acknowledges` = (typeCode, id of the message answered)."""
    add(root, "id", root=message_id)
    add(root, "creationTime", value=created)
    add(root, "versionCode", code="V3NPfIT4.2.00")
    add(root, "interactionId", extension=interaction, root="2.16.840.1.113883.2.1.3.2.4.12")
    add(root, "processingCode", code="P")
    add(root, "processingModeCode", code="T")
    add(root, "acceptAckCode", code="NE")
    if acknowledges is not None:
        acknowledgement = add(root, "acknowledgement", typeCode=acknowledges[0])
        add(add(acknowledgement, "messageRef"), "id", root=acknowledges[1])
    for tag, asid in (("communicationFunctionRcv", receiver), ("communicationFunctionSnd", sender)):
        device = add(add(root, tag), "device", classCode="DEV", determinerCode="INSTANCE")
        add(device, "id", extension=asid, root="1.2.826.0.1285.0.2.0.107")


def control_act_wrapper(root: etree._Element, session: Session) -> etree._Element:
    act = add(root, "ControlActEvent", classCode="CACT", moodCode="EVN")
    agent = add(add(act, "author", typeCode="AUT"), "AgentPersonSDS", classCode="AGNT")
    add(agent, "id", extension=session.role_profile_id, root=SDS_ROLE_PROFILE_OID)
    person = add(agent, "agentPersonSDS", classCode="PSN", determinerCode="INSTANCE")
    add(person, "id", extension=session.user_id, root=SDS_USER_OID)
    role = add(add(agent, "part", typeCode="PART"), "partSDSRole", classCode="ROL")
    add(role, "id", extension="UNKNOWN", root=JOB_ROLE_OID)
    system = add(add(act, "author1", typeCode="AUT"), "AgentSystemSDS", classCode="AGNT")
    device = add(system, "agentSystemSDS", classCode="DEV", determinerCode="INSTANCE")
    add(device, "id", extension=SENDER_ASID, root="1.2.826.0.1285.0.2.0.107")
    return add(act, "subject")


def record_target(parent: etree._Element, patient: Json) -> None:
    node = add(add(parent, "recordTarget", typeCode="RCT"), "Patient", classCode="PAT")
    add(
        node,
        "id",
        extension=identifier_of(patient, NHS_NUMBER_SYSTEM),
        root="2.16.840.1.113883.2.1.4.1",
    )
    for address in dig_objs(patient, "address")[:1]:
        addr = add(node, "addr", use="H")
        for line in dig_texts(address, "line"):
            add(addr, "streetAddressLine", line)
        add(addr, "postalCode", dig_text(address, "postalCode"))
    person = add(node, "patientPerson", classCode="PSN", determinerCode="INSTANCE")
    for name in dig_objs(patient, "name")[:1]:
        person_name(add(person, "name", use="L"), name)
    gender = GENDER.get(dig_text(patient, "gender"), "0")
    add(
        person,
        "administrativeGenderCode",
        code=gender,
        codeSystem="2.16.840.1.113883.2.1.3.2.4.16.25",
    )
    add(person, "birthTime", value=hl7_time(dig_text(patient, "birthDate")))
    practices = dig_objs(patient, "generalPractitioner")
    if practices:
        provision = add(
            add(add(person, "playedProviderPatient", classCode="PAT"), "subjectOf", typeCode="SBJ"),
            "patientCareProvision",
            classCode="PCPR",
            moodCode="EVN",
        )
        add(provision, "code", code="1", codeSystem=f"{VOCAB}.37")
        provider = add(
            add(provision, "responsibleParty", typeCode="RESP"),
            "healthCareProvider",
            classCode="PROV",
        )
        add(
            provider,
            "id",
            extension=dig_text(practices, 0, "identifier", "value"),
            root=SDS_ORG_OID,
        )


def person_identifier(practitioner: Json, systems: tuple[str, ...]) -> tuple[str, str]:
    for system in systems:
        value = identifier_of(practitioner, system)
        if value:
            return value, SDS_USER_OID if system == SDS_USER_SYSTEM else PROFESSIONAL_OID
    return first_identifier_of(practitioner), PROFESSIONAL_OID


def person_name(element: etree._Element, name: Mapping[str, Any]) -> None:
    for prefix in dig_texts(name, "prefix"):
        add(element, "prefix", prefix)
    for given in dig_texts(name, "given"):
        add(element, "given", given)
    add(element, "family", dig_text(name, "family"))


def agent_person(
    parent: etree._Element,
    message: MessageIndex,
    role: Json,
    id_systems: tuple[str, ...],
    licensed: bool,
) -> None:
    agent = add(parent, "AgentPerson", classCode="AGNT")
    add(agent, "id", extension=identifier_of(role, ROLE_SYSTEM), root=SDS_ROLE_PROFILE_OID)
    code, _ = first_coding(dig_obj(role, "code", 0))
    add(agent, "code", code=code, codeSystem="1.2.826.0.1285.0.2.1.104")
    for telecom in dig_objs(role, "telecom")[:1]:
        add(agent, "telecom", use="WP", value=f"tel:{dig_text(telecom, 'value')}")
    practitioner = message.ref(role.get("practitioner"))
    person = add(agent, "agentPerson", classCode="PSN", determinerCode="INSTANCE")
    person_id, person_root = person_identifier(practitioner, id_systems)
    add(person, "id", extension=person_id, root=person_root)
    for name in dig_objs(practitioner, "name")[:1]:
        person_name(add(person, "name"), name)
    organization = message.ref(role.get("organization"))
    org = add(agent, "representedOrganization", classCode="ORG", determinerCode="INSTANCE")
    add(org, "id", extension=first_identifier_of(organization), root=SDS_ORG_OID)
    add(org, "code", code="999", codeSystem=f"{VOCAB}.94")
    add(org, "name", dig_text(organization, "name"))
    for telecom in dig_objs(organization, "telecom")[:1]:
        number = dig_text(telecom, "value").replace(" ", "")
        add(org, "telecom", use="WP", value=f"tel:{number}")
    for address in dig_objs(organization, "address")[:1]:
        addr = add(org, "addr", use="WP")
        lines = dig_texts(address, "line") + [
            dig_text(address, key) for key in ("city", "district") if dig_text(address, key)
        ]
        for line in lines:
            add(addr, "streetAddressLine", line)
        add(addr, "postalCode", dig_text(address, "postalCode"))
    part_of = dig_obj(organization, "partOf")
    if licensed and part_of:
        licence = add(org, "healthCareProviderLicense", classCode="PROV")
        parent_org = add(licence, "Organization", classCode="ORG", determinerCode="INSTANCE")
        add(
            parent_org,
            "id",
            extension=dig_text(part_of, "identifier", "value"),
            root=SDS_ORG_OID,
        )
        add(parent_org, "code", code="999", codeSystem=f"{VOCAB}.94")
        add(parent_org, "name", dig_text(part_of, "display"))


def pertinent_information(
    parent: etree._Element, tag: str, separatable: str, **attrs: str
) -> etree._Element:
    element = add(parent, tag, contextConductionInd="true", typeCode="PERT", **attrs)
    add(element, "seperatableInd", value=separatable)
    return element


def coded_observation(
    parent: etree._Element, tag: str, kind: str, value_code: str, system: str
) -> None:
    observation = add(parent, tag, classCode="OBS", moodCode="EVN")
    add(observation, "code", code=kind, codeSystem=f"{VOCAB}.30")
    add(observation, "value", code=value_code, codeSystem=system)
