"""Correlation of recorded traffic: exchanges analysed per second, and the planning of units.

Run: .venv/bin/python bench/correlation.py [--sessions 2000]

A synthetic GP recording of `--sessions` sessions (create a patient, read it, PATCH it with its
ETag, read it again, search; 5 exchanges each, FHIR-sized JSON answers) is analysed the way the
proxy does when it stops (`analyse` + `learned_entries`) and planned the way replay does
(`correlated_units` with the learned entries). Prints exchanges/s for both, and the share of
exchanges that ended up in conversations (all of them, here).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.core.exchange import Exchange, Request, Response
from harness.correlation import CorrelationFile, analyse, correlated_units, learned_entries

JSON = (("content-type", "application/fhir+json"),)


def session(number: int) -> list[Exchange]:
    nhs = f"97{number:08d}"
    patient = {
        "resourceType": "Patient",
        "id": nhs,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "meta": {"versionId": "1"},
        "name": [{"id": f"{number:08X}", "use": "usual", "family": f"Family{number}"}],
        "address": [{"id": f"{number * 7:08X}", "line": ["1 Street"], "postalCode": "LS1 6AE"}],
        "gender": "female",
        "birthDate": "1986-12-09",
    }
    body = orjson.dumps(patient)
    base = "/personal-demographics/FHIR/R4/Patient"
    rid = (("x-request-id", f"00000000-0000-4000-8000-{number:012d}"),)
    tag1, tag2 = (("etag", 'W/"1"'),), (("etag", 'W/"2"'),)
    create = Request("POST", base, headers=JSON + rid, body=b'{"name":[{"family":"F"}]}')
    steps = [
        ("createPatient", create, Response(201, JSON + tag1, body)),
        (
            "getPatient",
            Request("GET", f"{base}/{nhs}", headers=rid),
            Response(200, JSON + tag1, body),
        ),
        (
            "updatePatient",
            Request("PATCH", f"{base}/{nhs}", headers=(("If-Match", 'W/"1"'), *rid), body=b"{}"),
            Response(200, JSON + tag2, body),
        ),
        (
            "getPatient",
            Request("GET", f"{base}/{nhs}", headers=rid),
            Response(200, JSON + tag2, body),
        ),
        (
            "searchPatients",
            Request("GET", base, (("family", f"Family{number}"),), rid),
            Response(200, JSON, orjson.dumps({"entry": [{"resource": patient}]})),
        ),
    ]
    return [
        Exchange(f"proxy-{number * 5 + i:06d}", "pds", op, req, res, source="proxy")
        for i, (op, req, res) in enumerate(steps)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=2000)
    args = parser.parse_args()
    exchanges = [e for n in range(args.sessions) for e in session(n)]
    started = time.perf_counter()
    correlation = analyse(exchanges)
    entries = learned_entries(exchanges, correlation)
    learned_s = time.perf_counter() - started
    started = time.perf_counter()
    planned, held = correlated_units(exchanges, [CorrelationFile("pds", tuple(entries))])
    planned_s = time.perf_counter() - started
    print(
        f"exchanges: {len(exchanges)} ({args.sessions} sessions), entries learned: {len(entries)}"
    )
    print(f"learn (analyse + entries): {len(exchanges) / learned_s:,.0f} exchanges/s")
    print(f"plan (analyse + units):   {len(exchanges) / planned_s:,.0f} exchanges/s")
    print(f"conversations: {len(planned)}, exchanges in them: {len(held) / len(exchanges):.0%}")


if __name__ == "__main__":
    main()
