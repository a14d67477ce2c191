"""Read-only access to the published warehouse, for the CLI and for Python users.

Readers always connect with ``read_only=True``: many can share the file while a refresh builds
the next version in a temporary file, and a write statement fails with a clear message. They also
turn off DuckDB's access to anything but the warehouse (:data:`READER_CONFIG`): no reading other
files (``read_text('/etc/shadow')``), no ``COPY ... TO`` or ``EXPORT DATABASE``, no ``ATTACH``, no
extension install or load, and the configuration is locked so a query cannot turn them back on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from mic2025.flows.base.errors import Mic2025Error
from mic2025.flows.base.settings import warehouse_path

if TYPE_CHECKING:  # polars is imported when a frame is asked for, not for `mic2025 sql`
    import polars as pl

#: `mic2025 sql` limits (``--timeout``, ``--memory-limit``; MIC2025_SQL_TIMEOUT,
#: MIC2025_SQL_MEMORY_LIMIT): a query is interrupted after the time limit, and DuckDB may use at
#: most the memory limit (default a quarter of the machine's memory) before it spills or fails.
DEFAULT_TIMEOUT_S = 60.0


def default_memory_limit() -> str:
    """A quarter of physical memory, as DuckDB reads it ('6GiB' on a 24 GiB machine)."""
    configured = os.environ.get("MIC2025_SQL_MEMORY_LIMIT")
    if configured:
        return configured
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GiB"
    return f"{max(total // 4 // 2**20, 256)}MiB"


def default_timeout() -> float:
    return float(os.environ.get("MIC2025_SQL_TIMEOUT", DEFAULT_TIMEOUT_S))


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


def open_reader(path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to a warehouse file."""
    config = dict(READER_CONFIG)
    if memory_limit:
        config = {"memory_limit": memory_limit, **config}
    return duckdb.connect(str(path), read_only=True, config=config)


def explain_open_error(path, exc: Exception) -> str:
    """One line for a warehouse that cannot be opened: locked, not a DuckDB file, a folder."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if path.is_dir():
        return f"{path} is a folder, not a warehouse file: pass the .duckdb file"
    lowered = text.lower()
    if "wal" in lowered and "replay" in lowered:
        return (
            f"{path}.wal does not belong to the warehouse (a read-write session wrote it on a "
            f"file that was since replaced): move it aside, or run `mic2025 refresh`, which does"
        )
    if "lock" in lowered:
        return (
            f"the warehouse {path} is locked by a process that opened it read-write ({text}); "
            "close that session (open the file with `duckdb -readonly`) and retry"
        )
    if "not a valid duckdb" in lowered or "invalid" in lowered or "corrupt" in lowered:
        return f"{path} is not a readable DuckDB warehouse ({text}); run `mic2025 refresh`"
    return f"cannot open the warehouse {path}: {text}"


@contextlib.contextmanager
def connect_readonly(
    warehouse: str | None = None, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path(warehouse)
    if not path.exists():
        raise QueryError(f"no published warehouse at {path}; run `mic2025 refresh` first")
    try:
        con = open_reader(path, memory_limit)
    except (duckdb.Error, OSError) as exc:
        raise QueryError(explain_open_error(path, exc)) from None
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


def _one_statement(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Refuse empty input and several statements (DuckDB would run them all and show only the
    last result)."""
    if not query.strip():
        raise QueryError(
            'empty query: give one SQL statement, e.g. "select * from marts.sector_summary"'
        )
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryError(_with_hints(str(exc))) from None
    if not statements:
        raise QueryError("no SQL statement in the input (only comments or semicolons)")
    if len(statements) > 1:
        raise QueryError(
            f"{len(statements)} statements given: run one at a time (each result would be "
            "hidden by the next)"
        )


@contextlib.contextmanager
def time_limit(con: duckdb.DuckDBPyConnection, seconds: float | None) -> Iterator[dict]:
    """Interrupt the connection's running query after ``seconds``, and on SIGINT / SIGTERM (in
    the main thread), so a runaway query ends with one line instead of running until killed."""
    state = {"reason": None}

    def stop(reason: str) -> None:
        state["reason"] = reason
        con.interrupt()

    timer = None
    if seconds and seconds > 0:
        timer = threading.Timer(
            seconds,
            stop,
            args=(f"the query ran past its {seconds:g} s limit (--timeout; MIC2025_SQL_TIMEOUT)",),
        )
        timer.daemon = True
        timer.start()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(
                signum, lambda n, f: stop(f"interrupted by {signal.Signals(n).name}")
            )
    try:
        yield state
    finally:
        if timer:
            timer.cancel()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@dataclass(frozen=True)
class Rows:
    """A query result as plain Python rows (the CLI prints these without loading polars)."""

    columns: list[str]
    values: list[tuple]

    @property
    def height(self) -> int:
        return len(self.values)

    def head(self, n: int) -> Rows:
        return Rows(self.columns, self.values[:n])

    def iter_rows(self) -> list[tuple]:
        """The rows, as a polars frame's ``iter_rows()`` gives them."""
        return self.values

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, v, strict=True)) for v in self.values]


def run_query(query: str, warehouse: str | None = None, params: list | None = None) -> pl.DataFrame:
    """Run one statement read-only and return the result as a polars frame (empty for
    non-queries), within the default limits of :func:`fetch_rows`."""
    import polars as pl

    frame = _execute(query, warehouse, params, None, None, None, lambda rel: rel.pl())
    return pl.DataFrame() if frame is None else frame


def fetch_rows(
    query: str,
    warehouse: str | None = None,
    params: list | None = None,
    *,
    timeout: float | None = None,
    memory_limit: str | None = None,
    max_rows: int | None = None,
) -> Rows:
    """Run one statement read-only and return plain rows, within a time limit (``timeout``
    seconds, default 60) and a memory limit (default a quarter of RAM); ``max_rows`` fetches at
    most that many rows plus one, so the caller can tell that more exist."""
    rows = _execute(
        query,
        warehouse,
        params,
        timeout,
        memory_limit,
        max_rows,
        lambda rel: Rows(list(rel.columns), rel.fetchall()),
    )
    return Rows([], []) if rows is None else rows


def _execute(query, warehouse, params, timeout, memory_limit, max_rows, consume):
    timeout = default_timeout() if timeout is None else timeout
    with connect_readonly(warehouse, memory_limit or default_memory_limit()) as con:
        _one_statement(con, query)
        with time_limit(con, timeout) as state:
            try:
                rel = con.sql(query, params=params)
                if rel is None:
                    return None
                if max_rows is not None:
                    rel = rel.limit(max_rows + 1)
                return consume(rel)
            except duckdb.InterruptException:
                raise QueryError(state["reason"] or "the query was interrupted") from None
            except duckdb.OutOfMemoryException as exc:
                raise QueryError(
                    f"the query needs more memory than its limit ({_with_hints(str(exc))}); "
                    "narrow it, or raise --memory-limit"
                ) from None
            except duckdb.Error as exc:
                raise _explain(exc) from None


def _explain(exc: duckdb.Error) -> QueryError:
    """DuckDB's error as one line, with what to do."""
    text = str(exc)
    if "read-only" in text.lower() or "read only" in text.lower():
        return QueryError(
            "the warehouse is opened read-only: write statements are not allowed "
            f"({text.splitlines()[0]})"
        )
    refused = ("disabled by configuration", "disabled through configuration", "locked")
    if any(word in text for word in refused):
        return QueryError(
            "refused: `mic2025 sql` reads the warehouse and nothing else (no other "
            f"files, no attached databases, no extensions) ({text.splitlines()[0]})"
        )
    return QueryError(_with_hints(text) if text else repr(exc))
