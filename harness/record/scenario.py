"""Scenario steps as request templates: placeholders in, requests out; captures from responses.

A template is a request in the stored encoding (`method`, `path`, `query`, `headers`, `body`,
`body_encoding`) whose strings may hold placeholders:

- `{{name}}`: a value captured earlier in the same scenario run (or given as a variable);
- `{{$uuid}}`, `{{$prescription_id}}`: a fresh value for this send (one value per request and
  built-in), from the registry in `harness.record.builtins`;
- `{{$name as var}}`: a fresh value bound to `var`, reused by `{{var}}` in this request and the
  later steps of the run (`bind_generated` binds it once for both targets of a rehearsal);
- `${VAR}`: a secret from the environment, re-injected at send time (redacted values look so).

Substituted values are escaped for where they land: percent-encoded in the path, JSON-escaped in a
JSON body, XML-escaped in an XML body, verbatim elsewhere. The rehearsal runner reuses
`render_request` and `capture`, capturing from each target's own responses.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import orjson
from lxml import etree

from harness.core.encoding import decode_body, request_to_dict
from harness.core.exchange import Exchange, Request, Response, media_type
from harness.core.prescription_id import SHORT_FORM
from harness.errors import HarnessError
from harness.record.builtins import generator

PLACEHOLDER = re.compile(
    r"\{\{\s*(\$?[A-Za-z_][\w.-]*)(?:\s+as\s+([A-Za-z_][\w.-]*))?\s*\}\}"
    r"|\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
)
UUID_BUILTIN = "$uuid"


class CaptureError(HarnessError):
    """A value a scenario step wanted to capture is not in the response."""


def render_request(
    template: Mapping[str, Any],
    variables: Mapping[str, str],
    *,
    environ: Mapping[str, str] | None = None,
    new_uuid: Callable[[], str] | None = None,
) -> Request:
    """The concrete request of a template: every placeholder replaced.

    Raises HarnessError naming the placeholder and the field when a value is unknown.
    """
    env = os.environ if environ is None else environ
    overrides = {} if new_uuid is None else {UUID_BUILTIN: new_uuid}
    bound = dict(variables)
    bind_generated(template, bound, new_uuid=new_uuid)
    generated: dict[str, str] = {}

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
            if name not in generated:
                generated[name] = generator(name, field, overrides)()
            return generated[name]
        if name in bound:
            return bound[name]
        known = ", ".join(sorted(variables)) or "none"
        raise HarnessError(
            f"unknown placeholder {{{{{name}}}}} (captured so far: {known})", field=field
        )

    def fill(text: str, field: str, escape: Callable[[str], str] = str) -> str:
        if "{{" not in text and "${" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: escape(lookup(m, field)), text)

    headers = tuple(
        (str(k), fill(str(v), f"headers.{k}")) for k, v in _pairs(template.get("headers"))
    )
    query = tuple((str(k), fill(str(v), f"query.{k}")) for k, v in _pairs(template.get("query")))
    path = fill(str(template.get("path", "/")), "path", lambda v: quote(v, safe=":@!$&'()*+,;="))
    body = decode_body(template.get("body"), template.get("body_encoding"), "template", "body")
    if body and template.get("body_encoding", "utf-8") == "utf-8":
        kind = media_type(headers)
        escape: Callable[[str], str] = str
        if kind.endswith("json"):
            escape = _json_escape
        elif kind.endswith("xml"):
            escape = xml_escape
        body = fill(body.decode("utf-8"), "body", escape).encode("utf-8")
    return Request(
        method=str(template.get("method", "GET")).upper(),
        path=path,
        query=query,
        headers=headers,
        body=body,
    )


def bind_generated(
    template: Mapping[str, Any],
    variables: MutableMapping[str, str],
    *,
    new_uuid: Callable[[], str] | None = None,
) -> dict[str, str]:
    """Generate each `{{$name as var}}` of the template whose `var` is not bound yet.

    The values are stored in `variables` (and returned): a rehearsal binds them once per step
    and gives the same values to both targets; later steps reuse them as `{{var}}`.
    """
    overrides = {} if new_uuid is None else {UUID_BUILTIN: new_uuid}
    fresh: dict[str, str] = {}
    for field, text in _template_texts(template):
        for name, alias in _bound_in(text):
            if alias in variables:
                continue
            if not name.startswith("$"):
                raise HarnessError(
                    f"only a built-in can be bound: {{{{{name} as {alias}}}}} "
                    "(write {{$uuid as name}} or {{$prescription_id as name}})",
                    field=field,
                )
            variables[alias] = fresh[alias] = generator(name, field, overrides)()
    return fresh


def bound_aliases(template: Mapping[str, Any]) -> dict[str, str]:
    """The names the template binds built-ins to, with the built-in (`{"x": "$uuid"}`)."""
    return {alias: name for _, text in _template_texts(template) for name, alias in _bound_in(text)}


def _bound_in(text: str) -> list[tuple[str, str]]:
    """(built-in, name) of each `{{$name as var}}` in one text."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text) if m.group(2)]


def recorded_bindings(template: Mapping[str, Any], recorded: Request) -> dict[str, str]:
    """The value each `{{$name as var}}` had when the exchange was recorded, read back from the
    recorded request by matching the template's text against it (a field that does not match
    gives nothing). A rehearsal without a live legacy compares with answers that echo these
    values, so it must know them to tell them from the fresh ones it sends."""
    sent: dict[str, list[str]] = {}  # a repeated header or query name: its values in order
    for field, value in _request_texts(recorded):
        sent.setdefault(field, []).append(value)
    seen: dict[str, int] = {}
    found: dict[str, str] = {}
    for field, text in _template_texts(template):
        name = field.lower()
        position = seen[name] = seen.get(name, -1) + 1
        values = sent.get(name, [])
        if position >= len(values) or not _bound_in(text):
            continue
        for shaped in (True, False):  # each built-in's own shape first, then any text
            pattern, aliases = _pattern_of(text, shaped)
            match = pattern.fullmatch(values[position])
            if match is not None:
                found.update({alias: match.group(group) for group, alias in aliases.items()})
                break
    return found


# What each built-in renders to, so a value next to others is read back whole.
_SHAPES = {
    "$uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "$prescription_id": SHORT_FORM.pattern,
}


def _pattern_of(text: str, shaped: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex matching what `text` renders to: bound built-ins as groups (the same alias again
    as a back-reference), built-ins in their shape when `shaped`, any other placeholder as any
    text. Returns it and group -> alias."""
    parts: list[str] = []
    groups: dict[str, str] = {}  # alias -> group name
    start = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[start : match.start()]))
        start = match.end()
        alias = match.group(2) or (match.group(1) if match.group(1) in groups else None)
        shape = _SHAPES.get(match.group(1) or "") if shaped else None
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
    """A request's strings under the field names `_template_texts` gives (lower-case)."""
    for key, value in request.headers:
        yield f"headers.{key}".lower(), value
    for key, value in request.query:
        yield f"query.{key}".lower(), value
    yield "path", request.path
    if request.body:
        yield "body", request.body.decode("utf-8", "replace")


def _template_texts(template: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The strings of a template that may hold placeholders, with their field names."""
    for kind in ("headers", "query"):
        for key, value in _pairs(template.get(kind)):
            yield f"{kind}.{key}", str(value)
    yield "path", str(template.get("path", "/"))
    body = template.get("body")
    if isinstance(body, str) and template.get("body_encoding", "utf-8") == "utf-8":
        yield "body", body


def template_of(exchange: Exchange) -> dict[str, Any]:
    """The template to send for an exchange: its scenario template, else its stored request.

    A stored request may still hold `${VAR}` placeholders left by redaction.
    """
    template = exchange.meta.get("template")
    if isinstance(template, Mapping):
        return dict(template)
    return request_to_dict(exchange.request)


def captures_of(exchange: Exchange) -> dict[str, str]:
    captures = exchange.meta.get("captures")
    if isinstance(captures, Mapping):
        return {str(k): str(v) for k, v in captures.items()}
    return {}


def capture(response: Response, captures: Mapping[str, str]) -> dict[str, str]:
    """Values taken from a response, by name.

    Expressions: `status`, `header:<name>`, `/json/pointer`, `xpath:/Local/Names[n]/@attr`.
    Raises CaptureError (a HarnessError) naming the capture when the value is absent.
    """
    values: dict[str, str] = {}
    parsed_json: list[Any] = []
    parsed_xml: list[Any] = []
    for name, expression in captures.items():
        value = _capture_one(response, expression, parsed_json, parsed_xml)
        if value is None:
            raise CaptureError(
                f"capture {name!r} ({expression}) found nothing in the response "
                f"(status {response.status})",
                field=f"capture.{name}",
            )
        values[name] = value
    return values


def _capture_one(
    response: Response, expression: str, parsed_json: list[Any], parsed_xml: list[Any]
) -> str | None:
    if expression == "status":
        return str(response.status)
    if expression.startswith("header:"):
        return response.header(expression[len("header:") :].strip())
    if expression.startswith("/"):
        if not parsed_json:
            try:
                parsed_json.append(orjson.loads(response.body))
            except orjson.JSONDecodeError:
                return None
        return _json_pointer(parsed_json[0], expression)
    if expression.startswith("xpath:"):
        if not parsed_xml:
            try:
                parsed_xml.append(etree.fromstring(response.body))
            except etree.XMLSyntaxError:
                return None
        return _xml_path(parsed_xml[0], expression[len("xpath:") :])
    raise HarnessError(
        f"unknown capture expression {expression!r}: use status, header:<name>, "
        "/json/pointer or xpath:/local/names"
    )


def _json_pointer(document: Any, pointer: str) -> str | None:
    node = document
    for raw in pointer.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    if node is None:
        return None
    return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))


_XML_STEP = re.compile(r"^(?P<name>\*|[\w.-]+)(?:\[(?P<index>\d+)\])?$")


def xpath_of(path: str) -> str:
    """An lxml XPath from a path of local names (`/Envelope/Body/*/id[2]/@root`, `//id`)."""
    if not path.startswith("/"):
        raise HarnessError(f"XML path {path!r} must start with '/'", field="capture")
    parts: list[str] = []
    descendant = path.startswith("//")
    steps = [s for s in path.strip("/").split("/") if s]
    for position, step in enumerate(steps):
        prefix = "//" if descendant and position == 0 else "/"
        if step.startswith("@") and position == len(steps) - 1:
            parts.append(f"/@*[local-name()='{step[1:]}']")
            continue
        if step == "text()":
            parts.append("/text()")
            continue
        matched = _XML_STEP.match(step)
        if matched is None:
            raise HarnessError(f"bad XML path step {step!r} in {path!r}", field="capture")
        name, index = matched.group("name"), matched.group("index")
        test = "*" if name == "*" else f"*[local-name()='{name}']"
        parts.append(f"{prefix}{test}" + (f"[{index}]" if index else ""))
    return "".join(parts)


def _xml_path(root: Any, path: str) -> str | None:
    found = root.getroottree().xpath(xpath_of(path))
    if not found:
        return None
    first = found[0]
    if isinstance(first, str):
        return str(first)
    text = first.text
    return text.strip() if isinstance(text, str) else ""


def _json_escape(value: str) -> str:
    return orjson.dumps(value).decode("utf-8")[1:-1]


def _pairs(value: object) -> list[tuple[object, object]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, list | tuple):
        return [(item[0], item[1]) for item in value]
    raise HarnessError("must be a list of [name, value] pairs", field="template")
