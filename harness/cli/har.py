"""`harness har import|export`: HAR 1.2 captures to contracts, and contracts to HAR."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import click


@click.group()
def har() -> None:
    """Import HAR captures as contracts; export contracts as HAR."""


@har.command("import")
@click.argument("har_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    default=Path("contracts"),
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts directory.",
)
@click.option("--openapi", "openapi_source", help="OpenAPI file or URL naming the operations.")
@click.option("--redact", multiple=True, help="Also redact this header / field (repeatable).")
@click.option("--pseudonymise", multiple=True, help="Pseudonymise this JSON field / XML element.")
def import_(
    har_file: Path,
    out: Path,
    openapi_source: str | None,
    redact: tuple[str, ...],
    pseudonymise: tuple[str, ...],
) -> None:
    """Turn the entries of HAR_FILE into contracts (redacted before they touch disk)."""
    command = ["harness", "har", "import", str(har_file), "--out", str(out)]
    import_har(har_file, out, openapi_source, redact, pseudonymise, command)


def import_har(
    har_file: Path,
    out: Path,
    openapi_source: str | None,
    redact: tuple[str, ...],
    pseudonymise: tuple[str, ...],
    command: list[str],
) -> None:
    """The HAR import, for `harness har import` and `harness record --har`: the entries of
    `har_file` written as contracts under `out`, redacted, with their correlations."""
    from harness.config.settings import load_settings
    from harness.core.operations import OperationIndex
    from harness.record.har import iter_har_exchanges
    from harness.record.imports import write_captured
    from harness.record.interface import load_openapi
    from harness.record.redact import Redactor
    from harness.record.settings import redaction_for
    from harness.version import __version__

    if not har_file.is_file():
        from harness.errors import HarnessError

        raise HarnessError("no such HAR file", file=str(har_file))
    redaction = redaction_for(load_settings(), redact=redact, pseudonymise=pseudonymise)
    document = load_openapi(openapi_source) if openapi_source else None
    index = OperationIndex.from_openapi(document) if document else None
    command = list(command)
    if openapi_source:
        command += ["--openapi", openapi_source]
    for name in redact:
        command += ["--redact", name]
    provenance = {
        "target": f"har:{har_file.name}",
        "command": shlex.join(command),
        "harness_version": __version__,
        "seed": None,
        "noise": "not learned",
    }
    results = write_captured(
        iter_har_exchanges(har_file, index),
        out,
        document=document,
        provenance=provenance,
        redactor=Redactor(redaction),
    )
    for result in results:
        click.echo(f"{result.directory}: {result.exchanges} exchanges", err=True)


@har.command("export")
@click.argument("contracts_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="HAR file to write.",
)
@click.option("--base-url", help="Origin for the URLs [default: the recorded target].")
def export(contracts_dir: Path, out: Path, base_url: str | None) -> None:
    """Write the exchanges of CONTRACTS_DIR as one HAR 1.2 file."""
    from harness.contracts import discover
    from harness.record.har import har_document

    document = har_document(discover(contracts_dir), base_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"{out}: {len(document['log']['entries'])} entries", err=True)
