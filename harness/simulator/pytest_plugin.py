"""The simulator's pytest plugin (entry point `pytest11: harness-simulator`): one fixture.

`harness_simulator` serves the legacy simulator on an ephemeral loopback port, so people can
write parity tests against it without starting anything. Kept apart from the harness's own
plugin: the harness reaches the simulator only over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.serving import ThreadServer

SIMULATOR_POPULATION = 500


@pytest.fixture(scope="session")
def harness_simulator() -> Iterator[ThreadServer]:
    """The legacy simulator on an ephemeral loopback port (small population); `.url` is its base."""
    from harness.serving import serve_in_thread
    from harness.simulator.app import build_app
    from harness.simulator.context import SimulatorConfig

    with serve_in_thread(build_app(SimulatorConfig(population=SIMULATOR_POPULATION))) as server:
        yield server
