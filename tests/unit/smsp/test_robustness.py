"""Whatever arrives, the SOAP face answers a SOAP envelope and never a server error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from harness.simulator.smsp.endpoint import answer
from harness.simulator.smsp.envelope import SOAP_ENV
from harness.simulator.smsp.operations import OPERATIONS_BY_ACTION
from harness.simulator.smsp.requests import request_envelope
from tests.unit.smsp.test_endpoint import CONTEXT
from tests.unit.smsp.test_operations import SOURCE

ACTIONS = st.sampled_from([*OPERATIONS_BY_ACTION, "urn:other", ""]) | st.none()
VALID = request_envelope("verifyNHSNumber", nhs_number="9000000009", family="Smith")


def _mutations() -> st.SearchStrategy[bytes]:
    """Random bytes, and valid envelopes with a slice replaced by random text."""
    spliced = st.tuples(st.integers(0, len(VALID)), st.integers(0, 40), st.text(max_size=20)).map(
        lambda t: VALID[: t[0]] + t[2].encode() + VALID[t[0] + t[1] :]
    )
    return st.binary(max_size=300) | spliced


@settings(max_examples=150, deadline=None, database=None)
@given(action=ACTIONS, data=_mutations())
def test_never_a_server_fault(action: str | None, data: bytes) -> None:
    status, envelope = answer(CONTEXT, SOURCE, action, data)
    assert status in (200, 400)
    assert envelope.tag == f"{{{SOAP_ENV}}}Envelope"
    etree.tostring(envelope)


@settings(max_examples=60, deadline=None, database=None)
@given(
    family=st.text(max_size=40),
    given_names=st.lists(st.text(max_size=10), max_size=3),
    number=st.text(alphabet="0123456789", min_size=9, max_size=11),
    birth=st.text(alphabet="0123456789-", max_size=12),
)
def test_any_parameter_values_are_answered_or_refused(
    family: str, given_names: list[str], number: str, birth: str
) -> None:
    clean = "".join(ch for ch in family if ch.isprintable())
    try:
        data = request_envelope(
            "verifyNHSNumber",
            nhs_number=number,
            family=clean,
            given=tuple("".join(c for c in g if c.isprintable()) for g in given_names),
            birth_date=birth,
        )
    except ValueError:  # text lxml cannot carry (surrogates...): not a request anyone can send
        return
    action = "urn:nhs-itk:services:201005:verifyNHSNumber-v1-0"
    status, _ = answer(CONTEXT, SOURCE, action, data)
    assert status in (200, 400)
