"""Continuous consumer load from a workload's consumer types, driven by Locust (the `load` extra).

`users` builds Locust's user classes and `LoadTestShape` from the model; `run` is the load
process (`python -m harness.load`: a local runner, or a master and its workers); `figures`
turns Locust's statistics into what consumers saw per phase and per switch; `process` starts and
waits for the load process from the harness's side, without importing Locust (whose gevent
monkey-patching must stay out of an asyncio process).
"""

from __future__ import annotations
