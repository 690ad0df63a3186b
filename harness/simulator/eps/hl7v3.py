"""HL7 v3 translations of EPS FHIR messages, as the legacy platform exchanged them.

`$convert` answers with these: PORX_IN020101SM31 (parent prescription) for a prescription
order and PORX_IN030101SM32 (cancellation request) for a prescription-order-update, in the
element order of the public `*-Convert-Response-*.xml` examples.
"""

from __future__ import annotations

from lxml import etree

from harness.simulator.eps.bundles import ITEM_SYSTEM, ROLE_SYSTEM
from harness.simulator.eps.hl7v3_parts import (
    DIN_SYSTEM,
    PROFESSIONAL_SYSTEMS,
    SDS_ORG_OID,
    SDS_USER_SYSTEM,
    SNOMED_OID,
    VOCAB,
    Json,
    MessageIndex,
    Session,
    add,
    agent_person,
    coded_observation,
    control_act_wrapper,
    dig_obj,
    dig_objs,
    dig_text,
    first_coding,
    hl7_time,
    identifier_of,
    pertinent_information,
    record_target,
    transmission_header,
    xml_signature,
)

__all__ = ["Session", "cancellation_request", "parent_prescription", "to_bytes"]


def parent_prescription(
    bundle: Json, created: str, session: Session | None = None
) -> etree._Element:
    """PORX_IN020101SM31 for a (validated) prescription-order message."""
    message = MessageIndex(bundle)
    requests = message.of_type("MedicationRequest")
    first = requests[0]
    role = message.ref(first.get("requester"))
    group = dig_obj(first, "groupIdentifier")
    long_id = dig_text(group, "extension", 0, "valueIdentifier", "value")
    provenance = message.first("Provenance")
    authored = dig_text(provenance, "recorded") or dig_text(first, "authoredOn")
    root = add(None, "PORX_IN020101SM31")
    transmission_header(root, message.message_id, "PORX_IN020101SM31", created)
    subject = control_act_wrapper(root, session or Session(identifier_of(role, ROLE_SYSTEM)))
    parent = add(subject, "ParentPrescription", classCode="INFO", moodCode="EVN")
    add(parent, "id", root=message.message_id)
    add(
        parent,
        "code",
        code="163501000000109",
        codeSystem=SNOMED_OID,
        displayName="Prescription - FocusActOrEvent (record artifact)",
    )
    add(parent, "effectiveTime", value=hl7_time(authored)[:8] + "000000" if authored else "")
    add(parent, "typeId", extension="PORX_MT132004UK31", root="2.16.840.1.113883.2.1.3.2.4.18.7")
    record_target(parent, message.first("Patient"))
    information = add(parent, "pertinentInformation1", contextConductionInd="true", typeCode="PERT")
    add(
        information,
        "templateId",
        extension="CSAB_RM-NPfITUK10.pertinentInformation",
        root="2.16.840.1.113883.2.1.3.2.4.18.2",
    )
    prescription = add(information, "pertinentPrescription", classCode="SBADM", moodCode="RQO")
    add(prescription, "id", root=long_id.upper())
    add(
        prescription,
        "id",
        extension=dig_text(group, "value"),
        root="2.16.840.1.113883.2.1.3.2.4.18.8",
    )
    add(
        prescription,
        "code",
        code="225426007",
        codeSystem=SNOMED_OID,
        displayName="Administration of therapeutic substance (procedure)",
    )
    add(prescription, "effectiveTime", nullFlavor="NA")
    performer = dig_obj(first, "dispenseRequest", "performer")
    if performer:
        agent = add(
            add(prescription, "performer", contextControlCode="OP", typeCode="PRF"),
            "AgentOrgSDS",
            classCode="AGNT",
        )
        org = add(agent, "agentOrganizationSDS", classCode="ORG", determinerCode="INSTANCE")
        add(
            org,
            "id",
            extension=dig_text(performer, "identifier", "value"),
            root=SDS_ORG_OID,
        )
    author = add(prescription, "author", contextControlCode="OP", typeCode="AUT")
    add(author, "time", value=hl7_time(authored))
    signature_text = add(author, "signatureText")
    if provenance:
        signature_text.append(xml_signature(provenance))
    else:
        signature_text.set("nullFlavor", "NA")
    agent_person(author, message, role, (*PROFESSIONAL_SYSTEMS, SDS_USER_SYSTEM), True)
    agent_person(
        add(prescription, "responsibleParty", contextControlCode="OP", typeCode="RESP"),
        message,
        role,
        (DIN_SYSTEM, *PROFESSIONAL_SYSTEMS, SDS_USER_SYSTEM),
        True,
    )
    therapy, _ = first_coding(first.get("courseOfTherapyType"))
    coded_observation(
        pertinent_information(prescription, "pertinentInformation5", "false"),
        "pertinentPrescriptionTreatmentType",
        "PTT",
        {"acute": "0001", "continuous": "0002"}.get(therapy, "0003"),
        "2.16.840.1.113883.2.1.3.2.4.16.36",
    )
    site = "P1" if performer else "0004"
    coded_observation(
        pertinent_information(prescription, "pertinentInformation1", "true"),
        "pertinentDispensingSitePreference",
        "DSP",
        site,
        f"{VOCAB}.21",
    )
    for request in requests:
        line_holder = pertinent_information(
            prescription, "pertinentInformation2", "true", inversionInd="false", negationInd="false"
        )
        add(
            line_holder,
            "templateId",
            extension="CSAB_RM-NPfITUK10.sourceOf2",
            root="2.16.840.1.113883.2.1.3.2.4.18.2",
        )
        line = add(line_holder, "pertinentLineItem", classCode="SBADM", moodCode="RQO")
        add(line, "id", root=identifier_of(request, ITEM_SYSTEM).upper())
        add(
            line,
            "code",
            code="225426007",
            codeSystem=SNOMED_OID,
            displayName="Administration of therapeutic substance (procedure)",
        )
        add(line, "effectiveTime", nullFlavor="NA")
        product_code, product_name = first_coding(request.get("medicationCodeableConcept"))
        material = add(
            add(
                add(line, "product", contextControlCode="OP", typeCode="PRD"),
                "manufacturedProduct",
                classCode="MANU",
            ),
            "manufacturedRequestedMaterial",
            classCode="MMAT",
            determinerCode="KIND",
        )
        add(material, "code", code=product_code, codeSystem=SNOMED_OID, displayName=product_name)
        quantity = dig_obj(request, "dispenseRequest", "quantity")
        component = add(line, "component", typeCode="COMP")
        add(component, "seperatableInd", value="false")
        supply = add(component, "lineItemQuantity", classCode="SPLY", moodCode="RQO")
        add(
            supply,
            "code",
            code="373784005",
            codeSystem=SNOMED_OID,
            displayName="Dispensing medication (procedure)",
        )
        amount = add(supply, "quantity", unit="1", value=dig_text(quantity, "value"))
        add(
            amount,
            "translation",
            code=dig_text(quantity, "code"),
            codeSystem=SNOMED_OID,
            displayName=dig_text(quantity, "unit"),
            value=dig_text(quantity, "value"),
        )
        dosage_text = dig_text(request, "dosageInstruction", 0, "text")
        instructions = add(
            line, "pertinentInformation2", contextConductionInd="true", typeCode="PERT"
        )
        add(instructions, "seperatableInd", value="false")
        observation = add(
            instructions, "pertinentDosageInstructions", classCode="OBS", moodCode="EVN"
        )
        add(observation, "code", code="DI", codeSystem=f"{VOCAB}.30")
        add(observation, "value", dosage_text)
    token = add(
        pertinent_information(prescription, "pertinentInformation8", "false"),
        "pertinentTokenIssued",
        classCode="OBS",
        moodCode="EVN",
    )
    add(token, "code", code="TI", codeSystem=f"{VOCAB}.30")
    add(token, "value", value="false")
    prescription_type = next(
        (
            dig_text(e, "valueCoding", "code")
            for e in dig_objs(first, "extension")
            if "PrescriptionType" in dig_text(e, "url")
        ),
        "0101",
    )
    coded_observation(
        pertinent_information(prescription, "pertinentInformation4", "false"),
        "pertinentPrescriptionType",
        "PT",
        prescription_type,
        f"{VOCAB}.25",
    )
    category_holder = add(parent, "pertinentInformation2", typeCode="PERT")
    add(
        category_holder,
        "templateId",
        extension="CSAB_RM-NPfITUK10.pertinentInformation1",
        root="2.16.840.1.113883.2.1.3.2.4.18.2",
    )
    category = add(
        category_holder, "pertinentCareRecordElementCategory", classCode="CATEGORY", moodCode="EVN"
    )
    add(
        category,
        "code",
        code="185361000000102",
        codeSystem=SNOMED_OID,
        displayName="Medication - care record element (record artifact)",
    )
    for request in requests:
        act = add(
            add(category, "component", typeCode="COMP"), "actRef", classCode="SBADM", moodCode="RQO"
        )
        add(act, "id", root=identifier_of(request, ITEM_SYSTEM).upper())
    return root


def cancellation_request(
    bundle: Json, created: str, reason_display: str, session: Session | None = None
) -> etree._Element:
    """PORX_IN030101SM32 for a (validated) prescription-order-update message."""
    message = MessageIndex(bundle)
    request = message.first("MedicationRequest")
    role = message.ref(request.get("requester"))
    group = dig_obj(request, "groupIdentifier")
    long_id = dig_text(group, "extension", 0, "valueIdentifier", "value")
    reason_code, _ = first_coding(request.get("statusReason"))
    root = add(None, "PORX_IN030101SM32")
    transmission_header(root, message.message_id, "PORX_IN030101SM32", created)
    subject = control_act_wrapper(root, session or Session(identifier_of(role, ROLE_SYSTEM)))
    cancel = add(subject, "CancellationRequest", classCode="INFO", moodCode="EVN")
    add(cancel, "id", root=message.message_id)
    add(cancel, "effectiveTime", value=created)
    record_target(cancel, message.first("Patient"))
    for tag, type_code in (("author", "AUT"), ("responsibleParty", "RESP")):
        holder = add(cancel, tag, typeCode=type_code)
        agent_person(holder, message, role, (SDS_USER_SYSTEM,), False)
    prescription_id = add(
        pertinent_information(cancel, "pertinentInformation2", "false"),
        "pertinentPrescriptionID",
        classCode="OBS",
        moodCode="EVN",
    )
    add(prescription_id, "code", code="PID", codeSystem=f"{VOCAB}.30")
    add(
        prescription_id,
        "value",
        extension=dig_text(group, "value"),
        root="2.16.840.1.113883.2.1.3.2.4.18.8",
    )
    line = add(
        cancel, "pertinentInformation1", inversionInd="false", negationInd="false", typeCode="PERT"
    )
    add(line, "seperatableInd", value="true")
    line_ref = add(line, "pertinentLineItemRef", classCode="SBADM", moodCode="RQO")
    add(line_ref, "id", root=identifier_of(request, ITEM_SYSTEM).upper())
    reason = add(
        pertinent_information(cancel, "pertinentInformation", "false"),
        "pertinentCancellationReason",
        classCode="OBS",
        moodCode="EVN",
    )
    add(reason, "code", code="CR", codeSystem=f"{VOCAB}.30")
    add(reason, "text", reason_display)
    add(reason, "value", code=reason_code, codeSystem="2.16.840.1.113883.2.1.3.2.4.16.27")
    original = add(cancel, "pertinentInformation3", contextConductionInd="false", typeCode="PERT")
    add(original, "seperatableInd", value="true")
    original_ref = add(
        original, "pertinentOriginalPrescriptionRef", classCode="SBADM", moodCode="RQO"
    )
    add(original_ref, "id", root=long_id.upper())
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
