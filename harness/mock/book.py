"""The response book: recorded exchanges looked up by the request that produced them.

Matching is exact on method, path, query (order-insensitive, repeats kept) and body (JSON bodies
compared after parsing, so key order and whitespace do not matter). Headers are not matched: they
carry per-call values (X-Request-ID) and credentials. Repeated identical requests are answered in
recorded order; once the recorded answers run out, the last one is repeated.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from harness.core.exchange import Exchange, Request, Response
from harness.core.http import CONNECTION_HEADERS

# Not answered as recorded: the body is stored decoded and framed anew for each answer.
NOT_REPLAYED = CONNECTION_HEADERS | {"content-encoding"}


class UnmatchedRequest(AssertionError):
    """No recorded exchange matches; the message names the closest one and how it differs."""


@dataclass(frozen=True, slots=True)
class RequestKey:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, request: Request) -> RequestKey:
        return cls(
            request.method.upper(), request.path, tuple(sorted(request.query)), _body(request)
        )


def _body(request: Request) -> bytes:
    if not request.body:
        return b""
    media = (request.header("content-type") or "").lower()
    if "json" in media:
        try:
            return orjson.dumps(orjson.loads(request.body), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            return request.body
    return request.body.strip()


class ResponseBook:
    def __init__(self, exchanges: Iterable[Exchange]) -> None:
        self._answers: dict[RequestKey, list[Exchange]] = {}
        self._served: dict[RequestKey, int] = {}
        for exchange in exchanges:
            self._answers.setdefault(RequestKey.of(exchange.request), []).append(exchange)

    def __len__(self) -> int:
        return sum(len(answers) for answers in self._answers.values())

    def lookup(self, request: Request) -> Exchange:
        """The next recorded exchange for this request, or UnmatchedRequest."""
        key = RequestKey.of(request)
        answers = self._answers.get(key)
        if not answers:
            raise UnmatchedRequest(self.explain_miss(request))
        served = self._served.get(key, 0)
        self._served[key] = served + 1
        return answers[min(served, len(answers) - 1)]

    def answer(self, request: Request) -> Response:
        return self.lookup(request).response

    def reset(self) -> None:
        """Start every repeated request from its first recorded answer again."""
        self._served.clear()

    def explain_miss(self, request: Request) -> str:
        wanted = RequestKey.of(request)
        label = f"{request.method.upper()} {request.target}"
        if not self._answers:
            return f"harness mock: no recorded exchange matches {label}: the contracts are empty"
        best_key = max(self._answers, key=lambda key: _similarity(wanted, key))
        closest = self._answers[best_key][0]
        reasons = _differences(wanted, best_key)
        return (
            f"harness mock: no recorded exchange matches {label}; closest is "
            f"{closest.id} ({closest.service}.{closest.operation}: "
            f"{closest.request.method} {closest.request.target}), which differs in "
            + "; ".join(reasons)
        )


def _similarity(a: RequestKey, b: RequestKey) -> float:
    score = 4.0 if a.method == b.method else 0.0
    score += 4.0 * difflib.SequenceMatcher(None, a.path, b.path).ratio()
    shared = len(set(a.query) & set(b.query))
    score += 2.0 * shared / max(len(set(a.query) | set(b.query)), 1)
    score += 1.0 if a.body == b.body else 0.0
    return score


def _differences(wanted: RequestKey, recorded: RequestKey) -> list[str]:
    reasons = []
    if wanted.method != recorded.method:
        reasons.append(f"method ({wanted.method} vs recorded {recorded.method})")
    if wanted.path != recorded.path:
        reasons.append(f"path ({wanted.path} vs recorded {recorded.path})")
    if wanted.query != recorded.query:
        only_wanted = sorted(set(wanted.query) - set(recorded.query))
        only_recorded = sorted(set(recorded.query) - set(wanted.query))
        reasons.append(
            "query (sent "
            + (", ".join(f"{k}={v}" for k, v in only_wanted) or "nothing more")
            + "; recorded "
            + (", ".join(f"{k}={v}" for k, v in only_recorded) or "nothing more")
            + ")"
        )
    if wanted.body != recorded.body:
        reasons.append("body")
    return reasons or ["nothing visible (the recorded answers were all used)"]
