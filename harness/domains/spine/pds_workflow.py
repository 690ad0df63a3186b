"""The PDS workflow: create a patient, read it, PATCH it with the ETag a read returned, PATCH it
again with a stale ETag, read it again, as a hypothesis rule-based state machine that writes
scripts (`harness.generation.stateful`).

Patients live in a hypothesis `Bundle` under logical names (`p0`, `p1`...); a step refers to
them as `{{p0}}`, `{{p0_etag}}`, so each target substitutes the identifiers and ETags *it*
allocated. Every created patient has a fresh family name (`{{$uuid}}`), so a script can be
replayed any number of times against long-lived targets (shrinking does exactly that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, precondition, rule

from harness.core.template import Template
from harness.domains.spine.vocabulary import vocabulary
from harness.generation.stateful import ScriptMachine
from harness.scenario import Step

PDS_BASE = "/personal-demographics/FHIR/R4"
PATCH_TYPE = "application/json-patch+json"
WORKER_HEADERS = [["X-Request-ID", "{{$uuid}}"], ["NHSD-Session-URID", "555254242106"]]


def _template(method: str, path: str, headers: list[list[str]], body: Any = None) -> Template:
    return Template(
        method,
        path,
        headers=tuple((name, value) for name, value in headers),
        body=None if body is None else orjson.dumps(body).decode("utf-8"),
    )


def _step(
    label: str, operation: str, template: Template, captures: Mapping[str, str] | None = None
) -> Step:
    return Step(label, template, dict(captures or {}), operation=operation)


@st.composite
def new_people(draw: st.DrawFn) -> dict[str, Any]:
    """A create body for someone PDS does not know (family name made unique per send)."""
    _, given, postcodes = vocabulary()
    year = draw(st.integers(1930, 2023))
    born = f"{year}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"
    return {
        "resourceType": "Patient",
        "name": [
            {"use": "usual", "given": [draw(st.sampled_from(given))], "family": "{{$uuid}}",
             "period": {"start": born}}
        ],
        "gender": draw(st.sampled_from(("male", "female"))),
        "birthDate": born,
        "address": [
            {"use": "home", "line": ["1 Generated Street"],
             "postalCode": draw(st.sampled_from(postcodes)), "period": {"start": born}}
        ],
        "extension": [
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority",
                "extension": [
                    {"url": "registeringAuthorityType", "valueCodeableConcept": {"coding": [
                        {"system": "https://fhir.nhs.uk/CodeSystem/UKCore-RegisteringAuthorityType",
                         "code": "x"}]}},
                    {"url": "organisationIdentifier", "valueString": "RGS"},
                ],
            }
        ],
    }  # fmt: skip


PATCHES = st.sampled_from(
    (
        [{"op": "replace", "path": "/gender", "value": "female"}],
        [{"op": "replace", "path": "/gender", "value": "male"}],
        [{"op": "replace", "path": "/birthDate", "value": "1970-01-01"}],
        [{"op": "add", "path": "/telecom", "value": [{"system": "phone", "value": "01632960587",
                                                       "use": "home"}]}],
        [{"op": "replace", "path": "/gender", "value": "not-a-gender"}],
    )
)  # fmt: skip


class PdsWorkflow(ScriptMachine):
    """Create, read, PATCH with the ETag a read returned, PATCH with a stale one, re-read."""

    patients = Bundle("patients")

    def __init__(self) -> None:
        super().__init__()
        self.patched: set[str] = set()

    @rule(target=patients, body=new_people())
    def create(self, body: dict[str, Any]) -> str:
        name = f"p{sum(1 for s in self.steps if s.operation == 'createPatient')}"
        self.steps.append(
            _step(
                f"create {name}",
                "createPatient",
                _template("POST", f"{PDS_BASE}/Patient", [*WORKER_HEADERS, _JSON], body),
                {
                    name: "/id",
                    f"{name}_etag": "header:etag",
                    f"{name}_etag1": "header:etag",
                    f"{name}_family": "/name/0/family",
                },
            )
        )
        return name

    @rule(patient=patients)
    def read(self, patient: str) -> None:
        self.steps.append(
            _step(
                f"read {patient}",
                "getPatient",
                _template("GET", f"{PDS_BASE}/Patient/{{{{{patient}}}}}", list(WORKER_HEADERS)),
                {f"{patient}_etag": "header:etag"},
            )
        )

    @rule(patient=patients, patches=PATCHES)
    def patch(self, patient: str, patches: list[dict[str, Any]]) -> None:
        """Read, then PATCH with the ETag that read returned (a refused PATCH changes nothing,
        so nothing is captured from its answer)."""
        self.read(patient)
        headers = [*WORKER_HEADERS, ["If-Match", f"{{{{{patient}_etag}}}}"], _PATCH]
        self.steps.append(
            _step(
                f"patch {patient}",
                "updatePatient",
                _template("PATCH", f"{PDS_BASE}/Patient/{{{{{patient}}}}}", headers,
                          {"patches": patches}),
            )
        )  # fmt: skip
        self.patched.add(patient)

    @precondition(lambda self: bool(self.patched))
    @rule(data=st.data())
    def patch_stale(self, data: st.DataObject) -> None:
        patient = data.draw(st.sampled_from(sorted(self.patched)))
        headers = [*WORKER_HEADERS, ["If-Match", f"{{{{{patient}_etag1}}}}"], _PATCH]
        body = {"patches": [{"op": "replace", "path": "/gender", "value": "unknown"}]}
        self.steps.append(
            _step(
                f"stale patch {patient}",
                "updatePatient",
                _template("PATCH", f"{PDS_BASE}/Patient/{{{{{patient}}}}}", headers, body),
            )
        )


_JSON = ["Content-Type", "application/json"]
_PATCH = ["Content-Type", PATCH_TYPE]
