"""Lineage: the trend and "changed since the previous rehearsal" compare only rehearsals of the
same contracts, targets (by name) and selection, or the one named with --baseline."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from harness.reports import write_reports
from harness.reports.trend import history, lineage_of, target_name, trend
from tests.reports_factory import result, write_rehearsal

OTHER_PORTS = {"targets": {"candidate": "http://127.0.0.1:41461", "legacy": "http://127.0.0.1:3"}}


def test_a_loopback_port_is_not_part_of_a_targets_name() -> None:
    assert target_name("http://127.0.0.1:41461/base/") == "http://127.0.0.1/base"
    assert target_name("https://spine2.example:8443") == "https://spine2.example:8443"
    a = lineage_of({"contracts": "contracts/", "targets": {"candidate": "http://127.0.0.1:1"}})
    b = lineage_of({"contracts": "contracts", "targets": {"candidate": "http://127.0.0.1:2"}})
    assert a == b and a.legacy == "recordings"
    assert lineage_of({"contracts": "c", "targets": {}, "only": ["x"]}) != lineage_of(
        {"contracts": "c", "targets": {}}
    )


def write(root: Path, name: str, hour: int, **fields: object) -> Path:
    rows = [result(n, "pds", "getPatient") for n in range(4)]
    return write_rehearsal(root / name, f"2026-11-24T{hour:02d}:00:00Z", rows, header_fields=fields)


def test_only_rehearsals_of_the_same_lineage_are_compared(tmp_path: Path) -> None:
    first = write(tmp_path, "demo-1", 1)
    write(tmp_path, "unrelated", 2, only=["pds-read/0"])  # an 8-exchange run of one scenario
    write(tmp_path, "other-contracts", 3, contracts="elsewhere")
    current = write(tmp_path, "demo-2", 4, **OTHER_PORTS)
    found = history(current, "2026-11-24T04:00:00Z")
    assert found.previous is not None and found.previous.name == first.name
    assert [s.name for s in found.rehearsals] == ["demo-1", "demo-2"]
    assert found.left_out == 2 and "same lineage" in found.reason
    write_reports(current)
    page = lxml.html.fromstring((current / "report.html").read_text())
    changes = page.get_element_by_id("changes").text_content()
    assert "demo-1" in changes and "unrelated" not in changes
    assert "2 rehearsals of other lineages in this directory are not compared" in changes
    summary = {"rehearsal": {"started_at": "2026-11-24T04:00:00Z"}, "services": [],
               "totals": {}}  # fmt: skip
    assert [p.name for p in trend(current, summary)] == ["demo-1", "demo-2"]


def test_an_explicit_baseline_is_compared_whatever_its_lineage(tmp_path: Path) -> None:
    write(tmp_path, "demo-1", 1)
    write(tmp_path, "unrelated", 2, only=["pds-read/0"])
    current = write(tmp_path, "demo-2", 4, baseline="unrelated")
    found = history(current, "2026-11-24T04:00:00Z")
    assert found.previous is not None and found.previous.name == "unrelated"
    assert "--baseline unrelated" in found.reason
    missing = write(tmp_path, "demo-3", 5, baseline="gone")
    assert history(missing, "2026-11-24T05:00:00Z").previous is None
