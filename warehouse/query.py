"""Read-only access to the published warehouse, for the CLI and for Python users.

Readers always connect with ``read_only=True``: many can share the file while a refresh builds
the next version in a temporary file, and a write statement fails with a clear message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import polars as pl

from flows.errors import Mic2025Error
from flows.settings import warehouse_path


class QueryError(Mic2025Error):
    """A query could not run against the published warehouse."""


@contextlib.contextmanager
def connect_readonly(warehouse: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path(warehouse)
    if not path.exists():
        raise QueryError(f"no published warehouse at {path}; run `mic2025 refresh` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def run_query(query: str, warehouse: str | None = None, params: list | None = None) -> pl.DataFrame:
    """Run one statement read-only and return the result (empty frame for non-queries)."""
    with connect_readonly(warehouse) as con:
        try:
            rel = con.sql(query, params=params)
        except duckdb.Error as exc:
            text = str(exc)
            if "read-only" in text.lower() or "read only" in text.lower():
                raise QueryError(
                    "the warehouse is opened read-only: write statements are not allowed "
                    f"({text.splitlines()[0]})"
                ) from None
            raise QueryError(text.splitlines()[0] if text else repr(exc)) from None
        return rel.pl() if rel is not None else pl.DataFrame()
