"""`python -m harness.simulator.sds`: rewrite the reviewable seed-0 snapshot of practice records."""

from __future__ import annotations

from harness.simulator.sds.fixture import SNAPSHOT, write_snapshot

write_snapshot()
print(f"wrote {SNAPSHOT}")
