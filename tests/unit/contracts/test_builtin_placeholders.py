"""Built-in placeholders: `{{$prescription_id}}`, `{{$uuid}}`, and binding them with `as`."""

from __future__ import annotations

import re
from dataclasses import replace

import orjson
import pytest

from harness.core.template import Template
from harness.domains.spine.builtins import new_prescription_id
from harness.domains.spine.prescription_id import has_valid_check_character
from harness.errors import HarnessError
from harness.scenario import bind_fresh, builtins, recorded_bindings, render, seeded_value


def _template(body: dict[str, object], path: str = "/x") -> Template:
    return Template.from_dict(
        {
            "method": "POST",
            "path": path,
            "query": [],
            "headers": [["Content-Type", "application/json"], ["X-Rx", "{{rx}}"]],
            "body": orjson.dumps(body).decode(),
            "body_encoding": "utf-8",
        }
    )


def test_fresh_prescription_ids_have_a_valid_check_character() -> None:
    ids = {new_prescription_id() for _ in range(300)}
    assert len(ids) == 300
    assert all(has_valid_check_character(i) for i in ids)
    assert all(re.fullmatch(r"[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]", i) for i in ids)


def test_the_simulator_uses_the_same_check_character_implementation() -> None:
    from harness.domains.spine import prescription_id
    from harness.simulator.eps import checkdigit

    assert checkdigit.check_character is prescription_id.check_character
    assert checkdigit.has_valid_check_character is prescription_id.has_valid_check_character


def test_a_bound_value_is_the_same_everywhere_in_the_request() -> None:
    template = _template({"id": "{{$prescription_id as rx}}", "again": "{{rx}}"}, "/p/{{rx}}")
    request = render(template, {})
    body = orjson.loads(request.body)
    assert has_valid_check_character(body["id"])
    assert body["again"] == body["id"] == request.header("x-rx")
    assert request.path == f"/p/{body['id']}"
    assert orjson.loads(render(template, {}).body)["id"] != body["id"]  # fresh per send


def test_bind_fresh_binds_once_for_the_whole_run() -> None:
    create = _template({"id": "{{$prescription_id as rx}}", "long": "{{$uuid as rx_long}}"})
    variables: dict[str, str] = {}
    fresh = bind_fresh(create, variables)
    assert set(fresh) == {"rx", "rx_long"} and variables == fresh
    assert bind_fresh(create, variables) == {}  # already bound: nothing new
    for _ in range(2):  # e.g. the legacy and the candidate rendering of one step
        body = orjson.loads(render(create, variables).body)
        assert body == {"id": variables["rx"], "long": variables["rx_long"]}
    later = _template({"rx": "{{rx}}"})
    assert orjson.loads(render(later, variables).body) == {"rx": variables["rx"]}


def test_unbound_plain_uuid_is_one_value_per_request() -> None:
    template = _template({"a": "{{$uuid}}", "b": "{{$uuid}}", "rx": "{{$prescription_id}}"})
    body = orjson.loads(render(template, {"rx": "unused"}).body)
    assert body["a"] == body["b"]
    assert has_valid_check_character(body["rx"])
    assert set(builtins()) == {"$uuid", "$prescription_id"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{$nope}}", "unknown built-in placeholder {{$nope}}"),
        ("{{$nope as x}}", "unknown built-in placeholder {{$nope}}"),
        ("{{other as x}}", "only a built-in can be bound"),
    ],
)
def test_bad_built_ins_name_the_field(text: str, message: str) -> None:
    template = _template({"a": text})
    with pytest.raises(HarnessError) as raised:
        render(template, {"rx": "r"})
    assert message in str(raised.value)
    assert raised.value.field == "body"


def test_recorded_bindings_are_read_back_from_the_recorded_request() -> None:
    template = _template({"id": "{{$prescription_id as rx}}", "again": "{{rx}}"}, "/p/{{rx}}")
    template = replace(template, headers=(("X-Rx", "{{rx}}"), ("X-Request-ID", "{{$uuid}}")))
    recorded = render(template, {})
    value = orjson.loads(recorded.body)["id"]
    assert recorded_bindings(template, recorded) == {"rx": value}
    assert template.aliases == {"rx": "$prescription_id"}
    assert _template({"id": "{{rx}}"}).aliases == {}


def test_recorded_bindings_need_the_recording_to_match_the_template() -> None:
    template = replace(_template({"id": "{{$uuid as a}}", "same": "{{a}}"}), headers=())
    recorded = render(template, {})
    assert set(recorded_bindings(template, recorded)) == {"a"}
    body = orjson.loads(recorded.body)
    body["same"] = "something else"  # a back-reference that does not hold: no reading
    edited = recorded.__class__(
        recorded.method, recorded.path, recorded.query, recorded.headers, orjson.dumps(body)
    )
    assert recorded_bindings(template, edited) == {}


def test_seeded_values_are_the_same_for_a_label_and_valid() -> None:
    first = seeded_value("$prescription_id", "seed:eps-life-cycle:rx1")
    assert first == seeded_value("$prescription_id", "seed:eps-life-cycle:rx1")
    assert first != seeded_value("$prescription_id", "seed:eps-errors:rx1")
    assert has_valid_check_character(first)
    assert re.fullmatch(r"[0-9A-F]{6}-A83008-[0-9A-F]{5}[0-9A-Z+]", first)
    token = seeded_value("$uuid", "seed:pds-create-patient:baby")
    assert token == seeded_value("$uuid", "seed:pds-create-patient:baby")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", token)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/orders/{{$uuid as a}}-{{$uuid as b}}", []),  # hyphenated values side by side
        ("/rx/{{$prescription_id as a}}{{$uuid as b}}", []),  # adjacent, no separator
        ("/x", [["X-Id", "{{$uuid as a}}"], ["X-Id", "{{$uuid as b}}"]]),  # a repeated name
    ],
)
def test_recorded_bindings_read_each_value_whole(path: str, headers: list[list[str]]) -> None:
    pairs = tuple((name, value) for name, value in headers)
    template = replace(_template({}, path), headers=pairs, body=None)
    variables: dict[str, str] = {}
    bind_fresh(template, variables)
    recorded = render(template, variables)
    assert recorded_bindings(template, recorded) == variables
