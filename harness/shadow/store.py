"""The shadow's store: judged exchanges as Parquet files partitioned by day, for weeks.

    <store>/day=2026-12-01/part-221503-3f9c2a1b.parquet     (hive partitioning)
    <store>/day=2026-12-01/compact-9b1e77d0.parquet         (a past day, merged into one file)

Any engine that reads hive-partitioned Parquet reads it as it is: DuckDB (`harness monitor`),
Spark, Trino, pandas. The partition column `day` lives in the directory name only; `ts` is the
exchange's time (UTC: when it arrived, or the simulated time a compressed-time consumer
stamped), `day` its date and `hour` its hour.

Writing (`StoreWriter`, a consumer of the engine's events): rows are buffered in memory and
written in batches, when `flush_rows` are waiting or the oldest has waited `flush_seconds`,
by one writer thread, each batch to a temporary file renamed into place (a reader never sees a
half-written file). Memory is bounded: while one batch is being written the next one fills,
and a third waits for the first to be on disk. When the first row of a later day arrives, the
days before it are compacted (their parts merged into one file) and days past `retain_days`
(counted back from the newest day stored) are deleted.

What a stop loses: a clean stop (SIGINT, SIGTERM, `finish`) loses nothing already received,
because the mirror queue is drained, judged and flushed first. A kill -9 loses the rows still
in memory: at most `flush_rows` rows or `flush_seconds` of traffic, plus what the mirror queue
held (at most its capacity); files already renamed are whole, and a `.tmp` left half-written
is ignored by readers and deleted at the next start.
"""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from harness.core.capping import cap_value
from harness.core.difference import Verdict
from harness.core.gate import divergence_key
from harness.core.result import ResultRecord
from harness.engine.events import BaseConsumer, Event, ExchangeCompared
from harness.errors import HarnessError

FLUSH_ROWS = 10_000
FLUSH_SECONDS = 5.0
RETAIN_DAYS = 90
MAX_STORED_DIFFERENCES = 5
COLUMNS = (
    "ts",
    "hour",
    "id",
    "service",
    "operation",
    "method",
    "target",
    "verdict",
    "status_primary",
    "status_shadow",
    "latency_primary_ms",
    "latency_shadow_ms",
    "error_kind",
    "cluster",
    "differences",
    "request",
    "reproducer",
)


def require_arrow() -> Any:
    """pyarrow, or a clear error naming the extra that brings it."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise HarnessError(
            "the shadow store needs pyarrow and duckdb: pip install 'spine-harness[shadow]'"
        ) from None
    return pyarrow


def schema() -> Any:
    pa = require_arrow()
    text = pa.string()
    return pa.schema(
        [
            ("ts", pa.timestamp("us", tz="UTC")),
            ("hour", pa.int8()),  # of ts (UTC), 0-23: hourly windows without time-zone arithmetic
            ("id", text),
            ("service", text),
            ("operation", text),
            ("method", text),
            ("target", text),
            ("verdict", text),
            ("status_primary", pa.int16()),
            ("status_shadow", pa.int16()),
            ("latency_primary_ms", pa.float32()),
            ("latency_shadow_ms", pa.float32()),
            ("error_kind", text),
            ("cluster", text),
            ("differences", text),
            ("request", text),
            ("reproducer", text),
        ]
    )


def cluster_of(record: ResultRecord) -> str | None:
    """A divergence's cluster: the operation and the shapes of its unwaived differences (list
    indices as `*`), so one cause seen on a thousand records is one cluster."""
    if record.verdict is not Verdict.MISMATCH:
        return None
    shapes = sorted(
        {f"{d.kind.value} {divergence_key(d.path)}" for d in record.differences if not d.waiver}
    )
    return f"{record.service}.{record.operation}: " + "; ".join(shapes)


def row_of(record: ResultRecord, at: datetime) -> tuple[object, ...]:
    """One stored row; the request, differences and reproducer only for what did not match."""
    plain = record.verdict is Verdict.MATCH
    request = record.request
    differences = None
    if record.differences:
        kept = record.differences[:MAX_STORED_DIFFERENCES]
        differences = orjson.dumps([d.to_dict() for d in kept]).decode()
    at = at.astimezone(UTC)
    return (
        at,
        at.hour,
        record.id,
        record.service,
        record.operation,
        request.method,
        request.target,
        record.verdict.value,
        record.status_legacy,
        record.status_candidate,
        record.latency_legacy_ms,
        record.latency_candidate_ms,
        record.error_kind,
        cluster_of(record),
        differences,
        None if plain else orjson.dumps(cap_value(record.to_dict()["request"])).decode(),
        None if plain else record.reproducer,
    )


def day_dir(root: Path, day: date) -> Path:
    return root / f"day={day.isoformat()}"


def stored_days(root: Path) -> list[date]:
    days = []
    for path in root.glob("day=*"):
        with contextlib.suppress(ValueError):
            days.append(date.fromisoformat(path.name[4:]))
    return sorted(days)


class StoreWriter(BaseConsumer):
    """Buffers judged exchanges and writes them to the store in batches (see the module)."""

    def __init__(
        self,
        root: Path,
        stamp: Callable[[str], datetime | None],
        *,
        flush_rows: int = FLUSH_ROWS,
        flush_seconds: float = FLUSH_SECONDS,
        retain_days: int = RETAIN_DAYS,
        redact: Callable[[ResultRecord], ResultRecord] | None = None,
    ) -> None:
        require_arrow()
        self.root = root
        self.stamp = stamp
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.retain_days = retain_days
        self.redact = redact
        self.written = 0
        self.files = 0
        self._rows: list[tuple[object, ...]] = []
        self._since = 0.0
        self._writing: Future[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._newest: date | None = None

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob("day=*/*.tmp"):  # a batch a kill -9 cut short
            leftover.unlink(missing_ok=True)
        days = stored_days(self.root)
        self._newest = days[-1] if days else None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="shadow-store")

    def handle(self, event: Event) -> None:
        if not isinstance(event, ExchangeCompared):
            return
        record = event.result
        if self.redact is not None:
            record = self.redact(record)
        at = self.stamp(record.id) or datetime.now(UTC)
        if not self._rows:
            self._since = time.monotonic()
        self._rows.append(row_of(record, at))
        if len(self._rows) >= self.flush_rows:
            self.flush()

    def tick(self) -> None:
        """Called about once a second: rows older than `flush_seconds` go to disk."""
        if self._rows and time.monotonic() - self._since >= self.flush_seconds:
            self.flush()

    def flush(self, wait: bool = False) -> None:
        rows, self._rows = self._rows, []
        if self._writing is not None and (wait or rows):
            self._writing.result()  # bounded: one batch on its way to disk at a time
            self._writing = None
        if rows:
            assert self._executor is not None, "flush before start"
            self._writing = self._executor.submit(self._write, rows)
            if wait:
                self._writing.result()
                self._writing = None

    def finish(self) -> None:
        self.flush(wait=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    # -- the writer thread ------------------------------------------------------------------------
    def _write(self, rows: list[tuple[object, ...]]) -> None:
        pa = require_arrow()
        import pyarrow.parquet as pq

        by_day: dict[date, list[tuple[object, ...]]] = {}
        for row in rows:
            by_day.setdefault(_time(row).astimezone(UTC).date(), []).append(row)
        table_schema = schema()
        for day, day_rows in sorted(by_day.items()):
            columns = list(zip(*day_rows, strict=True))
            table = pa.Table.from_arrays(
                [pa.array(c, type=f.type) for c, f in zip(columns, table_schema, strict=True)],
                schema=table_schema,
            )
            folder = day_dir(self.root, day)
            folder.mkdir(parents=True, exist_ok=True)
            first = min(_time(r) for r in day_rows)
            name = f"part-{first:%H%M%S}-{uuid.uuid4().hex[:8]}.parquet"
            temporary = folder / (name + ".tmp")
            pq.write_table(table, temporary, compression="zstd")
            temporary.replace(folder / name)
            self.files += 1
            self.written += len(day_rows)
        newest = max(by_day)
        if self._newest is None or newest > self._newest:
            self._newest = newest
            self._housekeeping(newest)

    def _housekeeping(self, newest: date) -> None:
        """Past days compacted into one file each; days past the retention deleted."""
        oldest_kept = newest - timedelta(days=self.retain_days - 1)
        for day in stored_days(self.root):
            folder = day_dir(self.root, day)
            if day < oldest_kept:
                shutil.rmtree(folder, ignore_errors=True)
            elif day < newest:
                compact(folder)


def compact(folder: Path) -> None:
    """A day's parts merged into one file (written aside, renamed, then the parts removed)."""
    parts = sorted(folder.glob("*.parquet"))
    if len(parts) < 2:
        return
    pa = require_arrow()
    import pyarrow.parquet as pq

    table = pa.concat_tables([pq.read_table(part, schema=schema()) for part in parts])
    temporary = folder / f"compact-{uuid.uuid4().hex[:8]}.parquet.tmp"
    pq.write_table(table, temporary, compression="zstd", row_group_size=1_000_000)
    temporary.replace(temporary.with_suffix(""))
    for part in parts:
        part.unlink(missing_ok=True)


def _time(row: tuple[object, ...]) -> datetime:
    at = row[0]
    assert isinstance(at, datetime)
    return at
