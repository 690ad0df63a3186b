"""A messaging API that signs every request, recorded through the proxy from its own official
client (NHS England's `mesh-client` against `mesh-sandbox`), replays against a fresh sandbox:
each request signed afresh by the Spine pack's MESH provider, the message ids the fresh server
allocates carried into the downloads and acknowledgements, and no false alarm."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from harness.cli import main
from harness.correlation import CORRELATIONS_FILE, read_correlations
from tests.integration.mesh_sandbox import (
    PASSWORD,
    RECIPIENT,
    SENDER,
    SHARED_KEY,
    mesh_sandbox,
    record_through_proxy,
)

pytestmark = pytest.mark.integration
MESSAGES = 3
AUTH = "mesh:shared_key=${MESH_SHARED_KEY},password=${MESH_PASSWORD}"


def client_session(url: str) -> list[str]:
    """What a MESH user does with the official client: handshake, send, list, download,
    acknowledge, list again. Returns what the recipient read."""
    from mesh_client import MeshClient

    read = []
    common = {"shared_key": SHARED_KEY.encode(), "verify": False, "max_retries": 0}
    with (
        MeshClient(url, SENDER, PASSWORD, **common) as sender,
        MeshClient(url, RECIPIENT, PASSWORD, **common) as recipient,
    ):
        sender.handshake()
        recipient.handshake()
        for number in range(MESSAGES):
            sender.send_message(RECIPIENT, f"referral {number}".encode(), workflow_id="TESTWF")
        for message_id in recipient.list_messages():
            read.append(recipient.retrieve_message(message_id).read().decode())
            recipient.acknowledge_message(message_id)
        assert recipient.list_messages() == []
    return read


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mesh") / "contracts"
    read = record_through_proxy(out, client_session)
    assert sorted(read) == [f"referral {n}" for n in range(MESSAGES)]
    return out


def rehearse(contracts: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list]:
    monkeypatch.setenv("MESH_SHARED_KEY", SHARED_KEY)
    monkeypatch.setenv("MESH_PASSWORD", PASSWORD)
    monkeypatch.delenv("HARNESS_AUTH_TOKEN", raising=False)
    with mesh_sandbox() as fresh:
        try:
            main(
                [
                    *("rehearse", "--candidate", fresh, "--contracts", str(contracts)),
                    *("--out", str(out), "--name", "r", "--no-progress"),
                    *("--candidate-auth", AUTH),
                ]
            )
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
    return code, [json.loads(line) for line in (out / "r" / "results.jsonl").open()]


def test_message_ids_are_correlated(recorded: Path) -> None:
    # The sandbox's document files operations under three services (its tags): the ids an
    # Outbox answer gave are carried by Inbox requests, one recording across services.
    assert sorted(p.name for p in recorded.iterdir()) == ["Handshake", "Inbox", "Outbox"]
    entries = read_correlations(recorded / "Outbox" / CORRELATIONS_FILE).entries
    ids = [e for e in entries if e.expression == "/message_id"]
    assert len(ids) == 1 and ids[0].allocated and ids[0].values == MESSAGES
    assert {use.location for use in ids[0].uses} >= {"path", "answer"}


def test_replays_against_a_fresh_sandbox_with_no_false_alarm(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, results = rehearse(recorded, tmp_path / "reports", monkeypatch)
    assert len(results) == 2 + MESSAGES + 1 + 2 * MESSAGES + 1  # handshakes ... last list
    bad = [(r["id"], r["request"]["path"], r["differences"][:2], r["error"]) for r in results]
    assert all(r["verdict"] == "match" for r in results), [
        b for b, r in zip(bad, results, strict=True) if r["verdict"] != "match"
    ]
    assert code == 0
    print(
        f"mesh-sandbox {version('mesh-sandbox')}, mesh-client {version('mesh-client')}: "
        f"{len(results)} exchanges, 0 false alarms"
    )


def test_without_correlation_the_ids_break_the_replay(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "contracts"
    shutil.copytree(recorded, edited)
    for file in edited.glob(f"*/{CORRELATIONS_FILE}"):
        file.write_text(file.read_text().replace("learned: true", "enabled: false"))
    _, results = rehearse(edited, tmp_path / "reports", monkeypatch)
    assert sum(r["verdict"] != "match" for r in results) >= 2 * MESSAGES
