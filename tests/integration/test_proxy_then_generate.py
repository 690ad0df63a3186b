"""The verdicts a cutover team gets from contracts recorded once through the proxy, plus
generated and stateful traffic, against a faithful spine2 and against the demo drift.

Real servers over real sockets: the legacy simulator and spine2 in child processes, the
recording proxy in a thread, httpx as the consumer, `harness rehearse` in-process."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from harness.contracts.noisefile import read_noise_file
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread, spawn_harness_server
from tests.cli_support import run

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
POPULATION = ["--population", "1000"]
BASE = "/personal-demographics/FHIR/R4"
READ = ["9000000009", "9000000017", "9000000025", "9000000033", "9000000092", "9000000068"]
CREATE = {
    "resourceType": "Patient",
    "name": [{"use": "usual", "given": ["Ezra"], "family": "Proxyworth",
              "period": {"start": "2023-05-06"}}],
    "gender": "male",
    "birthDate": "2023-05-06",
    "address": [{"use": "home", "line": ["7 Quarry Hill", "Leeds"], "postalCode": "LS2 7UA",
                 "period": {"start": "2023-05-06"}}],
    "extension": [{
        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority",
        "extension": [
            {"url": "registeringAuthorityType", "valueCodeableConcept": {"coding": [{
                "system": "https://fhir.nhs.uk/CodeSystem/UKCore-RegisteringAuthorityType",
                "code": "x"}]}},
            {"url": "organisationIdentifier", "valueString": "RGS"},
        ],
    }],
}  # fmt: skip


def headers(**extra: str) -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4()), "NHSD-Session-URID": "555254242106", **extra}


def consumer_traffic(client: httpx.Client) -> None:
    """Reads, searches, a create, a read of what was created and a PATCH with its ETag."""
    for number in READ:
        assert client.get(f"{BASE}/Patient/{number}", headers=headers()).status_code < 500
        client.get(f"{BASE}/Patient/{number}/RelatedPerson", headers=headers())
    for query in (
        {"family": "Smith", "birthdate": "eq2010-10-22"},
        {"family": "Smith", "gender": "female", "birthdate": "eq2010-10-22", "_max-results": "5"},
        {"family": "Smyth", "birthdate": "eq2010-10-22", "_fuzzy-match": "true"},
    ):
        client.get(f"{BASE}/Patient", params=query, headers=headers())
    created = client.post(f"{BASE}/Patient", json=CREATE, headers=headers())
    assert created.status_code == 201
    number = created.json()["id"]
    read = client.get(f"{BASE}/Patient/{number}", headers=headers())
    patch = b'{"patches":[{"op":"replace","path":"/gender","value":"female"}]}'
    patched = client.patch(
        f"{BASE}/Patient/{number}",
        content=patch,
        headers=headers(**{"If-Match": read.headers["etag"],
                           "Content-Type": "application/json-patch+json"}),
    )  # fmt: skip
    assert patched.status_code == 200


@pytest.fixture(scope="module")
def legacy() -> Iterator[str]:
    with spawn_harness_server(["simulate", *POPULATION]) as server:
        yield server.url


@pytest.fixture(scope="module")
def recorded(legacy: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proxied") / "contracts"
    document = httpx.get(f"{legacy}/openapi.json").json()
    recorder = ProxyRecorder(out, legacy, document, Redactor(), {"target": legacy})
    app = RecordingProxy(legacy, recorder, gap_s=0.05)
    with serve_in_thread(app) as proxy, httpx.Client(base_url=proxy.url, timeout=30) as client:
        consumer_traffic(client)
        app.shutdown()
    recorder.finish()
    return out


def rehearse_against(
    capsys: pytest.CaptureFixture[str],
    recorded: Path,
    legacy: str,
    out: Path,
    *candidate_flags: str,
) -> tuple[int, str, list[dict[str, object]], Path]:
    """A copy of the recorded contracts rehearsed against a fresh spine2 with these flags."""
    contracts = out / "contracts"
    shutil.copytree(recorded, contracts)
    args = ["simulate", *POPULATION, "--flavour", "spine2", *candidate_flags]
    with spawn_harness_server(args) as candidate:
        code, output, results = rehearse(capsys, contracts, legacy, candidate.url, out)
    return code, output, results, contracts


def rehearse(
    capsys: pytest.CaptureFixture[str], contracts: Path, legacy: str, candidate: str, out: Path
) -> tuple[int, str, list[dict[str, object]]]:
    code, output = run(
        [
            "rehearse", "--legacy", legacy, "--candidate", candidate,
            "--contracts", str(contracts), "--generate", "200", "--stateful",
            "--out", str(out), "--name", "r", "--no-progress",
        ],
        capsys,
    )  # fmt: skip
    lines = (out / "r" / "results.jsonl").read_bytes().splitlines()
    return code, output, [json.loads(line) for line in lines if line]


def test_a_faithful_candidate_gets_no_flag_and_no_regression_file(
    recorded: Path,
    legacy: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output, results, contracts = rehearse_against(capsys, recorded, legacy, tmp_path)
    assert code == 0, output
    assert len(results) > 300
    assert [(r["id"], r["differences"]) for r in results if r["verdict"] != "match"] == []
    assert not list(contracts.glob("*/regressions/*.jsonl"))
    # What legacy disagreed with itself on was learned and proposed, never written to contracts.
    proposal = (tmp_path / "r" / "noise.proposed.yaml").read_text()
    documents = [d for d in yaml.safe_load_all(proposal) if d]
    assert documents and all(d["format_version"] == 1 and d["service"] for d in documents)
    one = tmp_path / "one.yaml"
    one.write_text(proposal.split("---\n")[0])
    assert read_noise_file(one).entries  # in the contract's own format
    assert "legacy disagreed with itself" in proposal
    assert "Live noise cancellation: legacy asked again" in " ".join(output.split())
    assert any(r.get("cancelled") for r in results)
    generation = json.loads((tmp_path / "r" / "generation.json").read_text())
    statuses = {d["confirmation"]["status"] for d in generation["divergences"]}
    assert statuses <= {"noise"}, generation["divergences"]


def test_the_demo_drift_is_found_and_only_confirmed_divergences_are_saved(
    recorded: Path,
    legacy: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    drift = str(ROOT / "fixtures" / "drift" / "demo.yaml")
    code, output, results, contracts = rehearse_against(
        capsys, recorded, legacy, tmp_path, "--drift", drift
    )
    assert code == 1, output
    found = {
        (str(r["operation"]), d["path"])
        for r in results
        for d in r["differences"]  # type: ignore[attr-defined]
    }
    assert ("getPatient", "/birthDate") in found  # 9000000092: an even NHS number
    assert ("getPatient", "/address") in found  # the restricted patient's address leaked
    assert any(op == "updatePatient" for op, _ in found)  # the version one too high
    generation = json.loads((tmp_path / "r" / "generation.json").read_text())
    saved = list(contracts.glob("*/regressions/*.jsonl"))
    confirmed = [d for d in generation["divergences"] if d["regression"]]
    assert saved and len(saved) == len({d["regression"] for d in confirmed})
    for divergence in generation["divergences"]:
        check = divergence["confirmation"]
        assert check["runs"] == 3
        if divergence["regression"]:
            assert check["status"] == "confirmed" and check["reproduced"] == 3
        else:
            assert check["status"] in ("noise", "intermittent", "not reproduced")
            assert "nothing saved" in divergence["reproducer"]
