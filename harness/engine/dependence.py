"""Which later steps of a conversation still mean something once one of its steps failed.

When a step fails in transport (a timeout, a reset, an answer past a limit) on either side, the
two targets no longer stand in the same state: one may have applied a POST the other never
saw, and a value it should have captured (an id, an ETag) is missing or stale. A later step
that depends on the failed one would then be compared on different grounds and report a
divergence nobody made (a stale-ETag PATCH answered 409 by one side and 200 by the other). So
such a step is not sent and not compared: it is reported `not run`, with the cause.

Every later step is taken to depend on a failed one unless it provably does not. The proof
here is narrow on purpose: a failed step that cannot change state (GET, HEAD, OPTIONS) leaves
the targets as they were, so only the steps that use a value it was to capture depend on it
(and, in turn, on any step left out for that reason). Any other failure, or a state-changing
step left out, cuts every step after it.
"""

from __future__ import annotations

from harness.core.http import SAFE_METHODS
from harness.core.template import PLACEHOLDER
from harness.scenario import Step


class Dependence:
    """What the rest of one conversation may rely on, step after step."""

    __slots__ = ("_all", "_values")

    def __init__(self) -> None:
        self._all: str | None = None  # why every later step is left out, once that is so
        self._values: dict[str, str] = {}  # captured names that cannot be trusted -> why

    def cause_for(self, step: Step) -> str | None:
        """Why `step` must not run (None: it may)."""
        if self._all is not None:
            return self._all
        if self._values:
            for name in names_used(step):
                if name in self._values:
                    return self._values[name]
        return None

    def lost(self, step: Step, cause: str) -> None:
        """`step` failed in transport (on one side or both), or was left out (it depended on
        a failed step, or could not be sent): what it was to do cannot be relied on."""
        if self._all is not None:
            return
        if step.template.method.upper() not in SAFE_METHODS:
            self._all = cause  # it may have changed one target and not the other
            return
        for name in step.captures:
            self._values.setdefault(name, cause)


def names_used(step: Step) -> set[str]:
    """The run's values a step's template refers to (`{{name}}`, `{{$uuid as name}}` aside)."""
    used: set[str] = set()
    for _, text in step.template.texts():
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name and not name.startswith("$"):
                used.add(name)
    return used
