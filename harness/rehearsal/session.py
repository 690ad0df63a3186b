"""One rehearsal from start to finish: the report directory, the run, the gate, the reports.

`rehearse()` is what `harness rehearse` and `harness demo` call; `regate()` what `harness gate`
calls. Commands only parse flags; everything else happens here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import importlib.util
import os
import re
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from harness.config.policy import load_policy
from harness.contracts import discover, load_noise
from harness.core.gate import GateDecision, Tally, evaluate
from harness.core.policy import Policy, WaiverBook
from harness.core.result import ResultRecord, verdict_of
from harness.errors import HarnessError
from harness.generation.options import GenerationOptions
from harness.generation.traffic import GeneratedTraffic
from harness.rehearsal.checkpoint import RESULTS_FILE, iter_results, repair_and_collect_ids
from harness.rehearsal.events import Consumer, RehearsalStarted
from harness.rehearsal.judge import Judge
from harness.rehearsal.plan import Unit, count_planned, plan_units
from harness.rehearsal.progress import ProgressDisplay
from harness.rehearsal.reproducer import curl_command, rehearse_command
from harness.rehearsal.runner import Runner
from harness.rehearsal.summary import print_summary
from harness.rehearsal.writer import ResultsWriter
from harness.transport.live import LiveTransport

FORMAT_VERSION = 1
REHEARSAL_FILE = "rehearsal.json"
GATE_FILE = "gate.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class RehearsalRequest:
    candidate: str | None
    legacy: str | None = None
    contracts: Path | None = None
    name: str | None = None
    policy: Path | None = None
    out: Path = Path("reports")
    resume: str | None = None
    concurrency: int = 32
    timeout: float = 10.0
    only: tuple[str, ...] = ()
    progress: bool = True
    seed: int = 0
    secrets: Mapping[str, str] = field(default_factory=dict)
    command: str = ""
    write_reports: bool = True  # call harness.reports.write_reports at the end
    generation: GenerationOptions | None = None  # add generated traffic (needs a live legacy)


@dataclass(frozen=True)
class RehearsalOutcome:
    report_dir: Path
    decision: GateDecision
    tally: Tally
    interrupted: bool
    compared: int = 0  # exchanges compared in this run
    elapsed_s: float = 0.0  # time spent sending and comparing (the runner)
    cpu_s: float = 0.0  # CPU time of this process during the run

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 0 if self.decision.passed else 1


def rehearse(request: RehearsalRequest, console: Console) -> RehearsalOutcome:
    report_dir, meta = _resolve(request)
    contracts_dir = Path(str(meta["contracts"]))
    contracts = discover(contracts_dir)
    if not contracts:
        raise HarnessError(
            "no contract found (expected <service>/contract.yaml)", file=str(contracts_dir)
        )
    policy = _load_policy(meta.get("policy"))
    noise = [load_noise(contract) for contract in contracts]
    only = set(request.only)
    selected = list(plan_units(contracts, only=only)) if only else None
    if selected == []:
        raise HarnessError(
            f"no exchange or scenario with id {', '.join(sorted(only))}", field="--only"
        )
    candidate_url = str(meta["targets"]["candidate"])
    legacy_url = meta["targets"].get("legacy")
    generation = request.generation
    if generation is None and request.resume and meta.get("generation"):
        generation = GenerationOptions.from_dict(meta["generation"])  # resume what was started
    generated = None
    if generation is not None and not only:
        generated = GeneratedTraffic(
            generation, contracts, contracts_dir, candidate_url, legacy_url,
            timeout_s=request.timeout,
        )  # fmt: skip
        noise = generated.noise(noise)
        meta["generation"] = generation.to_dict()
    done = _begin(report_dir, meta, resuming=bool(request.resume))
    today = dt.datetime.now(dt.UTC).date()
    connections = max(8, request.concurrency)
    candidate = LiveTransport(
        candidate_url, name="candidate", timeout_s=request.timeout, max_connections=connections
    )
    legacy = (
        LiveTransport(
            legacy_url, name="legacy", timeout_s=request.timeout, max_connections=connections
        )
        if legacy_url
        else None
    )

    def reproducer(exchange: Any, sent: Any) -> str:
        if exchange.scenario is not None:
            return rehearse_command(candidate_url, str(contracts_dir), exchange.id, legacy_url)
        return curl_command(candidate.url_for(sent), sent)

    judge = Judge(noise, WaiverBook(policy.waivers, today), reproducer)
    if generated is not None:
        generated.attach(judge)
    writer = ResultsWriter(report_dir / RESULTS_FILE)
    consumers: list[Consumer] = [writer]
    if request.progress:
        consumers.append(ProgressDisplay(console))
    runner = Runner(
        judge,
        candidate,
        legacy,
        consumers,
        concurrency=request.concurrency,
        secrets=request.secrets,
        refine=generated.refine if generated is not None else None,
    )
    units: Iterable[Unit] = (
        plan_units(contracts, done=done)
        if selected is None
        else [unit for unit in selected if any(step.id not in done for step in unit.steps)]
    )
    phases = generated.phases(done) if generated is not None else []
    started = RehearsalStarted(
        str(meta["name"]),
        report_dir,
        {"candidate": candidate_url, "legacy": legacy_url},
        None if only else count_planned(contracts),
        len(done),
    )
    try:
        interrupted = _run_with_sigint(runner, units, started, (candidate, legacy), phases)
    finally:
        writer.close()
        if generated is not None:
            generated.finish(report_dir)
    meta["finished_at"] = _now()
    meta["interrupted"] = interrupted
    _write_json(report_dir / REHEARSAL_FILE, meta)
    decision, tally = regate(
        report_dir, policy, today, interrupted=interrupted, reports=request.write_reports
    )
    print_summary(console, tally, decision, report_dir, interrupted)
    return RehearsalOutcome(
        report_dir, decision, tally, interrupted, runner.compared, runner.elapsed_s, runner.cpu_s
    )


def regate(
    report_dir: Path,
    policy: Policy,
    today: dt.date,
    *,
    interrupted: bool | None = None,
    reports: bool = True,
) -> tuple[GateDecision, Tally]:
    """Re-judge waivers for `today` over results.jsonl, write gate.json and the reports.

    results.jsonl is rewritten (atomically) only when a waiver decision changed.
    """
    results = report_dir / RESULTS_FILE
    if interrupted is None:
        meta = read_rehearsal(report_dir)
        interrupted = bool(meta.get("interrupted", False))
    book = WaiverBook(policy.waivers, today)
    tally = Tally()
    changed = False
    for record in iter_results(results):
        updated = _rejudged(record, book)
        changed = changed or updated is not record
        tally.add(updated)
    if changed:
        book = WaiverBook(policy.waivers, today)
        temporary = results.with_suffix(".jsonl.tmp")
        with temporary.open("wb") as handle:
            for record in iter_results(results):
                handle.write(orjson.dumps(_rejudged(record, book).to_dict()) + b"\n")
        temporary.replace(results)
    decision = evaluate(
        tally,
        policy,
        today,
        interrupted=interrupted,
        expired_hits=book.expired_hits,
        evaluated_at=_now(),
    )
    _write_json(report_dir / GATE_FILE, decision.to_dict())
    if reports:
        write_reports_if_available(report_dir)
    return decision, tally


def _rejudged(record: ResultRecord, book: WaiverBook) -> ResultRecord:
    if not record.differences:
        return record
    differences = book.reapply(record.service, record.operation, record.differences)
    verdict = verdict_of(differences) if record.verdict.value != "error" else record.verdict
    if differences == record.differences and verdict is record.verdict:
        return record
    from dataclasses import replace

    return replace(record, differences=differences, verdict=verdict)


def write_reports_if_available(report_dir: Path) -> bool:
    """Call `harness.reports.write_reports(report_dir)` when the reports package is installed."""
    if importlib.util.find_spec("harness.reports") is None:
        return False
    module = importlib.import_module("harness.reports")
    writer = getattr(module, "write_reports", None)
    if writer is None:
        return False
    writer(report_dir)
    return True


def read_rehearsal(report_dir: Path) -> dict[str, Any]:
    path = report_dir / REHEARSAL_FILE
    if not path.is_file():
        raise HarnessError(
            "not a rehearsal report directory (no rehearsal.json)", file=str(report_dir)
        )
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise HarnessError(f"not valid JSON: {error}", file=str(path)) from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise HarnessError(
            "unsupported or missing format_version", file=str(path), field="format_version"
        )
    return data


def _resolve(request: RehearsalRequest) -> tuple[Path, dict[str, Any]]:
    """The report directory and its rehearsal.json content; nothing is written yet."""
    from harness import __version__

    if request.resume:
        report_dir = request.out / request.resume
        meta = read_rehearsal(report_dir)
        overrides = {"candidate": request.candidate, "legacy": request.legacy}
        for side, url in overrides.items():
            if url:
                meta["targets"][side] = url
        if request.contracts:
            meta["contracts"] = str(request.contracts)
        if request.policy:
            meta["policy"] = str(request.policy)
        return report_dir, meta
    if not request.candidate:
        raise HarnessError("--candidate URL is required (or --resume NAME)", field="--candidate")
    name = request.name or dt.datetime.now(dt.UTC).strftime("rehearsal-%Y%m%d-%H%M%S")
    if not _NAME.match(name):
        raise HarnessError("use letters, digits, '.', '_' and '-'", field="--name")
    report_dir = request.out / name
    if (report_dir / REHEARSAL_FILE).exists():
        raise HarnessError(
            f"rehearsal {name!r} already exists: use --resume {name} to continue it, "
            "or another --name",
            file=str(report_dir),
        )
    contracts = request.contracts or Path("contracts")
    if not contracts.is_dir():
        raise HarnessError("no such contracts directory", file=str(contracts), field="--contracts")
    if request.policy is not None:
        load_policy(request.policy)  # fail early, before any traffic
    return report_dir, {
        "format_version": FORMAT_VERSION,
        "name": name,
        "started_at": _now(),
        "finished_at": None,
        "interrupted": False,
        "targets": {"candidate": request.candidate, "legacy": request.legacy},
        "contracts": str(contracts),
        "policy": None if request.policy is None else str(request.policy),
        "seed": request.seed,
        "command": request.command,
        "harness_version": __version__,
        "only": list(request.only) or None,
    }


def _begin(report_dir: Path, meta: dict[str, Any], *, resuming: bool) -> set[str]:
    """Create or reopen the report directory; the ids already done (on resume)."""
    done: set[str] = set()
    if resuming:
        done = repair_and_collect_ids(report_dir / RESULTS_FILE)
        meta["resumed"] = int(meta.get("resumed", 0)) + 1
        meta["interrupted"] = False
        meta["finished_at"] = None
    report_dir.mkdir(parents=True, exist_ok=True)
    _write_json(report_dir / REHEARSAL_FILE, meta)
    return done


def _load_policy(path: object) -> Policy:
    return Policy() if not path else load_policy(Path(str(path)))


def _run_with_sigint(
    runner: Runner,
    units: Any,
    started: RehearsalStarted,
    transports: tuple[Any, ...],
    then: list[Iterable[Unit]] | None = None,
) -> bool:
    """Run on uvloop; the first Ctrl-C cancels the run cleanly (a second one kills)."""

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, _cancel_once, loop, task)
            loop.add_signal_handler(signal.SIGTERM, _cancel_once, loop, task)
        try:
            return await runner.run(units, started, then=then or ())
        finally:
            for transport in transports:
                if transport is not None:
                    await transport.aclose()

    factory = _loop_factory()
    with asyncio.Runner(loop_factory=factory) as loop_runner:
        return loop_runner.run(main())


def _cancel_once(loop: asyncio.AbstractEventLoop, task: asyncio.Task[bool]) -> None:
    loop.remove_signal_handler(signal.SIGINT)
    loop.remove_signal_handler(signal.SIGTERM)
    task.cancel()


def _loop_factory() -> Any:
    if os.environ.get("HARNESS_LOOP", "uvloop") == "uvloop":
        try:
            import uvloop

            return uvloop.new_event_loop
        except ImportError:  # pragma: no cover - uvloop is a dependency via uvicorn[standard]
            return None
    return None


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    temporary.replace(path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
