"""Fixtures for hand-written parity tests: `legacy`, `candidate`, `compare`, `harness_simulator`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

PARITY_TESTS = """
def test_reads_agree_once_the_noise_model_is_applied(legacy, candidate, compare):
    old, new = legacy.get("/things/1"), candidate.get("/things/1")
    assert compare(old, new, operation="getThing") == []
    # Without the operation's rules, the fresh `stamp` UUID differs.
    assert [d.path for d in compare(old, new, operation="other", service="things")] == ["/stamp"]
    compare.assert_same(old, new, operation="getThing")

def test_drifted_read(legacy, candidate, compare):
    compare.assert_same(legacy.get("/things/3"), candidate.get("/things/3"), operation="getThing")
"""


def test_clients_and_compare_use_the_targets_and_the_contract_noise(
    harness_project: pytest.Pytester, candidate_url: str, legacy_url: str
) -> None:
    harness_project.makepyfile(test_parity=PARITY_TESTS)
    result = harness_project.runpytest(
        "-p",
        "no:cacheprovider",
        "--harness-candidate",
        candidate_url,
        "--harness-legacy",
        legacy_url,
        "test_parity.py",
        "-m",
        "not things and not widgets",  # only the hand-written tests, not the contract items
    )
    result.assert_outcomes(passed=1, failed=1, deselected=10)
    result.stdout.fnmatch_lines(
        [
            "E * 1 difference(s) after the noise model:",
            "E *  - /name ?changed?",
            'E *      legacy:    "thing-3"',
            'E *      candidate: "THING-3"',
        ]
    )


def test_client_fixtures_skip_without_their_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_needs_legacy(legacy):\n    raise AssertionError\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no legacy target: pass --harness-legacy URL*"])


def test_simulator_fixture_serves_the_legacy_simulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_read_a_patient(harness_simulator):
            url = harness_simulator.url + "/personal-demographics/FHIR/R4/Patient/9000000009"
            request_id = "60E0B220-8136-4CA5-AE46-1D97EF59D068"
            response = httpx.get(url, headers={"X-Request-ID": request_id})
            assert response.status_code == 200
            assert response.json()["id"] == "9000000009"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
