"""Reading stored JSON objects field by field: errors name the place (`file:line`) and the field."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from harness.errors import HarnessError


def error_at(message: str, where: str, field: str) -> HarnessError:
    file, _, line = where.rpartition(":")
    if file and line.isdigit():
        return HarnessError(message, file=file, line=int(line), field=field)
    return HarnessError(message, file=where, field=field)


def mapping_at(data: object, where: str, field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise error_at("must be an object", where, field)
    return data


def refuse_unknown(
    obj: Mapping[str, Any], known: Collection[str], where: str, parent: str = ""
) -> None:
    """A key this format does not have is an error naming it (a typo must not pass unseen)."""
    for key in obj:
        if key not in known:
            field = f"{parent}.{key}" if parent else str(key)
            raise error_at(f"unknown key (expected {', '.join(sorted(known))})", where, field)


def string_at(obj: Mapping[str, Any], key: str, where: str, parent: str = "") -> str:
    value = obj.get(key)
    field = f"{parent}.{key}" if parent else key
    if not isinstance(value, str) or not value:
        raise error_at("is missing or not a non-empty string", where, field)
    return value


def path_at(obj: Mapping[str, Any], where: str, parent: str) -> str:
    path = string_at(obj, "path", where, parent)
    if not path.startswith("/"):
        raise error_at("must start with '/'", where, f"{parent}.path")
    return path


def pairs_at(value: object, where: str, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise error_at("must be a list of [name, value] pairs", where, field)
    pairs = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise error_at("must be a [name, value] pair of strings", where, f"{field}[{index}]")
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def check_version(
    data: Mapping[str, Any], expected: int, file: str | None, line: int | None = None
) -> None:
    """A stored object's `format_version` must be the one this harness reads."""
    version = data.get("format_version")
    if version != expected:
        raise HarnessError(
            f"unsupported format_version {version!r} (this harness reads {expected})",
            file=file,
            line=line,
            field="format_version",
        )
