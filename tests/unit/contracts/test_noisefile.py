"""noise.yaml: reviewable, edits and comments survive re-recording, errors name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.contracts.noisefile import (
    NoiseEntry,
    merge_learned,
    read_noise_file,
    render_noise_file,
)
from harness.errors import HarnessError


def learned(operation: str, path: str, kind: str = "ignore") -> NoiseEntry:
    return NoiseEntry(operation, path, kind, learned=True)


def test_rendered_file_reads_back(tmp_path: Path) -> None:
    entries = [learned("getBook", "/served_at", "timestamp"), learned("*", "header:etag")]
    path = tmp_path / "noise.yaml"
    path.write_text(render_noise_file("books", entries))
    text = path.read_text()
    assert text.startswith("# Noise model for service `books`")
    assert "keep: true" in text  # the header explains how to keep a rule
    back = read_noise_file(path)
    assert [(e.operation, e.path, e.kind, e.learned) for e in back.entries] == [
        ("*", "header:etag", "ignore", True),
        ("getBook", "/served_at", "timestamp", True),
    ]


def test_tester_rules_and_their_comments_survive_relearning(tmp_path: Path) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text(render_noise_file("books", [learned("getBook", "/served_at", "timestamp")]))
    edited = path.read_text().replace(
        "    - {path: /served_at, kind: timestamp, learned: true}",
        "    - {path: /served_at, kind: timestamp, learned: true, keep: true}  # approved by QA\n"
        "    # The stock level changes with every sale: owner J. Bloggs, ticket LIB-12.\n"
        "    - path: /stock\n"
        "      kind: ignore\n"
        "      comment: sold copies\n"
        "  listBooks:\n"
        "    # Shelf order is not promised.\n"
        "    - {path: /books, kind: unordered}\n"
        "    - {path: /total, kind: ignore, enabled: false}",
    )
    path.write_text(edited)
    previous = read_noise_file(path)
    fresh = [
        learned("getBook", "/served_at", "timestamp"),  # covered by the kept rule
        learned("getBook", "/trace", "uuid"),
        learned("listBooks", "/total"),  # switched off by the tester: not re-added
    ]
    merged = merge_learned(previous, fresh)
    path.write_text(render_noise_file("books", merged))
    text = path.read_text()
    assert "# approved by QA" in text
    assert "# The stock level changes with every sale: owner J. Bloggs, ticket LIB-12." in text
    assert "# Shelf order is not promised." in text
    assert "      comment: sold copies" in text
    again = read_noise_file(path)
    summary = [(e.operation, e.path, e.kind, e.enabled) for e in again.entries]
    assert summary == [
        ("getBook", "/served_at", "timestamp", True),
        ("getBook", "/stock", "ignore", True),
        ("getBook", "/trace", "uuid", True),
        ("listBooks", "/books", "unordered", True),
        ("listBooks", "/total", "ignore", False),
    ]
    model = again.to_model()
    assert [r.path for r in model.rules_for("listBooks")] == ["/books"]
    # Writing the same merge twice is byte-identical.
    path.write_text(render_noise_file("books", merge_learned(again, fresh)))
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ("{path: /x, kind: fuzzy}", "operations.getBook.0.kind"),
        ("{path: x, kind: ignore}", "operations.getBook.0.path"),
        ("{path: /x, kind: pattern, pattern: '('}", "operations.getBook.0.pattern"),
        ("{path: /x, kind: ignore, colour: red}", "operations.getBook.0.colour"),
        ("{path: /x, kind: timestamp, tolerance_s: -1}", "operations.getBook.0.tolerance_s"),
    ],
)
def test_bad_rules_name_file_line_and_field(tmp_path: Path, rule: str, field: str) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text(f"format_version: 1\noperations:\n  getBook:\n    - {rule}\n")
    with pytest.raises(HarnessError) as caught:
        read_noise_file(path)
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(path), 4, field)


def test_unknown_noise_version_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text("format_version: 7\noperations: {}\n")
    with pytest.raises(HarnessError, match="unsupported format_version 7") as caught:
        read_noise_file(path)
    assert caught.value.line == 1


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text("format_version: 1\noperations:\n  getBook: [\n")
    with pytest.raises(HarnessError, match="not valid YAML") as caught:
        read_noise_file(path)
    assert caught.value.line is not None
