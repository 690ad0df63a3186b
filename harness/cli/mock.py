"""`harness mock serve`: serve recorded contracts as a mock legacy Spine."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import host_option, port_option


@click.group()
def mock() -> None:
    """Mocks answered from recorded contracts."""


@mock.command()
@click.option(
    "--contracts",
    "contracts_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts directory [contracts of harness.toml: contracts].",
)
@click.option("--service", "services", multiple=True, help="Only these services (repeatable).")
@host_option
@port_option(8100)
def serve(contracts_dir: Path | None, services: tuple[str, ...], host: str, port: int) -> None:
    """Serve contracts over HTTP: recorded answers in recorded order; a miss gets 501 and why."""
    from harness.config.settings import load_settings
    from harness.errors import HarnessError
    from harness.mock.respx_router import load_exchanges
    from harness.mock.server import mock_app
    from harness.serving import serve_forever

    contracts_dir = load_settings({"contracts": contracts_dir}).contracts
    if not contracts_dir.is_dir():
        raise HarnessError("no such contracts directory", file=str(contracts_dir))
    exchanges = load_exchanges(contracts_dir, services or None)
    if not exchanges:
        raise HarnessError("no recorded exchanges found", file=str(contracts_dir))
    click.echo(f"harness mock: {len(exchanges)} recorded exchanges from {contracts_dir}", err=True)
    serve_forever(lambda: mock_app(exchanges), host, port)
