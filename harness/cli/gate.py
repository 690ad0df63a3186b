"""`harness gate REPORT_DIR --policy FILE`: re-evaluate a rehearsal with today's date.

Exit codes: 0 gate passed; 1 gate failed, or the rehearsal is incomplete (killed, interrupted,
stopped by an error, or still running: it cannot pass, whatever its counts); 2 usage or
configuration error (no such directory, a malformed file, results with a repeated id).
"""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import policy_option, profile_option


@click.command()
@click.argument("report_dir", type=click.Path(path_type=Path))
@policy_option
@profile_option
def gate(report_dir: Path, policy: Path | None, profile: str | None) -> None:
    """Re-apply waivers and thresholds to REPORT_DIR/results.jsonl; rewrite gate.json + reports."""
    import datetime as dt

    from rich.console import Console

    from harness.config.policy import load_policy
    from harness.config.settings import load_settings
    from harness.core.policy import Policy
    from harness.rehearsal.gating import regate
    from harness.rehearsal.summary import print_summary
    from harness.rundir import RehearsalDir

    settings = load_settings({"policy": policy}, profile=profile)
    directory = RehearsalDir(report_dir)
    completion = directory.completion()
    console = Console()
    if completion.state == "running":  # its files are being written: judge nothing yet
        console.print(f"Gate: [bold red]FAILED[/] ({completion.reason()})", highlight=False)
        raise SystemExit(1)
    header = directory.open("re-gate")
    try:
        chosen = settings.policy or (Path(header.policy) if header.policy else None)
        rules = load_policy(chosen) if chosen else Policy()
        contracts = Path(header.contracts)
        if contracts.is_dir():  # a policy naming what the rehearsal does not have is refused
            from harness.config.names import KnownNames, check_policy_names
            from harness.contracts import discover

            check_policy_names(rules, KnownNames.of(discover(contracts)))
        today = dt.datetime.now(dt.UTC).date()
        decision, tally = regate(directory, rules, today)
    finally:
        directory.lock.release()
    print_summary(console, tally, decision, report_dir, not decision.complete)
    if not decision.passed:
        raise SystemExit(1)
