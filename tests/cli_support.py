"""Running `harness` commands in-process, as a user would from the shell."""

from __future__ import annotations

import pytest

from harness.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The exit code of `harness <args>` and what it printed (stdout then stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err
