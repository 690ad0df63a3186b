"""The Spine domain pack: what the harness knows about the NHS Spine's services.

Loaded like any third party's pack, through the `harness.domains` entry point
(`spine = "harness.domains.spine:pack"` in pyproject.toml). It brings:

- the `{{$prescription_id}}` built-in (`builtins`);
- realistic PDS requests from an interface (`realistic`) and from what the recordings show
  exists (`recorded`: special patients, own-demographics searches, near-miss NHS numbers);
- NHS numbers as identifiers to vary in recorded requests, and their pseudonyms;
- the PDS and EPS stateful workflows (`pds_workflow`, `eps_workflow`);
- NHS numbers as a value shape, and the MESH per-request signing scheme (`mesh_auth`);
- pytest markers per service, and default Allure severities (patient retrieval is critical);
- how the MHS's asynchronous messages are correlated and received (`messaging`).

This module stays light (the pytest plugin reads the markers at start-up): each method imports
what it needs when called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from harness.domains import DomainPack, Identifier, Pseudonymiser, TemplateData

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from harness.core.exchange import Exchange
    from harness.core.shapes import Shape
    from harness.core.template import Builtin
    from harness.domains.messaging import MessagingProfile

# The operations each workflow drives: it applies to a contract whose interface has them all.
PDS_WORKFLOW_OPERATIONS = frozenset({"createPatient", "getPatient", "updatePatient"})
EPS_WORKFLOW_OPERATIONS = frozenset({"processMessage", "releasePrescription", "claim"})


class SpinePack(DomainPack):
    name = "spine"

    def builtins(self) -> Sequence[Builtin]:
        from harness.domains.spine.builtins import PRESCRIPTION_ID

        return (PRESCRIPTION_ID,)

    def interface_strategies(
        self, document: Mapping[str, Any]
    ) -> Mapping[str, SearchStrategy[TemplateData]]:
        from harness.domains.spine.realistic import realistic_strategies

        return realistic_strategies(document)

    def recorded_strategies(
        self, document: Mapping[str, Any], recorded: Iterable[Exchange]
    ) -> Mapping[str, SearchStrategy[TemplateData]]:
        from harness.domains.spine.recorded import domain_strategies, known_patients

        return domain_strategies(document, known_patients(recorded))

    def identifiers(self, recorded: Iterable[Exchange]) -> Sequence[Identifier]:
        from harness.domains.spine.recorded import known_patients, nhs_number_identifier

        return (nhs_number_identifier(known_patients(recorded)),)

    def workflows(self, service: str, document: Mapping[str, Any]) -> Sequence[type[Any]]:
        from harness.core.operations import iter_operations

        operations = {operation.id for operation in iter_operations(document)}
        found: list[type[Any]] = []
        if operations >= PDS_WORKFLOW_OPERATIONS:
            from harness.domains.spine.pds_workflow import PdsWorkflow

            found.append(PdsWorkflow)
        if operations >= EPS_WORKFLOW_OPERATIONS:
            from harness.domains.spine.eps_workflow import EpsWorkflow

            found.append(EpsWorkflow)
        return found

    def pseudonymisers(self) -> Sequence[Pseudonymiser]:
        from harness.domains.spine.pseudonyms import NHS_NUMBER

        return (NHS_NUMBER,)

    def shapes(self) -> Sequence[Shape]:
        from harness.core.shapes import Shape
        from harness.domains.spine.nhs_number import is_valid

        return (Shape("nhs-number", is_valid, "ten digits with a valid Modulus 11 check digit"),)

    def signers(self) -> Mapping[str, Callable[..., Any]]:
        from harness.domains.spine.mesh_auth import MeshSigner

        return {"mesh": MeshSigner}

    def markers(self) -> Mapping[str, str]:
        return {
            "pds": "contract exchanges of the Personal Demographics Service",
            "sds": "contract exchanges of the Spine Directory Service",
            "eps": "contract exchanges of the Electronic Prescription Service",
            "mhs": "contract exchanges of the Message Handling Service (ebXML messaging)",
            "mesh": "contract exchanges of MESH (Message Exchange for Social Care and Health)",
        }

    def messaging(self) -> Sequence[MessagingProfile]:
        from harness.domains.spine.messaging import MeshInboxProfile, MhsProfile

        return (MhsProfile(), MeshInboxProfile())

    def severities(self) -> Mapping[str, str]:
        # Retrieval operations read patient records, restricted ones included: a broken one is
        # critical.
        return {"getPatient": "critical", "getPatientDetailsByNHSNumber": "critical"}


pack = SpinePack()
