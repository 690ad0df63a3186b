"""Compare two responses: status, then the configured headers, then the body by media type.

Build a `Comparator` once per operation (rules compiled into a trie) and call `.compare` for each
exchange; `Comparators` keeps one per operation for a noise model. Differences come out in that
order: status, headers, body (document order), at most `max_differences` of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from harness.core.canonical import comparator_named, family_of
from harness.core.canonical.headers import diff_headers, header_values
from harness.core.canonical.sides import CompareContext, Sides
from harness.core.canonical.text import TEXT
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Headers, Response, bare_media_type, header
from harness.core.rules import CompiledRules, NoiseModel, Rule, check_for, compile_rules

CONTEXTUAL_KINDS = frozenset({"uuid", "timestamp"})  # checks that read the comparator's Sides
DEFAULT_HEADERS = ("content-type", "etag", "location", "x-request-id", "x-correlation-id")


@dataclass(frozen=True, slots=True)
class CompareOptions:
    """What to compare: which headers (case-insensitive), status, body; and a cap on output."""

    headers: tuple[str, ...] = DEFAULT_HEADERS
    status: bool = True
    body: bool = True
    max_differences: int = 200


class Comparator:
    """Compares pairs of responses for one operation with its rules (compiled once)."""

    __slots__ = ("_body_states", "_headers", "_options", "_rules", "_sides")

    def __init__(self, rules: Iterable[Rule] = (), options: CompareOptions | None = None) -> None:
        rules = tuple(rules)
        self._options = options or CompareOptions()
        # The cell its uuid and timestamp checks read (each answer's time, what was sent).
        self._sides = Sides() if any(r.kind in CONTEXTUAL_KINDS for r in rules) else None
        self._rules: CompiledRules = compile_rules(rules, self._sides)
        self._body_states = self._rules.body_states
        self._headers = frozenset(name.lower() for name in self._options.headers)

    @property
    def options(self) -> CompareOptions:
        return self._options

    def compare(
        self,
        legacy: Response,
        candidate: Response,
        context: CompareContext | None = None,
        anchors: tuple[Response, Response] | None = None,
    ) -> list[Difference]:
        """The differences between the legacy (or recorded) answer and the candidate's.

        `context` (what each side was sent and carried) lets a `uuid` rule tell an echo from a
        generated value; each answer's own time comes from the answers themselves, or from
        `anchors` (the answers a later message followed, for its content)."""
        out: list[Difference] = []
        options = self._options
        if self._sides is not None:
            first, second = anchors or (legacy, candidate)
            self._sides.reset(first, second, context)
        if (
            options.status
            and legacy.status != candidate.status
            and not self._status_accepted(legacy.status, candidate.status)
        ):
            out.append(Difference("status", DiffKind.STATUS, legacy.status, candidate.status))
        if self._headers:
            diff_headers(
                legacy.headers, candidate.headers, self._headers, self._rules.headers, out,
                self._sides,
            )  # fmt: skip
        if options.body:
            self._compare_bodies(legacy, candidate, out)
        if len(out) > options.max_differences:
            del out[options.max_differences :]
        return out

    def _status_accepted(self, legacy: int, candidate: int) -> bool:
        for rule in self._rules.status:
            if rule.kind == "ignore":
                return True
            check = check_for(rule, self._sides)
            if check is not None and check.accepts(str(legacy), str(candidate)):
                return True
        return False

    def _compare_bodies(self, legacy: Response, candidate: Response, out: list[Difference]) -> None:
        body_a, body_b = legacy.body, candidate.body
        family_a = _media_family(legacy.headers)
        family_b = _media_family(candidate.headers)
        if family_a == family_b:
            if body_a == body_b:
                return
            comparator = comparator_named(family_a)
        else:
            self._report_content_type(legacy, candidate, out)
            comparator = TEXT
        content_types = (
            header(legacy.headers, "content-type"),
            header(candidate.headers, "content-type"),
        )
        if not comparator.diff(body_a, body_b, self._body_states, out, content_types):
            TEXT.diff(body_a, body_b, self._body_states, out)

    def _report_content_type(
        self, legacy: Response, candidate: Response, out: list[Difference]
    ) -> None:
        """Differing media families are always a content-type difference (unless ignored)."""
        if any(d.path == "header:content-type" for d in out):
            return
        if any(r.kind == "ignore" for r in self._rules.headers.get("content-type", ())):
            return
        out.append(
            Difference(
                "header:content-type",
                DiffKind.HEADER,
                header_values(legacy.headers, "content-type"),
                header_values(candidate.headers, "content-type"),
            )
        )


def _media_family(headers: Headers) -> str:
    """`json`, `xml`, `multipart` or `text` from the Content-Type header (see `family_of`)."""
    return _family_of_content_type(header(headers, "content-type"))


@lru_cache(maxsize=256)
def _family_of_content_type(content_type: str | None) -> str:
    """Memoised: a run sees a handful of Content-Type values, each pair asks twice."""
    return family_of(bare_media_type(content_type))


def compare(
    legacy: Response,
    candidate: Response,
    rules: Iterable[Rule] = (),
    options: CompareOptions | None = None,
) -> list[Difference]:
    """One-off comparison (compiles the rules each call: use `Comparator` in loops)."""
    return Comparator(rules, options).compare(legacy, candidate)


class Comparators:
    """One `Comparator` per operation for a noise model plus extra (configured) rules, memoised."""

    __slots__ = ("_cache", "_extra", "_noise", "_options")

    def __init__(
        self,
        noise: NoiseModel | None = None,
        extra_rules: Iterable[Rule] = (),
        options: CompareOptions | None = None,
    ) -> None:
        self._noise = noise or NoiseModel({})
        self._extra = tuple(extra_rules)
        self._options = options
        self._cache: dict[str, Comparator] = {}

    def for_operation(self, operation: str) -> Comparator:
        comparator = self._cache.get(operation)
        if comparator is None:
            rules = self._noise.rules_for(operation) + self._extra
            comparator = self._cache[operation] = Comparator(rules, self._options)
        return comparator
