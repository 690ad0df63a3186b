"""Layered settings, ${ENV} substitution, profiles; the results line format; resume repair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config.settings import load_settings
from harness.core.difference import DiffKind, Verdict
from harness.core.exchange import Request
from harness.core.result import ResultDifference, ResultRecord
from harness.engine.reproducer import curl_command, shell_quote
from harness.errors import HarnessError
from harness.rundir.results import ResultsReader
from harness.rundir.results import repair as repair_and_collect_ids


def test_settings_layers_file_profile_and_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.harness]\ncandidate = "http://file"\nconcurrency = 8\ncontracts = "c"\n'
        '[tool.harness.secrets]\nPDS_TOKEN = "${TOKEN}"\n'
        "[tool.harness.profiles.ci]\nconcurrency = 4\n"
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    env = {"TOKEN": "s3cret"}
    settings = load_settings({}, start=nested, environ=env)
    assert settings.candidate == "http://file" and settings.concurrency == 8
    assert settings.contracts == tmp_path / "c" and settings.secrets == {"PDS_TOKEN": "s3cret"}
    assert settings.progress is True
    ci = load_settings({"candidate": "http://flag"}, start=nested, environ=env, profile="ci")
    assert (ci.candidate, ci.concurrency, ci.progress, ci.profile) == (
        "http://flag",
        4,
        False,
        "ci",
    )
    # harness.toml closer to the start wins over pyproject.toml further up.
    (nested / "harness.toml").write_text("timeout = 2.5\n")
    assert load_settings({}, start=nested, environ=env).timeout == 2.5


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('candidate = "${NOPE}"\n', "candidate", "NOPE is not set"),
        ("concurrency = 0\n", "concurrency", "expected int"),
        ("colour = 1\n", "colour", "unknown setting"),
    ],
)
def test_settings_errors_name_file_and_field(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    (tmp_path / "harness.toml").write_text(text)
    with pytest.raises(HarnessError) as raised:
        load_settings({}, start=tmp_path, environ={})
    assert raised.value.file == str(tmp_path / "harness.toml")
    assert raised.value.field == field and message in raised.value.message


def test_the_recording_redact_table_is_not_a_rehearsal_setting_error(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(
        'timeout = 3.0\n[redact]\nheaders = ["x-session-token"]\n'
    )
    assert load_settings({}, start=tmp_path, environ={}).timeout == 3.0


def test_unknown_profile_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="unknown profile 'nightly'"):
        load_settings({}, start=tmp_path, environ={}, profile="nightly")


def sample(identifier: str) -> ResultRecord:
    return ResultRecord(
        id=identifier,
        source="recorded",
        service="pds",
        operation="getPatient",
        request=Request("GET", "/Patient/9", (("_format", "json"),), (("Accept", "x"),), b"\xff"),
        verdict=Verdict.MISMATCH,
        differences=(ResultDifference("/name", DiffKind.CHANGED, "a", "b", None),),
        status_legacy=200,
        status_candidate=200,
        latency_legacy_ms=1.23456,
        latency_candidate_ms=2.0,
        reproducer="curl x",
    )


def test_result_line_round_trips_in_the_pinned_shape() -> None:
    data = sample("x1").to_dict()
    assert set(data) == {
        "format_version",
        "id",
        "source",
        "service",
        "operation",
        "scenario",
        "step",
        "request",
        "verdict",
        "differences",
        "status",
        "latency_ms",
        "error",
        "reproducer",
    }
    assert data["request"]["body_encoding"] == "base64"
    assert data["latency_ms"] == {"legacy": 1.235, "candidate": 2.0}
    again = ResultRecord.from_dict(json.loads(json.dumps(data)))
    assert again.request == sample("x1").request and again.differences == sample("x1").differences
    with pytest.raises(HarnessError, match="unsupported format_version"):
        ResultRecord.from_dict({**data, "format_version": 9})


def test_resume_repair_drops_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    lines = [json.dumps(sample(f"x{i}").to_dict()) for i in range(3)]
    path.write_text("\n".join(lines) + "\n" + lines[0][:25])
    assert repair_and_collect_ids(path) == {"x0", "x1", "x2"}
    assert path.read_text().endswith("\n")
    assert [r.id for r in ResultsReader(path).records()] == ["x0", "x1", "x2"]
    # A complete last line without its newline is also dropped (it may be partial).
    path.write_text(lines[0] + "\n" + lines[1])
    assert repair_and_collect_ids(path) == {"x0"}
    path.write_text(lines[0] + "\nnot json\n" + lines[1] + "\n")
    with pytest.raises(HarnessError, match="corrupt result line"):
        repair_and_collect_ids(path)


def test_reproducer_keeps_secret_placeholders_expandable() -> None:
    request = Request(
        "POST", "/Patient", (), (("Authorization", "Bearer ${PDS_TOKEN}"),), b'{"a":1}'
    )
    command = curl_command("http://c/Patient", request)
    assert '"Authorization: Bearer ${PDS_TOKEN}"' in command
    assert "--data-binary '{\"a\":1}'" in command and command.startswith("curl -sS -i -X POST")
    assert shell_quote("$HOME ${X}") == '"\\$HOME ${X}"'


def test_carried_values_compare_on_meaning_and_unstable_paths_cover_descendants() -> None:
    from harness.core.difference import Difference, same_meaning_removed
    from harness.engine.live_noise import covered_by

    def _under_any(path: str, unstable: set[str]) -> bool:
        return covered_by(
            Difference(path, DiffKind.CHANGED, "a", "b"),
            {p: Difference(p, DiffKind.CHANGED, "a", "c") for p in unstable},
        )

    differences = [
        Difference(
            "header:location", DiffKind.HEADER, "/Patient/9000000009", "/Patient/9000000017"
        ),
        Difference("/id", DiffKind.CHANGED, "9000000009", "9000000017"),
        Difference("/name", DiffKind.CHANGED, "Smith", "SMITH"),
    ]
    kept = same_meaning_removed(
        differences, {"nhs": "9000000009", "etag": 'W/"1"'}, {"nhs": "9000000017", "etag": 'W/"1"'}
    )
    assert [d.path for d in kept] == ["/name"]
    assert _under_any("/entry/0/resource/id", {"/entry/0"})
    assert _under_any("/meta", {"/meta"})
    assert not _under_any("/entry/0", {"/entry/0/resource"})
    assert not _under_any("/metadata", {"/meta"})


def test_progress_and_summary_show_the_counts(tmp_path: Path) -> None:
    import io
    from datetime import date

    from rich.console import Console

    from harness.core.gate import Tally, evaluate
    from harness.core.policy import Policy
    from harness.engine import ExchangeCompared, RehearsalFinished, RehearsalStarted
    from harness.rehearsal.progress import ProgressDisplay
    from harness.rehearsal.summary import print_summary

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    progress = ProgressDisplay(console)
    progress.handle(RehearsalStarted("r1", None, {"candidate": "c", "legacy": None}, 3))
    records = [
        sample("a"),
        sample("b"),
        ResultRecord("c", "recorded", "sds", "searchDevices", Request("GET", "/"), Verdict.MATCH),
    ]
    tally = Tally()
    for record in records:
        progress.handle(ExchangeCompared(record))
        tally.add(record)
    progress.handle(RehearsalFinished(False, 3))
    assert "1 match 2 mismatch 0 waived 0 error" in out.getvalue()

    out.seek(0)
    out.truncate(0)
    decision = evaluate(tally, Policy(), date(2026, 1, 1))
    print_summary(console, tally, decision, tmp_path / "r1", interrupted=False)
    text = out.getvalue()
    assert "pds" in text and "0.00%" in text and "100.00%" in text
    assert "pds.getPatient" in text and "/name" in text
    assert "Gate: FAILED" in text and "*: parity 33.33% below required 100% (1/3 exchanges)" in text


def test_plan_streams_singles_and_groups_scenarios_minus_done(tmp_path: Path) -> None:
    from harness.contracts import discover
    from harness.replay import count_planned, plan_units
    from tests.integration.rehearsal_support import thing_exchanges, write_contracts

    contracts = discover(write_contracts(tmp_path, thing_exchanges(3)))
    units = list(plan_units(contracts))
    assert [[s.id for s in u.steps] for u in units] == [
        ["r-0000"],
        ["r-0001"],
        ["r-0002"],
        ["r-missing"],
        ["create-then-read-0", "create-then-read-1"],
    ]
    assert count_planned(contracts) == 6
    # Resume: a scenario cut in the middle runs again whole, reporting only its missing step.
    resumed = list(plan_units(contracts, done={"r-0000", "r-0001", "create-then-read-0"}))
    assert [u.steps[0].id for u in resumed] == ["r-0002", "r-missing", "create-then-read-0"]
    assert resumed[-1].report == frozenset({"create-then-read-1"})
    # --only a later step: earlier steps run (to carry values) but only that step is reported.
    [only] = list(plan_units(contracts, only={"create-then-read-1"}))
    assert len(only.steps) == 2 and only.report == frozenset({"create-then-read-1"})
    assert list(plan_units(contracts, done={s.id for u in units for s in u.steps})) == []


def test_same_meaning_swaps_every_value_once() -> None:
    """Swaps happen in one pass: a candidate value that is also another variable's legacy value
    is not swapped again (which could hide a real difference)."""
    from harness.core.difference import Difference, same_meaning_removed

    differences = [
        Difference("/self", DiffKind.CHANGED, "/orders/1", "/orders/2"),
        Difference("/bad", DiffKind.CHANGED, "/items/1", "/items/3"),
    ]
    legacy, candidate = {"order": "1", "item": "2"}, {"order": "2", "item": "3"}
    assert [d.path for d in same_meaning_removed(differences, legacy, candidate)] == ["/bad"]
    # One legacy value standing for two candidate values explains nothing.
    ambiguous = same_meaning_removed(differences[:1], {"a": "1", "b": "1"}, {"a": "2", "b": "5"})
    assert [d.path for d in ambiguous] == ["/self"]


def test_targets_tables_set_each_targets_answer_limits(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(
        "timeout = 5\n"
        "[targets.candidate]\nmax_body_bytes = 1000\nfirst_byte_timeout_s = 2\n"
        "[targets.legacy]\ntotal_timeout_s = 60\nmax_header_bytes = '${HEAD}'\n"
        "[profiles.slow]\ntimeout = 40\n"
    )
    settings = load_settings({}, start=tmp_path, environ={"HEAD": "2048"})
    candidate, legacy = settings.answer_limits("candidate"), settings.answer_limits("legacy")
    assert (candidate.max_body_bytes, candidate.first_byte_timeout_s) == (1000, 2)
    assert candidate.total_timeout_s == 5.0  # the `timeout` setting, for what the table leaves
    assert (legacy.total_timeout_s, legacy.first_byte_timeout_s) == (60, 5.0)
    assert legacy.max_header_bytes == 2048 and legacy.max_body_bytes == 16 * 1024 * 1024
    assert settings.answer_limits("twin") == legacy  # a twin without a table: legacy's
    assert set(settings.all_answer_limits()) == {"candidate", "legacy", "twin"}
    # A later layer's timeout (a profile, a flag) is every target's time again.
    for later in (
        load_settings({}, start=tmp_path, environ={"HEAD": "1"}, profile="slow"),
        load_settings({"timeout": 40.0}, start=tmp_path, environ={"HEAD": "1"}),
    ):
        limits = later.answer_limits("candidate")
        assert (limits.first_byte_timeout_s, limits.total_timeout_s) == (40.0, 40.0)
        assert limits.max_body_bytes == 1000


@pytest.mark.parametrize(
    ("table", "field", "message"),
    [
        ("[targets.canddiate]\nmax_body_bytes = 1\n", "targets.canddiate", "unknown target"),
        ("[targets.candidate]\nmax_size = 1\n", "targets.candidate.max_size", "unknown key"),
        ("[targets.legacy]\nmax_body_bytes = 0\n", "targets.legacy.max_body_bytes", "positive"),
        ("[targets.twin]\ntotal_timeout_s = 'soon'\n", "targets.twin.total_timeout_s", "seconds"),
        ("targets = 3\n", "targets", "must be [targets"),
        ("[targets]\ncandidate = 3\n", "targets.candidate", "must be a table"),
    ],
)
def test_targets_tables_are_checked_naming_the_field(
    tmp_path: Path, table: str, field: str, message: str
) -> None:
    (tmp_path / "harness.toml").write_text(table)
    with pytest.raises(HarnessError) as raised:
        load_settings({}, start=tmp_path, environ={})
    assert raised.value.field == field and message in raised.value.message
    assert raised.value.file == str(tmp_path / "harness.toml")
