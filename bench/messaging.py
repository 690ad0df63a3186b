"""Messaging throughput and acknowledgement latency of the simulator served on loopback.

Starts `harness simulate` in a child process (uvloop + httptools, one worker) with a consumer
endpoint served in this process (aiohttp), then, with aiohttp clients keeping requests in
flight:

- MESH: send + download + acknowledge cycles of a 4 KB message (X26ABC1 -> X26ABC2), each
  request with a fresh NHSMESH token: cycles per second;
- MHS: reliable EPS prescriptions (PORX_IN020101UK31, SyncReply) as fast as they are taken:
  messages per second taken, and messages per second taken *and* answered (the application's
  MCCI_IN010000UK13 delivered to the consumer endpoint);
- MHS acknowledgement latency at a light load (2 in flight, so no queue builds up): of the
  ebXML acknowledgement in the HTTP answer, of the application's answer at the consumer, and
  (without SyncReply) of the acknowledgement delivered to the consumer, p50 and p95.

- the harness side: the committed MHS scenarios (`contracts/mhs`), copied `--copies` times,
  rehearsed against a live legacy simulator and a plain spine2 candidate delivering to the
  harness's endpoint: rehearsed messaging exchanges per second with their later messages
  waited for and compared, the same exchanges without (same run: the ratio is the cost of
  waiting), and the acknowledgement latency the rehearsal measured (summary.json's
  `later_latency`).

- the harness side, MESH: the committed MESH scenarios (`contracts/mesh`) rehearsed `--mesh-runs`
  times against the same live legacy and spine2 simulators with the inbox channel: the
  latency of each send's inbox entry (and REPORT) as the rehearsal measured it by polling the
  inboxes, p50 and p95 per side over every run, and the rehearsals' verdicts.

It prints its figures; nothing is asserted (the machine's speed drifts; compare runs side by
side).

    .venv/bin/python bench/messaging.py [--seconds 8] [--concurrency 16] [--population 1000]
        [--copies 40] [--mesh-runs 8] [--harness-only | --mesh-only]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson
from _corpus import ROOT, cpu_seconds
from aiohttp import web

from harness.serving import spawn_harness_server
from harness.simulator.mesh.auth import SANDBOX_SHARED_KEY, make_token
from harness.simulator.mhs import requests as build
from harness.simulator.mhs.interactions import EPS_PRESCRIPTION
from harness.simulator.mhs.reliability import spine_handler
from harness.simulator.population import build_population
from harness.simulator.population.sandbox import JANE_SMITH
from harness.simulator.sds.fixture import build_directory

V2 = "application/vnd.mesh.v2+json"
PAYLOAD = os.urandom(2048).hex().encode()  # 4 KB


def token(mailbox: str) -> dict[str, str]:
    return {
        "Authorization": make_token(SANDBOX_SHARED_KEY, mailbox, "password", uuid.uuid4().hex),
        "Accept": V2,
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- the consumer endpoint -------------------------------------------------------------------


@dataclass
class Arrivals:
    """When each message the Spine delivered arrived, by the message it answers."""

    answers: dict[str, float] = field(default_factory=dict)
    acknowledgements: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.perf_counter()
        content_type = request.headers.get("Content-Type", "")
        # Both an answer and an acknowledgement name the message in eb:RefToMessageId (read
        # with a byte search: the consumer shares the cores with everything else here).
        start = body.find(b"<eb:RefToMessageId>") + len(b"<eb:RefToMessageId>")
        reference = body[start : body.find(b"<", start)].decode()
        book = self.answers if content_type.startswith("multipart/") else self.acknowledgements
        book[reference] = arrived
        self.changed.set()
        return web.Response(status=202)

    async def wait(self, book: dict[str, float], ids: list[str], timeout: float) -> int:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline and not all(i in book for i in ids):
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), deadline - time.perf_counter())
            except TimeoutError:
                break
        return sum(1 for i in ids if i in book)


# --- the loads -------------------------------------------------------------------------------


async def mesh_cycles(url: str, seconds: float, concurrency: int) -> tuple[int, int]:
    done = errors = 0
    deadline = time.perf_counter() + seconds
    box = f"{url}/messageexchange"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                headers = {**token("X26ABC1"), "Mex-To": "X26ABC2", "Mex-WorkflowID": "BENCH"}
                async with http.post(
                    f"{box}/X26ABC1/outbox", data=PAYLOAD, headers=headers
                ) as sent:
                    message_id = (await sent.json(content_type=None))["message_id"]
                async with http.get(
                    f"{box}/X26ABC2/inbox/{message_id}", headers=token("X26ABC2")
                ) as got:
                    ok = got.status == 200 and await got.read() == PAYLOAD
                ack = f"{box}/X26ABC2/inbox/{message_id}/status/acknowledged"
                async with http.put(ack, headers=token("X26ABC2")) as acked:
                    ok = ok and acked.status == 200
                done += 1
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, errors


@dataclass(frozen=True)
class Sender:
    party: str
    asid: str
    spine_asid: str
    cpa_id: str


def sender() -> Sender:
    practices = build_population(0, 0).practices()
    directory = build_directory(0, practices)
    system = directory.find_systems(practices[0], EPS_PRESCRIPTION.interaction_id)[0]
    spine = next(s.asid for s in directory.systems if s.ods_code == "YES")
    cpa = spine_handler(directory, EPS_PRESCRIPTION.interaction_id).cpa_id
    return Sender(system.party_key, system.asid, spine, cpa)


async def mhs_reliable(
    url: str, who: Sender, seconds: float, concurrency: int, sync_reply: bool
) -> tuple[list[str], dict[str, float], list[float], int]:
    """Send for `seconds`; the ids, their send times, the HTTP latencies and the errors."""
    ids: list[str] = []
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                message_id = str(uuid.uuid4()).upper()
                short_id = f"{message_id[:6]}-A99968-{message_id[-6:]}"
                payload = build.eps_prescription(
                    JANE_SMITH, short_id, who.asid, who.spine_asid, message_id
                )
                headers, body = build.ebxml_request(
                    EPS_PRESCRIPTION,
                    payload,
                    from_party=who.party,
                    cpa_id=who.cpa_id,
                    message_id=message_id,
                    conversation_id=message_id,
                    sync_reply=sync_reply,
                )
                started = time.perf_counter()
                async with http.post(
                    f"{url}/reliablemessaging/reliablerequest", data=body, headers=headers
                ) as answer:
                    reply = await answer.read()
                latencies.append(time.perf_counter() - started)
                acknowledged = message_id.encode() in reply if sync_reply else not reply
                errors += answer.status != 202 or not acknowledged
                ids.append(message_id)
                sent_at[message_id] = started

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids, sent_at, latencies, errors


def ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p95 {percentile(values, 0.95) * 1000:.1f} ms"
    )


async def run(options: argparse.Namespace) -> None:
    arrivals = Arrivals()
    consumer = web.Application()
    consumer.router.add_post("/inbound", arrivals.receive)
    runner = web.AppRunner(consumer, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    os.environ["HARNESS_MHS_CONSUMER_URL"] = f"http://127.0.0.1:{port}/inbound"
    who = sender()
    args = ["simulate", "--population", str(options.population)]
    try:
        with spawn_harness_server(args) as server:
            pid = server.process.pid
            await mesh_cycles(server.url, 1.0, options.concurrency)  # warm-up
            before, started = cpu_seconds(pid), time.perf_counter()
            cycles, errors = await mesh_cycles(server.url, options.seconds, options.concurrency)
            elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - before
            print(
                f"MESH send+download+acknowledge: {cycles / elapsed:,.0f} cycles/s "
                f"({cycles:,} cycles = {3 * cycles:,} requests in {elapsed:.1f} s, "
                f"{options.concurrency} in flight, {errors} errors); "
                f"server CPU {cpu / max(cycles, 1) * 1e6:,.0f} us/cycle"
            )

            await mhs_reliable(server.url, who, 1.0, options.concurrency, True)  # warm-up
            before, started = cpu_seconds(pid), time.perf_counter()
            ids, _, _, errors = await mhs_reliable(
                server.url, who, options.seconds, options.concurrency, True
            )
            taken = time.perf_counter() - started
            arrived = await arrivals.wait(arrivals.answers, ids, timeout=120)
            last = max((arrivals.answers[i] for i in ids if i in arrivals.answers), default=started)
            cpu = cpu_seconds(pid) - before
            print(
                f"MHS reliable send (SyncReply): {len(ids) / taken:,.0f} messages/s taken, "
                f"{arrived / (last - started):,.0f} messages/s taken and answered "
                f"({len(ids):,} sent in {taken:.1f} s, {options.concurrency} in flight, "
                f"{arrived:,} answers delivered, {errors} errors); server CPU "
                f"{cpu / max(len(ids), 1) * 1e6:,.0f} us/message with its delivered answer"
            )

            ids, sent_at, latencies, errors = await mhs_reliable(server.url, who, 3.0, 2, True)
            await arrivals.wait(arrivals.answers, ids, timeout=60)
            answered = [arrivals.answers[i] - sent_at[i] for i in ids if i in arrivals.answers]
            print(
                f"MHS acknowledgement latency, 2 in flight ({len(ids):,} messages, {errors} errors)"
            )
            print(f"  ebXML acknowledgement in the HTTP answer: {ms(latencies)}")
            print(f"  application answer MCCI_IN010000UK13 at the consumer: {ms(answered)}")
            ids, sent_at, _, errors = await mhs_reliable(server.url, who, 3.0, 2, False)
            await arrivals.wait(arrivals.acknowledgements, ids, timeout=60)
            acked = [
                arrivals.acknowledgements[i] - sent_at[i]
                for i in ids
                if i in arrivals.acknowledgements
            ]
            print(
                f"  ebXML acknowledgement delivered to the consumer (no SyncReply): {ms(acked)} "
                f"({len(acked):,} of {len(ids):,} arrived, {errors} errors)"
            )
    finally:
        await runner.cleanup()
    print(
        f"load average now {os.getloadavg()[0]:.1f}: the clients and the consumer share the cores"
    )


# --- the harness side: rehearsed messaging exchanges --------------------------------------------


def messaging_corpus(copies: int, into: Path) -> Path:
    """contracts/mhs with its scenarios copied `copies` times (each copy its own conversation)."""
    source = ROOT / "contracts" / "mhs"
    target = into / "mhs"
    shutil.copytree(source, target)
    lines = (source / "exchanges.jsonl").read_bytes().splitlines()
    out = []
    for copy in range(copies):
        for line in lines:
            data = orjson.loads(line)
            if data.get("scenario") is None:
                continue
            data["scenario"] = f"{data['scenario']}-{copy}"
            data["id"] = f"{data['scenario']}/{data['step']}"
            out.append(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    (target / "exchanges.jsonl").write_bytes(b"\n".join(out) + b"\n")
    return into


def rehearsed_messaging(options: argparse.Namespace) -> None:
    from rich.console import Console

    from harness.cli.simulators import delivering_to
    from harness.messaging import Channels
    from harness.rehearsal.session import RehearsalRequest, rehearse

    with tempfile.TemporaryDirectory() as scratch:
        corpus = messaging_corpus(options.copies, Path(scratch) / "contracts")
        channels = Channels(["legacy", "candidate"])
        base = ["simulate", "--population", str(options.population)]
        quiet = Console(file=io.StringIO())
        with (
            spawn_harness_server(delivering_to(base, channels.urls("legacy"))) as legacy,
            spawn_harness_server(
                delivering_to([*base, "--flavour", "spine2"], channels.urls("candidate"))
            ) as candidate,
        ):
            runs = {}
            for label, given in (("with later messages", channels), ("without", None)):
                outcome = rehearse(
                    RehearsalRequest(
                        candidate=candidate.url,
                        legacy=legacy.url,
                        contracts=corpus,
                        name=label.replace(" ", "-"),
                        out=Path(scratch) / "reports",
                        progress=False,
                        channels=given,
                        concurrency=options.concurrency,
                    ),
                    quiet,
                )
                runs[label] = outcome
        summary = orjson.loads(
            (runs["with later messages"].report_dir / "summary.json").read_bytes()
        )
    observed, bare = runs["with later messages"], runs["without"]
    rate = observed.compared / observed.elapsed_s
    bare_rate = bare.compared / bare.elapsed_s
    print(
        f"harness: rehearsed messaging exchanges (legacy + spine2 live, {options.copies} copies of "
        f"the MHS scenarios): {rate:,.0f} exchanges/s with their later messages waited for and "
        f"compared ({observed.compared:,} in {observed.elapsed_s:.1f} s, "
        f"{summary['totals']['match']:,} matched); "
        f"{bare_rate:,.0f} exchanges/s without ({bare_rate / rate:.1f}x): the difference is "
        f"waiting, not CPU (harness CPU {observed.cpu_s / max(observed.compared, 1) * 1e6:,.0f} us "
        f"vs {bare.cpu_s / max(bare.compared, 1) * 1e6:,.0f} us per exchange)"
    )
    for entry in summary.get("later_latency", []):
        legacy_p50 = entry["latency_ms"]["legacy"].get("p50")
        candidate_p50 = entry["latency_ms"]["candidate"].get("p50")
        print(
            f"  {entry['operation']} later {entry['kind']}: p50 legacy {legacy_p50} ms, "
            f"candidate {candidate_p50} ms, verdict {entry['latency']['verdict']} "
            f"(n {entry['latency']['n_legacy']}/{entry['latency']['n_candidate']})"
        )


def rehearsed_mesh_inbox(options: argparse.Namespace) -> None:
    """contracts/mesh (its scenarios) rehearsed `--mesh-runs` times with the inbox channel."""
    from rich.console import Console

    from harness.auth import access_for
    from harness.cli.simulators import signing_the_simulator
    from harness.config.settings import Settings
    from harness.messaging import Channels
    from harness.rehearsal.session import RehearsalRequest, rehearse

    sides = ("legacy", "candidate")
    access = access_for(signing_the_simulator(Settings(), sides, 0), sides)
    samples: dict[str, dict[str, list[float]]] = {}
    verdicts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "contracts" / "mesh"
        shutil.copytree(ROOT / "contracts" / "mesh", corpus)
        lines = (corpus / "exchanges.jsonl").read_bytes().splitlines()
        scenarios = [line for line in lines if orjson.loads(line).get("scenario")]
        (corpus / "exchanges.jsonl").write_bytes(b"\n".join(scenarios) + b"\n")
        base = ["simulate", "--population", str(options.population)]
        quiet = Console(file=io.StringIO())
        with (
            spawn_harness_server(base) as legacy,
            spawn_harness_server([*base, "--flavour", "spine2"]) as candidate,
        ):
            for run_number in range(options.mesh_runs):
                channels = Channels(sides)
                outcome = rehearse(
                    RehearsalRequest(
                        candidate=candidate.url,
                        legacy=legacy.url,
                        contracts=corpus.parent,
                        name=f"mesh-{run_number}",
                        out=Path(scratch) / "reports",
                        progress=False,
                        channels=channels,
                        access=access,
                    ),
                    quiet,
                )
                for line in (outcome.report_dir / "results.jsonl").read_bytes().splitlines():
                    result = orjson.loads(line)
                    verdicts[result["verdict"]] = verdicts.get(result["verdict"], 0) + 1
                    for side, messages in (result.get("later") or {}).items():
                        for message in messages:
                            kind = samples.setdefault(message["kind"], {})
                            kind.setdefault(side, []).append(message["after_ms"] / 1000)
    print(
        f"harness: MESH inbox channel, contracts/mesh scenarios rehearsed {options.mesh_runs} "
        f"times (legacy + spine2 live, inboxes polled): verdicts {verdicts}"
    )
    for kind, by_side in sorted(samples.items()):
        for side in sides:
            values = by_side.get(side, [])
            print(f"  later {kind} on {side} ({len(values)} messages): {ms(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--population", type=int, default=1_000)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--mesh-runs", type=int, default=8)
    parser.add_argument(
        "--harness-only", action="store_true", help="Only the rehearsed messaging exchanges."
    )
    parser.add_argument(
        "--mesh-only", action="store_true", help="Only the MESH inbox channel's rehearsals."
    )
    options = parser.parse_args()
    if not options.harness_only and not options.mesh_only:
        asyncio.run(run(options))
    if not options.mesh_only:
        rehearsed_messaging(options)
    rehearsed_mesh_inbox(options)


if __name__ == "__main__":
    main()
