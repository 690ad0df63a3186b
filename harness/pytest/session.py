"""What the plugin keeps for one pytest run: contracts, policy, and the replayer in its loop.

Each pytest process (the main one, or each xdist worker) has its own `HarnessSession`: it
collects the same items in the same order everywhere, and replays units on one private event
loop (uvloop when available) kept open for the whole run, so connections are reused. Its
targets come from the engine's one factory (`open_targets`), its units from contract replay.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from harness.auth import access_for
from harness.config.policy import load_policy
from harness.config.settings import Settings
from harness.contracts import Contract, discover
from harness.core.policy import Policy, WaiverBook
from harness.engine import ReplayedStep, Unit, UnitReplayer, open_targets
from harness.engine.loop import loop_factory
from harness.errors import HarnessError
from harness.pytest.settings import plugin_settings
from harness.replay import ContractReplay


class HarnessSession:
    KEY: pytest.StashKey[HarnessSession] = pytest.StashKey()

    def __init__(
        self,
        config: pytest.Config,
        settings: Settings,
        contracts: list[Contract],
        policy: Policy,
    ) -> None:
        self.config = config
        self.settings = settings
        self.contracts_dir = settings.contracts
        self.contracts = contracts
        self.policy = policy
        self.replay_source = ContractReplay(contracts)
        self.candidate_url = str(settings.candidate)
        self.legacy_url = settings.legacy
        self.report_url: str | None = config.getoption("harness_report_url")
        self.timeout_s = settings.timeout
        # allure-pytest writes results only with --alluredir; allure itself is imported then only.
        self.allure_enabled = bool(
            getattr(config.option, "allure_report_dir", None)
        ) and config.pluginmanager.hasplugin("allure_pytest")
        self._loop: asyncio.Runner | None = None
        self._replayer: UnitReplayer | None = None

    @classmethod
    def from_config(cls, config: pytest.Config) -> HarnessSession:
        """Contracts and policy from the settings; bad input is a usage error, not a traceback."""
        settings = plugin_settings(config)
        contracts_dir = settings.contracts
        try:
            if not contracts_dir.is_dir():
                raise HarnessError(
                    "no such contracts directory",
                    file=str(contracts_dir),
                    field="--harness-contracts",
                )
            contracts = discover(contracts_dir)
            if not contracts:
                raise HarnessError(
                    "no contract found (expected <service>/contract.yaml)", file=str(contracts_dir)
                )
            policy = load_policy(settings.policy) if settings.policy else Policy()
        except HarnessError as error:
            raise pytest.UsageError(f"harness: {error}") from None
        return cls(config, settings, contracts, policy)

    def services(self) -> list[str]:
        return sorted({contract.service for contract in self.contracts})

    def exchange_file(self, unit: Unit) -> Path:
        return self.contracts[unit.noise].path("exchanges")

    def collect(self, session: pytest.Session) -> list[pytest.Item]:
        from harness.pytest.items import ContractsCollector, item_for

        try:
            units = [unit for phase in self.replay_source.phases() for unit in phase]
        except HarnessError as error:
            raise pytest.UsageError(f"harness: {error}") from None
        root = ContractsCollector.from_parent(session, name="harness", nodeid="harness")
        return [item_for(root, self, unit) for unit in units]

    def replay(self, unit: Unit) -> list[ReplayedStep]:
        if self._loop is None:
            self._loop = asyncio.Runner(loop_factory=loop_factory())
            targets = open_targets(
                self.candidate_url,
                self.legacy_url,
                contracts_dir=str(self.contracts_dir),
                timeout_s=self.timeout_s,
                limits=self.settings.all_answer_limits(),
                access=access_for(self.settings, ("candidate", "legacy")),
            )
            today = dt.datetime.now(dt.UTC).date()
            self._replayer = UnitReplayer(
                self.replay_source.noise(),
                targets,
                WaiverBook(self.policy.waivers, today),
                secrets=self.settings.secrets,
            )
        assert self._replayer is not None
        return self._loop.run(self._replayer.replay(unit))

    def close(self) -> None:
        if self._loop is None:
            return
        try:
            if self._replayer is not None:
                self._loop.run(self._replayer.aclose())
        finally:
            self._loop.close()
            self._loop = None
