"""Options several commands share, declared once so that their names and help stay the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from harness.transport.http1 import ClientTls

F = TypeVar("F", bound=Callable[..., Any])

policy_option = click.option(
    "--policy", type=click.Path(path_type=Path), help="Gate policy (YAML)."
)
profile_option = click.option("--profile", help="Configuration profile (e.g. ci).")
host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
)


def port_option(default: int) -> Callable[[F], F]:
    """`--port`, listening on `default` unless told otherwise (0 picks a free port)."""
    return click.option(
        "--port",
        default=default,
        show_default=True,
        type=click.IntRange(0, 65535),
        help="0 picks a free port.",
    )


def interface_of(
    source: str | None, base_url: str, command: str, tls: ClientTls | None = None
) -> dict[str, Any] | None:
    """The OpenAPI document naming a target's operations: `source` (a file or URL) when given,
    else `<base_url>/openapi.json` when it answers (None, said on stderr, when it does not);
    `tls`: the target's client certificate, presented when the document is fetched from it."""
    from harness.errors import HarnessError
    from harness.record.interface import load_openapi

    chosen = source or f"{base_url}/openapi.json"
    try:
        return load_openapi(chosen, tls=tls if chosen.startswith(base_url) else None)
    except HarnessError:
        if source:
            raise
        click.echo(
            f"harness {command}: {base_url} has no /openapi.json; operations unnamed", err=True
        )
        return None


def selection_options(function: F) -> F:
    """`--include`, `--exclude`, `--destructive`, `--allow-side-effects` ([operations])."""
    for option in reversed(
        [
            click.option(
                "--include",
                multiple=True,
                metavar="TERM",
                help="Only these operations: a glob over operationIds, method:GET or tag:NAME "
                "(repeatable).",
            ),
            click.option(
                "--exclude",
                multiple=True,
                metavar="TERM",
                help="Never these operations (same terms as --include; repeatable).",
            ),
            click.option(
                "--destructive",
                multiple=True,
                metavar="GLOB",
                help="Operations that destroy state besides DELETE and x-destructive: true "
                "(never generated without --allow-side-effects; repeatable).",
            ),
            click.option(
                "--allow-side-effects",
                is_flag=True,
                help="Also generate destructive requests (DELETE, x-destructive, --destructive).",
            ),
        ]
    ):
        function = option(function)
    return function


def selection_flags(
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    destructive: tuple[str, ...],
    allow_side_effects: bool,
) -> list[str]:
    """The selection flags as given, for the command an artifact records."""
    flags: list[str] = []
    for name, values in (
        ("--include", include),
        ("--exclude", exclude),
        ("--destructive", destructive),
    ):
        for value in values:
            flags += [name, value]
    return flags + (["--allow-side-effects"] if allow_side_effects else [])
