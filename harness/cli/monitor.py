"""`harness monitor`: read the shadow's store: show, check against a policy, report, serve."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from harness.cli.options import host_option, port_option

store_option = click.option(
    "--store",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The store `harness shadow --store` writes.",
)


@click.group()
def monitor() -> None:
    """What weeks of shadow traffic say: parity, errors, latency, divergence clusters."""


@monitor.command()
@store_option
@click.option("--by", "grain", type=click.Choice(["day", "hour"]), default="day", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
def show(store: Path, grain: str, since: object, until: object) -> None:
    """Parity, error rate and latency per service and operation, per hour or day; clusters."""
    from harness.monitor.queries import clusters, windows
    from harness.monitor.reading import open_store

    first, last = _day(since), _day(until)
    connection = open_store(store)
    found = windows(connection, grain, since=first, until=last)  # type: ignore[arg-type]
    click.echo(
        f"{'window':<17} {'operation':<40} {'exchanges':>9} {'parity':>8} {'errors':>7} "
        f"{'p50 primary':>11} {'p50 shadow':>10}"
    )
    for w in found:
        start = w.start.strftime("%Y-%m-%d" if grain == "day" else "%Y-%m-%d %H:00")
        click.echo(
            f"{start:<17} {w.service + '.' + w.operation:<40.40} {w.total:>9,} "
            f"{_pct(w.parity):>8} {_pct(w.error_rate):>7} {_ms(w.p50_primary_ms):>11} "
            f"{_ms(w.p50_shadow_ms):>10}"
        )
    click.echo("\ndivergence clusters (first seen, last seen, count):")
    for c in clusters(connection, since=first, until=last):
        click.echo(
            f"  {c.first_seen:%Y-%m-%d %H:%M}  {c.last_seen:%Y-%m-%d %H:%M}  "
            f"{c.count:>8,}  {c.signature}"
        )


@monitor.command()
@store_option
@click.option(
    "--policy",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The policy whose thresholds each day must meet (as `harness gate`).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many of the latest days to check.",
)
@click.option(
    "--day",
    "on_day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Check this day (and the days before it, with --days) instead of the latest.",
)
@click.option("--webhook", metavar="URL", help="POST each breach here as JSON.")
@click.option(
    "--log",
    "log_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append each breach's JSON line here [default: standard error].",
)
def check(
    store: Path,
    policy: Path,
    days: int,
    on_day: object,
    webhook: str | None,
    log_file: Path | None,
) -> int:
    """Exit 1 when a day of the store breaks the policy (0 when every day meets it)."""
    import orjson

    from harness.config.policy import load_policy
    from harness.errors import HarnessError
    from harness.monitor.check import announce, breaches, check_days
    from harness.monitor.queries import days as stored_days
    from harness.monitor.reading import open_store
    from harness.monitor.webhook import webhook_poster

    rules = load_policy(policy)
    connection = open_store(store)
    available = stored_days(connection)
    last = _day(on_day)
    if last is not None:
        available = [d for d in available if d <= last]
        if not available or available[-1] != last:
            raise HarnessError(f"the store has no results on {last.isoformat()}", file=str(store))
    chosen = available[-days:]
    checks = check_days(connection, chosen, rules)

    def log(line: dict[str, object]) -> None:
        text = orjson.dumps(line).decode()
        if log_file is None:
            click.echo(text, err=True)
        else:
            with log_file.open("a", encoding="utf-8") as out:
                out.write(text + "\n")

    found = breaches(checks, str(store), rules)
    problems = announce(found, log, webhook_poster(webhook) if webhook else None)
    for problem in problems:
        click.echo(f"harness monitor: warning: {problem}", err=True)
    for day_check in checks:
        verdict = "passed" if day_check.decision.passed else "FAILED"
        click.echo(f"{day_check.day.isoformat()}: {verdict}")
        if not day_check.decision.passed:
            for reason in day_check.decision.reasons:
                click.echo(f"  - {reason}")
    return 1 if found else 0


@monitor.command()
@store_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The HTML file [default: <store>/dashboard.html].",
)
def report(store: Path, out: Path | None) -> None:
    """Write the dashboard: one self-contained HTML file."""
    from harness.monitor.dashboard import gather, render
    from harness.monitor.reading import open_store

    target = out or store / "dashboard.html"
    target.write_text(render(gather(open_store(store), store)), encoding="utf-8")
    click.echo(f"harness monitor: wrote {target}")


@monitor.command()
@store_option
@host_option
@port_option(8400)
@click.option(
    "--refresh",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Seconds between the page's refreshes.",
)
def serve(store: Path, host: str, port: int, refresh: int) -> None:
    """Serve the dashboard live, drawn from the store as it grows."""
    from harness.monitor.live import dashboard_app
    from harness.serving import serve_forever

    serve_forever(lambda: dashboard_app(store, refresh_s=refresh), host, port)


def _day(value: object) -> date | None:
    return None if value is None else value.date()  # type: ignore[attr-defined]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(monitor())
