"""The monitor: what weeks of shadow traffic say, read from the store (`harness.shadow.store`).

`reading` opens the store in DuckDB; `queries` computes parity, errors and latency per service
and operation, per hour and per day, and the divergence clusters; `check` holds a window to a
policy (exit code, webhook, JSON log line); `dashboard` writes the HTML; `live` serves it;
`traffic` is the compressed-time consumer that rehearses the monitoring itself.
"""

from __future__ import annotations
