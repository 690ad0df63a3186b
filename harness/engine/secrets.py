"""Secrets go out to the targets, and never come back into results.

A contract holds `${NAME}` where a secret was (redaction put it there); at send time the runner
fills it from `[secrets]` or the environment. `Secrets` remembers, for one request, each value
it was sent with and the placeholder it stood for, and puts the placeholder back wherever the
value shows: in what the results store of the request (headers, query parameters, path, body),
and in both answers before they are compared, so that a target echoing a secret is stored as
its placeholder, and a recorded answer that holds the placeholder matches a live one echoing
the value (the recording was swept the same way). Values shorter than `MIN_SWEEP` characters
are put back only where they fill a whole header or query value: shorter text is too likely to
occur by chance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from harness.core.exchange import Request, Response
from harness.core.template import PLACEHOLDER, Template

MIN_SWEEP = 4


@dataclass(frozen=True, slots=True)
class Secrets:
    """(value, `${NAME}`) pairs of one request, longest value first."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, template: Template, environ: Mapping[str, str]) -> Secrets:
        """The secrets `template` is sent with: each `${NAME}` it holds, with its value."""
        found: dict[str, str] = {}
        for _, text in template.texts():
            if "${" not in text:
                continue
            for match in PLACEHOLDER.finditer(text):
                name = match.group(3)
                value = environ.get(name) if name else None
                if value:
                    found.setdefault(value, "${" + name + "}")
        return cls(tuple(sorted(found.items(), key=lambda pair: -len(pair[0]))))

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def text(self, text: str) -> str:
        for value, placeholder in self.pairs:
            if text == value:
                return placeholder
            if len(value) >= MIN_SWEEP and value in text:
                text = text.replace(value, placeholder)
        return text

    def _bytes(self, body: bytes) -> bytes:
        if not body:
            return body
        for value, placeholder in self.pairs:
            if len(value) >= MIN_SWEEP:
                raw = value.encode("utf-8")
                if raw in body:
                    body = body.replace(raw, placeholder.encode("utf-8"))
        return body

    def _pairs(self, pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((name, self.text(value)) for name, value in pairs)

    def request(self, request: Request) -> Request:
        """The request with every secret value put back as its placeholder."""
        if not self.pairs:
            return request
        return replace(
            request,
            path=self.text(request.path),
            query=self._pairs(request.query),
            headers=self._pairs(request.headers),
            body=self._bytes(request.body),
        )

    def response(self, response: Response) -> Response:
        """An answer with every echoed secret value put back as its placeholder."""
        if not self.pairs:
            return response
        return replace(
            response, headers=self._pairs(response.headers), body=self._bytes(response.body)
        )


NO_SECRETS = Secrets()
