"""Generated differential traffic: how fast, and how quickly it finds the demo drift.

    .venv/bin/python bench/generate.py [N]

1. Throughput: N generated cases (schemathesis + domain strategies, planning included) sent to a
   live legacy simulator and the spine2 candidate and compared, versus schemathesis alone
   (Python API: draw cases, `case.call()`) sending N cases to one target, in the same run.
2. The demo drift profile: for each injected divergence, how many generated cases were sent
   before the first one that showed it (cases in send order; stateful steps counted too).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from rich.console import Console

from harness.generation.drawing import draw_examples
from harness.generation.options import GenerationOptions
from harness.record.session import RecordRequest, run_record
from harness.rehearsal.session import RehearsalRequest, rehearse
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from harness.simulator.drift.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
POPULATION = 1000
SCENARIOS = ("pds-fhir-read.yaml", "pds-fhir-search.yaml", "pds-fhir-update.yaml",
             "pds-fhir-create-related.yaml", "pds-soap.yaml", "sds-directory.yaml")  # fmt: skip


def record(base: Path) -> Path:
    os.environ.setdefault("HARNESS_APIKEY", "bench")  # the SDS scenarios send an API key
    scenarios = base / "scenarios"
    scenarios.mkdir()
    for name in SCENARIOS:
        shutil.copy(ROOT / "fixtures" / "scenarios" / name, scenarios / name)
    with (
        serve_in_thread(build_app(SimulatorConfig(population=POPULATION))) as first,
        serve_in_thread(build_app(SimulatorConfig(population=POPULATION))) as twin,
    ):
        request = RecordRequest(
            out=base / "contracts", command="bench", target=first.url, twin=twin.url,
            scenarios=scenarios,
        )  # fmt: skip
        if not run_record(request, echo=lambda line: print(line, file=sys.stderr)):
            raise SystemExit("recording failed")
    return base / "contracts"


def generated_rate(
    contracts: Path, out: Path, count: int, drift: Path | None, *, recorded: bool = False
) -> tuple[float, Path]:
    """Generated cases/s; with `recorded`, the contracts' own exchanges are replayed too (they
    seed the domain strategies), so the rate is only meaningful without."""
    legacy_app = build_app(SimulatorConfig(population=POPULATION))
    candidate_app = build_app(
        SimulatorConfig(population=POPULATION, flavour="spine2", drift_file=drift)
    )
    with serve_in_thread(legacy_app) as legacy, serve_in_thread(candidate_app) as candidate:
        copy = out / "work"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(contracts, copy)
        empty = out / "empty"  # only generated traffic: contracts with no recorded exchanges
        shutil.rmtree(empty, ignore_errors=True)
        for directory in copy.iterdir():
            target = empty / directory.name
            target.mkdir(parents=True)
            for name in ("contract.yaml", "openapi.json", "noise.yaml"):
                shutil.copy(directory / name, target / name)
            (target / "exchanges.jsonl").write_text("")
        started = time.perf_counter()
        outcome = rehearse(
            RehearsalRequest(
                candidate=candidate.url, legacy=legacy.url, contracts=copy if recorded else empty,
                name=f"gen-{time.time_ns()}", out=out / "reports", progress=False,
                generation=GenerationOptions(count, seed=0, stateful=True, max_shrinks=0),
                write_reports=False, secrets={"HARNESS_APIKEY": "bench"},
            ),
            Console(quiet=True),
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    return outcome.compared / elapsed, outcome.report_dir


def schemathesis_rate(contracts: Path, count: int) -> float:
    import schemathesis
    from schemathesis.generation.modes import GenerationMode

    documents = [json.loads(p.read_text()) for p in sorted(contracts.glob("*/openapi.json"))]
    with serve_in_thread(build_app(SimulatorConfig(population=POPULATION))) as legacy:
        started = time.perf_counter()
        sent = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            operations = []
            for document in documents:
                schema = schemathesis.openapi.from_dict(document)
                operations += [r.ok() for r in schema.get_all_operations() if hasattr(r, "ok")]
            per = max(1, count // len(operations))
            for number, operation in enumerate(operations):
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    strategy = operation.as_strategy(generation_mode=mode)
                    for case in draw_examples(strategy, (per + 1) // 2, number):
                        if sent >= count:
                            break
                        with contextlib.suppress(Exception):
                            case.call(base_url=legacy.url)
                        sent += 1
        return sent / (time.perf_counter() - started)


def predicate_rates(contracts: Path, sends: int = 300) -> tuple[float, float]:
    """Differential predicate calls/s for shrinking: dedicated loop + the live transport (the
    probe, through the rehearsal's Runner and Judge) vs a sync httpx.Client sending the same two
    requests and comparing with the same Judge."""
    import httpx

    from harness.contracts import discover, load_noise
    from harness.core.exchange import Exchange, Response
    from harness.core.policy import WaiverBook
    from harness.core.template import Template
    from harness.engine import Judge, Unit
    from harness.generation.probe import DifferentialProbe
    from harness.generation.units import NOT_SENT, generated_noise
    from harness.scenario import render

    (pds,) = [c for c in discover(contracts) if c.service == "pds"]
    noise = generated_noise([load_noise(pds)])
    judge = Judge(noise, WaiverBook((), __import__("datetime").date.today()), lambda e, r: "")
    template = Template(
        "GET",
        "/personal-demographics/FHIR/R4/Patient/9000000009",
        headers=(("X-Request-ID", "{{$uuid}}"),),
    )
    exchange = Exchange(
        "probe", "pds", "getPatient", render(template, {}), NOT_SENT, "generated",
        template=template, recorded=False,
    )  # fmt: skip
    app = build_app(SimulatorConfig(population=POPULATION))
    spine2 = build_app(SimulatorConfig(population=POPULATION, flavour="spine2"))
    with serve_in_thread(app) as legacy, serve_in_thread(spine2) as candidate:
        probe = DifferentialProbe(judge, candidate.url, legacy.url)
        unit = Unit(0, (exchange,), "probe", None)
        started = time.perf_counter()
        for _ in range(sends):
            assert probe.run(unit)[0].record.verdict.value == "match"
        loop_rate = sends / (time.perf_counter() - started)
        probe.close()
        with httpx.Client() as client:
            started = time.perf_counter()
            for _ in range(sends):
                request = render(template, {})
                answers = []
                for base in (candidate.url, legacy.url):
                    got = client.get(base + request.path, headers=dict(request.headers))
                    answers.append(
                        Response(got.status_code, tuple(got.headers.items()), got.content)
                    )
                record = judge.judge(0, exchange, request, answers[0], answers[1])
                assert record.verdict.value == "match"
            sync_rate = sends / (time.perf_counter() - started)
    return loop_rate, sync_rate


EXPECTED_PATHS = {"leak_restricted_address": "/address", "version_off_by_one": "/meta/versionId"}


def cases_to_find(report_dir: Path, drift: Path) -> list[tuple[str, str, str]]:
    """Per drift entry: generated cases sent (in send order, all operations) until the first
    showing it, and how many of those were cases of the drifted operation."""
    profile = load_profile(drift)
    lines = (report_dir / "results.jsonl").read_bytes().split(b"\n")
    records = [json.loads(line) for line in lines if line.strip()]
    generated = [r for r in records if r["source"] in ("generated", "stateful")]
    found = []
    for entry in profile.entries:
        effect = entry.effect
        if effect.kind == "latency":
            found.append((entry.id, entry.operation, "latency only: shown in the latency report"))
            continue
        path = getattr(effect, "path", None) or EXPECTED_PATHS.get(effect.kind)
        first = next(
            (n for n, r in enumerate(generated, 1) if _shows(r, entry.operation, path)), None
        )
        if first is None:
            found.append((entry.id, entry.operation, "not reached"))
            continue
        same = sum(1 for r in generated[:first] if r["operation"] == entry.operation)
        found.append((entry.id, entry.operation, f"{first} ({same} of this operation)"))
    return found


def _shows(record: dict[str, object], operation: str, path: str | None) -> bool:
    if record["operation"] != operation or record["verdict"] != "mismatch":
        return False
    if path is None or path.startswith("//"):
        return True
    pattern = re.compile("^" + re.escape(path.lstrip("/")).replace(r"\*", "[^/]+"))
    differences = record["differences"]
    assert isinstance(differences, list)
    return any(pattern.search(str(d["path"]).lstrip("/")) for d in differences)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        contracts = record(base)
        ours, _ = generated_rate(contracts, base, count, None)
        theirs = schemathesis_rate(contracts, count)
        print(f"generated differential traffic: {ours:,.0f} cases/s (two live targets, compared)")
        print(f"schemathesis alone, one target: {theirs:,.0f} cases/s (same N={count}, same run)")
        print(f"ratio: {ours / theirs:.0%} (target >= 80%)")
        loop_rate, sync_rate = predicate_rates(contracts)
        print(
            f"shrink predicate (one differential GET, judged): dedicated loop + live transport "
            f"{loop_rate:,.0f}/s, httpx.Client sync {sync_rate:,.0f}/s"
        )
        drift = ROOT / "fixtures" / "drift" / "demo.yaml"
        _, report_dir = generated_rate(contracts, base, count, drift, recorded=True)
        print(f"\ndemo drift ({drift.name}), generated cases until first found (N={count}):")
        for drift_id, operation, first in cases_to_find(report_dir, drift):
            print(f"  {drift_id:34} {operation:30} {first}")


if __name__ == "__main__":
    main()
