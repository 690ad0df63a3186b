"""Secrets and personal data are taken out of exchanges before anything touches disk.

Redacted values become `${VAR}` placeholders that the replayer fills from the environment, so
replay still works: `Authorization: Bearer s3cr3t` is stored as
`Authorization: Bearer ${HARNESS_AUTH_TOKEN}`. Each location has its own variable (a header,
a query parameter `HARNESS_QUERY_<NAME>`, a body field `HARNESS_BODY_<NAME>`), so an `apikey`
header and an `apikey` query parameter with different values replay each with its own.
Redacted by default: the Authorization, Proxy-Authorization, apikey / x-api-key, Cookie and
Set-Cookie headers (and query parameters of those names). Configured names
(`[tool.harness.redact]`, `harness.toml`, `--redact NAME`) add headers, query parameters, JSON
fields and XML elements/attributes. After that, every secret value seen is also replaced
wherever else it appears (an echo in a body, a URL, a scenario template).

Pseudonymisation (optional) replaces configured JSON fields / XML elements by HMAC pseudonyms,
and the same values wherever else they appear in the exchange, so equal values still match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from lxml import etree

from harness.core.exchange import Exchange, LaterMessage, Request, Response, media_type
from harness.core.http import CREDENTIAL_HEADERS
from harness.core.template import Template
from harness.record.pseudonym import pseudonymise

DEFAULT_HEADERS = CREDENTIAL_HEADERS
SPECIAL_VARIABLES = {
    "authorization": "HARNESS_AUTH_TOKEN",
    "proxy-authorization": "HARNESS_PROXY_TOKEN",
}
_SCHEME = re.compile(r"^(Bearer|Basic|Digest|Token|ApiKey)\s+(.+)$", re.IGNORECASE)
_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MIN_SWEEP = 4  # shorter values are not swept from free text (too likely to be a coincidence)


def variable_for(name: str, location: str = "header") -> str:
    """The environment variable standing for a redacted name, one per location, so that a
    header and a query parameter (or a body field) of one name never share a value: the header
    `x-api-key` -> HARNESS_X_API_KEY, the query parameter `apikey` -> HARNESS_QUERY_APIKEY, the
    body field `password` -> HARNESS_BODY_PASSWORD."""
    lowered = name.lower()
    if location == "header" and lowered in SPECIAL_VARIABLES:
        return SPECIAL_VARIABLES[lowered]
    prefix = {"header": "HARNESS_", "query": "HARNESS_QUERY_", "body": "HARNESS_BODY_"}[location]
    return prefix + (re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") or "SECRET")


@dataclass(frozen=True, slots=True)
class RedactionConfig:
    headers: tuple[str, ...] = DEFAULT_HEADERS  # also query parameter names
    fields: tuple[str, ...] = ()  # JSON keys, query parameters, XML local names
    pseudonymise: tuple[str, ...] = ()  # JSON keys or `/json/*/paths`, XML local names
    pseudonym_key: bytes | None = None

    def with_names(self, names: Iterable[str]) -> RedactionConfig:
        extra = tuple(n.lower() for n in names if n.lower() not in self.fields)
        return replace(self, fields=self.fields + extra)


@dataclass
class Redactor:
    """Applies a RedactionConfig; remembers secret values so later echoes are swept too."""

    config: RedactionConfig = field(default_factory=RedactionConfig)
    secrets: dict[str, str] = field(default_factory=dict)  # value -> placeholder
    pseudonyms: dict[str, str] = field(default_factory=dict)  # value -> pseudonym

    def __post_init__(self) -> None:
        self._headers = {name.lower() for name in self.config.headers}
        self._fields = {name.lower() for name in self.config.fields}
        self._pseudo_keys = {n.lower() for n in self.config.pseudonymise if not n.startswith("/")}
        self._pseudo_paths = [
            re.compile("^" + re.escape(p).replace(r"\*", "[^/]+") + "$")
            for p in self.config.pseudonymise
            if p.startswith("/")
        ]

    def exchange(self, exchange: Exchange) -> Exchange:
        request = self._request(self._template_secrets(exchange))
        response = self._response(exchange.response)
        request, response = self._sweep_request(request), self._sweep_response(response)
        meta = exchange.meta
        if meta:
            meta = self._sweep_json_value(dict(meta))
        template = exchange.template
        if template is not None and (self.secrets or self.pseudonyms):
            template = Template.from_dict(self._sweep_json_value(template.to_dict()))
        later = tuple(self._later(message) for message in exchange.later)
        return replace(
            exchange, request=request, response=response, template=template, meta=meta, later=later
        )

    def _later(self, message: LaterMessage) -> LaterMessage:
        """A later message's content as an answer's: named headers and fields, then the sweep
        (a value redacted or pseudonymised in the request is replaced in its later messages)."""
        content = self._sweep_response(self._response(message.content))
        if content.headers == message.headers and content.body == message.body:
            return message
        return replace(message, headers=content.headers, body=content.body)

    def request(self, request: Request) -> Request:
        """A request alone as it may be stored (a shadow's results): the named places
        redacted, then every secret remembered so far swept."""
        return self._sweep_request(self._request(request))

    def _template_secrets(self, exchange: Exchange) -> Request:
        """The request with the headers and query parameters a scenario template filled from
        `${VAR}`s put back.

        The template is the authority on which variable holds a secret: a header sent as
        `Bearer ${LIBRARY_TOKEN}` (or a query parameter sent as `${LIBRARY_KEY}`) is stored so,
        and the value it carried is swept elsewhere.
        """
        template = exchange.template
        if template is None:
            return exchange.request
        request = exchange.request
        headers = self._shaped(request.headers, template.headers, str.lower)
        query = self._shaped(request.query, template.query, str)
        return replace(request, headers=headers, query=query)

    def _shaped(
        self,
        sent: tuple[tuple[str, str], ...],
        shapes: tuple[tuple[str, str], ...],
        key: Callable[[str], str],
    ) -> tuple[tuple[str, str], ...]:
        wanted = {key(n): v for n, v in shapes if "${" in v and "{{" not in v}
        if not wanted:
            return sent
        out = []
        for name, value in sent:
            shape = wanted.get(key(name))
            if shape is None:
                out.append((name, value))
                continue
            parts = _ENV_PLACEHOLDER.split(shape)
            pattern = "".join(
                re.escape(part) if index % 2 == 0 else "(.+?)" for index, part in enumerate(parts)
            )
            matched = re.fullmatch(pattern, value, re.DOTALL)
            if matched is not None:
                for variable, secret in zip(parts[1::2], matched.groups(), strict=True):
                    self._remember(secret, "${" + variable + "}")
            out.append((name, shape))
        return tuple(out)

    # -- the named places -------------------------------------------------------------------
    def _request(self, request: Request) -> Request:
        headers = tuple((k, self._header_value(k, v)) for k, v in request.headers)
        query = tuple((k, self._query_value(k, v)) for k, v in request.query)
        body = self._body(request.body, media_type(request.headers))
        return replace(request, headers=headers, query=query, body=body)

    def _response(self, response: Response) -> Response:
        headers = tuple((k, self._header_value(k, v)) for k, v in response.headers)
        body = self._body(response.body, response.media_type)
        return replace(response, headers=headers, body=body)

    def _header_value(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered not in self._headers and lowered not in self._fields:
            return value
        if value.startswith("${") and value.endswith("}"):
            return value
        placeholder = "${" + variable_for(name) + "}"
        scheme = _SCHEME.match(value)
        if scheme and "${" not in scheme.group(2):
            self._remember(scheme.group(2), placeholder)
            return f"{scheme.group(1)} {placeholder}"
        if "${" in value:
            return value
        self._remember(value, placeholder)
        return placeholder

    def _query_value(self, name: str, value: str) -> str:
        lowered = name.lower()
        if (lowered in self._headers or lowered in self._fields) and "${" not in value:
            placeholder = "${" + variable_for(name, "query") + "}"
            self._remember(value, placeholder)
            return placeholder
        return value

    def _remember(self, secret: str, placeholder: str) -> None:
        if secret:
            self.secrets.setdefault(secret, placeholder)

    def _body(self, body: bytes, kind: str) -> bytes:
        if not body or not (self._fields or self._pseudo_keys or self._pseudo_paths):
            return body
        if kind.endswith("json"):
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                return body
            changed, document = self._json(document, "")
            return orjson.dumps(document) if changed else body
        if kind.endswith("xml"):
            return self._xml(body)
        return body

    def _json(self, node: Any, path: str) -> tuple[bool, Any]:
        if isinstance(node, dict):
            changed = False
            out = {}
            for key, value in node.items():
                here = f"{path}/{key}"
                lowered = str(key).lower()
                if lowered in self._fields and value is not None:
                    if isinstance(value, str) and value.startswith("${"):
                        out[key] = value
                        continue
                    placeholder = "${" + variable_for(str(key), "body") + "}"
                    self._remember(
                        value if isinstance(value, str) else orjson.dumps(value).decode(),
                        placeholder,
                    )
                    out[key] = placeholder
                    changed = True
                elif lowered in self._pseudo_keys or self._pseudo_path(here):
                    was, out[key] = value, self._pseudo_value(value)
                    changed = changed or was != out[key]
                else:
                    inner, out[key] = self._json(value, here)
                    changed = changed or inner
            return changed, out
        if isinstance(node, list):
            results = [self._json(item, f"{path}/{index}") for index, item in enumerate(node)]
            return any(c for c, _ in results), [value for _, value in results]
        return False, node

    def _pseudo_path(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self._pseudo_paths)

    def _pseudo_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._pseudonym(value)
        if isinstance(value, list):
            return [self._pseudo_value(item) for item in value]
        return value

    def _pseudonym(self, value: str) -> str:
        if not value or self.config.pseudonym_key is None:
            return value
        found = self.pseudonyms.get(value)
        if found is None:
            found = self.pseudonyms[value] = pseudonymise(value, self.config.pseudonym_key)
        return found

    def _xml(self, body: bytes) -> bytes:
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError:
            return body
        changed = False
        for element in root.iter(etree.Element):
            local = etree.QName(element).localname.lower()
            if local in self._fields and element.text and not element.text.startswith("${"):
                placeholder = "${" + variable_for(local, "body") + "}"
                self._remember(element.text.strip(), placeholder)
                element.text = placeholder
                changed = True
            elif local in self._pseudo_keys and element.text and element.text.strip():
                element.text = self._pseudonym(element.text.strip())
                changed = True
            for raw_name, raw_value in list(element.attrib.items()):
                name, value = _text(raw_name), _text(raw_value)
                attribute = etree.QName(name).localname.lower()
                if attribute in self._fields and not value.startswith("${"):
                    placeholder = "${" + variable_for(attribute, "body") + "}"
                    self._remember(value, placeholder)
                    element.set(name, placeholder)
                    changed = True
                elif attribute in self._pseudo_keys and value:
                    element.set(name, self._pseudonym(value))
                    changed = True
        if not changed:
            return body
        declaration = body.lstrip().startswith(b"<?xml")
        return bytes(etree.tostring(root, xml_declaration=declaration, encoding="UTF-8"))

    # -- everywhere else --------------------------------------------------------------------
    def _replacements(self) -> list[tuple[str, str, bool]]:
        """(value, substitute, whole-word) longest first; secrets before pseudonyms."""
        pairs = [(v, p, False) for v, p in self.secrets.items() if len(v) >= MIN_SWEEP]
        pairs += [(v, p, True) for v, p in self.pseudonyms.items() if len(v) >= MIN_SWEEP]
        return sorted(pairs, key=lambda item: (item[2], -len(item[0]), item[0]))

    def sweep_text(self, text: str) -> str:
        for value, substitute, whole_word in self._replacements():
            if value not in text:
                continue
            if whole_word:
                pattern = r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])"
                text = re.sub(pattern, substitute.replace("\\", "\\\\"), text)
            else:
                text = text.replace(value, substitute)
        return text

    def _sweep_bytes(self, body: bytes) -> bytes:
        if not body or not (self.secrets or self.pseudonyms):
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        swept = self.sweep_text(text)
        return body if swept == text else swept.encode("utf-8")

    def _sweep_pairs(self, pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((k, self.sweep_text(v)) for k, v in pairs)

    def _sweep_request(self, request: Request) -> Request:
        if not (self.secrets or self.pseudonyms):
            return request
        return replace(
            request,
            path=self.sweep_text(request.path),
            query=self._sweep_pairs(request.query),
            headers=self._sweep_pairs(request.headers),
            body=self._sweep_bytes(request.body),
        )

    def _sweep_response(self, response: Response) -> Response:
        if not (self.secrets or self.pseudonyms):
            return response
        return replace(
            response,
            headers=self._sweep_pairs(response.headers),
            body=self._sweep_bytes(response.body),
        )

    def _sweep_json_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.sweep_text(value)
        if isinstance(value, Mapping):
            return {k: self._sweep_json_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._sweep_json_value(item) for item in value]
        return value


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
