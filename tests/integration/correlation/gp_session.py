"""A GP system's session, as a real client sends it: create a patient, read it, PATCH it with
the ETag just returned, read it again, search for it (three patients: fifteen exchanges)."""

from __future__ import annotations

import uuid

import httpx
import orjson

BASE = "/personal-demographics/FHIR/R4"
PEOPLE = (
    ("Grace", "Hopper", "1986-12-09", "LS1 6AE"),
    ("Ada", "Lovelace", "1975-05-01", "LS2 7AB"),
    ("Alan", "Turing", "1960-06-23", "M1 1AA"),
)
REGISTERING = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority"


def headers(**extra: str) -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4()), "NHSD-Session-URID": "555254240100", **extra}


def gp_session(base_url: str) -> list[int]:
    """Run the session against `base_url` (a proxy in front of PDS); the statuses answered."""
    statuses = []
    with httpx.Client(base_url=base_url + BASE, timeout=30) as client:
        for given, family, born, postcode in PEOPLE:
            body = {
                "resourceType": "Patient",
                "name": [{"use": "usual", "given": [given], "family": family}],
                "gender": "female",
                "birthDate": born,
                "address": [{"use": "home", "line": ["1 Street"], "postalCode": postcode}],
                "extension": [
                    {
                        "url": REGISTERING,
                        "extension": [{"url": "organisationIdentifier", "valueString": "RGS"}],
                    }
                ],
            }
            sent = headers(**{"Content-Type": "application/json"})
            created = client.post("/Patient", content=orjson.dumps(body), headers=sent)
            number = created.json()["id"]
            read = client.get(f"/Patient/{number}", headers=headers())
            patch = {"patches": [{"op": "replace", "path": "/gender", "value": "male"}]}
            patched = client.patch(
                f"/Patient/{number}",
                content=orjson.dumps(patch),
                headers=headers(
                    **{
                        "Content-Type": "application/json-patch+json",
                        "If-Match": read.headers["etag"],
                    }
                ),
            )
            again = client.get(f"/Patient/{number}", headers=headers())
            found = client.get(
                "/Patient", params={"family": family, "birthdate": f"eq{born}"}, headers=headers()
            )
            statuses += [r.status_code for r in (created, read, patched, again, found)]
    return statuses
