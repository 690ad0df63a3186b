"""Fresh built-in simulators as recording targets (`harness record --simulator`).

The command line is where the harness meets its built-in simulator: recording and the demo
start it as child processes and hand the generic layers nothing but URLs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from harness.record.session import RecordRequest

if TYPE_CHECKING:
    from harness.messaging import Channels


@dataclass(frozen=True, slots=True)
class SimulatorTargets:
    target: str
    twin: str | None
    name: str  # how provenance names the target: the simulate command
    bound_seed: str  # values bound in scenarios derive from it: re-recording changes no byte
    channels: Channels | None = None

    def recording(self, request: RecordRequest) -> RecordRequest:
        """The request recording from these targets."""
        return replace(
            request,
            target=self.target,
            twin=self.twin,
            target_name=self.name,
            bound_seed=self.bound_seed,
            channels=self.channels,
        )


def delivering_to(args: Sequence[str], urls: Mapping[str, str]) -> list[str]:
    """`harness simulate` arguments that make its MHS deliver to the harness's endpoint."""
    url = urls.get("mhs")
    return [*args, "--mhs-consumer-url", url] if url else list(args)


@contextlib.contextmanager
def simulator_targets(
    args: Sequence[str],
    *,
    twin: bool = True,
    seed: int = 0,
    channels: Channels | None = None,
) -> Iterator[SimulatorTargets]:
    """One or two `harness simulate ARGS` children on free loopback ports, started side by
    side (building a large population takes a while). With `channels`, each delivers its
    later messages to its side's path of their endpoint (`legacy`, `twin`); the provenance
    name leaves those URLs out (they change every run)."""
    from harness.serving import spawn_harness_server

    count = 2 if twin else 1
    sides = ("legacy", "twin")[:count]
    commands = [
        delivering_to(args, channels.urls(side)) if channels is not None else list(args)
        for side in sides
    ]
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(count) as pool:
        starting = [
            pool.submit(stack.enter_context, spawn_harness_server(command)) for command in commands
        ]
        servers = [future.result() for future in starting]
        yield SimulatorTargets(
            servers[0].url,
            servers[1].url if twin else None,
            "harness " + " ".join(args),
            f"{' '.join(args)}:{seed}",
            channels,
        )
