"""Contract exchanges as pytest items: naming, selection, verdicts, waivers, xdist, usage errors."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.plugin.support import write_policy

pytestmark = pytest.mark.integration

ALL_ITEMS = [
    *[f"harness::things::getThing::r-{n:04d}" for n in range(6)],
    "harness::things::getThing::r-missing",
    "harness::things::scenario::create-then-read",
    "harness::widgets::getWidget::w-0000",
    "harness::widgets::getWidget::w-0001",
]


def run(project: pytest.Pytester, candidate_url: str, *args: str) -> pytest.RunResult:
    return project.runpytest("-p", "no:cacheprovider", "--harness-candidate", candidate_url, *args)


def test_every_exchange_and_scenario_is_an_item_named_service_operation_id(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    result = run(harness_project, candidate_url, "--collect-only", "-q")
    result.stdout.fnmatch_lines([*ALL_ITEMS, f"{len(ALL_ITEMS)} tests collected*"])
    assert result.ret == 0


def test_items_are_selected_by_keyword_and_by_service_marker(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    by_marker = run(harness_project, candidate_url, "-m", "widgets", "-v")
    by_marker.assert_outcomes(passed=2, deselected=len(ALL_ITEMS) - 2)
    by_marker.stdout.fnmatch_lines(["*widgets::getWidget::w-0000 PASSED*"])
    by_keyword = run(harness_project, candidate_url, "-k", "r-0001 or scenario", "-v")
    by_keyword.assert_outcomes(passed=2, deselected=len(ALL_ITEMS) - 2)
    by_keyword.stdout.fnmatch_lines(
        ["*things::getThing::r-0001 PASSED*", "*things::scenario::create-then-read PASSED*"]
    )


def test_a_mismatch_fails_showing_path_both_values_and_the_reproducer(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    result = run(harness_project, candidate_url)
    result.assert_outcomes(passed=len(ALL_ITEMS) - 1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ things::getThing::r-0003 _*",
            "things::getThing::r-0003: mismatch (status legacy 200, candidate 200)",
            "  request: GET /things/3",
            "  - /name [changed]",
            '      legacy:    "thing-3"',
            '      candidate: "THING-3"',
            "  reproduce: curl * http://127.0.0.1:*/things/3",
            "FAILED *things::getThing::r-0003*",
        ]
    )


def test_an_unreachable_candidate_fails_the_item_with_the_transport_error(
    harness_project: pytest.Pytester,
) -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        result = run(harness_project, url, "-k", "r-0001")
    result.assert_outcomes(failed=1, deselected=len(ALL_ITEMS) - 1)
    result.stdout.fnmatch_lines(
        [
            "things::getThing::r-0001: error (status legacy 200, candidate None)",
            "  error: candidate: *",
        ]
    )


def test_a_live_waiver_turns_the_mismatch_into_xfail_with_its_reason(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    policy = write_policy(harness_project.path / "policy.yaml")
    result = run(harness_project, candidate_url, "--harness-policy", str(policy), "-rx")
    result.assert_outcomes(passed=len(ALL_ITEMS) - 1, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "XFAIL *things::getThing::r-0003 - waived by W-NAME (assurance@example.nhs.uk, "
            "until 2099-12-31): spine2 upper-cases thing names (ticket T-42)"
        ]
    )


def test_an_expired_waiver_does_not_apply(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    policy = write_policy(harness_project.path / "policy.yaml", expires="2020-01-31")
    result = run(harness_project, candidate_url, "--harness-policy", str(policy))
    result.assert_outcomes(passed=len(ALL_ITEMS) - 1, failed=1)


def test_xdist_workers_merge_into_the_same_outcomes_against_a_live_legacy(
    harness_project: pytest.Pytester,
    candidate_url: str,
    legacy_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = write_policy(harness_project.path / "policy.yaml")
    # Only the plugins needed (3 interpreters start; the others cost seconds each on CI).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = harness_project.runpytest_subprocess(
        "-p",
        "harness.pytest_plugin",
        "-p",
        "xdist.plugin",
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--harness-candidate",
        candidate_url,
        "--harness-legacy",
        legacy_url,
        "--harness-policy",
        str(policy),
        "-rxf",
        "-k",
        "not r-0005",
    )
    # The scenario passes although the targets allocate different ids (1000 vs 5000).
    # (xdist does not forward the deselected count: r-0005 is simply not run.)
    result.assert_outcomes(passed=len(ALL_ITEMS) - 2, xfailed=1)
    result.stdout.fnmatch_lines(["*2 workers*", "XFAIL *r-0003 - waived by W-NAME*"])


def test_bad_options_are_usage_errors_naming_the_input(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    missing = run(harness_project, candidate_url, "--harness-contracts", "nowhere")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*harness: *nowhere*no such contracts directory*"])
    (harness_project.path / "bad.yaml").write_text("format_version: 1\nseverity: {'*': huge}\n")
    bad = run(harness_project, candidate_url, "--harness-policy", "bad.yaml")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*harness: *bad.yaml:2, field *severity must be one of*"])


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    heavy = ["harness.contracts", "harness.rehearsal", "httpx", "aiohttp", "allure", "orjson"]
    code = (
        "import sys, harness.pytest_plugin; "
        f"print([name for name in {heavy!r} if name in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_harness_toml_gives_the_defaults_the_options_do_not(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    """One settings model: the plugin reads harness.toml like every command (contracts
    directory, policy), and an option given on the command line wins over the file."""
    moved = harness_project.path / "recorded"
    (harness_project.path / "contracts").rename(moved)
    policy = write_policy(harness_project.path / "policy.yaml")
    (harness_project.path / "harness.toml").write_text(
        f'contracts = "recorded"\npolicy = "{policy.name}"\n'
    )
    result = run(harness_project, candidate_url, "-rx")
    result.assert_outcomes(passed=len(ALL_ITEMS) - 1, xfailed=1)  # the policy's waiver
    overridden = run(harness_project, candidate_url, "--harness-contracts", "nowhere")
    assert overridden.ret == pytest.ExitCode.USAGE_ERROR
    overridden.stderr.fnmatch_lines(["*nowhere*no such contracts directory*"])
