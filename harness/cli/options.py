"""Options several commands share, declared once so that their names and help stay the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

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
        "--port", default=default, show_default=True, type=int, help="0 picks a free port."
    )
