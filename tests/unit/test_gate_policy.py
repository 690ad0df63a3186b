"""The gate policy: waivers (scope, predicate, expiry), thresholds, error budget; load errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from harness.config.policy import load_policy
from harness.core.difference import Difference, DiffKind, Verdict
from harness.core.exchange import Request
from harness.core.gate import Tally, divergence_key, evaluate
from harness.core.policy import Policy, Threshold, ValuePredicate, Waiver, WaiverBook, path_matches
from harness.core.result import ResultDifference, ResultRecord, verdict_of
from harness.errors import HarnessError

TODAY = date(2026, 6, 1)


def waiver(**overrides: object) -> Waiver:
    fields: dict[str, object] = {
        "id": "W-1",
        "operation": "pds.searchPatients",
        "path": "/entry/*/search/score",
        "owner": "o",
        "reason": "r",
        "expires": date(2026, 12, 31),
    }
    fields.update(overrides)
    return Waiver(**fields)  # type: ignore[arg-type]


def record(
    service: str, operation: str, verdict: Verdict, *diffs: ResultDifference
) -> ResultRecord:
    return ResultRecord("id", "recorded", service, operation, Request("GET", "/"), verdict, diffs)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/entry/*/search/score", "/entry/3/search/score", True),
        ("/entry/*/search/score", "/entry/3/resource/search/score", False),
        ("/entry/**/score", "/entry/3/resource/search/score", True),
        ("/meta/**", "/meta/versionId", True),
        ("header:X-*", "header:x-request-id", True),
        ("status", "status", True),
        ("/name", "/names", False),
    ],
)
def test_waiver_paths_are_segment_globs(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_waiver_applies_by_operation_path_and_predicate_until_expiry() -> None:
    scored = Difference("/entry/0/search/score", DiffKind.CHANGED, 1, 0.99)
    book = WaiverBook((waiver(candidate=ValuePredicate(regex=r"^0\.9")),), TODAY)
    assert book.apply("pds", "searchPatients", [scored])[0].waiver == "W-1"
    assert book.apply("pds", "getPatient", [scored])[0].waiver is None
    other = Difference("/entry/0/search/score", DiffKind.CHANGED, 1, 0.5)
    assert book.apply("pds", "searchPatients", [other])[0].waiver is None
    assert book.applied == {"W-1": 1}

    equals = WaiverBook((waiver(legacy=ValuePredicate(equals=1, has_equals=True)),), TODAY)
    assert equals.apply("pds", "searchPatients", [scored])[0].waiver == "W-1"

    expired = WaiverBook((waiver(expires=date(2026, 5, 31)),), TODAY)
    assert expired.apply("pds", "searchPatients", [scored])[0].waiver is None
    assert expired.expired_hits == {"W-1": 1}
    # Valid through its expiry date.
    last_day = WaiverBook((waiver(expires=TODAY),), TODAY)
    assert last_day.apply("pds", "searchPatients", [scored])[0].waiver == "W-1"


def test_verdict_from_differences() -> None:
    waived = ResultDifference("/a", DiffKind.CHANGED, 1, 2, "W")
    plain = ResultDifference("/b", DiffKind.CHANGED, 1, 2)
    assert verdict_of(()) is Verdict.MATCH
    assert verdict_of((waived,)) is Verdict.WAIVED
    assert verdict_of((waived, plain)) is Verdict.MISMATCH


def test_most_specific_threshold_wins_and_errors_are_bounded() -> None:
    policy = Policy(
        thresholds=(
            Threshold("*", 100.0),
            Threshold("pds", 100.0),
            Threshold("pds.searchPatients", 99.5),
        ),
        max_errors=1,
    )
    results = [record("pds", "getPatient", Verdict.MATCH) for _ in range(10)]
    results += [record("pds", "searchPatients", Verdict.MATCH) for _ in range(199)]
    results.append(record("pds", "searchPatients", Verdict.MISMATCH))
    decision = evaluate(results, policy, TODAY)
    assert decision.passed, decision.reasons
    by_scope = {t.scope: t for t in decision.thresholds}
    assert by_scope["pds.searchPatients"].actual == pytest.approx(99.5)
    assert by_scope["pds"].exchanges == 10 and by_scope["*"].actual is None

    results.append(record("pds", "getPatient", Verdict.MISMATCH))
    decision = evaluate(results, policy, TODAY)
    assert not decision.passed
    assert decision.reasons == ("pds: parity 90.91% below required 100% (10/11 exchanges)",)

    errors = [record("sds", "searchDevices", Verdict.ERROR) for _ in range(2)]
    decision = evaluate(errors, Policy(thresholds=(Threshold("*", 0.0),), max_errors=1), TODAY)
    assert (
        not decision.passed and "2 exchanges failed to compare (allowed 1)" in decision.reasons[0]
    )


def test_empty_or_interrupted_rehearsal_fails_and_expired_waiver_is_reported() -> None:
    policy = Policy(waivers=(waiver(expires=date(2020, 1, 1)),))
    decision = evaluate([], policy, TODAY)
    assert not decision.passed and "no exchange was compared" in decision.reasons
    decision = evaluate(
        [record("pds", "getPatient", Verdict.MATCH)],
        policy,
        TODAY,
        interrupted=True,
        expired_hits={"W-1": 3},
    )
    assert not decision.passed
    assert any("interrupted" in reason for reason in decision.reasons)
    assert (
        "waiver W-1 expired on 2020-01-01 and no longer applies"
        " (3 differences are no longer waived)" in decision.reasons
    )
    data = decision.to_dict()
    assert data["waivers"] == [
        {
            "id": "W-1",
            "owner": "o",
            "reason": "r",
            "expires": "2020-01-01",
            "expired": True,
            "applied": 0,
            "would_apply": 3,
        }
    ]
    assert set(data) >= {
        "format_version",
        "passed",
        "reasons",
        "thresholds",
        "waivers",
        "evaluated_at",
    }


def test_tally_groups_divergences_by_path_shape() -> None:
    tally = Tally()
    for index in range(3):
        tally.add(
            record(
                "pds",
                "searchPatients",
                Verdict.MISMATCH,
                ResultDifference(f"/entry/{index}/resource/name/0/given", DiffKind.CHANGED),
            )
        )
    assert tally.divergences == {("pds", "searchPatients", "/entry/*/resource/name/*/given"): 3}
    assert divergence_key("/Envelope/Body/item[2]/@id") == "/Envelope/Body/item[*]/@id"


def test_policy_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "format_version: 1\nthresholds:\n  pds.getPatient: 100\n  pds.searchPatients: 99.5\n"
        "max_errors: 2\nwaivers:\n  - id: W-9\n    operation: pds.*\n    path: /meta/**\n"
        "    legacy: {equals: 1}\n    owner: me\n    reason: why\n    expires: 2027-01-31\n"
    )
    policy = load_policy(path)
    assert policy.max_errors == 2
    assert [t.scope for t in policy.thresholds] == ["*", "pds.getPatient", "pds.searchPatients"]
    assert policy.waivers[0].expires == date(2027, 1, 31)
    assert policy.waivers[0].legacy == ValuePredicate(equals=1, has_equals=True)


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("thresholds:\n  pds: 120\n", 2, "thresholds.pds", "percentage"),
        ("max_errors: -1\n", 1, "max_errors", "whole number"),
        ("colour: red\n", 1, "colour", "unknown key"),
        (
            "waivers:\n  - id: W\n    operation: a\n    path: /x\n    owner: o\n    reason: r\n",
            2,
            "waivers.0.expires",
            "waiver W: required, a date",
        ),
        (
            "waivers:\n  - id: W\n    operation: a\n    path: /x\n    owner: ''\n    reason: r\n"
            "    expires: 2027-01-01\n",
            5,
            "waivers.0.owner",
            "non-empty",
        ),
        (
            "waivers:\n  - id: W\n    operation: a\n    path: /x\n    owner: o\n    reason: r\n"
            "    expires: 2027-01-01\n    candidate: {regex: '('}\n",
            8,
            "waivers.0.candidate.regex",
            "invalid regex",
        ),
    ],
)
def test_policy_errors_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(HarnessError) as raised:
        load_policy(path)
    error = raised.value
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert message in error.message
