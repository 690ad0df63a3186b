"""Redaction and pseudonymisation before anything touches disk."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from harness.core.template import Template
from harness.core.exchange import Exchange, Request, Response
from harness.errors import HarnessError
from harness.domains.spine.nhs_number import is_valid as is_nhs_number
from harness.record.pseudonym import pseudonymise
from harness.record.redact import RedactionConfig, Redactor
from harness.scenario import render, template_of
from harness.config.settings import load_settings
from harness.record.settings import redaction_for

TOKEN = "eyJhbGciOi.secret-token-value"
KEY = b"k" * 32


def exchange(request: Request, response: Response, template: Template | None = None) -> Exchange:
    return Exchange("x-1", "pds", "getPatient", request, response, template=template)


def test_default_headers_become_placeholders_and_echoes_are_swept() -> None:
    request = Request(
        "GET",
        "/Patient/9000000009",
        (("apikey", "k3y-value-123"),),
        (("Authorization", f"Bearer {TOKEN}"), ("Cookie", "session=abcdef123")),
    )
    response = Response(
        200,
        (("Set-Cookie", "session=zzz999; HttpOnly"), ("content-type", "application/json")),
        orjson.dumps({"echo": f"you sent {TOKEN}", "cookie": "session=abcdef123"}),
    )
    redacted = Redactor().exchange(exchange(request, response))
    text = repr(redacted)
    for secret in (TOKEN, "k3y-value-123", "abcdef123", "zzz999"):
        assert secret not in text
    assert redacted.request.header("authorization") == "Bearer ${HARNESS_AUTH_TOKEN}"
    assert redacted.request.query == (("apikey", "${HARNESS_QUERY_APIKEY}"),)
    assert redacted.response.header("set-cookie") == "${HARNESS_SET_COOKIE}"
    # Replay re-injects the value from the environment.
    again = render(
        template_of(redacted),
        {},
        environ={"HARNESS_AUTH_TOKEN": TOKEN, "HARNESS_QUERY_APIKEY": "k", "HARNESS_COOKIE": "c"},
    )
    assert again.header("authorization") == f"Bearer {TOKEN}"


def test_configured_fields_in_json_and_xml_bodies() -> None:
    config = RedactionConfig().with_names(["password", "x-session"])
    request = Request(
        "POST",
        "/login",
        (),
        (("X-Session", "sess-0001-abcd"), ("content-type", "application/json")),
        orjson.dumps({"user": "a", "password": "hunter22"}),
    )
    xml = b'<r xmlns="urn:x"><password>hunter22</password><other password="hunter22"/></r>'
    response = Response(200, (("content-type", "text/xml"),), xml)
    redacted = Redactor(config).exchange(exchange(request, response))
    assert "hunter22" not in repr(redacted) and "sess-0001-abcd" not in repr(redacted)
    assert orjson.loads(redacted.request.body)["password"] == "${HARNESS_BODY_PASSWORD}"
    assert redacted.request.header("x-session") == "${HARNESS_X_SESSION}"


def test_scenario_template_variable_names_are_kept() -> None:
    template = Template("GET", "/", headers=(("Authorization", "Bearer ${LIBRARY_TOKEN}"),))
    request = Request("GET", "/", (), (("Authorization", f"Bearer {TOKEN}"),))
    response = Response(200, (("content-type", "text/plain"),), f"token={TOKEN}".encode())
    redacted = Redactor().exchange(exchange(request, response, template))
    assert redacted.request.header("authorization") == "Bearer ${LIBRARY_TOKEN}"
    assert redacted.response.body == b"token=${LIBRARY_TOKEN}"


def test_pseudonyms_are_deterministic_and_format_preserving() -> None:
    assert pseudonymise("Smith", KEY) == pseudonymise("Smith", KEY)
    assert pseudonymise("Smith", KEY) != pseudonymise("Smith", b"other-key-" * 3)
    alias = pseudonymise("SW1A 1AA", KEY)
    assert alias != "SW1A 1AA"
    assert [c.isdigit() for c in alias] == [c.isdigit() for c in "SW1A 1AA"]
    assert [c.isupper() for c in alias] == [c.isupper() for c in "SW1A 1AA"]
    number = pseudonymise("9000000009", KEY)
    assert is_nhs_number(number) and number != "9000000009" and number.startswith("9")


def test_pseudonymised_fields_match_wherever_they_appear() -> None:
    config = RedactionConfig(pseudonymise=("family", "/identifier/*/value"), pseudonym_key=KEY)
    request = Request("GET", "/Patient", (("family", "Smythe"), ("id", "9000000009")))
    body = {
        "identifier": [{"value": "9000000009"}],
        "name": [{"family": "Smythe"}],
        "id": "9000000009",
    }
    response = Response(200, (("content-type", "application/fhir+json"),), orjson.dumps(body))
    redacted = Redactor(config).exchange(exchange(request, response))
    text = repr(redacted)
    assert "Smythe" not in text and "9000000009" not in text
    stored = orjson.loads(redacted.response.body)
    assert stored["identifier"][0]["value"] == stored["id"] == dict(redacted.request.query)["id"]
    assert stored["name"][0]["family"] == dict(redacted.request.query)["family"]


def test_configuration_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(
        '[redact]\nheaders = ["X-Secret"]\nfields = ["password"]\npseudonymise = ["family"]\n'
    )
    settings = load_settings(start=tmp_path, environ={})
    with pytest.raises(HarnessError, match="HARNESS_PSEUDONYM_KEY"):
        redaction_for(settings, environ={})
    config = redaction_for(settings, redact=["token"], environ={"HARNESS_PSEUDONYM_KEY": "x" * 20})
    assert "x-secret" in config.headers and "authorization" in config.headers
    assert config.fields == ("password", "token")
    assert config.pseudonymise == ("family",)
    (tmp_path / "harness.toml").write_text('[redact]\ncolour = ["red"]\n')
    with pytest.raises(HarnessError) as caught:
        load_settings(start=tmp_path, environ={})
    assert caught.value.field == "redact.colour"
