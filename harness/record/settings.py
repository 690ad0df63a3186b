"""Redaction settings: `[tool.harness.redact]` in pyproject.toml or `[redact]` in harness.toml.

    [tool.harness.redact]
    headers = ["x-session-token"]          # more headers (and query parameters) to redact
    fields = ["password", "nhsd-session-urid"]  # JSON fields, query parameters, XML elements
    pseudonymise = ["family", "given", "postalCode", "/identifier/*/value"]

Command-line `--redact NAME` adds to `fields`; `--pseudonymise NAME` to `pseudonymise`. The
pseudonym key comes from the environment variable HARNESS_PSEUDONYM_KEY, never from a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.record.pseudonym import key_from_environment
from harness.record.redact import DEFAULT_HEADERS, RedactionConfig

KEYS = ("headers", "fields", "pseudonymise")


def load_redaction(
    start: Path | None = None,
    *,
    redact: Iterable[str] = (),
    pseudonymise: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> RedactionConfig:
    """The redaction to apply: defaults, then the configuration file, then the flags."""
    from harness.config.settings import find_config

    table: Mapping[str, Any] = {}
    file_name: str | None = None
    found = find_config(start or Path.cwd())
    if found is not None:
        path, config = found
        section = config.get("redact", {})
        if not isinstance(section, Mapping):
            raise HarnessError("must be a table", file=str(path), field="redact")
        table, file_name = section, str(path)
    values: dict[str, list[str]] = {}
    for key in KEYS:
        raw = table.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise HarnessError("must be a list of names", file=file_name, field=f"redact.{key}")
        values[key] = list(raw)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise HarnessError(
            f"unknown key (expected {', '.join(KEYS)})",
            file=file_name,
            field=f"redact.{unknown[0]}",
        )
    names = [*values["pseudonymise"], *pseudonymise]
    headers = tuple(dict.fromkeys([*DEFAULT_HEADERS, *(h.lower() for h in values["headers"])]))
    fields = tuple(dict.fromkeys(f.lower() for f in [*values["fields"], *redact]))
    return RedactionConfig(
        headers=headers,
        fields=fields,
        pseudonymise=tuple(dict.fromkeys(names)),
        pseudonym_key=key_from_environment(environ) if names else None,
    )
