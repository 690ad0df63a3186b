"""The shadow proxy in front of a service this project did not write: httpbin (Flask, from PyPI),
two instances on loopback, driven by `requests`, a client this project did not write either."""

from __future__ import annotations

from pathlib import Path

import requests

from harness.core.operations import Classifier
from harness.core.rules import NoiseModel
from harness.shadow.source import MirrorRules
from tests.integration.shadow.support import running_shadow, stored_rows


def test_httpbin_answers_pass_through_and_pairs_are_judged(
    two_httpbins: tuple[str, ...], tmp_path: Path
) -> None:
    primary, shadow = two_httpbins
    # what varies between two httpbins for the same request: the host each one was reached at,
    # and /uuid's value (learned noise would say the same; written here as a user would)
    service = Classifier(None, primary).default_service
    noise = NoiseModel.from_dict(
        {
            "*": [
                {"path": "/headers/Host", "kind": "ignore"},
                {"path": "/url", "kind": "ignore"},
                {"path": "/uuid", "kind": "uuid"},
            ]
        }
    )
    rules = MirrorRules(unsafe=("POST /post",))
    # answers that echo the request (its headers as the proxy forwarded them) are compared on
    # what they say; the others byte for byte
    echoes = {"/get?show_env=0&a=1&a=2", "/gzip", "/post", "/put"}
    calls = [
        ("GET", "/get?show_env=0&a=1&a=2", {}),
        ("GET", "/bytes/256?seed=7", {}),
        ("GET", "/gzip", {"headers": {"Accept-Encoding": "gzip"}}),
        ("GET", "/image/png", {}),
        ("GET", "/encoding/utf8", {}),
        ("GET", "/xml", {}),
        ("GET", "/html", {}),
        ("GET", "/status/418", {}),
        ("GET", "/response-headers?X-Shadow=1&X-Shadow=2", {}),
        ("GET", "/uuid", {}),
        ("POST", "/post", {"json": {"b": [1, 2]}}),
        ("PUT", "/put", {"data": b"not mirrored"}),
    ]
    with (
        running_shadow(primary, shadow, store=tmp_path / "s", noise={service: noise}, rules=rules)
        as (url, service_run),
        requests.Session() as proxied,
        requests.Session() as direct,
    ):  # fmt: skip
        for method, path, options in calls:
            via = proxied.request(method, url + path, stream=True, **options)
            straight = direct.request(method, primary + path, stream=True, **options)
            got, expected = (
                via.raw.read(decode_content=False),
                straight.raw.read(decode_content=False),
            )
            assert via.status_code == straight.status_code, path
            if path in echoes:
                said, meant = _echo(via, got), _echo(straight, expected)
                assert said == meant, path
            elif path != "/uuid":  # a fresh uuid each time, by design
                assert got == expected, path
            # the same headers, values and order (names are case-insensitive: the proxy's HTTP
            # server writes them in lower case); Date is the moment each was answered
            drop = {"date", "connection"} | ({"content-length"} if path in echoes else set())
            assert [
                (k.lower(), v) for k, v in via.raw.headers.items() if k.lower() not in drop
            ] == [
                (k.lower(), v) for k, v in straight.raw.headers.items() if k.lower() not in drop
            ], path
    stats = service_run.stats()
    assert stats["unsafe_skipped"] == 1  # the PUT
    rows = {r["target"]: r for r in stored_rows(tmp_path / "s")}
    assert len(rows) == len(calls) - 1
    assert {target: row["verdict"] for target, row in rows.items()} == {
        path: "match" for _, path, _ in calls if not path.startswith("/put")
    }


def _echo(answer: requests.Response, raw: bytes) -> object:
    """What an echoing httpbin answer says about the request, less its connection's facts."""
    import gzip
    import json

    if answer.headers.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    said = json.loads(raw)
    for name in ("Host", "Connection", "Content-Length"):
        said.get("headers", {}).pop(name, None)
    said.pop("url", None)
    return said
