"""Live noise cancellation's counts: per exchange, per field over a run (Diffy's thresholds),
rules learned for the rest of the run, and the proposal in the contract's noise format."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.contracts.noisefile import read_noise_file
from harness.core.difference import Difference, DiffKind
from harness.engine.live_noise import FieldVerdict, LiveNoise, NoiseThresholds
from harness.rehearsal.proposal import PROPOSAL_FILE, write_proposal

ID_A, ID_B = "0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def changed(path: str, a: object = "a", b: object = "b") -> Difference:
    return Difference(path, DiffKind.CHANGED, a, b)


def test_a_field_legacy_disagrees_with_itself_on_is_noise_on_that_exchange() -> None:
    live = LiveNoise()
    raw = [changed("/name/0/id"), changed("/gender")]
    noisy = live.observe("pds", "createPatient", raw, [changed("/name/0/id")])
    assert noisy == {"/name/0/id"}
    # an unsafe request with no second answer: counted, nothing cancelled
    assert live.observe("pds", "createPatient", raw, None) == set()
    fields = {f.path: f for f in live.fields()}
    assert fields["/name/*/id"].counts.to_dict() == {"raw": 2, "asked": 1, "noise": 1}
    assert fields["/gender"].counts.to_dict() == {"raw": 2, "asked": 1, "noise": 0}


def test_fields_are_classified_with_relative_and_absolute_thresholds() -> None:
    live = LiveNoise(NoiseThresholds(relative_pct=20.0, absolute_pct=0.03, min_asked=2))
    for _ in range(1000):
        live.compared("s", "op")
    for _ in range(3):  # legacy disagrees with itself every time it is asked: noise
        live.observe("s", "op", [changed("/id", ID_A, ID_B)], [changed("/id", ID_A, ID_B)])
    for number in range(3):  # disagrees one time in three: as much the candidate's as noise
        own = [changed("/sometimes")] if number == 0 else []
        live.observe("s", "op", [changed("/sometimes")], own)
    for _ in range(3):  # never: a divergence
        live.observe("s", "op", [changed("/total", 1, 2)], [])
    assert live.verdict("s", "op", "/id") is FieldVerdict.NOISE
    assert live.verdict("s", "op", "/sometimes") is FieldVerdict.DIVERGENCE
    assert live.verdict("s", "op", "/total") is FieldVerdict.DIVERGENCE
    (rule,) = live.rules_for("s", "op")
    assert (rule.path, rule.kind) == ("/id", "uuid")


def test_too_rare_to_call_is_undecided_and_a_status_is_never_learned() -> None:
    live = LiveNoise()
    for _ in range(100_000):
        live.compared("s", "op")
    for _ in range(2):
        live.observe("s", "op", [changed("/rare")], [])  # 2 in 100,000: under 0.03%
        live.observe("s", "op", [Difference("status", DiffKind.STATUS, 200, 503)],
                     [Difference("status", DiffKind.STATUS, 200, 500)])  # fmt: skip
    assert live.verdict("s", "op", "/rare") is FieldVerdict.UNDECIDED
    assert live.verdict("s", "op", "status") is FieldVerdict.NOISE
    assert live.rules_for("s", "op") == ()


def test_learning_a_rule_tells_the_listeners() -> None:
    live = LiveNoise()
    told: list[tuple[str, str]] = []
    live.on_learn(lambda service, operation: told.append((service, operation)))
    for _ in range(2):
        live.observe("s", "op", [changed("/x")], [changed("/x")])
    assert told == [("s", "op")] and live.is_noise("s", "op", "/x")


def test_the_proposal_is_the_contract_noise_format_with_counts(tmp_path: Path) -> None:
    live = LiveNoise()
    for _ in range(2):
        live.compared("pds", "getPatient")
        live.observe("pds", "getPatient", [changed("/meta/tag/0")], [changed("/meta/tag/0")])
    live.observe("eps", "claim", [changed("/odd")], [changed("/odd")])  # one ask: undecided
    path = write_proposal(tmp_path, live, "rehearsal-7")
    assert path == tmp_path / PROPOSAL_FILE
    text = path.read_text()
    documents = [d for d in yaml.safe_load_all(text) if d]
    assert [d["service"] for d in documents] == ["eps", "pds"]
    assert documents[1]["operations"]["getPatient"][0]["path"] == "/meta/tag/*"
    assert "legacy disagreed with itself 2 of 2 times it was asked again" in text
    assert "# undecided (not proposed): claim /odd" in text
    single = tmp_path / "noise.yaml"
    single.write_text(text.split("---\n")[1])
    (entry,) = read_noise_file(single).entries
    assert entry.raw[0].strip().startswith("# legacy disagreed")  # kept when copied in
    assert write_proposal(tmp_path / "none", LiveNoise(), "r") is None


def test_a_clock_that_moved_seconds_does_not_cover_a_date_days_off() -> None:
    from harness.engine.live_noise import covered_by

    own = changed("/expiry", "2026-12-06T10:00:00Z", "2026-12-06T10:00:01Z")
    days_off = changed("/expiry", "2026-12-06T10:00:00Z", "2026-12-04T10:00:00Z")
    skew = changed("/expiry", "2026-12-06T10:00:00Z", "2026-12-06T10:00:03Z")
    assert not covered_by(days_off, {"/expiry": own})
    assert covered_by(skew, {"/expiry": own})
    live = LiveNoise()
    assert live.observe("mesh", "track", [days_off], [own]) == set()
    assert live.observe("mesh", "track", [skew], [own]) == {"/expiry"}
    (counted,) = live.fields()
    assert counted.counts.to_dict() == {"raw": 2, "asked": 2, "noise": 2}
