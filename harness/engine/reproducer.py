"""A copyable shell command that shows one exchange again."""

from __future__ import annotations

import re
import shlex

from harness.core.exchange import Request
from harness.core.http import CONNECTION_HEADERS

_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
# curl sets these itself for the connection it opens.
_QUIET_HEADERS = CONNECTION_HEADERS | {"accept-encoding"}
_SHELL_SAFE = re.compile(r"[\w@%+=:,./-]+", re.ASCII)
_ENCODED_PLACEHOLDER = re.compile(r"%24%7B([A-Za-z_][A-Za-z0-9_]*)%7D")


def shell_quote(text: str) -> str:
    """Quote for POSIX shells; `${VAR}` placeholders stay expandable (secrets come from env)."""
    if _SHELL_SAFE.fullmatch(text):
        return text
    if "${" not in text or not _PLACEHOLDER.search(text):
        return "'" + text.replace("'", "'\"'\"'") + "'"
    escaped = re.sub(r'([\\"`])', r"\\\1", text)
    escaped = re.sub(r"\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})", r"\\$", escaped)
    return f'"{escaped}"'


def curl_command(url: str, request: Request) -> str:
    parts = ["curl", "-sS", "-i"]
    if request.method != "GET" or request.body:
        parts += ["-X", request.method]
    for name, value in request.headers:
        if name.lower() not in _QUIET_HEADERS:
            parts += ["-H", shell_quote(f"{name}: {value}")]
    if request.body:
        try:
            parts += ["--data-binary", shell_quote(request.body.decode("utf-8"))]
        except UnicodeDecodeError:
            parts += ["--data-binary", "@<binary body: see results.jsonl>"]
    # A placeholder in the query was percent-encoded with the URL: make it expandable again.
    parts.append(shell_quote(_ENCODED_PLACEHOLDER.sub(r"${\1}", url)))
    return " ".join(parts)


def rehearse_command(candidate: str, contracts: str, exchange_id: str, legacy: str | None) -> str:
    parts = ["harness", "rehearse", "--candidate", shlex.quote(candidate)]
    if legacy:
        parts += ["--legacy", shlex.quote(legacy)]
    parts += ["--contracts", shlex.quote(contracts), "--only", shlex.quote(exchange_id)]
    return " ".join(parts)
