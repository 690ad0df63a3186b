"""Headers: only the configured names, matched case-insensitively, compared by value.

Repeated headers are joined with `, `. Content-Type is compared normalised (media type and
parameter names lower-case, charset value lower-case, parameters sorted, a multipart boundary
left out), and Location by its
path and query when absolute, because each target has its own scheme, host and port. Echo headers
(X-Request-ID, X-Correlation-ID) are plain value comparisons between the two sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from harness.core.canonical.sides import Sides
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Headers
from harness.core.rules import Rule, check_for


def header_values(headers: Headers, name: str) -> str | None:
    """All values of a header (case-insensitive), joined with `, `; None when absent."""
    found = [value for key, value in headers if key.lower() == name]
    return ", ".join(found) if found else None


def normalise_content_type(value: str) -> str:
    """Media type and parameter names in lower case, the charset's value too, parameters
    sorted; a multipart type's `boundary` is left out (any boundary absent from the parts
    serves: it is noise)."""
    media, *params = (part.strip() for part in value.split(";"))
    multipart = media.lower().startswith("multipart/")
    cleaned = []
    for param in params:
        if not param:
            continue
        key, _, raw = param.partition("=")
        key = key.strip().lower()
        if multipart and key == "boundary":
            continue
        val = raw.strip().strip('"')
        cleaned.append(f"{key}={val.lower() if key == 'charset' else val}")
    return "; ".join([media.lower(), *sorted(cleaned)])


def normalise_location(value: str) -> str:
    parts = urlsplit(value.strip())
    if not parts.scheme or not parts.netloc:
        return value.strip()
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


_NORMALISE = {"content-type": normalise_content_type, "location": normalise_location}


def selected(headers: Headers, names: frozenset[str]) -> dict[str, str]:
    """The wanted headers by lower-case name, repeated values joined with `, `."""
    found: dict[str, str] = {}
    for key, value in headers:
        name = key.lower()
        if name in names:
            found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def diff_headers(
    legacy: Headers,
    candidate: Headers,
    names: Iterable[str],
    rules: Mapping[str, tuple[Rule, ...]],
    out: list[Difference],
    sides: Sides | None = None,
) -> None:
    """Append a `header` difference for each configured header (lower-case names) that differs."""
    if legacy == candidate:  # the same headers (often the very same tuple) cannot differ
        return
    wanted = names if isinstance(names, frozenset) else frozenset(names)
    found_a, found_b = selected(legacy, wanted), selected(candidate, wanted)
    if found_a == found_b:
        return
    for name in sorted(found_a.keys() | found_b.keys()):
        value_a, value_b = found_a.get(name), found_b.get(name)
        if value_a == value_b:
            continue
        normalise = _NORMALISE.get(name)
        if (
            normalise is not None
            and value_a is not None
            and value_b is not None
            and normalise(value_a) == normalise(value_b)
        ):
            continue
        if _accepted(rules.get(name, ()), value_a, value_b, sides):
            continue
        out.append(Difference(f"header:{name}", DiffKind.HEADER, value_a, value_b))


def _accepted(
    rules: tuple[Rule, ...], value_a: str | None, value_b: str | None, sides: Sides | None
) -> bool:
    for rule in rules:
        if rule.kind == "ignore":
            return True
        check = check_for(rule, sides)
        if (
            check is not None
            and value_a is not None
            and value_b is not None
            and check.accepts(value_a, value_b)
        ):
            return True
    return False
