"""Run ASGI apps on loopback for real: in a thread (tests) or in a child process (demo, bench).

Both bind an ephemeral port themselves, so parallel tests never collide.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from harness.errors import HarnessError

READY_PREFIX = "harness: serving on "


def bind_loopback(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket; port 0 asks the kernel for a free one. A port in use, out of
    range or an address that is not this machine's is a HarnessError naming the flag."""
    if not 0 <= port <= 65535:
        raise HarnessError(
            f"{port} is not a TCP port (0-65535; 0 picks a free one)", field="--port"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise HarnessError(
                f"port {port} is in use on {host} (another server listens there; choose "
                "another --port, or 0 for a free one)",
                field="--port",
            ) from None
        reason = error.strerror or str(error)
        raise HarnessError(f"cannot listen on {host}:{port}: {reason}", field="--host") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def uvicorn_config(app: Any, **overrides: Any) -> uvicorn.Config:
    """The fast stack measured on this machine: uvloop + httptools, no access log."""
    options: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,
        "server_header": False,  # the simulated services set their own Server header
        "log_level": "warning",
        "lifespan": "off",
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


@dataclass
class ThreadServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", **overrides: Any) -> Iterator[ThreadServer]:
    """Serve `app` on an ephemeral loopback port in a background thread until exit
    (`overrides`: uvicorn settings, e.g. `lifespan="on"`)."""
    sock = bind_loopback(host)
    server = uvicorn.Server(uvicorn_config(app, **overrides))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server thread failed to start")
        time.sleep(0.005)
    try:
        yield ThreadServer(url_of(sock), server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class ChildServer:
    url: str
    process: subprocess.Popen[str]
    drain: threading.Thread | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.drain is not None:
            self.drain.join(timeout=5)  # reaches end of file once the child has exited
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextlib.contextmanager
def spawn_harness_server(
    args: Sequence[str], timeout: float = 60.0, cwd: Path | None = None
) -> Iterator[ChildServer]:
    """Run `python -m harness <args> --port 0` in a child process (in `cwd`, if given); yield its
    URL once ready.

    The child prints a line starting with READY_PREFIX followed by its URL when it listens.
    """
    command = [sys.executable, "-m", "harness", *args]
    if "--port" not in args:
        command += ["--port", "0"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd
    )
    child = ChildServer("", process)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"`{' '.join(command)}` exited before serving:\n{''.join(seen)}")
            seen.append(line)
            if line.startswith(READY_PREFIX):
                child.url = line[len(READY_PREFIX) :].strip()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"`{' '.join(command)}` did not start in {timeout}s")
        child.drain = threading.Thread(target=_drain, args=(process,), daemon=True)
        child.drain.start()
        yield child
    finally:
        child.stop()


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    for _ in process.stdout:
        pass


def serve_forever(
    build: Callable[[], Any], host: str, port: int, announce: str = READY_PREFIX, **options: Any
) -> None:
    """Serve the app `build()` makes in the foreground (`harness simulate`, `mock serve`,
    `proxy`) until Ctrl-C, the documented way to stop: it shuts down cleanly and says `harness:
    stopped` (exit 0). The port is taken before the app is built, so a port in use is said at
    once."""
    sock = bind_loopback(host, port)
    try:
        server = _AnnouncingServer(uvicorn_config(build(), **options))
        server.announcement = f"{announce}{url_of(sock)}"
        # uvicorn stops gracefully on SIGINT, then raises the signal again for its caller.
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("harness: stopped", file=sys.stderr, flush=True)


class _AnnouncingServer(uvicorn.Server):
    """Says it serves once it does (its startup done, Ctrl-C handled by uvicorn from then)."""

    announcement = ""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self.announcement, flush=True)
