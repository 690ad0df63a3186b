"""A rehearsal directory's completion, lock and repeated ids (no sockets: files only)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.core.unique import IdLedger, first_repeat
from harness.errors import HarnessError
from harness.rundir import Completion, DuplicateResult, RehearsalDir, RehearsalHeader, ResultsReader


def header(**changes: object) -> RehearsalHeader:
    base = RehearsalHeader("r", "2026-01-01T00:00:00Z", {"candidate": "http://c"}, "contracts")
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "holder", "state", "words"),
    [
        ({"finished_at": "x"}, None, "complete", None),
        ({}, None, "killed", "ended before its end (killed?) with 3 results of 10 planned"),
        ({}, 4242, "running", "still running (process 4242; 3 results of 10 planned so far)"),
        ({"finished_at": "x", "interrupted": True}, None, "interrupted", "was interrupted"),
        ({"finished_at": "x", "interrupted": True, "error": "boom"}, None, "stopped", "(boom)"),
    ],
)
def test_completion_says_how_far_a_rehearsal_got(
    changes: dict[str, object], holder: int | None, state: str, words: str | None
) -> None:
    completion = Completion.of(header(planned=10, **changes), 3, holder)
    assert completion.state == state and completion.complete is (state == "complete")
    reason = completion.reason()
    assert (reason is None) if words is None else (reason is not None and words in reason)


def test_the_lock_refuses_a_second_holder_and_is_released(tmp_path: Path) -> None:
    first, second = RehearsalDir(tmp_path / "r"), RehearsalDir(tmp_path / "r")
    first.create()
    with pytest.raises(
        HarnessError, match="cannot start rehearsal 'r': it is being run by process"
    ):
        second.create()
    assert second.lock.holder() is not None and first.lock.holder() is None
    first.discard()  # nothing was judged: nothing is left
    assert not (tmp_path / "r").exists()
    second.create()
    second.lock.release()
    (tmp_path / "r" / "notes.txt").write_text("mine")
    with pytest.raises(HarnessError, match=r"is not empty \(notes.txt\)"):
        RehearsalDir(tmp_path / "r").create()


def test_an_id_on_two_lines_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    line = {"format_version": 1, "id": "a"}
    lines = [dict(line, id=str(n)) for n in range(50)] + [dict(line, id="7")]
    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
    reader = ResultsReader(path)
    with pytest.raises(DuplicateResult) as raised:
        list(reader.dicts())
    assert raised.value.line == 51 and "'7' is on lines 8 and 51" in raised.value.message
    path.write_text("".join(json.dumps(item) + "\n" for item in lines[:-1]))
    assert len(list(ResultsReader(path).dicts())) == 50


def test_a_shared_hash_alone_is_not_a_repeat() -> None:
    ledger = IdLedger()
    for ident in ("a", "b", "c", "b"):
        ledger.add(ident)
    assert ledger.suspects() == {hash("b")} and len(ledger) == 4
    items = [("a", 1), ("b", 2), ("c", 3), ("b", 4)]
    assert first_repeat(items, ledger.suspects()) == ("b", 2, 4)
    assert first_repeat(items[:3], frozenset({hash("a"), hash("c")})) is None
