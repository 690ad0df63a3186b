"""`harness ...`: one module per command; commands parse arguments and call the core.

Subcommands are imported lazily so that `harness --help` and the pytest plugin stay fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from harness.errors import HarnessError

# command name -> "module:attribute" (a click.Command)
COMMANDS: dict[str, str] = {
    "simulate": "harness.cli.simulate:simulate",
    "record": "harness.cli.record:record",
    "proxy": "harness.cli.proxy:proxy",
    "shadow": "harness.cli.shadow:shadow",
    "cutover": "harness.cli.cutover:cutover",
    "monitor": "harness.cli.monitor:monitor",
    "har": "harness.cli.har:har",
    "rehearse": "harness.cli.rehearse:rehearse",
    "gate": "harness.cli.gate:gate",
    "report": "harness.cli.report:report",
    "mock": "harness.cli.mock:mock",
    "demo": "harness.cli.demo:demo",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    @staticmethod
    def _available(name: str) -> bool:
        module_name = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spine-harness", prog_name="harness")
def cli() -> None:
    """spine-harness: rehearse a cutover from a legacy Spine to its replacement."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors exit 2 with a clear message, never a traceback."""
    try:
        # Without standalone mode click returns a `ctx.exit(n)` code instead of exiting.
        code = cli.main(args=argv, prog_name="harness", standalone_mode=False)
    except HarnessError as error:
        click.echo(f"harness: error: {error.describe()}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C before or between steps
        click.echo("harness: stopped", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    if isinstance(code, int) and not isinstance(code, bool):
        sys.exit(code)
