"""Fresh built-in simulators as recording targets (`harness record --simulator`).

The command line is where the harness meets its built-in simulator: recording and the demo
start it as child processes and hand the generic layers nothing but URLs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from harness.config.settings import AuthSettings, Settings
from harness.record.session import RecordRequest

# The GP practice mailbox the committed MESH scenarios address (the sandbox practice's).
PRACTICE_MAILBOX = "Y12345OT001"

if TYPE_CHECKING:
    from harness.messaging import Channels


@dataclass(frozen=True, slots=True)
class SimulatorTargets:
    target: str
    twin: str | None
    name: str  # how provenance names the target: the simulate command
    bound_seed: str  # values bound in scenarios derive from it: re-recording changes no byte
    channels: Channels | None = None
    simulator_seed: int = 0

    def recording(self, request: RecordRequest) -> RecordRequest:
        """The request recording from these targets: their MESH requests signed for the
        simulator's mailboxes (unless the request's settings give credentials of their own),
        their later messages delivered to `channels`."""
        from harness.auth import access_for

        sides = ("legacy", "twin")
        signed = access_for(
            signing_the_simulator(request.settings, sides, self.simulator_seed), sides
        )
        return replace(
            request,
            target=self.target,
            twin=self.twin,
            target_name=self.name,
            bound_seed=self.bound_seed,
            channels=self.channels,
            access={**signed, **request.access},
        )


def simulator_mesh_auth(seed: int) -> AuthSettings:
    """How MESH requests to the built-in simulator are signed: its shared key (as the simulator
    reads it), the sandbox mailboxes' password, and the seeded password of the practice mailbox
    the committed scenarios send to."""
    from harness.simulator.mesh import SHARED_KEY_VARIABLE
    from harness.simulator.mesh.auth import SANDBOX_SHARED_KEY
    from harness.simulator.mesh.mailboxes import practice_password

    options = {
        "shared_key": os.environ.get(SHARED_KEY_VARIABLE) or SANDBOX_SHARED_KEY,
        "password": "password",
        f"password.{PRACTICE_MAILBOX}": practice_password(seed, PRACTICE_MAILBOX),
    }
    return AuthSettings("mesh", options, "the built-in simulator's MESH mailboxes")


def signing_the_simulator(settings: Settings, names: Sequence[str], seed: int) -> Settings:
    """The settings with each named target's MESH requests signed for the simulator, unless
    the settings give that target credentials of their own."""
    for name in names:
        if settings.target(name).auth is None:
            settings = settings.with_auth(name, simulator_mesh_auth(seed))
    return settings


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
            int(args[args.index("--seed") + 1]) if "--seed" in args else 0,
        )
