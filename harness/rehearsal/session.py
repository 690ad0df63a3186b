"""One rehearsal from start to finish: the report directory, the run, the gate, the reports.

`rehearse()` is what `harness rehearse` and `harness demo` call. It wires the traffic sources
(contract replay; the messaging conversations, with the channels their later messages come
through, when there are channels; generated traffic when asked) to the engine, the engine's
events to the results writer and the progress bar, and the finished directory to the gate and
the reports. Commands only parse flags; everything else happens here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.config.names import KnownNames, check_policy_names, noise_warnings
from harness.config.operations import (
    OperationSettings,
    operations_from_dict,
    operations_to_dict,
)
from harness.config.policy import load_policy
from harness.conformance import DocumentConformance
from harness.contracts import Contract, discover
from harness.contracts.check import check_contracts
from harness.contracts.store import LATER_FORMAT_VERSION
from harness.core.gate import GateDecision, Tally
from harness.core.origins import Origins
from harness.core.policy import Policy, WaiverBook
from harness.core.selection import OperationRules
from harness.engine import (
    Consumer,
    Judge,
    RehearsalStarted,
    Runner,
    TrafficSource,
    open_targets,
    phases_of,
)
from harness.engine.live_noise import LiveNoise
from harness.engine.loop import run_cancellable
from harness.errors import HarnessError
from harness.generation import GeneratedTraffic, GenerationOptions
from harness.messaging import Channels, MessagingConversations, WaitPolicy
from harness.rehearsal.gating import regate
from harness.rehearsal.progress import ProgressDisplay
from harness.rehearsal.proposal import write_proposal
from harness.rehearsal.summary import print_summary
from harness.rehearsal.writer import ResultsWriter
from harness.replay import ContractReplay, contract_states, count_planned, plan_units
from harness.rundir import RehearsalDir, RehearsalHeader, now_iso
from harness.transport.limits import AnswerLimits
from harness.transport.signed import TargetAccess

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME = 128  # a rehearsal's name is a directory's: file systems allow 255 bytes


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
    seed: int | None = None  # recorded in the header (None: 0; on resume: the stored one)
    secrets: Mapping[str, str] = field(default_factory=dict)
    command: str = ""
    write_reports: bool = True  # write summary.json, junit.xml and report.html at the end
    generation: GenerationOptions | None = None  # add generated traffic (needs a live legacy)
    # Limits on each target's answers, by name (`Settings.all_answer_limits()`); a target
    # without: the defaults, its whole answer within `timeout`.
    limits: Mapping[str, AnswerLimits] = field(default_factory=dict)
    # How each target is reached beyond its URL (credentials provider, client certificate).
    access: Mapping[str, TargetAccess] = field(default_factory=dict)
    # Later messages: the endpoint the targets deliver to (HOST:PORT), or channels made already
    # (the demo gives its simulators their URLs before they start); how long to wait for them;
    # how many first deliveries of each message to refuse (to rehearse retries).
    inbound: str | None = None
    channels: Channels | None = None
    later_timeout: float = 10.0
    refuse_first: int = 0
    legacy_twin: str | None = None  # a second legacy instance for live noise cancellation
    baseline: str | None = None  # the rehearsal to compare with (else the last of its lineage)
    reask: bool = True  # ask legacy again (safe requests) where the two sides differ
    # Which operations replay and generation may touch (include / exclude, side effects).
    operations: OperationSettings | None = None
    # The OpenAPI document candidate answers are held to, and where it came from (--openapi);
    # None: each contract's stored openapi.json.
    openapi: Mapping[str, Any] | None = None
    openapi_source: str | None = None


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
    """Check everything, then take the report directory (its lock), run, gate and report.

    Nothing is written before every check has passed (every contract line, the policy, the
    targets' URLs, the selection).
    A run that fails before its first result leaves nothing behind (a new directory is removed,
    a resumed one keeps the header it had), so the corrected command just runs; one that fails
    after it keeps its results, marks the header as stopped by that error, and is gated (it
    cannot pass) before the error is raised again."""
    directory, header = _resolve(request)
    if request.resume:
        for side, url in directory.header().targets.items():
            if header.targets.get(side) != url:
                console.print(
                    f"note: resuming {header.name} against {side} {header.targets.get(side)} "
                    f"(its results so far are from {url})",
                    highlight=False,
                )
    contracts_dir = Path(header.contracts)
    contracts = discover(contracts_dir)
    if not contracts:
        raise HarnessError(
            "no contract found (expected <service>/contract.yaml)", file=str(contracts_dir)
        )
    checked = check_contracts(contracts)  # every line, before anything is sent or written
    for contract in contracts:
        contract_states(contract)  # provider states too (file, line, field)
    policy = _load_policy(header.policy)
    check_policy_names(policy, KnownNames.of(contracts))
    for warning in noise_warnings(contracts):
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    today = dt.datetime.now(dt.UTC).date()
    only = set(header.only or ())
    if only and next(plan_units(contracts, only=only), None) is None:
        raise HarnessError(
            f"no exchange or scenario with id {', '.join(sorted(only))}", field="--only"
        )
    rules = _operations(header).rules()
    channels = _channels(request)
    if channels is None:
        replay = ContractReplay(contracts, only=only, interleave=True, selection=rules.selection)
        sources: list[TrafficSource] = [replay]
        if _has_later_messages(contracts):
            console.print(
                "note: the contracts hold later messages (acknowledgements, deliveries); give "
                "--inbound HOST:PORT (and have the targets deliver there) to compare them"
            )
    else:
        conversation = channels.is_conversation()
        replay = ContractReplay(
            contracts,
            only=only,
            keep=conversation.negated,
            interleave=True,
            selection=rules.selection,
        )
        messaging = MessagingConversations(contracts, channels.observer, conversation, only=only)
        sources = [replay, messaging]
        for side in ("legacy", "candidate") if header.legacy else ("candidate",):
            for channel, url in channels.urls(side).items():
                console.print(f"later messages ({channel}): {side} delivers to {url}")
    generation = (
        None if header.generation is None else GenerationOptions.from_dict(header.generation)
    )
    live = LiveNoise()
    if generation is not None and not only:
        sources.append(
            _generated(generation, contracts, header, policy, today, request, live, rules)
        )
    targets = open_targets(  # checks both URLs; connections open on the first send
        header.candidate,
        header.legacy,
        contracts_dir=str(contracts_dir),
        timeout_s=request.timeout,
        max_connections=max(8, request.concurrency),
        limits=request.limits,
        access=request.access,
        legacy_twin=header.targets.get("legacy_twin"),
        reask=request.reask,
    )
    if channels is not None:  # inboxes are polled through each side's own transport
        channels.connect("candidate", targets.candidate.send)
        if targets.legacy is not None:
            channels.connect("legacy", targets.legacy.send)
    if not request.resume and len(sources) == 1 and not only:
        header = replace(header, planned=checked.exchanges)
    before = _take(directory, resuming=bool(request.resume))
    writer = ResultsWriter(directory.results_path)
    try:
        done, header = _begin(directory, header, resuming=bool(request.resume))
        noise, phases = phases_of(sources, done)
        judge = Judge(
            noise,
            WaiverBook(policy.waivers, today),
            targets.reproducer,
            live=live,
            # Each candidate answer held to its operation's document, beside parity.
            conformance=DocumentConformance(
                {c.service: request.openapi or c.openapi for c in contracts}
            ).prepare(),
            origins=Origins(
                candidate=header.candidate,
                legacy=header.legacy,
                recorded={c.service: str(c.provenance.get("target") or "") for c in contracts},
            ),
        )
        consumers: list[Consumer] = [writer]
        if request.progress:
            consumers.append(ProgressDisplay(console))
        runner = Runner(
            judge,
            targets.candidate,
            targets.legacy,
            consumers,
            concurrency=request.concurrency,
            secrets=request.secrets,
            opinion=targets.opinion,
            urls=targets.urls,
        )
        started = RehearsalStarted(
            header.name, directory.path, dict(header.targets), _planned(contracts, only), len(done)
        )

        async def work() -> bool:
            if channels is not None:
                await channels.start()
            return await runner.run(phases, started)

        async def cleanup() -> None:
            await targets.aclose()
            if channels is not None:
                await channels.aclose()

        try:
            interrupted = run_cancellable(work, cleanup=cleanup)
        finally:
            for source in sources:
                source.close(directory.path)
        directory.write_header(header.finished(interrupted=interrupted))
        proposal = write_proposal(directory.path, live, header.name)
        decision, tally = regate(directory, policy, today, reports=request.write_reports)
    except BaseException as error:
        _stopped(directory, header, before, writer.written, error, policy, today, request)
        raise
    finally:
        directory.lock.release()
    print_summary(console, tally, decision, directory.path, interrupted)
    note = None if channels is None else channels.polling_note()
    if note is not None:
        console.print(f"note: {note}", highlight=False, markup=False)
    for problem in runner.states.problems:
        console.print(f"warning: {problem}", markup=False, highlight=False)
    if live.asked:
        where = f": proposed rules in {proposal}" if proposal else ""
        console.print(
            f"Live noise cancellation: legacy asked again {live.asked} times, "
            f"{live.cancelled} differences were legacy's own noise, "
            f"{len(live.proposal())} fields learned as noise{where}",
            highlight=False,
            markup=False,
        )
    return RehearsalOutcome(
        directory.path,
        decision,
        tally,
        interrupted,
        runner.compared,
        runner.elapsed_s,
        runner.cpu_s,
    )


def _channels(request: RehearsalRequest) -> Channels | None:
    """The request's channels, or new ones on `inbound`; None: later messages not compared."""
    if request.channels is not None or request.inbound is None:
        return request.channels
    from harness.config.settings import host_port
    from harness.domains import messaging_profiles

    if not messaging_profiles():
        return None
    host, port = host_port(request.inbound, "--inbound")
    return Channels(
        ["legacy", "candidate"],
        host=host,
        port=port,
        refuse_first=request.refuse_first,
        policy=WaitPolicy(timeout_s=request.later_timeout),
    )


def _has_later_messages(contracts: list[Contract]) -> bool:
    """Whether a contract was recorded with later messages (format version 2 says so)."""
    return any(contract.version >= LATER_FORMAT_VERSION for contract in contracts)


def _planned(contracts: list[Contract], only: set[str]) -> int | None:
    return None if only else count_planned(contracts)


def _take(directory: RehearsalDir, *, resuming: bool) -> RehearsalHeader | None:
    """Lock the directory: a new one is created, an existing one opened (its header then, as it
    was before this run, to put back if the run fails before its first result)."""
    if resuming:
        return directory.open("resume")
    directory.create()
    return None


def _stopped(
    directory: RehearsalDir,
    header: RehearsalHeader,
    before: RehearsalHeader | None,
    written: int,
    error: BaseException,
    policy: Policy,
    today: dt.date,
    request: RehearsalRequest,
) -> None:
    """After a run that raised: undo a start that wrote no result, else say what stopped it."""
    if written == 0:
        if before is None:
            directory.discard()
        else:
            directory.write_header(before)
        return
    if isinstance(error, KeyboardInterrupt):  # a second Ctrl-C
        directory.write_header(header.finished(interrupted=True))
    else:
        message = error.describe() if isinstance(error, HarnessError) else repr(error)
        directory.write_header(header.finished(interrupted=True, error=message))
    with contextlib.suppress(Exception):  # the error that stopped the run is what to report
        regate(directory, policy, today, reports=request.write_reports)


def _generated(
    options: GenerationOptions,
    contracts: list[Contract],
    header: RehearsalHeader,
    policy: Policy,
    today: dt.date,
    request: RehearsalRequest,
    live: LiveNoise,
    rules: OperationRules,
) -> GeneratedTraffic:
    return GeneratedTraffic(
        options,
        contracts,
        Path(header.contracts),
        header.candidate,
        header.legacy,
        waivers=policy.waivers,
        today=today,
        timeout_s=request.timeout,
        limits=request.limits,
        access=request.access,
        live=live,
        rules=rules,
    )


def _operations(header: RehearsalHeader) -> OperationSettings:
    """The operations this run may touch (stored in the header when limited)."""
    if header.operations is None:
        return OperationSettings()
    return operations_from_dict(header.operations, "rehearsal.json")


def _limited(operations: OperationSettings | None) -> dict[str, Any] | None:
    """The header's `operations`: None when every operation may be touched."""
    if operations is None or operations == OperationSettings():
        return None
    return operations_to_dict(operations)


def _resolve(request: RehearsalRequest) -> tuple[RehearsalDir, RehearsalHeader]:
    """The report directory and its header, every flag checked; nothing is written yet."""
    from harness.version import __version__

    if request.out.exists() and not request.out.is_dir():
        raise HarnessError(
            "is a file, not a directory of reports", file=str(request.out), field="--out"
        )
    if request.resume:
        directory = RehearsalDir(request.out / request.resume)
        header = directory.header()
        _check_selection(request, header)
        targets = dict(header.targets)
        for side, url in (
            ("candidate", request.candidate),
            ("legacy", request.legacy),
            ("legacy_twin", request.legacy_twin),
        ):
            if url:
                targets[side] = url
        return directory, replace(
            header,
            targets=targets,
            contracts=str(request.contracts) if request.contracts else header.contracts,
            policy=str(request.policy) if request.policy else header.policy,
        )
    if not request.candidate:
        raise HarnessError("--candidate URL is required (or --resume NAME)", field="--candidate")
    name = request.name or dt.datetime.now(dt.UTC).strftime("rehearsal-%Y%m%d-%H%M%S")
    if not _NAME.match(name):
        raise HarnessError("use letters, digits, '.', '_' and '-'", field="--name")
    if len(name) > MAX_NAME:
        raise HarnessError(
            f"at most {MAX_NAME} characters (it names a directory), not {len(name)}",
            field="--name",
        )
    directory = RehearsalDir(request.out / name)
    if directory.exists() and _results_of(directory):
        raise HarnessError(
            f"rehearsal {name!r} already exists: use --resume {name} to continue it, "
            "or another --name",
            file=str(directory.path),
        )
    contracts = request.contracts or Path("contracts")
    if not contracts.is_dir():
        raise HarnessError("no such contracts directory", file=str(contracts), field="--contracts")
    if request.policy is not None:
        load_policy(request.policy)  # fail early, before any traffic
    if (
        request.baseline is not None
        and not (request.out / request.baseline / "rehearsal.json").is_file()
    ):
        raise HarnessError(
            f"no rehearsal named {request.baseline!r} in {request.out} to compare with",
            field="--baseline",
        )
    generation = request.generation if not request.only else None
    return directory, RehearsalHeader(
        name=name,
        started_at=now_iso(),
        targets={
            "candidate": request.candidate,
            "legacy": request.legacy,
            **({"legacy_twin": request.legacy_twin} if request.legacy_twin else {}),
        },
        contracts=str(contracts),
        policy=None if request.policy is None else str(request.policy),
        seed=request.seed or 0,
        command=request.command,
        harness_version=__version__,
        only=tuple(request.only) or None,
        baseline=request.baseline,
        generation=None if generation is None else generation.to_dict(),
        operations=_limited(request.operations),
        openapi=request.openapi_source,
    )


def _results_of(directory: RehearsalDir) -> int:
    """How many results a rehearsal holds (refused at once if a process is running it)."""
    with directory.lock.acquire("start"):
        return directory.result_count()


def _check_selection(request: RehearsalRequest, header: RehearsalHeader) -> None:
    """A resume runs what was selected at the start: a flag that would change it is refused."""
    stored = header.generation
    asked = None if request.generation is None else request.generation.to_dict()
    changes: list[tuple[str, object, object]] = [
        ("--only", request.only and tuple(request.only) != (header.only or ()), header.only),
        ("--generate", asked is not None and asked != stored, stored),
        ("--seed", request.seed is not None and request.seed != header.seed, header.seed),
        (
            "--include/--exclude/--destructive/--allow-side-effects",
            request.operations is not None and _limited(request.operations) != header.operations,
            header.operations,
        ),
        (
            "--openapi",
            request.openapi_source is not None and request.openapi_source != header.openapi,
            header.openapi,
        ),
    ]
    if header.openapi and request.openapi is None:
        raise HarnessError(
            f"--resume {header.name} holds answers to {header.openapi}: give it again as --openapi",
            field="--openapi",
        )
    for flag, changed, kept in changes:
        if changed:
            shown = kept or "none"
            raise HarnessError(
                f"--resume {header.name} keeps the selection it started with ({flag}: {shown}); "
                "drop the flag, or start a new rehearsal under another --name",
                field=flag,
            )


def _begin(
    directory: RehearsalDir, header: RehearsalHeader, *, resuming: bool
) -> tuple[set[str], RehearsalHeader]:
    """Create or reopen the report directory: the ids already done (on resume), the header."""
    done: set[str] = set()
    if resuming:
        done = directory.repair_results()
        header = header.reopened()
    directory.write_header(header)
    return done, header


def _load_policy(path: str | None) -> Policy:
    return Policy() if not path else load_policy(Path(path))
