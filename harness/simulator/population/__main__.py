"""List the notable patients of a population: `python -m harness.simulator.population`.

    python -m harness.simulator.population --seed 0 --size 10000 [--all]

Prints one line per special record (sandbox patients, restricted, superseded, invalidated,
deceased, compound names, temporary addresses, related people...), so testers can pick NHS
numbers for a scenario. Without --all, at most five of each kind.
"""

from __future__ import annotations

import argparse
from collections import Counter

from harness.simulator.population import build_population


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.simulator.population")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--all", action="store_true", help="every notable record")
    options = parser.parse_args(argv)
    population = build_population(options.seed, options.size)
    shown: Counter[str] = Counter()
    for record in population:
        if not record.note:
            continue
        kind = record.note.split(",")[0].split(" (")[0]
        shown[kind] += 1
        if options.all or shown[kind] <= 5 or record.note.startswith("sandbox"):
            names = record.resource.get("name") or [{}]
            name = " ".join([*names[0].get("given", []), names[0].get("family", "")]).strip()
            birth = record.resource.get("birthDate", "")
            status = f"{record.status:<11}"
            print(f"{record.nhs_number}  {status} {name or '-':<32} {birth:<10}  {record.note}")
    practices = len(population.practices())
    print(f"# seed {options.seed}, {len(population)} records, {practices} GP practices")


if __name__ == "__main__":
    main()
