"""The spine-harness pytest plugin (entry point `pytest11: harness`).

`pytest --harness-candidate URL` turns every contract exchange (and every scenario) into a test
item named `service::operation::exchange-id` (`service::scenario::name`), marked with its service.
Fixtures `legacy`, `candidate` and `compare` help people write their own parity tests (the
built-in simulator brings `harness_simulator` through its own plugin,
`harness.simulator.pytest_plugin`).

Loading must not slow pytest down when the plugin is unused (it is installed for everyone with
the package): this module imports only pytest and the standard library; the domain packs'
markers are read at configure time (packs keep that cheap), everything else is imported when an
option or fixture is actually used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.pytest.fixtures import ParityChecker, SyncClient


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "spine-harness: contract exchanges as tests")
    group.addoption(
        "--harness-candidate",
        metavar="URL",
        help="Base URL of the candidate: collect every contract exchange and scenario as a test.",
    )
    group.addoption(
        "--harness-legacy",
        metavar="URL",
        help="Base URL of a live legacy target (default: harness.toml's `legacy`, else compare "
        "with the recorded answers).",
    )
    group.addoption(
        "--harness-contracts",
        metavar="DIR",
        help="Contracts directory (default: harness.toml's `contracts`, else contracts).",
    )
    group.addoption(
        "--harness-policy",
        metavar="FILE",
        help="Gate policy: waivers become xfail, `severity` feeds Allure.",
    )
    group.addoption(
        "--harness-report-url",
        metavar="URL",
        help="Link every item to this rehearsal report (Allure link).",
    )
    group.addoption(
        "--harness-timeout",
        metavar="SECONDS",
        type=float,
        help="Seconds per request (default: harness.toml's `timeout`, else 10).",
    )


def pytest_configure(config: pytest.Config) -> None:
    from harness.domains import markers

    for name, description in markers().items():
        config.addinivalue_line("markers", f"{name}: {description}")
    if config.getoption("harness_candidate", None):
        from harness.pytest.session import HarnessSession

        session = HarnessSession.from_config(config)
        config.stash[HarnessSession.KEY] = session
        for service in session.services():
            config.addinivalue_line(
                "markers", f"{service}: contract exchanges of service {service}"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the contract items before -k / -m deselection (which runs after us)."""
    if not config.getoption("harness_candidate", None):
        return
    from harness.pytest.session import HarnessSession

    added = config.stash[HarnessSession.KEY].collect(session)
    items.extend(added)
    # Counted like collected tests ("collected N items", "--co" summary).
    report = pytest.CollectReport("harness", "passed", None, [*added])
    config.hook.pytest_collectreport(report=report)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not config.getoption("harness_candidate", None):
        return
    from harness.pytest.session import HarnessSession

    found = config.stash.get(HarnessSession.KEY, None)
    if found is not None:
        found.close()


@pytest.fixture
def candidate(request: pytest.FixtureRequest) -> Iterator[SyncClient]:
    """An httpx.Client on --harness-candidate (skips the test when the option is not given)."""
    from harness.pytest.fixtures import client_for

    with client_for(request.config, "candidate") as client:
        yield client


@pytest.fixture
def legacy(request: pytest.FixtureRequest) -> Iterator[SyncClient]:
    """An httpx.Client on --harness-legacy (skips the test when the option is not given)."""
    from harness.pytest.fixtures import client_for

    with client_for(request.config, "legacy") as client:
        yield client


@pytest.fixture(scope="session")
def compare(request: pytest.FixtureRequest) -> ParityChecker:
    """`compare(legacy_response, candidate_response, operation=...)`: differences after the
    contract's noise model for that operation; `compare.assert_same(...)` fails readably."""
    from harness.pytest.fixtures import ParityChecker

    return ParityChecker.from_config(request.config)
