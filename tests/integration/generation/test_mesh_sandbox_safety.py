"""Generation against a real third-party service with admin endpoints in its document: NHS
England's MESH sandbox (`mesh-sandbox`, FastAPI) publishes `DELETE /admin/reset` and other
testing-only `/admin` operations in its OpenAPI. `harness record --generate` never generates
them (admin endpoints), never generates a DELETE without `--allow-side-effects`, and
`--include` / `--exclude` pick operations by tag, method and operationId."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.cli import main
from harness.contracts import discover, iter_exchanges
from harness.core.selection import AdminPaths
from tests.integration.mesh_sandbox import PASSWORD, SENDER, SHARED_KEY, mesh_sandbox

pytestmark = pytest.mark.integration
AUTH = "mesh:shared_key=${MESH_SHARED_KEY},password=${MESH_PASSWORD}"


def record(url: str, out: Path, *flags: str) -> list[str]:
    try:
        main(
            [
                *("record", "--target", url, "--auth", AUTH, "--out", str(out)),
                *("--generate", "60", "--seed", "2", "--no-noise", *flags),
            ]
        )
    except SystemExit as exited:
        assert exited.code in (0, None, 1)
    return [
        f"{e.request.method} {e.request.path}"
        for contract in discover(out)
        for e in iter_exchanges(contract)
    ]


@pytest.fixture()
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_SHARED_KEY", SHARED_KEY)
    monkeypatch.setenv("MESH_PASSWORD", PASSWORD)


def test_admin_and_destructive_operations_are_never_generated(
    tmp_path: Path, credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = AdminPaths()
    with mesh_sandbox() as url:
        sent = record(url, tmp_path / "default")
        assert sent and len(sent) >= 50
        assert not [line for line in sent if line.startswith("DELETE ")]
        assert not [line for line in sent if admin.matches(line.split(" ", 1)[1])]
        # Side effects allowed: DELETE may be generated, but the admin endpoints (every DELETE
        # the sandbox has is one) still never are.
        allowed = record(url, tmp_path / "allowed", "--allow-side-effects")
        assert not [line for line in allowed if admin.matches(line.split(" ", 1)[1])]
        inbox = record(url, tmp_path / "inbox", "--include", "tag:Inbox", "--exclude", "method:PUT")
        assert inbox
        assert all("/inbox" in line or line.endswith("/count") for line in inbox), inbox
        assert not any(line.startswith("PUT ") for line in inbox)
    # The success share of each generated operation is printed for the sandbox too.
    printed = capsys.readouterr().err
    assert "generated requests answered 2xx" in printed
    methods = Counter(line.split(" ", 1)[0] for line in sent)
    assert methods["GET"] and methods["POST"]


def test_a_scenario_step_to_an_admin_endpoint_is_sent_not_recorded(
    tmp_path: Path, credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "reset-then-search.yaml").write_text(
        "name: reset-then-search\n"
        "steps:\n"
        "  - {name: reset, method: DELETE, path: /admin/reset, expect: 200}\n"
        "  - {name: search, method: GET, path: /messageexchange/workflowsearch/TESTWF}\n"
    )
    with mesh_sandbox() as url:
        try:
            main(
                [
                    *("record", "--target", url, "--auth", f"{AUTH},mailbox={SENDER}"),
                    "--no-noise",
                    *("--scenarios", str(scenarios), "--out", str(tmp_path / "out")),
                ]
            )
        except SystemExit as exited:
            assert exited.code in (0, None)
    stored = [e for c in discover(tmp_path / "out") for e in iter_exchanges(c)]
    assert [e.step for e in stored] == [1]  # the reset was sent (expect: 200 held), not stored
    printed = capsys.readouterr().err
    assert "/admin/reset is an admin endpoint: sent, never recorded" in printed
