"""Reading the tables of the settings file: their keys and their lists, each error naming the
file and the field."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from harness.errors import HarnessError


def checked_table(
    raw: Any, keys: Collection[str], file_name: str | None, where: str
) -> Mapping[str, Any]:
    """`raw` as a table holding only `keys`."""
    if not isinstance(raw, Mapping):
        raise HarnessError("must be a table", file=file_name, field=where)
    unknown = sorted(set(map(str, raw)) - set(keys))
    if unknown:
        raise HarnessError(
            f"unknown key (expected {', '.join(keys)})",
            file=file_name,
            field=f"{where}.{unknown[0]}",
        )
    return raw


def string_list(value: Any, file_name: str | None, where: str, example: str) -> tuple[str, ...]:
    """A list of strings (`example` shows one in the error)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise HarnessError(
            f"must be a list of strings (e.g. {example})", file=file_name, field=where
        )
    return tuple(value)
