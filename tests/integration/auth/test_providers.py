"""Each auth provider against a local server that verifies it strictly (tests/auth_server.py):
a reused MESH nonce and an expired or reused JWT assertion are refused, tokens are cached."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.auth import signer_for
from harness.cli import main
from harness.config.settings import AuthSettings
from harness.core.exchange import Request
from harness.errors import HarnessError
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import ThreadServer, serve_in_thread
from harness.transport import TargetAccess, TransportError, connect
from tests import auth_server
from tests.auth_server import AuthServer

pytestmark = pytest.mark.integration
ENV = {
    "TOKEN": "static-s3cr3t-token",
    "USER_PW": auth_server.BASIC[1],
    "CLIENT_SECRET": auth_server.CLIENT[1],
    "MESH_KEY": auth_server.MESH_KEY,
    "MESH_PW": auth_server.MESH_PASSWORD,
}


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("keys") / "private.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path, key.public_key()


@pytest.fixture
def server(key_file: tuple[Path, object]) -> Iterator[tuple[AuthServer, ThreadServer]]:
    verifier = AuthServer(key_file[1])
    with serve_in_thread(verifier.app) as served:
        yield verifier, served


def send(url: str, provider: str, options: dict[str, str], count: int = 1) -> list[int]:
    async def run() -> list[int]:
        signer = signer_for(AuthSettings(provider, options, "targets.candidate.auth"), ENV)
        transport = connect(url, "candidate", access=TargetAccess(signer))
        try:
            request = Request("GET", "/messageexchange/X26ABC1/inbox")
            return [(await transport.send(request)).status for _ in range(count)]
        finally:
            await transport.aclose()

    return asyncio.run(run())


def test_static_header_and_basic(server: tuple[AuthServer, ThreadServer]) -> None:
    verifier, served = server
    assert send(served.url, "header", {"value": "Bearer ${TOKEN}"}) == [200]
    assert send(served.url, "basic", {"username": "alice", "password": "${USER_PW}"}) == [200]
    assert send(served.url, "basic", {"username": "alice", "password": "wrong"}) == [401]
    assert (verifier.seen["header"], verifier.seen["basic"]) == (1, 1)


def test_oauth2_client_credentials_fetches_one_token_for_many_requests(
    server: tuple[AuthServer, ThreadServer],
) -> None:
    verifier, served = server
    options = {
        "token_url": f"{served.url}/token",
        "client_id": auth_server.CLIENT[0],
        "client_secret": "${CLIENT_SECRET}",
    }
    assert send(served.url, "oauth2", options, count=5) == [200] * 5
    assert (verifier.seen["oauth2"], verifier.seen["token"]) == (1, 5)
    with pytest.raises(TransportError) as refused:
        send(served.url, "oauth2", {**options, "client_secret": "nope"})
    assert refused.value.kind == "auth" and "401" in str(refused.value)


def test_jwt_assertion_rs512_and_an_expired_one_is_refused(
    server: tuple[AuthServer, ThreadServer], key_file: tuple[Path, object]
) -> None:
    verifier, served = server
    options = {
        "token_url": f"{served.url}/jwt-token",
        "client_id": auth_server.API_KEY,
        "kid": auth_server.KID,
        "private_key": str(key_file[0]),
    }
    assert send(served.url, "jwt", options, count=3) == [200] * 3
    assert send(served.url, "jwt", options) == [200]  # a new signer: a new assertion (new jti)
    assert verifier.seen["jwt"] == 2 and verifier.refused["jwt"] == 0
    with pytest.raises(TransportError) as expired:
        send(served.url, "jwt", {**options, "lifetime_s": "-60"})
    assert expired.value.kind == "auth" and "expired" in str(expired.value)


def test_mesh_signs_each_request_with_a_fresh_nonce(
    server: tuple[AuthServer, ThreadServer],
) -> None:
    verifier, served = server
    options = {"shared_key": "${MESH_KEY}", "password": "${MESH_PW}"}
    assert send(served.url, "mesh", options, count=4) == [200] * 4
    assert len(verifier.nonces) == 4

    async def replayed() -> list[int]:  # the same signed request twice: the nonce is reused
        signer = signer_for(AuthSettings("mesh", options, "auth"), ENV)
        signed = await signer.sign(Request("GET", "/messageexchange/X26ABC1/inbox"))
        with httpx.Client(base_url=served.url) as client:
            return [client.get(signed.path, headers=dict(signed.headers)).status_code for _ in "ab"]

    assert asyncio.run(replayed()) == [200, 403]
    assert verifier.refused["mesh"] == 1


def test_a_bad_provider_or_option_names_the_field() -> None:
    with pytest.raises(HarnessError) as unknown:
        signer_for(AuthSettings("kerberos", {}, "harness.toml: targets.candidate.auth"), ENV)
    assert unknown.value.field == "harness.toml: targets.candidate.auth.provider"
    with pytest.raises(HarnessError) as typo:
        signer_for(AuthSettings("basic", {"username": "a", "passwd": "b"}, "auth"), ENV)
    assert typo.value.field == "auth.password"
    with pytest.raises(HarnessError) as missing:
        signer_for(AuthSettings("mesh", {"shared_key": "${NOT_SET}", "password": "x"}, "a"), {})
    assert missing.value.field == "a.shared_key"


def test_a_rehearsal_asks_the_provider_and_never_writes_the_secret(
    server: tuple[AuthServer, ThreadServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded with the client's own token (redacted to a placeholder), replayed with the
    candidate's provider from harness.toml: no variable for the placeholder is needed."""
    _, served = server
    contracts = tmp_path / "contracts"
    recorder = ProxyRecorder(contracts, served.url, None, Redactor(), {"target": served.url})
    proxy = RecordingProxy(served.url, recorder, learn=False)
    with serve_in_thread(proxy) as through:
        with httpx.Client(base_url=through.url) as client:
            for mailbox in ("X26ABC1", "X26ABC2"):
                answer = client.get(
                    f"/messageexchange/{mailbox}/inbox",
                    headers={"Authorization": auth_server.STATIC},
                )
                assert answer.status_code == 200
        proxy.shutdown()
    recorder.finish()
    (tmp_path / "harness.toml").write_text(
        '[targets.candidate.auth]\nprovider = "mesh"\n'
        'shared_key = "${MESH_KEY}"\npassword = "${MESH_PW}"\n'
    )
    monkeypatch.chdir(tmp_path)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HARNESS_AUTH_TOKEN", raising=False)
    try:
        main(["rehearse", "--candidate", served.url, "--name", "r", "--no-progress"])
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    results = [json.loads(line) for line in (tmp_path / "reports/r/results.jsonl").open()]
    assert [r["verdict"] for r in results] == ["match", "match"], results
    assert code == 0
    for path in [*contracts.rglob("*"), *(tmp_path / "reports").rglob("*")]:
        if path.is_file():
            text = path.read_bytes()
            assert auth_server.STATIC.encode() not in text
            assert b"NHSMESH" not in text and auth_server.MESH_PASSWORD.encode() not in text
