"""Generation that reaches success paths: requests built from what answers showed exists.

Random schema data rarely reaches an interface's success paths: ids must exist, a version must
be the current one, a search needs the right criteria together. Given answered exchanges (a
contract's recordings, or a first round of generated requests) in a `SeedPool`, this draws, per
operation the rules allow:

- `varied`: requests that were answered 2xx, varied with what other successful requests of the
  operation carried (`variations.success_variations`);
- `domain`: the domain packs' strategies from what the answers show exists
  (`DomainPack.recorded_strategies`: the Spine pack searches for patients by their own
  demographics);
- `seeded`: schemathesis's example and positive cases drawn with its resource pool fed by the
  answers (ids that exist, values answers gave);
- `linked`: two-step chains along the interface's links (`harness.openapi.links`: the
  document's, schemathesis's inferred ones, an ETag sent back in If-Match): a request of the
  source operation (one that succeeded, else a seeded one) whose answer's values the target
  request carries, each target sending what it answered itself.

Budgets are in requests: each operation gets an equal share, split over its slots by weight;
a chain's last request is its target operation's, its first the source operation's. The same
seed and answers give the same requests.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import hypothesis.strategies as st

from harness.core.http import SAFE_METHODS
from harness.core.selection import OperationRules
from harness.core.success import SUCCESS_FLOOR
from harness.core.template import Template
from harness.domains import TemplateData
from harness.generation.cases import GeneratedCase, case_template, draw_cases, example_cases
from harness.generation.drawing import draw_examples
from harness.generation.seeds import SeedPool
from harness.generation.variations import success_variations
from harness.openapi import DocumentOperation, Interface, Link, links_of
from harness.openapi.links import CONDITIONAL
from harness.scenario import Step

SENTINEL = "zzharnesslink{}zz"  # a linked value's place in a drawn case, before it is a variable
WEIGHTS = {"varied": 2.0, "domain": 2.0, "seeded": 1.0, "linked": 3.0}


@dataclass(frozen=True, slots=True)
class Chain:
    """Requests along one link, sent in order: the first's answer gives what the next carries."""

    name: str
    service: str
    steps: tuple[Step, ...]
    link: Link


def success_seeking(
    interface: Interface,
    pool: SeedPool,
    count: int,
    seed: int,
    *,
    rules: OperationRules | None = None,
    domain: Mapping[str, st.SearchStrategy[TemplateData]] | None = None,
) -> tuple[list[GeneratedCase], list[Chain]]:
    """At most `count` requests: single cases, and chains (two requests each)."""
    if count <= 0:
        return [], []
    allowed = {operation.key: operation for operation in interface.selected(rules)}
    if not allowed:
        return [], []
    links = [
        link
        for link in links_of(interface)
        if link.source in allowed
        and link.target in allowed
        and not conditional(allowed[link.source])  # a source must succeed on its own
    ]
    keys = sorted(allowed)
    shares = _shares(keys, count, pool, links, allowed, domain or {})
    # Chains first: a chain's target request is its target operation's, its first request
    # the source operation's, so every operation's share holds the requests it is sent.
    chains: list[Chain] = []
    spent = dict.fromkeys(keys, 0)
    rest: dict[str, bool] = {}  # whether the operation's own cases take the rest of its share
    for position, key in enumerate(keys):
        operation = allowed[key]
        # A link is followed as often as its source gave what it needs (a create that gave
        # 201s, a read that gave 200s): a chain whose first answer misses sends nothing more.
        usable = sorted(
            (
                (link, rate)
                for link in links
                if link.target == key and (rate := _link_rate(pool, link, allowed)) >= SUCCESS_FLOOR
            ),
            key=lambda pair: pair[1],
        )
        # A request that needs the current version is sent only along a link (a stale
        # version succeeds once, at best); the best-answered link then takes the rest.
        alone = not (usable and conditional(operation))
        rest[key] = alone
        weights = [WEIGHTS["linked"] * rate for _, rate in usable]
        if alone:
            weights.append(WEIGHTS["seeded"] + WEIGHTS["varied"] + WEIGHTS["domain"])
        for slot, (link, _) in enumerate(usable):
            last = slot == len(usable) - 1 and not alone
            quota = shares[key] - spent[key] if last else _weighted(shares[key], weights, slot)
            # The source's requests come out of its own share (never past it).
            quota = max(0, min(quota, shares[link.source] - spent[link.source]))
            found = _chains(interface, pool, link, quota, seed * 1_000_033 + position * 101 + slot)
            chains.extend(found)
            spent[key] += len(found)
            spent[link.source] += len(found)
    cases: list[GeneratedCase] = []
    for position, key in enumerate(keys):
        if not rest[key]:
            continue
        operation = allowed[key]
        own: list[tuple[str, float]] = []
        if pool.successes.get(key) and operation.method in ("GET", "POST"):
            own.append(("varied", WEIGHTS["varied"]))
        if domain and key in domain:
            own.append(("domain", WEIGHTS["domain"]))
        own.append(("seeded", WEIGHTS["seeded"]))
        left = max(0, shares[key] - spent[key])
        weights = [weight for _, weight in own]
        delivered = 0
        for slot, (mode, _) in enumerate(own):
            # The last slot (seeded) gets what the others could not deliver (a small space).
            last = slot == len(own) - 1
            quota = left - delivered if last else _weighted(left, weights, slot)
            slot_seed = seed * 1_000_033 + position * 101 + 50 + slot
            if mode == "varied":
                templates = _varied(interface, pool, operation, quota, slot_seed)
            elif mode == "domain" and domain is not None:
                drawn = draw_examples(domain[key], quota, slot_seed)
                templates = [Template.from_dict(data) for data in drawn]
            else:
                templates = _seeded(interface, pool, operation, quota, slot_seed)
            delivered += len(templates)
            cases.extend(
                GeneratedCase(key, mode, number, template, operation.service)
                for number, template in enumerate(templates)
            )
    return cases, chains


def conditional(operation: DocumentOperation) -> bool:
    """Whether requests of the operation require a precondition (If-Match: the current
    version), which only an answer just before can give."""
    for parameter in operation.operation.iter_parameters():
        kind = str(getattr(parameter.location, "value", parameter.location))
        if kind == "header" and parameter.is_required and parameter.name.lower() in CONDITIONAL:
            return True
    return False


def _link_rate(pool: SeedPool, link: Link, operations: Mapping[str, DocumentOperation]) -> float:
    """How often a chain's first request answers as the link needs. Chains start from
    requests that did: a read that answered so answers so again; a change that did (a create)
    may not again (the record now exists), so its share of such answers so far is the guess."""
    bases = [e for e in pool.successes.get(link.source, ()) if link.succeeded(e.response.status)]
    if not bases:
        return 0.0
    if operations[link.source].method in SAFE_METHODS:
        return 1.0
    return pool.share(link.source, link.succeeded)


def _shares(
    keys: Sequence[str],
    count: int,
    pool: SeedPool,
    links: Sequence[Link],
    operations: Mapping[str, DocumentOperation],
    domain: Mapping[str, object],
) -> dict[str, int]:
    """Each operation's requests: more where they can raise its share of 2xx answers (it has
    successes to vary, a domain pack's strategy, or a link whose source answers as it needs,
    and answered 2xx rarely so far), less where nothing leads to success yet (a search of the
    unknown, half a share)."""
    weights = []
    for key in keys:
        routes = (
            bool(pool.successes.get(key))
            or key in domain
            or any(
                link.target == key and _link_rate(pool, link, operations) >= SUCCESS_FLOOR
                for link in links
            )
        )
        weights.append(3.0 - 2 * pool.share(key, _is_2xx) if routes else 0.5)
    return {key: _weighted(count, weights, index) for index, key in enumerate(keys)}


def _is_2xx(status: int) -> bool:
    return 200 <= status < 300


def _weighted(total: int, weights: Sequence[float], index: int) -> int:
    """Part `index` of `total` cut in proportion to `weights` (the parts add up to `total`)."""
    whole = sum(weights)
    if whole <= 0:
        return 0
    before = sum(weights[:index])
    return int(total * (before + weights[index]) / whole) - int(total * before / whole)


def _varied(
    interface: Interface, pool: SeedPool, operation: DocumentOperation, count: int, seed: int
) -> list[Template]:
    strategy = success_variations(pool.successes.get(operation.key, ()), operation.pattern)
    if strategy is None or count <= 0:
        return []
    return [Template.from_dict(data) for data in draw_examples(strategy, count, seed)]


def seeded_strategy(pool: SeedPool, operation: DocumentOperation) -> Any:
    """schemathesis's example cases (where the document has examples: three draws in four)
    and positive cases, both drawn with the pool's values."""
    from schemathesis.generation.modes import GenerationMode

    feedback = pool.feedback()
    examples = example_cases(operation.operation, feedback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        positive = operation.operation.as_strategy(
            generation_mode=GenerationMode.POSITIVE, feedback=feedback
        )
    if examples is None:
        return positive
    return st.integers(0, 3).flatmap(lambda pick: positive if pick == 0 else examples)


def _seeded(
    interface: Interface, pool: SeedPool, operation: DocumentOperation, count: int, seed: int
) -> list[Template]:
    if count <= 0:
        return []
    drawn = draw_cases(seeded_strategy(pool, operation), count, seed)
    found = [case_template(case, interface.base_path) for case in drawn]
    return [template for template in found if template is not None]


def _chains(interface: Interface, pool: SeedPool, link: Link, count: int, seed: int) -> list[Chain]:
    if count <= 0:
        return []
    source = interface.operations[link.source]
    target = interface.operations[link.target]
    bases = [e for e in pool.successes.get(source.key, []) if link.succeeded(e.response.status)]
    starts: list[Template] = []
    strategy = success_variations(bases, source.pattern)
    if strategy is not None:
        starts = [Template.from_dict(data) for data in draw_examples(strategy, count, seed)]
    if starts and len(starts) < count:  # a few sources that answered as needed, read again
        starts = [starts[i % len(starts)] for i in range(count)]
    if not starts:
        starts = _seeded(interface, pool, source, count, seed + 1)
    ends = _linked_targets(interface, pool, target, link, count, seed + 2)
    if ends and len(ends) < count:  # few examples of the change: each made after other reads
        ends = [ends[i % len(ends)] for i in range(count)]
    chains = []
    for number, (start, (then, addressed)) in enumerate(zip(starts, ends, strict=False)):
        # Reading a resource, then changing it: read the one the drawn change is about (its
        # example was written for that resource; another may lack what it changes).
        same = source.path == target.path
        first = _addressing(start, source, addressed) if same else start
        # Variables named per chain, so chains can run one after another in one conversation.
        names = [f"link{number}_{i}" for i in range(len(link.parameters))]
        captures = {
            names[i]: parameter.source
            for i, parameter in enumerate(link.parameters)
            if not parameter.source.startswith("request.")
        }
        resolved = _resolved_from_request(then, link, source, first, names)
        if resolved is None:
            continue
        name = f"gen-link-{link.source}-{link.target}-{number:03d}"
        chains.append(
            Chain(
                name,
                target.service or source.service,
                (
                    Step(f"{name}/0", first, captures, operation=source.key),
                    Step(f"{name}/1", resolved, operation=target.key),
                ),
                link,
            )
        )
    return chains


def _linked_targets(
    interface: Interface,
    pool: SeedPool,
    target: DocumentOperation,
    link: Link,
    count: int,
    seed: int,
) -> list[tuple[Template, dict[str, str]]]:
    """Target requests with each linked parameter's place marked by its sentinel, and the path
    parameters they were drawn with. Drawn from the document's examples where it has some (an
    example is a whole, consistent request: its headers, its body), else seeded cases."""
    strategy = example_cases(target.operation, pool.feedback())
    if strategy is None:
        strategy = seeded_strategy(pool, target)
    drawn = draw_cases(strategy, count, seed)
    templates = []
    for case in drawn:
        addressed = {str(k): str(v) for k, v in (case.path_parameters or {}).items()}
        for i, parameter in enumerate(link.parameters):
            mark = SENTINEL.format(i)
            if parameter.location == "path":
                case.path_parameters = {**(case.path_parameters or {}), parameter.name: mark}
            elif parameter.location == "query":
                case.query = {**(case.query or {}), parameter.name: mark}
            else:
                headers = dict(case.headers or {})
                for name in [n for n in headers if n.lower() == parameter.name.lower()]:
                    del headers[name]
                headers[parameter.name] = mark
                case.headers = headers
        template = case_template(case, interface.base_path)
        if template is not None:
            templates.append((template, addressed))
    return templates


def _addressing(
    template: Template, operation: DocumentOperation, values: dict[str, str]
) -> Template:
    """The request with its path parameters set to `values` (those it names)."""
    found = operation.pattern.fullmatch(template.path)
    if found is None:
        return template
    parts, end = [], 0
    for position, name in enumerate(operation.parameters):
        start, stop = found.span(position + 1)
        parts += [
            template.path[end:start],
            quote(values.get(name, found.group(position + 1)), safe=""),
        ]
        end = stop
    path = "".join([*parts, template.path[end:]])
    return Template(
        template.method,
        path,
        template.query,
        template.headers,
        template.body,
        template.body_encoding,
    )


def _resolved_from_request(
    template: Template, link: Link, source: DocumentOperation, first: Template, names: list[str]
) -> Template | None:
    """The target template with each sentinel a `{{variable}}`, or the source request's own
    value for `request.<location>.<name>` parameters (None when it has none)."""
    text = json.dumps(template.to_dict(), ensure_ascii=False)
    for i, parameter in enumerate(link.parameters):
        mark = SENTINEL.format(i)
        if not parameter.source.startswith("request."):
            text = text.replace(mark, "{{" + names[i] + "}}")
            continue
        value = _request_value(first, source, parameter.source)
        if value is None:
            return None
        text = text.replace(mark, json.dumps(value, ensure_ascii=False)[1:-1])
    return Template.from_dict(json.loads(text))


def _request_value(first: Template, source: DocumentOperation, where: str) -> str | None:
    _, location, name = where.split(".", 2)
    if location == "path":
        found = source.path_parameters(first.path)
        return None if found is None else found.get(name)
    pairs: Sequence[tuple[str, str]] = first.query if location == "query" else first.headers
    lowered = name.lower()
    for key, value in pairs:
        if (key == name) if location == "query" else (key.lower() == lowered):
            return value if "{{" not in value else None
    return None
