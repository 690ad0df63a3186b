"""Inbox pages: the workflow filter and the paging the specification describes, pure.

At most 500 message ids come back per call (the specification's limit; `max_results` may ask
for fewer). Version 2 pages on with `links.next` (`continue_from` is an opaque token);
version 1 has no paging: a client acknowledges what it got and polls again.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PAGE_LIMIT = 500
MIN_RESULTS, MAX_RESULTS = 10, 5000


class ListingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Page:
    ids: list[str]
    next_after: str | None  # the last id of this page when more follow


def workflow_matcher(expression: str | None) -> Callable[[str], bool]:
    """`WF` equals, `!WF` differs, `WF*` begins with, `*WF*` contains; `!` negates any."""
    text = (expression or "").strip()
    if not text:
        return lambda _: True
    negate = text.startswith("!")
    text = text[1:] if negate else text
    if len(text) >= 2 and text.startswith("*") and text.endswith("*"):
        needle = text[1:-1]

        def test(workflow: str) -> bool:
            return needle in workflow
    elif text.endswith("*"):
        prefix = text[:-1]

        def test(workflow: str) -> bool:
            return workflow.startswith(prefix)
    else:

        def test(workflow: str) -> bool:
            return workflow == text

    return (lambda workflow: not test(workflow)) if negate else test


def max_results_of(value: str | None) -> int:
    if value is None or value == "":
        return PAGE_LIMIT
    try:
        number = int(value)
    except ValueError:
        raise ListingError(f"max_results must be an integer, not {value!r}") from None
    if not MIN_RESULTS <= number <= MAX_RESULTS:
        raise ListingError(f"max_results must be between {MIN_RESULTS} and {MAX_RESULTS}")
    return number


def page(ids: Sequence[str], max_results: int, after: str | None = None) -> Page:
    """The ids after `after` (when given and still present), at most 500 of them."""
    start = 0
    if after is not None:
        try:
            start = list(ids).index(after) + 1
        except ValueError:
            start = 0
    size = min(max_results, PAGE_LIMIT)
    chosen = list(ids[start : start + size])
    more = start + size < len(ids)
    return Page(chosen, chosen[-1] if more and chosen else None)


def continuation_token(message_id: str) -> str:
    return base64.urlsafe_b64encode(f"after:{message_id}".encode()).decode()


def continuation_of(token: str | None, version: int) -> str | None:
    """The message id a `continue_from` continues after (v1 sends the id itself)."""
    if not token:
        return None
    if version < 2:
        return token
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ListingError("continue_from is not a token this server issued") from None
    if not text.startswith("after:"):
        raise ListingError("continue_from is not a token this server issued")
    return text.removeprefix("after:")
