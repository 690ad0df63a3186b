"""Mistakes a user makes at the command line end in a message and exit 2, never a traceback;
Ctrl-C stops a server cleanly with `harness: stopped`. Real processes and real sockets."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import run

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SERVERS = [
    ["simulate", "--population", "10"],
    ["mock", "serve", "--contracts", str(ROOT / "contracts")],
    ["proxy", "--upstream", "http://127.0.0.1:9", "--record", "{tmp}/proxied", "--no-noise"],
]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something already listens on."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def server_args(args: list[str], tmp_path: Path) -> list[str]:
    return [arg.replace("{tmp}", str(tmp_path)) for arg in args]


@pytest.mark.parametrize("args", SERVERS, ids=lambda args: args[0])
def test_a_port_in_use_or_out_of_range_is_a_message(
    args: list[str], tmp_path: Path, taken_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for port, words in ((str(taken_port), f"port {taken_port} is in use"), ("70000", "70000")):
        code, output = run([*server_args(args, tmp_path), "--port", port], capsys)
        assert code == 2 and words in output and "--port" in output, output
        assert "Traceback" not in output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--candidate", "http://[::1"], "Invalid IPv6 URL"),
        (["--candidate", "http://127.0.0.1:9", "--out", "{file}"], "is a file, not a directory"),
        (["--candidate", "http://127.0.0.1:9", "--name", "n" * 300], "at most 128 characters"),
    ],
)
def test_bad_rehearse_flags_are_a_message(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    args = [arg.replace("{file}", str(tmp_path / "a-file")) for arg in args]
    code, output = run(["rehearse", "--contracts", str(ROOT / "contracts"), *args], capsys)
    assert code == 2 and words in output and "Traceback" not in output, output


def test_a_malformed_upstream_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(["proxy", "--upstream", "http://[::1", "--record", "x"], capsys)
    assert code == 2 and "field '--upstream'" in output and "Traceback" not in output, output


@pytest.mark.parametrize("args", SERVERS, ids=lambda args: args[0])
def test_ctrl_c_stops_a_server_cleanly(args: list[str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", *server_args(args, tmp_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen = []
        while not any("serving on" in line for line in seen):
            line = process.stdout.readline()
            assert line, "".join(seen)
            seen.append(line)
        process.send_signal(signal.SIGINT)
        output = "".join(seen) + process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "harness: stopped" in output and "aborted" not in output, output
    assert "Traceback" not in output and "RuntimeWarning" not in output, output
