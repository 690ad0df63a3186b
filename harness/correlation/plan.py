"""From a correlation to what replay sends: conversations as scenario-like steps.

Each value that matters becomes a variable of its conversation: the step whose answer gave it
captures it (`Exchange.captures`, the capture expression), and every later step that carried it
sends a template with `{{variable}}` where the recorded value stood. The runner then gives each
target its own values, exactly as for a hand-written scenario (`harness.scenario`), and compares
the two sides' values by their shape (`Planned.shapes`). Exchanges outside any conversation are
replayed as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from harness.core.encoding import template_of_request
from harness.core.exchange import Exchange
from harness.core.template import Template
from harness.correlation.analysis import ANSWER, Correlation, Produced
from harness.correlation.file import Entry
from harness.correlation.values import replaced
from harness.scenario.shapes import shape_of


@dataclass(frozen=True, slots=True)
class Planned:
    """One unit to replay in order: its steps (templated, capturing) and its variables' shapes;
    `name` is the conversation (the first step's id)."""

    name: str
    steps: tuple[Exchange, ...]
    shapes: Mapping[str, str]


def plan_conversations(
    exchanges: Sequence[Exchange],
    correlation: Correlation,
    entries: Mapping[tuple[str, str], Entry] | None = None,
) -> tuple[list[Planned], set[int]]:
    """The conversations (and lone exchanges that capture an allocated value) as units, and the
    indices of the exchanges they hold; every other exchange replays on its own, as recorded."""
    names = _variable_names(exchanges, correlation.produced)
    captures: dict[int, dict[str, str]] = {}
    shapes: dict[str, str] = {}
    for produced in correlation.produced:
        name = names[id(produced)]
        captures.setdefault(produced.exchange, {})[name] = produced.expression
        entry = (entries or {}).get((exchanges[produced.exchange].operation, produced.expression))
        shapes[name] = entry.shape if entry is not None else shape_of([produced.value]).name
    carried: dict[int, list[tuple[str, str, str]]] = {}  # index -> (location, value, variable)
    for use in correlation.uses:
        if use.location != ANSWER:
            carried.setdefault(use.exchange, []).append(
                (use.location, use.produced.value, names[id(use.produced)])
            )
    groups = [list(group) for group in correlation.conversations]
    grouped = {index for group in groups for index in group}
    groups.extend([index] for index in sorted(captures) if index not in grouped)
    planned = []
    for group in sorted(groups):
        name = exchanges[group[0]].id
        steps = tuple(
            _step(exchanges[index], name, captures.get(index), carried.get(index, []))
            for index in group
        )
        wanted = {var for index in group for var in captures.get(index, {})}
        planned.append(Planned(name, steps, {var: shapes[var] for var in sorted(wanted)}))
    return planned, {index for group in groups for index in group}


def _step(
    exchange: Exchange,
    conversation: str,
    captures: Mapping[str, str] | None,
    carried: list[tuple[str, str, str]],
) -> Exchange:
    template = _templated(template_of_request(exchange.request), carried) if carried else None
    return replace(
        exchange,
        template=template,
        captures=dict(captures) if captures else exchange.captures,
        meta={**exchange.meta, "conversation": conversation},
    )


def _templated(template: Template, carried: list[tuple[str, str, str]]) -> Template:
    """The request with each carried value replaced by its `{{variable}}` where it was carried
    (longest values first, so a value inside a longer one is never split)."""
    path, body = template.path, template.body
    query, headers = list(template.query), list(template.headers)
    for location, value, variable in sorted(carried, key=lambda c: -len(c[1])):
        placeholder = "{{" + variable + "}}"
        kind, _, name = location.partition(".")
        if kind == "path":
            path = replaced(path, value, placeholder)
        elif kind == "query":
            query = [(k, replaced(v, value, placeholder) if k == name else v) for k, v in query]
        elif kind == "headers":
            headers = [
                (k, replaced(v, value, placeholder) if k.lower() == name.lower() else v)
                for k, v in headers
            ]
        elif kind == "body" and body is not None and template.body_encoding == "utf-8":
            body = replaced(body, value, placeholder)
    return Template(
        template.method,
        path,
        tuple(query),
        tuple(headers),
        body,
        template.body_encoding,
    )


def _variable_names(exchanges: Sequence[Exchange], produced: Sequence[Produced]) -> dict[int, str]:
    """A readable, unique variable name per produced value: `createPatient.id`, then
    `createPatient.id.2` for the next value from the same place."""
    names: dict[int, str] = {}
    taken: dict[str, int] = {}
    for item in produced:
        where = item.expression.removeprefix("header:").strip("/").replace("/", ".")
        base = re.sub(r"[^\w.-]+", "-", f"{exchanges[item.exchange].operation}.{where}")
        if not re.match(r"[A-Za-z_]", base):
            base = f"v-{base}"
        taken[base] = taken.get(base, 0) + 1
        names[id(item)] = base if taken[base] == 1 else f"{base}.{taken[base]}"
    return names
