"""Generated cases: schemathesis cases (valid and invalid) and the domain packs' realistic ones.

`generate_templates(document, count, seed)` spreads `count` requests over the interface's
operations round-robin, in operation order, over the slots each has: `examples` (the document's
own examples, where it has some), schemathesis `positive`, schemathesis `negative`, and
`realistic` where a domain pack has a realistic strategy for the
operation (`DomainPack.interface_strategies`). The same seed gives the same requests. A
generated `X-Request-ID` that is a valid UUID becomes `{{$uuid}}` so every send is fresh. Used
by `harness record --generate` and by generated traffic in rehearsals.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from harness.core.canonical.values import is_uuid
from harness.core.http import CONNECTION_HEADERS, is_credential
from harness.core.selection import OperationRules
from harness.core.template import Template
from harness.domains import TemplateData, merged
from harness.generation.drawing import draw_examples
from harness.openapi import Interface

# What schemathesis adds by itself (unless the operation declares it): not part of the case.
_DROPPED_HEADERS = CONNECTION_HEADERS | {"user-agent", "accept-encoding", "accept"}
_GENERATED_MARKER = "x-schemathesis-testcaseid"
REQUEST_ID_HEADER = "x-request-id"


@dataclass(frozen=True, slots=True)
class GeneratedCase:
    key: str  # the operation key (operationId or "METHOD path") the case was drawn for
    mode: str  # positive | negative | realistic
    number: int
    template: Template
    service: str = ""  # the service of the operation it was drawn for

    @property
    def id(self) -> str:
        return f"gen-{self.key}-{self.mode}-{self.number:03d}"


def generate_templates(
    document: Mapping[str, Any],
    count: int,
    seed: int,
    *,
    rules: OperationRules | None = None,
    interface: Interface | None = None,
) -> list[GeneratedCase]:
    """`count` cases over the operations `rules` allow (all without rules); `interface`: the
    document already parsed (`harness.openapi.Interface`), to parse it once."""
    if count <= 0:
        return []
    from schemathesis.generation.feedback import NO_FEEDBACK
    from schemathesis.generation.modes import GenerationMode

    parsed = interface or Interface(document)
    allowed = {operation.key: operation for operation in parsed.selected(rules)}
    operations = {key: operation.operation for key, operation in allowed.items()}
    services = {key: operation.service for key, operation in allowed.items()}
    realistic = {
        key: strategy for key, strategy in realistic_strategies(document).items() if key in allowed
    }
    base = parsed.base_path
    examples = {key: _example_strategy(operation) for key, operation in operations.items()}
    slots: list[tuple[str, str]] = []
    for key in sorted(operations):
        if examples[key] is not None:  # the document's own examples reach the success paths
            slots.append((key, "examples"))
        slots.append((key, "positive"))
        slots.append((key, "negative"))
    for key in sorted(realistic):
        slots.append((key, "realistic"))
    if not slots:
        return []
    quotas = dict.fromkeys(slots, 0)
    for index in range(count):
        quotas[slots[index % len(slots)]] += 1

    def draw(position: int, quota: int) -> list[Template]:
        key, mode = slots[position]
        slot_seed = seed * 1_000_003 + position
        if mode == "realistic":
            return [Template.from_dict(t) for t in draw_examples(realistic[key], quota, slot_seed)]
        generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # No feedback: by default schemathesis mixes in string constants found in the
            # Python modules loaded so far, which would make generation depend on them.
            strategy = examples[key] if mode == "examples" else None
            if strategy is None:
                strategy = operations[key].as_strategy(
                    generation_mode=generation, feedback=NO_FEEDBACK
                )
            drawn = draw_cases(strategy, quota, slot_seed)
        return [t for t in (case_template(case, base) for case in drawn) if t is not None]

    drawn = {p: draw(p, quotas[slot]) for p, slot in enumerate(slots) if quotas[slot]}
    # Some operations cannot give as many cases as asked (no invalid input exists, say): the
    # slots that delivered in full make up the difference, so that N asked gives N when it can.
    missing = count - sum(len(templates) for templates in drawn.values())
    full = [p for p, templates in drawn.items() if len(templates) == quotas[slots[p]]]
    if missing > 0 and full:
        extra = dict.fromkeys(full, 0)
        for index in range(missing):
            extra[full[index % len(full)]] += 1
        for position, more in extra.items():
            if more:
                drawn[position] = draw(position, quotas[slots[position]] + more)[
                    : quotas[slots[position]] + more
                ]
    cases: list[GeneratedCase] = []
    for position in sorted(drawn):
        key, mode = slots[position]
        cases.extend(
            GeneratedCase(key, mode, number, template, services.get(key, ""))
            for number, template in enumerate(drawn[position])
        )
    return cases


def draw_cases(strategy: Any, count: int, seed: int) -> list[Any]:
    """schemathesis cases drawn as `draw_examples` draws (none for an operation whose body
    schemathesis cannot write, such as multipart/related: other slots fill in)."""
    from schemathesis.core.errors import SerializationNotPossible

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return draw_examples(strategy, count, seed)
        except SerializationNotPossible:
            return []


def _example_strategy(operation: Any) -> Any:
    from schemathesis.generation.feedback import NO_FEEDBACK

    return example_cases(operation, NO_FEEDBACK)


def example_cases(operation: Any, feedback: Any) -> Any:
    """Cases built from the operation's examples in the document (schemathesis's examples
    phase, missing parts filled in, with `feedback`'s values where it has some), or None when
    it has none. Half of them keep only some of the optional query parameters: examples of
    every filter at once rarely go together (two spellings of one criterion, a date of death
    for a living patient)."""
    import hypothesis.strategies as st

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = operation.get_strategies_from_examples(feedback=feedback, fill_missing=True)
        except Exception:  # an example schemathesis cannot use: no examples slot
            return None
    if not found:
        return None
    # A whole request body the document gives as an example is a consistent one; examples of
    # single properties, which schemathesis assembles after them, often leave required parts
    # out. The whole-body examples (first in schemathesis's list) are drawn as often as the rest
    # (a flat `one_of` would weigh every example alike).
    whole = min(_body_examples(operation.definition.raw), len(found))
    if 0 < whole < len(found):
        halves = (st.one_of(found[:whole]), st.one_of(found[whole:]))
        cases = st.booleans().flatmap(lambda first: halves[0] if first else halves[1])
    else:
        cases = st.one_of(found)
    optional = frozenset(
        parameter.name
        for parameter in operation.iter_parameters()
        if str(getattr(parameter.location, "value", parameter.location)) == "query"
        and not parameter.is_required
    )
    if len(optional) < 2:
        return cases

    @st.composite
    def some_filters(draw: st.DrawFn) -> Any:
        case = draw(cases)
        if case.query and draw(st.booleans()):
            case.query = {
                name: value
                for name, value in case.query.items()
                if name not in optional or draw(st.booleans())
            }
        return case

    return some_filters()


def _body_examples(raw: Mapping[str, Any]) -> int:
    """How many whole request bodies the operation's definition gives as examples."""
    body = raw.get("requestBody")
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return 0
    count = 0
    for media in content.values():
        if isinstance(media, Mapping):
            examples = media.get("examples")
            count += len(examples) if isinstance(examples, Mapping) else 0
            count += "example" in media
    return count


def realistic_strategies(document: Mapping[str, Any]) -> dict[str, Any]:
    """Every domain pack's realistic strategy per operationId (the first pack to give one)."""
    return merged(lambda pack: pack.interface_strategies(document))


def case_template(case: Any, base_path: str = "") -> Template | None:
    """A schemathesis Case as a request template (None when it cannot be sent as plain HTTP);
    its path starts with the document's server base path (`server_base_path`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = case.as_transport_kwargs(base_url="http://harness.invalid")
    except Exception:  # a case schemathesis itself cannot serialise is skipped
        return None
    if kwargs.get("files"):
        return None
    url = urlsplit(str(kwargs["url"]))
    path = base_path + (url.path or "/")
    query = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True)]
    query.extend(_query_pairs(kwargs.get("params")))
    generated_headers = {str(k).lower() for k in (case.headers or {})}
    headers = []
    for name, value in dict(kwargs.get("headers") or {}).items():
        lowered = str(name).lower()
        # Credentials are configuration, not data to fuzz: a generated value would be stored
        # redacted as `${VAR}` and then need that variable at every replay.
        if lowered == _GENERATED_MARKER or is_credential(lowered):
            continue
        if lowered in _DROPPED_HEADERS and lowered not in generated_headers:
            continue
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        if lowered == REQUEST_ID_HEADER and is_uuid(text):
            text = "{{$uuid}}"
        headers.append([str(name), text])
    body: bytes | None = None
    if "json" in kwargs and kwargs["json"] is not None:
        body = _dump_json(kwargs["json"])
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(["Content-Type", "application/json"])
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data if isinstance(data, bytes) else str(data).encode("utf-8")
    text_body = None
    encoding = "utf-8"
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            import base64

            text_body, encoding = base64.b64encode(body).decode("ascii"), "base64"
    template: TemplateData = {
        "method": str(kwargs["method"]).upper(),
        "path": path,
        "query": [[k, v] for k, v in query],
        "headers": headers,
        "body": text_body,
        "body_encoding": encoding,
    }
    literal = json.dumps(template, ensure_ascii=False).replace("{{$uuid}}", "")
    if "{{" in literal or "${" in literal:
        return None  # generated text that would be read back as placeholders
    return Template.from_dict(template)


def _dump_json(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # e.g. integers beyond 64 bits, which JSON allows
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _query_pairs(params: Any) -> list[tuple[str, str]]:
    if params is None:
        return []
    if isinstance(params, str):
        return parse_qsl(params, keep_blank_values=True)
    pairs: list[tuple[str, str]] = []
    items = params.items() if isinstance(params, Mapping) else params
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                item = "true" if item else "false"
            pairs.append((str(key), str(item)))
    return pairs
