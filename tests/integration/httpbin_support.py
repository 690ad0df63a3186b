"""httpbin (a real service nobody here wrote: it echoes what it was sent) on loopback."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server


@contextlib.contextmanager
def httpbin_servers(count: int = 2) -> Iterator[tuple[str, ...]]:
    """`count` httpbin instances, each on its own free port; their base URLs."""
    import httpbin

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    servers = [make_server("127.0.0.1", 0, httpbin.app, threaded=True) for _ in range(count)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield tuple(f"http://127.0.0.1:{s.server_port}" for s in servers)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=10)
