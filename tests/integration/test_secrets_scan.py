"""No secret reaches disk: every file a record, a proxy, rehearsals and the reports write is
scanned for every secret value given (a bearer token in a header, an apikey header and an
apikey query parameter with different values, a cookie).

The targets are httpbin (a real third-party service, run on loopback with werkzeug), whose
`/anything` echoes every header and query parameter back in its answer: the worst case for a
report, since the candidate's answer carries each secret. Real consumer traffic goes through
`harness proxy` from `requests`, a client this project did not write.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.serving import spawn_harness_server
from tests.cli_support import run
from tests.integration.httpbin_support import httpbin_servers

pytestmark = pytest.mark.integration

TOKEN = "tok-9f2c41d7e3a85b06"
HEADER_KEY = "hdr-key-5e1b77c2"
QUERY_KEY = "qry-key-0a93d4f8"
COOKIE = "session=ck-61fe0b2a9d"
SECRETS = (TOKEN, HEADER_KEY, QUERY_KEY, COOKIE.split("=", 1)[1])
ENV = {
    "HARNESS_AUTH_TOKEN": TOKEN,
    "HARNESS_APIKEY": HEADER_KEY,
    "HARNESS_QUERY_APIKEY": QUERY_KEY,
    "HARNESS_COOKIE": COOKIE,
}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1"},
    "paths": {
        "/anything": {
            "get": {
                "operationId": "echoGet",
                "tags": ["echo"],
                "parameters": [
                    {"name": "apikey", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "the request, echoed"}},
            }
        }
    },
}
SCENARIOS = """
scenarios:
  - name: echo-with-secrets
    steps:
      - path: /anything
        headers:
          Authorization: "Bearer ${SCAN_TOKEN}"
          apikey: "${SCAN_HEADER_KEY}"
          Cookie: "${SCAN_COOKIE}"
        query: {apikey: "${SCAN_QUERY_KEY}", page: "1"}
"""


@pytest.fixture
def echo_servers() -> Iterator[tuple[str, ...]]:
    """Two httpbin instances on loopback: legacy and candidate."""
    with httpbin_servers(2) as urls:
        yield urls


def leaks(root: Path) -> list[str]:
    """`file: secret` for every file under `root` holding one of the secret values."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {s}" for s in SECRETS if s.encode() in data]
    return found


def test_no_secret_given_reaches_any_file_written(
    tmp_path: Path,
    echo_servers: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    legacy, candidate = echo_servers
    openapi = tmp_path / "openapi.json"
    openapi.write_text(json.dumps(OPENAPI))
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "echo.yaml").write_text(SCENARIOS)
    for name, value in (
        ("SCAN_TOKEN", TOKEN),
        ("SCAN_HEADER_KEY", HEADER_KEY),
        ("SCAN_QUERY_KEY", QUERY_KEY),
        ("SCAN_COOKIE", COOKIE),
        *ENV.items(),
    ):
        monkeypatch.setenv(name, value)
    out = tmp_path / "written"

    # 1. record from a scenario that sends the secrets (filled from the environment).
    code, output = run(
        [
            *("record", "--target", legacy, "--openapi", str(openapi)),
            *("--scenarios", str(tmp_path / "scenarios"), "--out", str(out / "recorded")),
        ],
        capsys,
    )
    assert code == 0, output

    # 2. real consumer traffic with real secret values, through the recording proxy.
    proxy = ["proxy", "--upstream", legacy, "--record", str(out / "proxied")]
    with spawn_harness_server([*proxy, "--openapi", str(openapi), "--no-noise"]) as server:
        answer = requests.get(
            f"{server.url}/anything",
            params={"apikey": QUERY_KEY, "page": "2"},
            headers={"Authorization": f"Bearer {TOKEN}", "apikey": HEADER_KEY, "Cookie": COOKIE},
            timeout=60,
        )
        assert answer.status_code == 200 and answer.json()["args"]["apikey"] == QUERY_KEY
    stored = (out / "proxied" / "echo" / "exchanges.jsonl").read_text()
    assert "${HARNESS_QUERY_APIKEY}" in stored and "${HARNESS_APIKEY}" in stored

    # 3. rehearse both: against the recordings, then live to live with generated traffic.
    for contracts, name, extra in (
        (out / "proxied", "replayed", []),
        (out / "recorded", "replayed-scenario", []),
        (out / "proxied", "differential", ["--legacy", legacy, "--generate", "6", "--seed", "3"]),
    ):
        code, output = run(
            [
                *("rehearse", "--candidate", candidate, "--contracts", str(contracts)),
                *("--out", str(out / "reports"), "--name", name, "--no-progress", *extra),
            ],
            capsys,
        )
        assert code in (0, 1), output
        rows = [json.loads(line) for line in (out / "reports" / name / "results.jsonl").open()]
        echoed = [
            d["path"]
            for row in rows
            for d in row["differences"]
            if d["path"].lower().startswith(("/headers/authorization", "/headers/apikey"))
            or d["path"].lower().startswith(("/headers/cookie", "/args/apikey"))
        ]
        assert echoed == [], f"an echoed secret or placeholder showed as a difference: {echoed}"
        sent = rows[0]["request"]
        if name != "replayed-scenario":
            assert ["apikey", "${HARNESS_QUERY_APIKEY}"] in sent["query"], sent
            assert ["apikey", "${HARNESS_APIKEY}"] in sent["headers"], sent
            assert "apikey=${HARNESS_QUERY_APIKEY}" in rows[0]["reproducer"]

    # 4. every report, written again, and allure-results.
    for kind in ("all", "allure"):
        code, output = run(["report", kind, str(out / "reports" / "differential")], capsys)
        assert code == 0, output
    assert (out / "reports" / "differential" / "generation.json").exists()
    assert (out / "reports" / "differential" / "report.html").exists()
    assert list((out / "reports" / "differential").rglob("*-result.json")), "no allure results"
    assert leaks(out) == []
    assert os.environ["HARNESS_AUTH_TOKEN"] == TOKEN  # the values were there to leak
