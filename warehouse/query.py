"""Read-only access to the published warehouse, for the CLI and for Python users.

Readers always connect with ``read_only=True``: many can share the file while a refresh builds
the next version in a temporary file, and a write statement fails with a clear message. They also
turn off DuckDB's access to anything but the warehouse (:data:`READER_CONFIG`): no reading other
files (``read_text('/etc/shadow')``), no ``COPY ... TO`` or ``EXPORT DATABASE``, no ``ATTACH``, no
extension install or load, and the configuration is locked so a query cannot turn them back on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import polars as pl

from mic2025.flows.errors import Mic2025Error
from mic2025.flows.settings import warehouse_path


class QueryError(Mic2025Error):
    """A query could not run against the published warehouse."""


#: The settings of every reader the project opens: the warehouse and nothing else.
READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def open_reader(path) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to a warehouse file."""
    return duckdb.connect(str(path), read_only=True, config=dict(READER_CONFIG))


@contextlib.contextmanager
def connect_readonly(warehouse: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path(warehouse)
    if not path.exists():
        raise QueryError(f"no published warehouse at {path}; run `mic2025 refresh` first")
    con = open_reader(path)
    try:
        yield con
    finally:
        con.close()


def _with_hints(text: str) -> str:
    """DuckDB's message with its hints ("Did you mean ...", candidate columns), without the
    echo of the query text that follows them."""
    lines = []
    for line in text.splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)


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
            refused = ("disabled by configuration", "disabled through configuration", "locked")
            if any(word in text for word in refused):
                raise QueryError(
                    "refused: `mic2025 sql` reads the warehouse and nothing else (no other "
                    f"files, no attached databases, no extensions) ({text.splitlines()[0]})"
                ) from None
            raise QueryError(_with_hints(text) if text else repr(exc)) from None
        return rel.pl() if rel is not None else pl.DataFrame()
