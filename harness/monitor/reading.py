"""Opening the shadow's store: a DuckDB view `results` over every day's Parquet files.

The view reads `<store>/day=*/*.parquet` with hive partitioning, so `day` is a column (a DATE)
and a query that filters on it reads only those folders. Nothing is copied or converted: the
same files are what Spark or Trino would read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def require_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise HarnessError(
            "the monitor needs duckdb: pip install 'spine-harness[shadow]'"
        ) from None
    return duckdb


def open_store(root: Path, threads: int | None = None) -> Any:
    """A DuckDB connection with the view `results`; HarnessError when the store holds nothing."""
    duckdb = require_duckdb()
    if not root.is_dir():
        raise HarnessError(
            "no such store (a folder written by `harness shadow --store`)", file=str(root)
        )
    if not any(root.glob("day=*/*.parquet")):
        raise HarnessError("the store holds no results yet", file=str(root))
    connection = duckdb.connect(":memory:")
    if threads:
        connection.execute(f"SET threads = {int(threads)}")
    pattern = str(root / "day=*" / "*.parquet").replace("'", "''")
    connection.execute(
        "CREATE VIEW results AS SELECT * FROM read_parquet("
        f"'{pattern}', hive_partitioning = true, union_by_name = true)"
    )
    return connection


def rows(
    connection: Any, query: str, parameters: list[object] | None = None
) -> list[dict[str, Any]]:
    """A query's rows as dictionaries."""
    cursor = connection.execute(query, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
