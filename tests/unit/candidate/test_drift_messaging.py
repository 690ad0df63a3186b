"""Messaging drift effects: parsed with named fields, and what each does to the behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.simulator.behaviour import FAITHFUL, MessagingBehaviour
from harness.simulator.drift import load_profile
from harness.simulator.drift.messaging import BehaviourEffect
from harness.simulator.drift.spec import parse_effect

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "drift" / "messaging.yaml"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"kind": "lost_acknowledgement"}, MessagingBehaviour(acknowledge=False)),
        ({"kind": "late_acknowledgement"}, MessagingBehaviour(acknowledgement_delay=1.0)),
        (
            {"kind": "late_acknowledgement", "beyond_seconds": 30},
            MessagingBehaviour(acknowledgement_delay=30.0),
        ),
        ({"kind": "duplicate_delivery"}, MessagingBehaviour(deliveries=2)),
        ({"kind": "duplicate_delivery", "copies": 3}, MessagingBehaviour(deliveries=3)),
        ({"kind": "missing_report"}, MessagingBehaviour(report=False)),
        ({"kind": "lost_delivery"}, MessagingBehaviour(delivered=False)),
        ({"kind": "chunk_reassembly"}, MessagingBehaviour(chunk_order="reverse")),
        ({"kind": "chunk_reassembly", "order": "rotate"}, MessagingBehaviour(chunk_order="rotate")),
    ],
)
def test_each_effect_shapes_the_behaviour(
    spec: dict[str, object], expected: MessagingBehaviour
) -> None:
    effect = parse_effect(spec)
    assert isinstance(effect, BehaviourEffect)
    assert effect.shape(FAITHFUL) == expected
    assert not expected.faithful


def test_effects_combine() -> None:
    behaviour = FAITHFUL
    for spec in ({"kind": "missing_report"}, {"kind": "duplicate_delivery"}):
        effect = parse_effect(spec)
        assert isinstance(effect, BehaviourEffect)
        behaviour = effect.shape(behaviour)
    assert behaviour == MessagingBehaviour(report=False, deliveries=2)


@pytest.mark.parametrize(
    ("effect", "field", "words"),
    [
        (
            "kind: late_acknowledgement\n      beyond_seconds: 0",
            "effect.beyond_seconds",
            "more than 0",
        ),
        (
            "kind: late_acknowledgement\n      beyond_seconds: soon",
            "effect.beyond_seconds",
            "a number",
        ),
        ("kind: duplicate_delivery\n      copies: 1", "effect.copies", "between 2 and 10"),
        ("kind: chunk_reassembly\n      order: shuffle", "effect.order", "'reverse' or 'rotate'"),
        ("kind: missing_report\n      when: now", "effect.when", "not a field"),
    ],
)
def test_bad_fields_name_the_file_entry_and_field(
    tmp_path: Path, effect: str, field: str, words: str
) -> None:
    path = tmp_path / "drift.yaml"
    path.write_text(
        "format_version: 1\ndrift:\n  - id: msg\n    operation: meshSendMessage\n"
        f"    effect:\n      {effect}\n"
    )
    with pytest.raises(HarnessError, match=words) as raised:
        load_profile(path, {"meshSendMessage"})
    assert raised.value.file == str(path) and raised.value.field == field
    assert raised.value.line == 3 and "entry 'msg'" in raised.value.message


def test_the_shipped_messaging_profile_uses_every_messaging_effect() -> None:
    profile = load_profile(FIXTURE)
    kinds = {entry.effect.kind for entry in profile.entries}
    assert kinds == {
        "lost_acknowledgement", "late_acknowledgement", "duplicate_delivery",
        "missing_report", "lost_delivery", "chunk_reassembly",
    }  # fmt: skip
