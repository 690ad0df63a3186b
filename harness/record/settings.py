"""What recording redacts: the credential headers, then `[redact]` of the settings, then flags.

    [redact]                                   # harness.toml, or [tool.harness.redact]
    headers = ["x-session-token"]              # more headers (and query parameters) to redact
    fields = ["password", "x-session-id"]      # JSON fields, query parameters, XML elements
    pseudonymise = ["family", "given", "postalCode", "/identifier/*/value"]

Command-line `--redact NAME` adds to `fields`; `--pseudonymise NAME` to `pseudonymise`. The
pseudonym key comes from the environment variable HARNESS_PSEUDONYM_KEY, never from a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harness.config.settings import Settings
from harness.record.pseudonym import key_from_environment
from harness.record.redact import DEFAULT_HEADERS, RedactionConfig


def redaction_for(
    settings: Settings,
    *,
    redact: Iterable[str] = (),
    pseudonymise: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    headers: Iterable[str] = (),
) -> RedactionConfig:
    """The redaction to apply: defaults, then the settings' `[redact]`, then the flags, and the
    `headers` the targets' auth providers set."""
    table = settings.redact
    names = [*table.pseudonymise, *pseudonymise]
    wanted = [*DEFAULT_HEADERS, *(h.lower() for h in [*table.headers, *headers])]
    header_names = tuple(dict.fromkeys(wanted))
    fields = tuple(dict.fromkeys(f.lower() for f in [*table.fields, *redact]))
    return RedactionConfig(
        headers=header_names,
        fields=fields,
        pseudonymise=tuple(dict.fromkeys(names)),
        pseudonym_key=key_from_environment(environ) if names else None,
    )
