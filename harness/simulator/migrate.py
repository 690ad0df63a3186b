"""`python -m harness.simulator.migrate FROM TO`: the records one simulator's services wrote,
copied into another (`/_simulator/records`), as a cutover plan's migration step runs it.

Prints what it moved; exits 1 (saying why) when either side fails.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

from harness.simulator.records import RECORDS_PATH


def migrate(source: str, target: str, timeout_s: float = 30.0) -> int:
    with urllib.request.urlopen(source.rstrip("/") + RECORDS_PATH, timeout=timeout_s) as got:
        document = got.read()
    request = urllib.request.Request(
        target.rstrip("/") + RECORDS_PATH,
        data=document,
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:
        return int(json.loads(answer.read())["imported"])


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m harness.simulator.migrate FROM_URL TO_URL", file=sys.stderr)
        return 2
    try:
        count = migrate(argv[0], argv[1])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        print(f"migration failed: {error}", file=sys.stderr)
        return 1
    print(f"migrated {count} records from {argv[0]} to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
