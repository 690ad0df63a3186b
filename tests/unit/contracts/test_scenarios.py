"""Scenario files, placeholders and captures."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from harness.core.exchange import Exchange, Request, Response
from harness.errors import HarnessError
from harness.core.template import Template
from harness.scenario import (
    CaptureError,
    capture,
    load_scenario_file,
    load_scenarios,
    render,
    template_of,
)

SCENARIO = """\
name: patch-then-read
description: Read, PATCH with the ETag just returned, read again.
variables:
  nhs: "9000000009"
defaults:
  headers:
    X-Request-ID: "{{$uuid}}"
    Authorization: "Bearer ${TOKEN}"
steps:
  - name: read
    path: /Patient/{{nhs}}
    capture:
      etag: header:etag
      version: /meta/versionId
      family: /name/0/family
  - method: PATCH
    path: /Patient/{{nhs}}
    headers:
      If-Match: "{{etag}}"
      Content-Type: application/json-patch+json
    json: [{op: replace, path: /name/0/family, value: "{{family}}-Smith"}]
    expect: 200
  - path: /Patient
    query: {family: Smith, birthdate: [ge1990-01-01, le2000-12-31]}
    headers: {X-Request-ID: null}
"""


def test_scenario_file_becomes_templates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SCENARIO)
    (scenario,) = load_scenarios(tmp_path)
    assert scenario.name == "patch-then-read"
    read, patch, search = scenario.steps
    assert read.template.path == "/Patient/9000000009"  # constants substituted at load
    assert read.captures == {
        "etag": "header:etag",
        "version": "/meta/versionId",
        "family": "/name/0/family",
    }
    assert ("If-Match", "{{etag}}") in patch.template.headers
    assert patch.expect == 200
    assert orjson.loads(str(patch.template.body))[0]["value"] == "{{family}}-Smith"
    assert search.template.query == (
        ("family", "Smith"),
        ("birthdate", "ge1990-01-01"),
        ("birthdate", "le2000-12-31"),
    )
    assert [h[0] for h in search.template.headers] == ["Authorization"]  # null removes


def test_render_fills_captures_uuids_and_environment(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SCENARIO)
    (scenario,) = load_scenarios(tmp_path)
    patch = scenario.steps[1]
    request = render(
        patch.template,
        {"etag": 'W/"2"', "family": 'O"Brien'},
        environ={"TOKEN": "t0k3n"},
        fresh={"$uuid": lambda: "11111111-2222-4333-8444-555555555555"},
    )
    assert request.header("if-match") == 'W/"2"'
    assert request.header("x-request-id") == "11111111-2222-4333-8444-555555555555"
    assert request.header("authorization") == "Bearer t0k3n"
    assert orjson.loads(request.body)[0]["value"] == 'O"Brien-Smith'  # JSON-escaped


def test_render_escapes_path_values_and_reports_unknown_names() -> None:
    template = Template.from_dict({"method": "GET", "path": "/x/{{id}}", "headers": [], "query": []})
    assert render(template, {"id": "a b/c"}).path == "/x/a%20b%2Fc"
    with pytest.raises(HarnessError, match=r"unknown placeholder \{\{id\}\}") as caught:
        render(template, {})
    assert caught.value.field == "path"
    with pytest.raises(HarnessError, match="HARNESS_AUTH_TOKEN"):
        render(
            Template("GET", "/", headers=(("Authorization", "Bearer ${HARNESS_AUTH_TOKEN}"),)),
            {},
            environ={},
        )


def test_each_send_gets_a_fresh_uuid() -> None:
    template = Template("GET", "/", headers=(("X-Request-ID", "{{$uuid}}"),))
    first = render(template, {}).header("x-request-id")
    second = render(template, {}).header("x-request-id")
    assert first != second


def test_capture_forms() -> None:
    xml = (
        b'<s:Envelope xmlns:s="urn:soap"><s:Body><r:reply xmlns:r="urn:r" code="OK">'
        b"<r:id>1</r:id><r:id>2</r:id></r:reply></s:Body></s:Envelope>"
    )
    json_response = Response(
        201,
        (("ETag", 'W/"3"'), ("Content-Type", "application/json")),
        b'{"meta":{"versionId":"3"},"n":[{"v":7}],"ok":true}',
    )
    assert capture(
        json_response,
        {"etag": "header:etag", "v": "/meta/versionId", "n": "/n/0/v", "s": "status", "b": "/ok"},
    ) == {"etag": 'W/"3"', "v": "3", "n": "7", "s": "201", "b": "true"}
    xml_response = Response(200, (("Content-Type", "text/xml"),), xml)
    assert capture(
        xml_response,
        {"code": "xpath:/Envelope/Body/reply/@code", "second": "xpath:/Envelope/Body/*/id[2]"},
    ) == {"code": "OK", "second": "2"}
    with pytest.raises(CaptureError) as caught:
        capture(json_response, {"missing": "/meta/lastUpdated"})
    assert caught.value.field == "capture.missing"


def test_template_of_falls_back_to_the_stored_request() -> None:
    exchange = Exchange(
        "p-1",
        "s",
        "op",
        Request("GET", "/a", (), (("Authorization", "Bearer ${T}"),)),
        Response(200),
    )
    assert template_of(exchange).headers == (("Authorization", "Bearer ${T}"),)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("steps:\n  - path: /a\n    colour: red\n", 3, "steps.0.colour"),
        ("steps:\n  - path: relative\n", 2, "steps.0.path"),
        ("steps:\n  - path: /a\n    capture: {x: 'nonsense'}\n", 3, "steps.0.capture.x"),
        ("steps:\n  - path: /a\n    json: {}\n    xml: '<a/>'\n", 4, "steps.0.xml"),
        ("steps: []\n", 1, "steps"),
        ("name: 'bad name'\nsteps:\n  - path: /a\n", 1, "name"),
        ("steps:\n  - path: /a\n    expect: 999\n", 3, "steps.0.expect"),
    ],
)
def test_bad_scenarios_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(HarnessError) as caught:
        load_scenario_file(path)
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(path), line, field)


def test_several_scenarios_in_one_file_and_unique_names(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "defaults: {headers: {X-Request-ID: '{{$uuid}}'}}\n"
        "scenarios:\n  - name: one\n    steps: [{path: /1}]\n"
        "  - name: two\n    steps: [{path: /2}]\n"
    )
    names = [s.name for s in load_scenarios(tmp_path)]
    assert names == ["one", "two"]
    (tmp_path / "b.yaml").write_text("name: one\nsteps: [{path: /3}]\n")
    with pytest.raises(HarnessError, match="already used"):
        load_scenarios(tmp_path)
