"""Headless Chromium for tests: find it, dump a page's rendered DOM, take a screenshot."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium_or_skip() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed (`make browser` installs it with apt)")


def run(browser: str, profile: Path, url: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        timeout=120,
        check=True,
    )


def console_messages(stderr: bytes) -> list[str]:
    """The page's console output (CSP violations, script errors) from Chromium's log."""
    return [line for line in stderr.decode(errors="replace").splitlines() if ":CONSOLE" in line]


def png_facts(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the pixel data): a blank page has very few."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    position, pixels = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            pixels += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(pixels)
    return width, height, len(set(raw[:4_000_000]))


def rendered_text(browser: str, profile: Path, url: str, marker: str, attempts: int = 3) -> str:
    """The page's text once scripts rendered it (scripts and styles dropped).

    On a loaded machine `--dump-dom` sometimes fires before a large single-page app (Allure's
    index.html) has mounted, whatever the virtual time budget; the page is loaded again, up to
    `attempts` times, until `marker` appears. The last text is returned either way.
    """
    import lxml.html

    text = ""
    for attempt in range(attempts):
        done = run(
            browser, profile / str(attempt), url, "--dump-dom", "--virtual-time-budget=10000"
        )
        document = lxml.html.fromstring(done.stdout)
        for node in document.xpath("//script|//style"):
            node.drop_tree()
        text = " ".join(document.text_content().split())
        if marker in text:
            break
    return text
