"""What every body comparator shares: the `BodyComparator` Protocol and how a body is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from harness.core.difference import Difference, DiffKind

if TYPE_CHECKING:
    from harness.core.rules import RuleNode

ContentTypes = tuple[str | None, str | None]  # legacy's and the candidate's Content-Type


def family_of(media_type: str) -> str:
    """`json`, `xml`, `multipart` or `text` for a bare, lower-case media type."""
    if media_type.startswith("multipart/"):
        return "multipart"
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type in ("text/xml", "application/xml") or media_type.endswith("+xml"):
        return "xml"
    return "text"


class BodyComparator(Protocol):
    """Compares two bodies of one media family."""

    name: str

    def diff(
        self,
        legacy: bytes,
        candidate: bytes,
        states: tuple[RuleNode, ...],
        out: list[Difference],
        content_types: ContentTypes = (None, None),
    ) -> bool:
        """Append the differences to `out`. `content_types` are the two bodies' Content-Type
        values (a multipart body is read with its boundary; other families ignore them).

        Returns False (appending nothing) when neither body parses as this family, so the caller
        can fall back to comparing text; one unparseable side is a `type` difference at `/`.
        """
        ...


def root_path(path: str) -> str:
    """Body paths are built from '' (the root); the root itself is reported as '/'."""
    return path or "/"


def snippet(text: str, limit: int = 200) -> str:
    """A short form of a long value for a difference."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unparsed_body(body: bytes) -> str | None:
    """How a body that does not parse is shown in a difference (None when blank)."""
    return snippet(body.decode("utf-8", "replace")) if body.strip() else None


def unparsed_difference(
    legacy: bytes, shown_legacy: object, candidate: bytes, shown_candidate: object
) -> Difference:
    """The difference at `/` when one body does not parse: a blank side is missing / extra."""
    if not legacy.strip():
        return Difference("/", DiffKind.EXTRA, None, shown_candidate)
    if not candidate.strip():
        return Difference("/", DiffKind.MISSING, shown_legacy, None)
    return Difference("/", DiffKind.TYPE, shown_legacy, shown_candidate)
