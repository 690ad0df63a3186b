"""The recording proxy forwards an admin endpoint's request but never records it: NHS England's
MESH sandbox resets its mailboxes on `DELETE /admin/reset`, which, replayed later beside the
other exchanges, would empty the mailboxes under their feet."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from harness.contracts import discover, iter_exchanges
from harness.record.interface import load_openapi
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread
from tests.integration.correlation.test_mesh_replay import client_session
from tests.integration.mesh_sandbox import mesh_sandbox

pytestmark = pytest.mark.integration


def test_an_admin_reset_is_forwarded_not_recorded(tmp_path: Path) -> None:
    out = tmp_path / "contracts"
    with mesh_sandbox() as legacy:
        document = load_openapi(f"{legacy}/openapi.json")
        recorder = ProxyRecorder(out, legacy, document, Redactor(), {"target": legacy})
        proxy = RecordingProxy(legacy, recorder, learn=False)
        with serve_in_thread(proxy) as served:
            read = client_session(served.url)
            reset = httpx.delete(f"{served.url}/admin/reset", timeout=30)
            proxy.shutdown()
        recorder.finish()
    assert read and reset.status_code == 200  # the upstream did reset
    assert reset.json() == {"message": "all mailboxes reset"}
    recorded = [e for contract in discover(out) for e in iter_exchanges(contract)]
    assert recorded  # the client's session is recorded
    assert not [e for e in recorded if "/admin" in e.request.path]
    assert any("/admin/reset: not recorded: an admin endpoint" in w for w in recorder.warnings)
