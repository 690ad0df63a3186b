# ruff: noqa: E501 - fixture documents keep their natural line lengths
"""PDS-shaped documents for comparison tests and `bench/compare.py` (written here, not read from
/work/shared): a FHIR Patient (~3 KB as compact JSON) and a SOAP/HL7 v3 response (~3.5 KB)."""

from __future__ import annotations

from typing import Any

import orjson

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "9000000009",
    "identifier": [
        {
            "system": "https://fhir.nhs.uk/Id/nhs-number",
            "value": "9000000009",
            "extension": [
                {
                    "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
                                "version": "1.0.0",
                                "code": "01",
                                "display": "Number present and verified",
                            }
                        ]
                    },
                }
            ],
        }
    ],
    "meta": {
        "versionId": "2",
        "security": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                "code": "U",
                "display": "unrestricted",
            }
        ],
    },
    "name": [
        {
            "id": "123",
            "use": "usual",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
            "given": ["Jane", "Anne"],
            "family": "Smith",
            "prefix": ["Mrs"],
            "suffix": ["MBE"],
        },
        {
            "id": "124",
            "use": "nickname",
            "period": {"start": "2021-06-01"},
            "given": ["Janey"],
            "family": "Smith",
        },
    ],
    "managingOrganization": {
        "type": "Organization",
        "identifier": {
            "system": "https://fhir.nhs.uk/Id/ods-organization-code",
            "value": "Y12345",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
        },
    },
    "gender": "female",
    "birthDate": "2010-10-22",
    "multipleBirthInteger": 1,
    "deceasedBoolean": False,
    "generalPractitioner": [
        {
            "id": "254406A3",
            "type": "Organization",
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "Y12345",
                "period": {"start": "2020-01-01", "end": "2030-12-31"},
            },
        }
    ],
    "extension": [
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NominatedPharmacy",
            "valueReference": {
                "identifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "Y12345",
                }
            },
        },
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication",
            "extension": [
                {
                    "url": "language",
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-HumanLanguage",
                                "version": "1.0.0",
                                "code": "fr",
                                "display": "French",
                            }
                        ]
                    },
                },
                {"url": "interpreterRequired", "valueBoolean": True},
            ],
        },
    ],
    "telecom": [
        {
            "id": "789",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
            "system": "phone",
            "value": "01632960587",
            "use": "home",
        },
        {
            "id": "790",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
            "system": "email",
            "value": "jane.smith@example.com",
            "use": "home",
        },
    ],
    "contact": [
        {
            "id": "C123",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
            "relationship": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                            "code": "C",
                            "display": "Emergency Contact",
                        }
                    ]
                }
            ],
            "telecom": [{"system": "phone", "value": "01632960588"}],
        }
    ],
    "address": [
        {
            "id": "456",
            "period": {"start": "2020-01-01", "end": "2030-12-31"},
            "use": "home",
            "line": ["1 Trevelyan Square", "Boar Lane", "City Centre", "Leeds", "West Yorkshire"],
            "postalCode": "LS1 6AE",
            "extension": [
                {
                    "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey",
                    "extension": [
                        {
                            "url": "type",
                            "valueCoding": {
                                "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType",
                                "code": "PAF",
                            },
                        },
                        {"url": "value", "valueString": "12345678"},
                    ],
                }
            ],
        }
    ],
}

PATIENT_JSON: bytes = orjson.dumps(PATIENT)

SOAP_RESPONSE: bytes = b"""<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:hl7="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <SOAP-ENV:Header>
    <wsa:MessageID>uuid:6B3B2A5E-9F61-4A1C-8E0B-3C2D1F0A9B87</wsa:MessageID>
    <wsa:Action>urn:nhs:names:services:pdsquery/QUPA_IN000009UK03</wsa:Action>
    <wsa:To>https://pds.example.nhs.uk/smsp/pds</wsa:To>
    <wsa:From><wsa:Address>https://spine.example.nhs.uk/</wsa:Address></wsa:From>
    <hl7:communicationFunctionRcv typeCode="RCV"><hl7:device classCode="DEV" determinerCode="INSTANCE"><hl7:id root="1.2.826.0.1285.0.2.0.107" extension="200000000359"/></hl7:device></hl7:communicationFunctionRcv>
    <hl7:communicationFunctionSnd typeCode="SND"><hl7:device classCode="DEV" determinerCode="INSTANCE"><hl7:id root="1.2.826.0.1285.0.2.0.107" extension="928942012545"/></hl7:device></hl7:communicationFunctionSnd>
    <wsa:RelatesTo>uuid:0F2E0C1A-3B44-4D9E-A1C2-7E8F9A0B1C2D</wsa:RelatesTo>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body>
    <hl7:getPatientDetailsResponse-v1-0 moodCode="EVN" classCode="OBS">
      <hl7:id root="6B3B2A5E-9F61-4A1C-8E0B-3C2D1F0A9B87"/>
      <hl7:code code="getPatientDetailsResponse-v1-0" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.284"/>
      <hl7:effectiveTime value="20240115093012"/>
      <hl7:subject typeCode="SBJ">
        <hl7:patient classCode="PAT">
          <hl7:id root="2.16.840.1.113883.2.1.4.1" extension="9000000009"/>
          <hl7:confidentialityCode code="U" codeSystem="2.16.840.1.113883.2.1.3.2.4.16.1"/>
          <hl7:patientPerson classCode="PSN" determinerCode="INSTANCE">
            <hl7:name use="L">
              <hl7:prefix>Mrs</hl7:prefix>
              <hl7:given>Jane</hl7:given>
              <hl7:given>Anne</hl7:given>
              <hl7:family>Smith</hl7:family>
              <hl7:validTime><hl7:low value="20240101"/><hl7:high value="20251231"/></hl7:validTime>
            </hl7:name>
            <hl7:administrativeGenderCode code="2" codeSystem="2.16.840.1.113883.2.1.3.2.4.16.25"/>
            <hl7:birthTime value="20101022"/>
            <hl7:addr use="H">
              <hl7:streetAddressLine>1 Trevelyan Square</hl7:streetAddressLine>
              <hl7:streetAddressLine>Boar Lane</hl7:streetAddressLine>
              <hl7:streetAddressLine>Leeds</hl7:streetAddressLine>
              <hl7:postalCode>LS1 6AE</hl7:postalCode>
              <hl7:addressKey>12345678</hl7:addressKey>
              <hl7:validTime><hl7:low value="20200101"/></hl7:validTime>
            </hl7:addr>
            <hl7:telecom use="H" value="tel:01632960587"/>
            <hl7:telecom use="HP" value="mailto:jane.smith@example.com"/>
            <hl7:playedOtherProviderPatient classCode="PAT">
              <hl7:subjectOf typeCode="SBJ">
                <hl7:patientCareProvision classCode="PCPR" moodCode="EVN">
                  <hl7:code code="1" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.37"/>
                  <hl7:performer typeCode="PRF">
                    <hl7:assignedOrganization classCode="ASSIGNED">
                      <hl7:id root="2.16.840.1.113883.2.1.4.3" extension="Y12345"/>
                    </hl7:assignedOrganization>
                  </hl7:performer>
                </hl7:patientCareProvision>
              </hl7:subjectOf>
            </hl7:playedOtherProviderPatient>
          </hl7:patientPerson>
          <hl7:subjectOf typeCode="SBJ"><hl7:deathNotification xsi:nil="true"/></hl7:subjectOf>
        </hl7:patient>
      </hl7:subject>
    </hl7:getPatientDetailsResponse-v1-0>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>
"""
