"""Rules and the noise model: validation messages, round trips, and the path trie."""

from __future__ import annotations

import pytest

from harness.core.rules import (
    NoiseModel,
    Rule,
    body_steps,
    compile_rules,
    effect_of,
    step,
    step_xml,
)
from harness.errors import HarnessError


def test_rule_defaults_to_ignore_and_round_trips() -> None:
    rule = Rule("/meta/lastUpdated")
    assert rule.kind == "ignore"
    assert Rule.from_dict(rule.to_dict()) == rule
    typed = Rule("/x", "timestamp", tolerance_s=2, comment="clock skew")
    assert typed.to_dict() == {
        "path": "/x",
        "kind": "timestamp",
        "tolerance_s": 2,
        "comment": "clock skew",
    }
    assert Rule.from_dict(typed.to_dict()) == typed


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"path": "/a", "kind": "fuzzy"}, "kind", "unknown rule kind 'fuzzy'"),
        ({"kind": "ignore"}, "path", "missing 'path'"),
        ({"path": "meta/versionId"}, "path", "must be 'status', 'header:<name>', or start"),
        ({"path": "header:"}, "path", "needs a header name"),
        ({"path": "/a", "kind": "pattern"}, "pattern", "needs a regular expression"),
        ({"path": "/a", "kind": "pattern", "pattern": "(["}, "pattern", "invalid regular"),
        ({"path": "/a", "pattern": "x"}, "pattern", "only applies to kind 'pattern'"),
        ({"path": "/a", "tolerance_s": 3}, "tolerance_s", "only applies to kind 'timestamp'"),
        ({"path": "/a", "kind": "timestamp", "tolerance_s": "3"}, "tolerance_s", "a number"),
        ({"path": "/a", "kind": "timestamp", "tolerance_s": -1}, "tolerance_s", "zero or more"),
        ({"path": "status", "kind": "uuid"}, "kind", "'status' rule may be"),
        ({"path": "header:etag", "kind": "unordered"}, "kind", "header rule may be"),
        ({"path": "/a/**/b"}, "path", "'**' is not supported"),
        ({"path": "/a", "colour": "red"}, "colour", "unknown rule field(s) colour"),
        ({"path": 7}, "path", "'path' must be a string"),
    ],
)
def test_bad_rules_name_file_line_and_field(
    data: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(HarnessError) as caught:
        Rule.from_dict(data, where="contracts/pds/noise.yaml:12")
    error = caught.value
    assert error.file == "contracts/pds/noise.yaml"
    assert error.line == 12
    assert error.field == field
    assert words in error.message
    assert str(error).startswith("contracts/pds/noise.yaml:12, field")


def test_rule_must_be_a_mapping() -> None:
    with pytest.raises(HarnessError, match="a rule must be a mapping"):
        Rule.from_dict(["/a"], where="noise.yaml")


def test_constructing_a_bad_rule_directly_raises() -> None:
    with pytest.raises(HarnessError, match="unknown rule kind"):
        Rule("/a", "sometimes")


def test_noise_model_rules_for_includes_shared_rules_first() -> None:
    shared, own = Rule("header:x-request-id"), Rule("/meta/versionId")
    model = NoiseModel({"*": (shared,), "getPatient": (own,)})
    assert model.rules_for("getPatient") == (shared, own)
    assert model.rules_for("searchPatients") == (shared,)
    assert model.rules_for("*") == (shared,)


def test_noise_model_round_trips_and_merges() -> None:
    model = NoiseModel(
        {"getPatient": (Rule("/id", "uuid"),), "*": (Rule("status", "pattern", pattern="2.."),)}
    )
    data = model.to_dict()
    assert list(data) == ["*", "getPatient"]
    assert NoiseModel.from_dict(data) == NoiseModel(
        {"*": model.operations["*"], "getPatient": model.operations["getPatient"]}
    )
    merged = model.merged(NoiseModel({"getPatient": (Rule("/meta"),)}))
    assert merged.rules_for("getPatient")[-1] == Rule("/meta")
    assert NoiseModel.from_dict(None) == NoiseModel({})


def test_noise_model_errors_name_operation_and_rule_index() -> None:
    with pytest.raises(HarnessError) as caught:
        NoiseModel.from_dict(
            {"getPatient": [{"path": "/a"}, {"path": "/b", "kind": "x"}]}, "n.yaml"
        )
    assert caught.value.file == "n.yaml"
    assert caught.value.field == "getPatient[1].kind"
    with pytest.raises(HarnessError, match="expected a list of rules"):
        NoiseModel.from_dict({"getPatient": {"path": "/a"}}, "n.yaml")
    with pytest.raises(HarnessError, match="must map operation ids"):
        NoiseModel.from_dict(["x"], "n.yaml")


def test_body_steps_unescape_json_pointer() -> None:
    assert body_steps("/") == ()
    assert body_steps("/a~1b/c~0d/*") == ("a/b", "c~d", "*")
    assert body_steps("/Envelope/Body/*/@messageId") == ("Envelope", "Body", "*", "@messageId")


def test_trie_matches_exact_keys_and_wildcards() -> None:
    compiled = compile_rules(
        [Rule("/entry/*/fullUrl"), Rule("/entry/0/resource", "unordered"), Rule("status")]
    )
    assert compiled.status == (Rule("status"),)
    states = compiled.body_states
    entry = step(states, "entry")
    assert effect_of(step(step(entry, "3"), "fullUrl")).ignore
    assert not effect_of(step(step(entry, "3"), "resource")).unordered
    assert effect_of(step(step(entry, "0"), "resource")).unordered
    assert step(states, "meta") == ()


def test_xml_steps_match_names_with_and_without_index() -> None:
    compiled = compile_rules(
        [Rule("/Envelope/Body/given"), Rule("/Envelope/Body/line[2]"), Rule("/Envelope/*/@id")]
    )
    body = step_xml(step_xml(compiled.body_states, "Envelope", "Envelope"), "Body", "Body")
    assert effect_of(step_xml(body, "given[3]", "given")).ignore
    assert effect_of(step_xml(body, "line[2]", "line")).ignore
    assert not effect_of(step_xml(body, "line[1]", "line")).ignore
    assert effect_of(step_xml(body, "@id", "@id")).ignore
    # `*` is an element step: it does not match attributes directly under Envelope.
    envelope = step_xml(compiled.body_states, "Envelope", "Envelope")
    assert not effect_of(step_xml(envelope, "@id", "@id")).ignore


def test_headers_rules_are_case_insensitive() -> None:
    compiled = compile_rules(
        [Rule("header:X-Request-ID"), Rule("HEADER:ETag", "pattern", pattern=".*")]
    )
    assert set(compiled.headers) == {"x-request-id", "etag"}
