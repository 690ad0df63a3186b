"""allure-results from a rehearsal, built into Allure's HTML by its own CLI, opened in Chromium.

Skipped unless an `allure` executable is available: on PATH, in `node_modules/.bin/` of the
repository or of /tmp/allure-cli, or named by $HARNESS_ALLURE (`npm install allure` installs
Allure 3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness.reports import write_reports
from harness.reports.allure import export_allure
from tests.integration.chromium import chromium_or_skip, rendered_text
from tests.reports_factory import demo_results, gate, write_rehearsal

pytestmark = pytest.mark.browser
REPOSITORY = Path(__file__).resolve().parents[2]


def allure_or_skip() -> str:
    candidates = [
        os.environ.get("HARNESS_ALLURE"),
        shutil.which("allure"),
        str(REPOSITORY / "node_modules" / ".bin" / "allure"),
        # `npm install --prefix /tmp/allure-cli allure` (docs/guide/pytest-allure-mocks.md)
        str(Path(tempfile.gettempdir()) / "allure-cli" / "node_modules" / ".bin" / "allure"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(
        "no `allure` executable (PATH, node_modules/.bin/allure, /tmp/allure-cli or "
        "$HARNESS_ALLURE): `npm install --prefix /tmp/allure-cli allure` to run this test"
    )


def generate(allure: str, results: Path, out: Path) -> Path:
    """One self-contained index.html: Allure 3 via a config file, Allure 2 via --single-file."""
    version = subprocess.run(
        [allure, "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout.strip()
    if version.startswith("2."):
        command = [allure, "generate", str(results), "-o", str(out), "--clean", "--single-file"]
    else:
        config = results.parent / "allurerc.json"
        config.write_text(
            json.dumps(
                {
                    "name": "spine-harness rehearsal",
                    "output": str(out),
                    "plugins": {"awesome": {"options": {"singleFile": True}}},
                }
            )
        )
        command = [allure, "generate", "--config", str(config), str(results)]
    subprocess.run(command, capture_output=True, timeout=180, check=True, cwd=results.parent)
    index = out / "index.html"
    assert index.is_file(), f"{' '.join(command)} wrote no index.html"
    return index


def test_allure_html_lists_the_rehearsal_exchanges(tmp_path: Path) -> None:
    allure = allure_or_skip()
    browser = chromium_or_skip()
    directory = write_rehearsal(
        tmp_path / "nightly", "2026-11-24T03:00:00Z", demo_results(1, 6), gate(False)
    )
    write_reports(directory)
    results = export_allure(directory)
    index = generate(allure, results, tmp_path / "allure-report")
    marker = "getPatient pds-getPatient-00003"
    text = rendered_text(browser, tmp_path / "profile", index.as_uri(), marker)
    assert "getPatient pds-getPatient-00003" in text
    assert "rehearsal nightly" in text  # the parentSuite label groups the tree
