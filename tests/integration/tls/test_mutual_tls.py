"""Mutual TLS on loopback: uvicorn serving the simulator over https and refusing any client
without a certificate its CA signed (as the Spine's and MESH's endpoints do). Certificates are
made in the test with trustme. `[targets.<name>.tls]` in harness.toml gives each target its
client certificate, key and CA for record (target, twin) and rehearse (candidate)."""

from __future__ import annotations

import json
import shutil
import ssl
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.cli_support import run
from tests.integration.generation.support import ROOT, json_lines

pytestmark = pytest.mark.integration
trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    """A CA, and a directory with its certificate and a client certificate it signed."""
    ca = trustme.CA()
    directory = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    client = ca.issue_cert("gp-system.example.nhs.uk")
    client.cert_chain_pems[0].write_to_path(str(directory / "client.pem"))
    client.private_key_pem.write_to_path(str(directory / "client.key"))
    other = trustme.CA().issue_cert("someone-else.example")  # signed by a CA the server refuses
    other.cert_chain_pems[0].write_to_path(str(directory / "other.pem"))
    other.private_key_pem.write_to_path(str(directory / "other.key"))
    return ca, directory


@pytest.fixture(scope="module")
def servers(authority: tuple[trustme.CA, Path]) -> Iterator[list[str]]:
    """Three simulators (record target, twin, candidate) that require a client certificate."""
    ca, directory = authority
    server_cert = ca.issue_cert("127.0.0.1")
    server_cert.private_key_and_cert_chain_pem.write_to_path(str(directory / "server.pem"))
    tls = {
        "ssl_certfile": str(directory / "server.pem"),
        "ssl_ca_certs": str(directory / "ca.pem"),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                serve_in_thread(build_app(SimulatorConfig(population=500)), **tls)
            ).url.replace("http://", "https://")
            for _ in range(3)
        ]
        yield urls


@pytest.fixture
def pki(
    authority: tuple[trustme.CA, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The certificates' directory; the test runs in `tmp_path`, where its harness.toml is."""
    monkeypatch.chdir(tmp_path)
    return authority[1]


def settings(directory: Path, pki: Path, cert: str = "client") -> None:
    lines = []
    for name in ("legacy", "twin", "candidate"):
        lines += [f"[targets.{name}.tls]", f'cert = "{pki / cert}.pem"',
                  f'key = "{pki / cert}.key"', f'ca = "{pki / "ca.pem"}"', ""]  # fmt: skip
    (directory / "harness.toml").write_text("\n".join(lines))


def test_record_and_rehearse_present_the_client_certificate(
    servers: list[str], pki: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy, twin, candidate = servers
    settings(tmp_path, pki)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(ROOT / "fixtures" / "scenarios" / "pds-fhir-read.yaml", scenarios)
    code, printed = run(
        ["record", "--target", legacy, "--twin", twin, "--out", "contracts",
         "--scenarios", str(scenarios)],
        capsys,
    )  # fmt: skip
    assert code == 0, printed
    recorded = json_lines(tmp_path / "contracts" / "pds" / "exchanges.jsonl")
    assert len(recorded) > 5 and {e["response"]["status"] for e in recorded} >= {200, 404}
    code, printed = run(
        ["rehearse", "--candidate", candidate, "--contracts", "contracts", "--out", "reports",
         "--name", "r", "--no-progress"],
        capsys,
    )  # fmt: skip
    assert code == 0, printed
    results = json_lines(tmp_path / "reports" / "r" / "results.jsonl")
    assert len(results) == len(recorded)
    assert {r["verdict"] for r in results} == {"match"}
    summary = json.loads((tmp_path / "reports" / "r" / "summary.json").read_text())
    assert summary["totals"]["error"] == 0


def test_a_certificate_the_server_does_not_trust_is_refused_clearly(
    servers: list[str], pki: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy, _, candidate = servers
    settings(tmp_path, pki)
    code, printed = run(["record", "--target", legacy, "--out", "contracts", "--generate", "4"],
                        capsys)  # fmt: skip
    assert code == 0, printed
    settings(tmp_path, pki, cert="other")  # a certificate from a CA the targets do not trust
    code, printed = run(["record", "--target", legacy, "--out", "again", "--generate", "4"],
                        capsys)  # fmt: skip
    assert code == 2 and "Traceback" not in printed
    assert "cannot fetch the OpenAPI document" in printed
    assert "may not accept the client certificate" in printed and "other.pem" in printed
    code, printed = run(
        ["rehearse", "--candidate", candidate, "--contracts", "contracts", "--out", "reports",
         "--name", "r", "--no-progress"],
        capsys,
    )  # fmt: skip
    assert code == 1 and "Traceback" not in printed
    results = json_lines(tmp_path / "reports" / "r" / "results.jsonl")
    assert results and {r["verdict"] for r in results} == {"error"}
    assert all("may not accept the client certificate" in r["error"] for r in results)
    assert all(str(pki / "other.pem") in r["error"] for r in results)
