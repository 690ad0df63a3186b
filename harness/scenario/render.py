"""Rendering a template: every placeholder replaced, each value escaped for where it lands.

Substituted values are percent-encoded in the path, JSON-escaped in a JSON body, XML-escaped in
an XML body and verbatim elsewhere. `bind_fresh` draws the `{{$builtin as name}}` values of a
step once, so that both targets of a rehearsal get the same ones; `recorded_bindings` reads the
values a recording was made with back from its request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import orjson

from harness.core.encoding import decode_body, template_of_request
from harness.core.exchange import Exchange, Request, media_type
from harness.core.template import PLACEHOLDER, Template
from harness.errors import HarnessError
from harness.scenario.builtins import builtin, builtins

_PATH_SAFE = ":@!$&'()*+,;="


def render(
    template: Template,
    bindings: Mapping[str, str],
    *,
    environ: Mapping[str, str] | None = None,
    fresh: Mapping[str, Callable[[], str]] | None = None,
) -> Request:
    """The concrete request of a template: every placeholder replaced.

    `bindings` are the run's values so far (captures, bound built-ins, variables); `${VAR}`
    comes from `environ` (default: the process environment); `fresh` may replace built-ins'
    generators (`{"$uuid": ...}`, for a reproducible test). Raises HarnessError naming the
    placeholder and the field when a value is unknown.
    """
    env = os.environ if environ is None else environ
    bound = dict(bindings)
    bind_fresh(template, bound)
    drawn: dict[str, str] = {}
    generators = fresh or {}

    def lookup(match: re.Match[str], field: str) -> str:
        name, alias, env_name = match.group(1), match.group(2), match.group(3)
        if env_name is not None:
            value = env.get(env_name)
            if value is None:
                raise HarnessError(
                    f"placeholder ${{{env_name}}} needs the environment variable {env_name}",
                    field=field,
                )
            return value
        if alias is not None:
            return bound[alias]
        if name.startswith("$"):
            if name not in drawn:
                generator = generators.get(name) or builtin(name, field).fresh
                drawn[name] = generator()
            return drawn[name]
        if name in bound:
            return bound[name]
        known = ", ".join(sorted(bindings)) or "none"
        raise HarnessError(
            f"unknown placeholder {{{{{name}}}}} (captured so far: {known})", field=field
        )

    def fill(text: str, field: str, escape: Callable[[str], str] = str) -> str:
        if "{{" not in text and "${" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: escape(lookup(m, field)), text)

    headers = tuple((k, fill(v, f"headers.{k}")) for k, v in template.headers)
    query = tuple((k, fill(v, f"query.{k}")) for k, v in template.query)
    path = fill(template.path, "path", lambda v: quote(v, safe=_PATH_SAFE))
    body = decode_body(template.body, template.body_encoding, "template", "body")
    if body and template.body_encoding == "utf-8":
        kind = media_type(headers)
        escape: Callable[[str], str] = str
        if kind.endswith("json"):
            escape = _json_escape
        elif kind.endswith("xml"):
            escape = xml_escape
        body = fill(body.decode("utf-8"), "body", escape).encode("utf-8")
    return Request(template.method, path, query, headers, body)


def template_of(exchange: Exchange) -> Template:
    """What to send for an exchange: its template, else its stored request (which may still
    hold `${VAR}` placeholders left by redaction)."""
    if exchange.template is not None:
        return exchange.template
    return template_of_request(exchange.request)


def bind_fresh(template: Template, bindings: MutableMapping[str, str]) -> dict[str, str]:
    """Draw each `{{$builtin as name}}` of the template whose `name` is not bound yet.

    The values are stored in `bindings` (and returned): a rehearsal binds them once per step and
    gives the same values to both targets; later steps reuse them as `{{name}}`.
    """
    drawn: dict[str, str] = {}
    for field, name, alias in template.bindings:
        if alias in bindings:
            continue
        if not name.startswith("$"):
            raise HarnessError(
                f"only a built-in can be bound: {{{{{name} as {alias}}}}} "
                "(write {{$uuid as name}}, or a domain pack's built-in)",
                field=field,
            )
        bindings[alias] = drawn[alias] = builtin(name, field).fresh()
    return drawn


def recorded_bindings(template: Template, recorded: Request) -> dict[str, str]:
    """The value each `{{$builtin as name}}` had when the exchange was recorded, read back from
    the recorded request by matching the template's text against it (a field that does not
    match gives nothing). A rehearsal without a live legacy compares with answers that echo these
    values, so it must know them to tell them from the fresh ones it sends."""
    if not template.bindings:
        return {}
    sent: dict[str, list[str]] = {}  # a repeated header or query name: its values in order
    for field, value in _request_texts(recorded):
        sent.setdefault(field, []).append(value)
    seen: dict[str, int] = {}
    found: dict[str, str] = {}
    for field, text in template.texts():
        name = field.lower()
        position = seen[name] = seen.get(name, -1) + 1
        values = sent.get(name, [])
        if position >= len(values) or not _binds(text):
            continue
        for shaped in (True, False):  # each built-in's own shape first, then any text
            pattern, aliases = _pattern_of(text, shaped)
            match = pattern.fullmatch(values[position])
            if match is not None:
                found.update({alias: match.group(group) for group, alias in aliases.items()})
                break
    return found


def _binds(text: str) -> bool:
    return any(m.group(2) for m in PLACEHOLDER.finditer(text))


def _pattern_of(text: str, shaped: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex matching what `text` renders to: bound built-ins as groups (the same alias again
    as a back-reference), built-ins in their shape when `shaped`, any other placeholder as any
    text. Returns it and group -> alias."""
    known = builtins()
    parts: list[str] = []
    groups: dict[str, str] = {}  # alias -> group name
    start = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[start : match.start()]))
        start = match.end()
        alias = match.group(2) or (match.group(1) if match.group(1) in groups else None)
        found = known.get(match.group(1) or "") if shaped else None
        shape = found.shape if found is not None else None
        if alias is None:
            parts.append(f"(?:{shape})" if shape else ".*?")
        elif alias in groups:
            parts.append(f"(?P={groups[alias]})")
        else:
            groups[alias] = f"g{len(groups)}"
            parts.append(f"(?P<{groups[alias]}>{shape or '.+?'})")
    parts.append(re.escape(text[start:]))
    return re.compile("".join(parts), re.DOTALL), {group: alias for alias, group in groups.items()}


def _request_texts(request: Request) -> Iterator[tuple[str, str]]:
    """A request's strings under the field names `Template.texts` gives (lower-case)."""
    for key, value in request.headers:
        yield f"headers.{key}".lower(), value
    for key, value in request.query:
        yield f"query.{key}".lower(), value
    yield "path", request.path
    if request.body:
        yield "body", request.body.decode("utf-8", "replace")


def _json_escape(value: str) -> str:
    return orjson.dumps(value).decode("utf-8")[1:-1]
