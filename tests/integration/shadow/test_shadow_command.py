"""`harness shadow` as a user runs it (a child process): the shadow signs each mirrored copy with
its own credentials provider, the consumer's credentials reach only the primary, and no secret
reaches the store."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from harness.serving import spawn_harness_server
from tests.integration.scripted import OK, ScriptedServer
from tests.integration.shadow.support import stored_rows

DIFFERENT = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nno"


def test_the_shadow_is_signed_by_its_own_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHADOW_PASSWORD", "s3cret-shadow")
    expected = "Basic " + base64.b64encode(b"mirror:s3cret-shadow").decode()

    def shadow_script(number: int, request: bytes) -> bytes:
        if f"authorization: {expected}".lower().encode() not in request.lower():
            return b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
        return DIFFERENT if b"GET /differs" in request else OK

    primary = ScriptedServer(lambda number, request: OK)
    shadow = ScriptedServer(shadow_script)
    store = tmp_path / "store"
    args = [
        "shadow", "--primary", primary.url, "--shadow", shadow.url, "--store", str(store),
        "--shadow-auth", "basic:username=mirror,password=${SHADOW_PASSWORD}",
    ]  # fmt: skip
    try:
        with spawn_harness_server(args) as proxy:
            consumer = {"Authorization": "Bearer consumer-token-123"}
            for path in ("/a", "/b", "/differs"):
                assert httpx.get(proxy.url + path, headers=consumer, timeout=30).text == "ok"
            proxy.process.terminate()  # a clean stop: drained and flushed
            proxy.process.wait(timeout=60)
    finally:
        primary.close()
        shadow.close()
    consumed = [raw for raw in primary.requests if not raw.startswith(b"GET /openapi.json")]
    assert len(consumed) == 3 and all(b"Bearer consumer-token-123" in raw for raw in consumed)
    mirrored = [raw for raw in shadow.requests if not raw.startswith(b"GET /openapi.json")]
    assert len(mirrored) == 3
    assert not any(b"consumer-token-123" in raw for raw in mirrored)
    rows = {r["target"]: r for r in stored_rows(store)}
    assert {t: r["verdict"] for t, r in rows.items()} == {
        "/a": "match",
        "/b": "match",
        "/differs": "mismatch",
    }
    stored = "".join(path.read_bytes().decode("latin-1") for path in store.rglob("*.parquet"))
    stored += "".join(path.read_text() for path in store.glob("shadow-run-*.json"))
    assert "consumer-token-123" not in stored and "s3cret-shadow" not in stored
    # stored as a recording stores it: the credential header as a ${VAR} placeholder
    assert '["authorization","${' in rows["/differs"]["request"]
