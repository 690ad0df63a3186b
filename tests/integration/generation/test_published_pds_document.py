"""`harness record --openapi` with the published PDS document (split across files) against the
simulator served on the document's base path: generation goes to that base path, operations
are named by their operationIds, the stored document is self-contained, and every operation
that has a reachable 2xx is answered 2xx for at least a quarter of its generated requests (a
second round seeded by the first one's answers: success variations, schemathesis's resource
pool, chains along the links, the Spine pack's searches by known demographics)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.contracts import discover, iter_exchanges
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.reference import REFERENCE

pytestmark = pytest.mark.integration
DOCUMENT = REFERENCE / "pds" / "specification" / "personal-demographics.yaml"


@pytest.mark.skipif(
    not DOCUMENT.is_file(), reason=f"the published PDS document is not at {DOCUMENT}"
)
def test_record_with_the_published_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "contracts"
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as simulator:
        try:
            main(
                [
                    *("record", "--target", simulator.url, "--openapi", str(DOCUMENT)),
                    *("--generate", "200", "--seed", "0", "--out", str(out), "--no-noise"),
                ]
            )
        except SystemExit as exited:
            assert exited.code in (0, None, 1)
    printed = capsys.readouterr().err
    (contract,) = discover(out)
    exchanges = list(iter_exchanges(contract))
    operations = {e.operation for e in exchanges}
    assert {
        "get-patient",
        "search-patient",
        "create-patient",
        "update-patient-partial",
    } <= operations
    assert all(e.request.path.startswith("/personal-demographics/FHIR/R4/") for e in exchanges)
    stored = (contract.directory / "openapi.json").read_text()
    refs = [part.split('"')[0] for part in stored.split('"$ref": "')[1:]]
    assert all(ref.startswith("#/") for ref in refs)
    assert "get-patient" in json.loads(stored)["paths"]["/Patient/{id}"]["get"]["operationId"]
    generated = [e for e in exchanges if e.source == "generated"]
    shares = {
        operation: (
            sum(200 <= e.response.status < 300 for e in generated if e.operation == operation),
            sum(e.operation == operation for e in generated),
        )
        for operation in {e.operation for e in generated}
    }
    reached = {op for op, (good, _) in shares.items() if good}
    assert {
        "get-patient",
        "search-patient",
        "create-patient",
        "update-patient-partial",
        "get-related-people",
    } <= reached
    for operation in reached:
        good, sent = shares[operation]
        assert good / sent >= 0.25, (operation, good, sent, printed)
    assert "generated requests answered 2xx" in printed  # the figure per operation
    for operation in reached:  # no warning for an operation that reaches its success paths
        assert f"warning: {operation}:" not in printed
    # The Coverage operations are not served by the simulator: every answer a 404, and said so.
    assert "warning: get-coverage: 0 of" in printed
