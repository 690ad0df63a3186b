"""`harness report html|junit|summary|all|allure reports/<name>`: (re)write one output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from harness.errors import HarnessError

_DIRECTORY = click.argument(
    "report_dir", type=click.Path(path_type=Path, file_okay=False), metavar="REPORT_DIR"
)


def _policy_of(report_dir: Path) -> Any:
    """The policy the rehearsal ran with, when its file is still there (cluster severities)."""
    from harness.config.policy import load_policy
    from harness.rundir import read_header

    chosen = read_header(report_dir).policy
    return load_policy(Path(chosen)) if chosen and Path(chosen).is_file() else None


@click.group()
def report() -> None:
    """Rewrite the outputs of a finished (or interrupted) rehearsal from its results."""


def _one(kind: str, help_text: str) -> click.Command:
    @click.command(name=kind, help=help_text)
    @_DIRECTORY
    def command(report_dir: Path) -> None:
        from harness.reports import write_one

        path = write_one(report_dir, kind, _policy_of(report_dir))  # type: ignore[arg-type]
        click.echo(str(path))

    return command


report.add_command(_one("html", "Write report.html (self-contained, opens offline)."))
report.add_command(_one("junit", "Write junit.xml (one test case per operation) for CI."))
report.add_command(_one("summary", "Write summary.json (counts, parity, latency, gate)."))


@report.command(name="all")
@_DIRECTORY
def all_outputs(report_dir: Path) -> None:
    """Write summary.json, junit.xml and report.html."""
    from harness.reports import write_reports

    write_reports(report_dir, _policy_of(report_dir))
    for name in ("summary.json", "junit.xml", "report.html"):
        click.echo(str(report_dir / name))


def _severity(values: tuple[str, ...]) -> dict[str, str]:
    from harness.reports.allure import SEVERITIES

    severities = {}
    for value in values:
        operation, _, level = value.partition("=")
        if not operation or level not in SEVERITIES:
            raise HarnessError(
                f"expected OPERATION=LEVEL, LEVEL one of {', '.join(SEVERITIES)}; got {value!r}",
                field="--severity",
            )
        severities[operation] = level
    return severities


@report.command()
@_DIRECTORY
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory [default: REPORT_DIR/allure-results].",
)
@click.option(
    "--severity",
    multiple=True,
    metavar="OPERATION=LEVEL",
    help="Severity label per operation (repeatable), over the policy's `severity` mapping.",
)
@click.option(
    "--policy",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Policy whose `severity` mapping labels the tests [default: the rehearsal's policy].",
)
@click.option("--report-url", help="Link to report.html [default: its file:// URI].")
def allure(
    report_dir: Path,
    out: Path | None,
    severity: tuple[str, ...],
    policy: Path | None,
    report_url: str | None,
) -> None:
    """Turn the rehearsal into allure-results (one test per exchange) for `allure generate`.

    Severity per test: --severity, else the policy's `severity` mapping, else the domain
    packs' defaults, else normal.
    """
    from harness.config.policy import load_policy
    from harness.reports.allure import AllureOptions, export_allure
    from harness.rundir import read_header

    chosen = policy
    recorded = read_header(report_dir).policy
    if chosen is None and recorded:
        chosen = Path(str(recorded))
        if not chosen.is_file():  # labels only: say so, and label by the defaults
            click.echo(
                f"note: the rehearsal's policy {chosen} is not here; default severities", err=True
            )
            chosen = None
    options = AllureOptions(
        severities=_severity(severity),
        policy=load_policy(chosen) if chosen else None,
        report_url=report_url,
    )
    click.echo(str(export_allure(report_dir, out, options)))
