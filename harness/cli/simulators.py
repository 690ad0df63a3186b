"""Fresh built-in simulators as recording targets (`harness record --simulator`).

The command line is where the harness meets its built-in simulator: recording and the demo
start it as child processes and hand the generic layers nothing but URLs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from harness.record.session import RecordRequest


@dataclass(frozen=True, slots=True)
class SimulatorTargets:
    target: str
    twin: str | None
    name: str  # how provenance names the target: the simulate command
    bound_seed: str  # values bound in scenarios derive from it: re-recording changes no byte

    def recording(self, request: RecordRequest) -> RecordRequest:
        """The request recording from these targets."""
        return replace(
            request,
            target=self.target,
            twin=self.twin,
            target_name=self.name,
            bound_seed=self.bound_seed,
        )


@contextlib.contextmanager
def simulator_targets(
    args: Sequence[str], *, twin: bool = True, seed: int = 0
) -> Iterator[SimulatorTargets]:
    """One or two `harness simulate ARGS` children on free loopback ports, started side by
    side (building a large population takes a while)."""
    from harness.serving import spawn_harness_server

    count = 2 if twin else 1
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(count) as pool:
        starting = [
            pool.submit(stack.enter_context, spawn_harness_server(list(args))) for _ in range(count)
        ]
        servers = [future.result() for future in starting]
        yield SimulatorTargets(
            servers[0].url,
            servers[1].url if twin else None,
            "harness " + " ".join(args),
            f"{' '.join(args)}:{seed}",
        )
