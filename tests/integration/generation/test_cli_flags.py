"""`harness rehearse --generate` without a live legacy target is a usage error (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_generate_needs_a_live_legacy(tmp_path: Path) -> None:
    contract = tmp_path / "contracts" / "pds"
    contract.mkdir(parents=True)
    (contract / "contract.yaml").write_text("format_version: 1\nservice: pds\n")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "rehearse", "--candidate", "http://127.0.0.1:9",
         "--contracts", str(tmp_path / "contracts"), "--out", str(tmp_path / "reports"),
         "--generate", "5", "--no-progress"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--generate" in done.stderr and "--legacy" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "reports").exists()  # refused before anything was written
