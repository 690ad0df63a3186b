"""`noise.proposed.yaml` beside the report: what live noise cancellation learned, for review.

One YAML document per service (`---` between them), each in the contract's noise format
(`format_version`, `service`, `operations`), so a reviewer can copy a service's rules into
`contracts/<service>/noise.yaml` as they are. Each rule has a comment line above it with its
counts over the run (copied along, the noise file keeps it). Fields the counts could not decide
are listed as comments only. Nothing is ever written into `contracts/` by a rehearsal.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.contracts.noisefile import NoiseEntry, entry_yaml, render_noise_file
from harness.engine.live_noise import FieldVerdict, LearnedField, LiveNoise

PROPOSAL_FILE = "noise.proposed.yaml"


def counts_line(field: LearnedField) -> str:
    c = field.counts
    return (
        f"legacy disagreed with itself {c.noise} of {c.asked} times it was asked again; "
        f"legacy and candidate differed in {c.raw} of {field.compared} exchanges"
    )


def write_proposal(report_dir: Path, live: LiveNoise, rehearsal: str) -> Path | None:
    """Write the proposal (None when nothing was learned or left undecided with evidence)."""
    fields = live.fields()
    learned = [f for f in fields if f.rule is not None]
    undecided = [f for f in fields if f.verdict is FieldVerdict.UNDECIDED and f.counts.noise > 0]
    if not learned and not undecided:
        return None
    documents = []
    for service in sorted({f.service for f in (*learned, *undecided)}):
        entries = []
        for f in (x for x in learned if x.service == service):
            assert f.rule is not None
            entry = NoiseEntry(
                f.operation, f.rule.path, f.rule.kind, tolerance_s=f.rule.tolerance_s,
                comment=f"learned live in rehearsal {rehearsal}",
            )  # fmt: skip
            comment = f"    # {counts_line(f)}"
            entries.append(replace(entry, raw=(comment, *entry_yaml(entry))))
        text = render_noise_file(service, entries)
        notes = [
            f"# undecided (not proposed): {f.operation} {f.path}: {counts_line(f)}"
            for f in undecided
            if f.service == service
        ]
        documents.append(text + ("\n".join(notes) + "\n" if notes else ""))
    path = report_dir / PROPOSAL_FILE
    path.write_text("---\n".join(documents), encoding="utf-8")
    return path
