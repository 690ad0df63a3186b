"""Comparison core throughput: response pairs per second on one core, parse included.

Run: .venv/bin/python bench/compare.py [--seconds 1.5]

Each case compares two `Response`s with `Comparator.compare` (status, the default headers, body),
as the rehearsal runner does. The spine2-style candidates have a different JSON key order, or
different XML prefixes and indentation; "differing" candidates also change three leaves.
Targets (issue 5): >= 30,000 JSON pairs/s and >= 5,000 XML pairs/s per core.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.core.compare import Comparator
from harness.core.exchange import Response
from harness.core.rules import Rule
from tests.unit.pds_documents import PATIENT, PATIENT_JSON, SOAP_RESPONSE

JSON_TARGET = 30_000
XML_TARGET = 5_000
BRIEF_JSON_PARSE_US = 7.7  # /work/shared/brief/performance.md, a 2.9 KB JSON on this machine
BRIEF_XML_PARSE_US = 26.0  # ... and a 3.3 KB SOAP document
FHIR = (("Content-Type", "application/fhir+json"), ("ETag", 'W/"2"'), ("X-Request-ID", "r-1"))
SOAP = (("Content-Type", "text/xml; charset=utf-8"),)


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def json_cases() -> list[tuple[str, bytes, bytes, tuple[Rule, ...]]]:
    reordered = orjson.dumps(reversed_keys(PATIENT))
    changed = copy.deepcopy(PATIENT)
    changed["gender"] = "male"
    changed["telecom"][1]["value"] = "jane.smith@example.org"
    changed["address"][0]["line"][2] = "Town Centre"
    differing = orjson.dumps(reversed_keys(changed))
    noisy = copy.deepcopy(PATIENT)
    noisy["meta"]["versionId"] = "3"
    noisy["name"][0]["id"] = "9f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
    rules = (Rule("/meta/versionId"), Rule("/name/*/id", "pattern", pattern=r"[0-9a-f-]+"))
    return [
        ("JSON equal, identical bytes", PATIENT_JSON, PATIENT_JSON, ()),
        ("JSON equal, keys reordered", PATIENT_JSON, reordered, ()),
        ("JSON 3 changed leaves, reordered", PATIENT_JSON, differing, ()),
        ("JSON noise removed by 2 rules", PATIENT_JSON, orjson.dumps(noisy), rules),
    ]


def spine2_soap(body: bytes) -> bytes:
    """The same document with other prefixes (soap:, default hl7 namespace) and indentation."""
    return (
        body.replace(b"SOAP-ENV:", b"soap:")
        .replace(b"xmlns:SOAP-ENV", b"xmlns:soap")
        .replace(b"hl7:", b"")
        .replace(b'xmlns:hl7="urn:hl7-org:v3"', b'xmlns="urn:hl7-org:v3"')
        .replace(b"\n      ", b"\n   ")
    )


def xml_cases() -> list[tuple[str, bytes, bytes, tuple[Rule, ...]]]:
    renamed = spine2_soap(SOAP_RESPONSE)
    differing = (
        renamed.replace(b"<family>Smith<", b"<family>Smyth<")
        .replace(b'<birthTime value="20101022"/>', b'<birthTime value="20101023"/>')
        .replace(b"LS1 6AE", b"LS1 6AF")
    )
    noisy = SOAP_RESPONSE.replace(
        b"6B3B2A5E-9F61-4A1C-8E0B-3C2D1F0A9B87", b"0E2F4A6B-1C3D-4E5F-8A9B-0C1D2E3F4A5B"
    ).replace(b"20240115093012", b"20240115093014")
    rules = (
        Rule("/Envelope/Header/MessageID", "uuid"),
        Rule("/Envelope/Body/*/id/@root", "uuid"),
        Rule("/Envelope/Body/*/effectiveTime/@value", "timestamp", tolerance_s=5),
    )
    return [
        ("XML equal, identical bytes", SOAP_RESPONSE, SOAP_RESPONSE, ()),
        ("XML equal, prefixes + indentation", SOAP_RESPONSE, renamed, ()),
        ("XML 3 changed leaves, renamed", SOAP_RESPONSE, differing, ()),
        ("XML noise removed by 3 typed rules", SOAP_RESPONSE, noisy, rules),
    ]


def calibrate(run: Callable[[], object], seconds: float) -> int:
    """How many calls of `run` take about `seconds` of CPU time."""
    calls = 1
    while True:
        start = time.process_time()
        for _ in range(calls):
            run()
        spent = time.process_time() - start
        if spent > 0.05:
            return max(1, int(calls * seconds / spent))
        calls *= 2


def timed(run: Callable[[], object], calls: int) -> float:
    """CPU microseconds per call (CPU time: other processes on the box do not count)."""
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(calls):
            run()
        return (time.process_time() - start) / calls * 1e6
    finally:
        gc.enable()


def measure(
    run: Callable[[], object], parse: Callable[[], object], seconds: float
) -> tuple[float, float]:
    """(us per pair, pair cost in bare parses of one document), medians of 5 interleaved rounds.

    The machine's speed drifts by tens of percent within minutes, so each round times the pair
    and, right after, a bare parse of the legacy document; their ratio is stable.
    """
    calls, parse_calls = calibrate(run, seconds / 10), calibrate(parse, seconds / 20)
    costs, ratios = [], []
    for _ in range(5):
        cost = timed(run, calls)
        ratios.append(cost / timed(parse, parse_calls))
        costs.append(cost)
    return statistics.median(costs), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="CPU time per case")
    args = parser.parse_args()
    rows = []
    for cases, headers, target, parse, brief_parse_us in (
        (json_cases(), FHIR, JSON_TARGET, lambda: orjson.loads(PATIENT_JSON), BRIEF_JSON_PARSE_US),
        (
            xml_cases(),
            SOAP,
            XML_TARGET,
            lambda: etree.fromstring(SOAP_RESPONSE),
            BRIEF_XML_PARSE_US,
        ),
    ):
        for name, legacy_body, candidate_body, rules in cases:
            comparator = Comparator(rules)
            legacy = Response(200, headers, legacy_body)
            candidate = Response(200, headers, candidate_body)
            found = len(comparator.compare(legacy, candidate))
            cost, parses = measure(
                lambda c=comparator, a=legacy, b=candidate: c.compare(a, b), parse, args.seconds
            )
            rows.append((name, len(candidate_body), cost, parses, brief_parse_us, found, target))
    print(f"comparison core, one process, Python {sys.version.split()[0]}, parse included")
    print(
        f"{'case':36} {'bytes':>5} {'us/pair':>8} {'pairs/s':>8} {'parses':>6} "
        f"{'at brief speed':>14} {'diffs':>5}  target"
    )
    for name, size, cost, parses, brief_parse_us, found, target in rows:
        projected = 1e6 / (parses * brief_parse_us)
        verdict = "ok" if max(1e6 / cost, projected) >= target else "BELOW"
        print(
            f"{name:36} {size:5d} {cost:8.1f} {1e6 / cost:8,.0f} {parses:6.2f} "
            f"{projected:14,.0f} {found:5d}  >= {target:,} {verdict}"
        )
    print(
        "parses = pair cost / one bare parse of the legacy document, timed alternately in the "
        f"same run;\n'at brief speed' = 1e6 / (parses x the brief's parse time: orjson "
        f"{BRIEF_JSON_PARSE_US} us, lxml {BRIEF_XML_PARSE_US} us).\n"
        "targets: JSON >= 30,000 pairs/s <=> <= 4.3 parses; XML >= 5,000 <=> <= 7.7 parses."
    )
    deepdiff = deepdiff_rate(args.seconds)
    if deepdiff is None:
        print("DeepDiff: not installed (for scale only; not a dependency)")
    else:
        print(f"DeepDiff, JSON 3 changed leaves (for scale): {deepdiff:,.0f} pairs/s")


def deepdiff_rate(seconds: float) -> float | None:
    try:
        from deepdiff import DeepDiff  # type: ignore[import-not-found]
    except ImportError:
        return None
    _, _, differing, _ = json_cases()[2]

    def run() -> object:
        return DeepDiff(orjson.loads(PATIENT_JSON), orjson.loads(differing))

    return 1e6 / timed(run, calibrate(run, seconds / 3))


if __name__ == "__main__":
    main()
