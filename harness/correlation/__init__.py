"""Correlation of recorded traffic: values an answer produced that a later request carried.

What load-testing tools call correlation and traffic-replay tools id re-mapping. After a proxy
or HAR recording, `learn_correlations` finds, per contract, which answers' values later requests
carried (ids the target allocated, ETags sent back in `If-Match`) and the conversations they
join, and writes them as the reviewable `correlations.yaml` beside the exchanges. Contract
replay reads that file back (`correlated_units`): a conversation replays in order as one unit,
each target sent the values it produced itself, allocated values compared by shape.

Pure analysis (`analysis`, `values`), the file format (`file`) and the planning of units
(`plan`); the recorder, proxy and HAR import write, contract replay reads.
"""

from __future__ import annotations

from harness.correlation.analysis import Correlation, Produced, Use, analyse
from harness.correlation.file import (
    CORRELATIONS_FILE,
    CorrelationFile,
    Entry,
    UseCount,
    read_correlations,
    render_correlations,
)
from harness.correlation.learn import (
    SEQUENCE,
    correlated_units,
    in_recorded_order,
    learn_correlations,
    learned_entries,
)
from harness.correlation.plan import Planned, plan_conversations

__all__ = [
    "CORRELATIONS_FILE",
    "SEQUENCE",
    "Correlation",
    "CorrelationFile",
    "Entry",
    "Planned",
    "Produced",
    "Use",
    "UseCount",
    "analyse",
    "correlated_units",
    "in_recorded_order",
    "learn_correlations",
    "learned_entries",
    "plan_conversations",
    "read_correlations",
    "render_correlations",
]
