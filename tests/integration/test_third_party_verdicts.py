"""Verdicts on a real service nobody here wrote: NHS England's MESH sandbox (`mesh-sandbox`, a
FastAPI server with generated message ids and timestamps), driven by its official client
(`mesh-client`) through the recording proxy, then rehearsed live to live.

Recorded once; rehearsed with a fresh legacy, a fresh legacy twin (live noise cancellation: each
instance stamps its own upload times) and a fresh candidate: no false alarm. Against a modified
copy (tests/integration/mesh_drifted.py: an expiry of three days instead of five, a field
renamed, a status changed) every change is found, each as its own cluster."""

from __future__ import annotations

import contextlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import run
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
DRIFTED = "tests.integration.mesh_drifted:app"


def session(url: str) -> None:
    """Send, track, download, acknowledge, track again: what a MESH user does."""
    from mesh_client import MeshClient

    common = {"shared_key": SHARED_KEY.encode(), "verify": False, "max_retries": 0}
    with (
        MeshClient(url, SENDER, PASSWORD, **common) as sender,
        MeshClient(url, RECIPIENT, PASSWORD, **common) as recipient,
    ):
        sender.handshake()
        recipient.handshake()
        sent = [
            sender.send_message(RECIPIENT, f"referral {n}".encode(), workflow_id="TESTWF")
            for n in range(MESSAGES)
        ]
        for message_id in sent:
            assert sender.track_message(message_id)["expiry_time"]
        for message_id in recipient.list_messages():
            recipient.retrieve_message(message_id).read()
            recipient.acknowledge_message(message_id)
        for message_id in sent:
            sender.track_message(message_id)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mesh") / "contracts"
    record_through_proxy(out, session)
    return out


def rehearse(
    contracts: Path, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    candidate_app: str = "mesh_sandbox.api:app", extra: tuple[str, ...] = (),
) -> tuple[int, str, list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    monkeypatch.setenv("MESH_SHARED_KEY", SHARED_KEY)
    monkeypatch.setenv("MESH_PASSWORD", PASSWORD)
    with contextlib.ExitStack() as stack:
        legacy = stack.enter_context(mesh_sandbox())
        twin = stack.enter_context(mesh_sandbox())
        candidate = stack.enter_context(mesh_sandbox(candidate_app))
        code, output = run(
            [
                *("rehearse", "--legacy", legacy, "--legacy-twin", twin),
                *("--candidate", candidate, "--contracts", str(contracts)),
                *("--out", str(out), "--name", "r", "--no-progress"),
                *("--candidate-auth", AUTH, "--legacy-auth", AUTH),
                *extra,
            ],
            capsys,
        )
    results = [json.loads(line) for line in (out / "r" / "results.jsonl").open()]
    summary = json.loads((out / "r" / "summary.json").read_text())
    return code, output, results, summary


def test_a_fresh_instance_gives_no_false_alarm(
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output, results, summary = rehearse(recorded, tmp_path, monkeypatch, capsys)
    assert len(results) == 2 + MESSAGES + MESSAGES + 1 + 2 * MESSAGES + MESSAGES
    bad = [(r["id"], r["operation"], r["differences"][:3], r["error"]) for r in results
           if r["verdict"] != "match"]  # fmt: skip
    assert bad == [] and code == 0, output
    assert summary["clusters"] == []
    print(
        f"mesh-sandbox {version('mesh-sandbox')}, mesh-client {version('mesh-client')}: "
        f"{len(results)} exchanges live to live, 0 false alarms, "
        f"{sum(len(r.get('cancelled') or ()) for r in results)} differences were legacy's noise"
    )


def test_each_message_is_seen_in_its_recipients_inbox_on_both_sides(
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the inbox channel, each send's entry is polled for in the recipient's inbox on
    both sandboxes (signed as the recipient, fetched with a HEAD): still no false alarm."""
    inbound = ("--inbound", "127.0.0.1:0")
    code, output, results, summary = rehearse(
        recorded, tmp_path, monkeypatch, capsys, extra=inbound
    )
    bad = [(r["id"], r["operation"], r["differences"][:3], r["error"]) for r in results
           if r["verdict"] != "match"]  # fmt: skip
    assert bad == [] and code == 0, output
    later = [r["later"] for r in results if r.get("later")]
    assert len(later) == MESSAGES  # one per send
    for messages in later:
        for side in ("legacy", "candidate"):
            assert [(m["kind"], m["code"]) for m in messages[side]] == [("inbox", "00")]
            assert messages[side][0]["after_ms"] >= 0
    [latency] = [e for e in summary["later_latency"] if e["kind"] == "inbox"]
    assert latency["latency_ms"]["candidate"]["count"] == MESSAGES
    print(
        f"mesh-sandbox {version('mesh-sandbox')} with the inbox channel: {len(results)} "
        f"exchanges, {len(later)} inbox entries per side, 0 false alarms; inbox latency "
        f"{latency['latency_ms']}"
    )


def test_the_changes_of_a_modified_copy_are_found(
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output, results, summary = rehearse(recorded, tmp_path, monkeypatch, capsys, DRIFTED)
    assert code == 1, output
    found = {(d["path"], d["kind"]) for r in results for d in r["differences"]}
    assert ("/expiry_time", "changed") in found  # three days instead of five
    assert ("/recipient_name", "missing") in found and ("/recipientName", "extra") in found
    assert ("status", "status") in found  # 202 for an acknowledgement
    expiry = next(d for r in results for d in r["differences"] if d["path"] == "/expiry_time")
    days = (_time(expiry["legacy"]) - _time(expiry["candidate"])).total_seconds() / 86_400
    assert round(days) == 2
    signatures = [tuple(c["signature"]) for c in summary["clusters"]]
    assert len(signatures) == 3, signatures  # one per change: the rename is one signature
    (status,) = [c for c in summary["clusters"] if c["kind"] == "status"]
    assert status["exchanges"] == MESSAGES
    print(f"modified mesh-sandbox: {len(results)} exchanges, clusters {signatures}")


def _time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)
