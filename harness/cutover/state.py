"""State across a switch: the plan's migration step, and the reads that prove it worked.

`run_step` runs a step of the plan: a command (argv, each `{from}`, `{to}`, `{legacy}` and
`{candidate}` replaced by a base URL; exit status 0 is success) or an HTTP call (2xx is
success), within its timeout. `check_reads` takes records written before a switch (the
facade's `writes`), reads each back on the side that now answers and on the side it left,
directly (not through the facade), and says which were readable.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from harness.core.exchange import Request, Response
from harness.cutover.facade import Written
from harness.cutover.plan import StateCheck, Step
from harness.errors import HarnessError
from harness.scenario import capture
from harness.transport.base import TransportError
from harness.transport.forwarding import stored_answer
from harness.transport.limits import DEFAULT_LIMITS
from harness.transport.live import LiveTransport

OUTPUT_KEPT = 2_000


@dataclass(frozen=True, slots=True)
class StepResult:
    step: str
    ok: bool
    elapsed_s: float
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "step": self.step,
            "ok": self.ok,
            "elapsed_s": round(self.elapsed_s, 3),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ReadBack:
    id: str
    operation: str
    status_new: int | None  # None: no answer
    status_old: int | None
    found_new: bool = True  # the check's `found` capture found a value (when it has one)
    found_old: bool = True

    @property
    def readable(self) -> bool:
        return self.status_new is not None and 200 <= self.status_new < 300 and self.found_new


@dataclass(frozen=True, slots=True)
class StateCheckResult:
    when: str  # "switch" or "rollback"
    written_before: int  # records remembered from before the switch
    reads: tuple[ReadBack, ...] = ()
    problems: tuple[str, ...] = field(default=())  # ids that could not be taken, etc.

    @property
    def passed(self) -> bool:
        return all(read.readable for read in self.reads)

    def to_dict(self) -> dict[str, object]:
        unreadable = [r for r in self.reads if not r.readable]
        return {
            "when": self.when,
            "written_before": self.written_before,
            "checked": len(self.reads),
            "readable": len(self.reads) - len(unreadable),
            "passed": self.passed,
            "unreadable": [
                {
                    "id": r.id,
                    "operation": r.operation,
                    "status": r.status_new,
                    "found": r.found_new,
                    "old_status": r.status_old,
                    "old_found": r.found_old,
                }
                for r in unreadable[:20]
            ],
            "problems": list(self.problems[:20]),
        }


def substituted(text: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


async def run_step(step: Step, values: Mapping[str, str]) -> StepResult:
    """A command's `python` (or `python3`) is the harness's own interpreter."""
    began = time.perf_counter()
    if step.command:
        argv = [substituted(part, values) for part in step.command]
        if argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        return await _run_command(step, argv, began)
    return await _run_http(step, values, began)


async def _run_command(step: Step, argv: list[str], began: float) -> StepResult:
    shown = " ".join(argv)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
    except OSError as error:
        return StepResult(shown, False, time.perf_counter() - began, f"cannot run: {error}")
    try:
        output, _ = await asyncio.wait_for(process.communicate(), step.timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        return StepResult(
            shown, False, time.perf_counter() - began, f"timed out after {step.timeout_s:g} s"
        )
    text = output.decode("utf-8", "replace")[-OUTPUT_KEPT:].strip()
    ok = process.returncode == 0
    detail = text if ok else f"exit status {process.returncode}: {text}"
    return StepResult(shown, ok, time.perf_counter() - began, detail)


async def _run_http(step: Step, values: Mapping[str, str], began: float) -> StepResult:
    url = substituted(step.url, values)
    parts = urlsplit(url)
    shown = f"{step.method} {url}"
    transport = LiveTransport(
        f"{parts.scheme}://{parts.netloc}", name="migration", timeout_s=step.timeout_s
    )
    body = substituted(step.body, values).encode() if step.body is not None else b""
    headers = (("content-type", "application/json"),) if body else ()
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        got = await transport.send(Request(step.method, target or "/", (), headers, body))
    except TransportError as error:
        return StepResult(shown, False, time.perf_counter() - began, str(error))
    finally:
        await transport.aclose()
    ok = 200 <= got.status < 300
    text = got.body.decode("utf-8", "replace")[:OUTPUT_KEPT]
    return StepResult(shown, ok, time.perf_counter() - began, f"{got.status}: {text}".strip())


def sample_of(items: Sequence[Written], size: int) -> list[Written]:
    """`size` items spread evenly over `items` (all of them when there are fewer)."""
    if len(items) <= size:
        return list(items)
    step = len(items) / size
    return [items[int(i * step)] for i in range(size)]


async def check_reads(
    check: StateCheck,
    written: Sequence[Written],
    new_url: str,
    old_url: str,
    when: str,
    timeout_s: float = 10.0,
) -> StateCheckResult:
    """Read back a sample of `written` (records a side answered before the switch)."""
    mine = [w for w in written if check.remembers(w.service, w.operation)]
    reads: list[ReadBack] = []
    problems: list[str] = []
    new = LiveTransport(new_url, name="new", timeout_s=timeout_s)
    old = LiveTransport(old_url, name="old", timeout_s=timeout_s)
    try:
        for item in sample_of(mine, check.sample):
            try:
                record_id = _id_of(check, item)
            except HarnessError as error:
                problems.append(f"{item.service}.{item.operation}: {error.message}")
                continue
            path, _, query = check.read_path.partition("?")
            request = Request(
                check.read_method,
                path.replace("{id}", quote(record_id, safe="")),
                tuple(
                    (k, v.replace("{id}", record_id))
                    for k, v in parse_qsl(query, keep_blank_values=True)
                ),
                check.read_headers,
            )
            (status_new, found_new), (status_old, found_old) = await asyncio.gather(
                _read(new, request, check.found), _read(old, request, check.found)
            )
            operation = f"{item.service}.{item.operation}"
            reads.append(
                ReadBack(record_id, operation, status_new, status_old, found_new, found_old)
            )
    finally:
        await new.aclose()
        await old.aclose()
    return StateCheckResult(when, len(mine), tuple(reads), tuple(problems))


def _id_of(check: StateCheck, item: Written) -> str:
    if check.id_from == "request":
        source = Response(200, item.request.headers, item.request.body)
    else:
        source = stored_answer(item.answer, DEFAULT_LIMITS)
    return capture(source, {"id": check.id})["id"]


async def _read(
    transport: LiveTransport, request: Request, found: str | None
) -> tuple[int | None, bool]:
    """The read's status (None: no answer) and whether `found` found a value in it."""
    try:
        got = await transport.send(request)
    except TransportError:
        return None, False
    if found is None:
        return got.status, True
    try:
        capture(got, {"found": found})
    except HarnessError:
        return got.status, False
    return got.status, True
