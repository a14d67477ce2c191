"""Publishing: one writer at a time, a temporary build beside the warehouse, an atomic replace.

Publishing is ``os.replace(tmp, warehouse)`` after every connection to ``tmp`` is closed: readers
that already have the old file open keep a consistent old copy, new readers see the new file, and
a crash at any point leaves the published file as it was (byte-identical). One writer at a time
is enforced by an advisory lock file beside the warehouse (:func:`writer_lock`). Every file a
refresh writes besides the warehouse is named after it, so two warehouses in one folder never
touch each other's files. This module also reads back what is published (history, snapshots).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from mic2025.flows.base.errors import (
    Mic2025Error,
    ValidationFailed,
    WarehouseBusy,
    WarehousePathError,
)
from mic2025.flows.base.payloads import SnapshotChoice
from mic2025.warehouse.query import open_reader


class WarehouseUnreadable(Mic2025Error):
    """The published warehouse exists but cannot be opened."""


# --------------------------------------------------------------------------- locking / paths


def lock_path(target: Path) -> Path:
    return target.with_name(target.name + ".lock")


@contextlib.contextmanager
def writer_lock(target: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the one-writer lock for ``target``; raise :class:`WarehouseBusy` if another refresh
    holds it for longer than ``wait_seconds``. The OS releases it if the process dies."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fh = lock_path(target).open("a+")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise WarehouseBusy(
                        f"another refresh is writing {target} ({holder}); "
                        "wait for it to finish or pass a longer --wait"
                    ) from None
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat()}\n")
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def check_target(target: Path) -> None:
    """Before anything is built: the warehouse path is a file path in a writable folder, and the
    report folder beside it is not blocked by a file. Raises :class:`WarehousePathError` naming
    the path and the fix."""
    if target.is_dir():
        raise WarehousePathError(
            f"{target} is a folder; the warehouse is a file path such as "
            f"{target / 'mic2025.duckdb'}"
        )
    folder = next((p for p in [target.parent, *target.parent.parents] if p.exists()), None)
    if folder is not None and (not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK)):
        raise WarehousePathError(f"cannot write in {folder}; choose a writable folder")
    report = target.parent / "report"
    if report.exists() and not report.is_dir():
        raise WarehousePathError(
            f"{report} is a file, and the report folder goes there: move or remove it"
        )


def staging_dir(target: Path, load_id: str) -> Path:
    """Named after the warehouse: two warehouses in one folder never touch each other's files."""
    return target.with_name(f".{target.name}.build-{load_id}")


def temp_path(target: Path, load_id: str) -> Path:
    return target.with_name(f".{target.name}.{load_id}.tmp")


def remove_temp(tmp: Path) -> None:
    """The temporary build and the WAL DuckDB may have left beside it (a full disk leaves one)."""
    tmp.unlink(missing_ok=True)
    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def clean_leftovers(target: Path) -> list[str]:
    """Remove this warehouse's temp files and staging folders left by crashed refreshes (call
    under the lock). The name is escaped: ``wh[1].duckdb`` is not a glob pattern that matches
    another file."""
    removed = []
    own = glob.escape(f".{target.name}.")
    for p in target.parent.glob(f"{own}*.tmp*"):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    for p in target.parent.glob(f"{own}build-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


def set_aside_foreign_wal(target: Path) -> Path | None:
    """Move a ``.wal`` beside the published warehouse out of the way, keeping it.

    A refresh never leaves a ``.wal`` (it checkpoints before publishing), so one beside the
    target was written by a read-write session of someone else, on a file that was since
    replaced: replayed onto the new file it fails every reader ("Failure while replaying WAL
    file") or writes the analyst's changes into the wrong database. It is renamed to
    ``<name>.wal.foreign-<UTC time>`` (the analyst's writes are kept there, never lost silently)
    and the path is returned for the warning."""
    wal = target.with_name(target.name + ".wal")
    if not wal.exists():
        return None
    aside = wal.with_name(f"{wal.name}.foreign-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    os.replace(wal, aside)
    return aside


def read_published(target: Path, table: str) -> pl.DataFrame | None:
    """A table of the published warehouse, read-only: None when there is no warehouse yet or it
    has no such table (an older version). A warehouse that exists but cannot be opened is an
    error, never a silent None: the refresh would otherwise reset the loads and runs history."""
    if not target.exists():
        return None
    try:
        con = open_reader(target)
    except duckdb.Error as exc:
        if "WAL" in str(exc) and set_aside_foreign_wal(target):
            return read_published(target, table)  # the file itself is whole: read it again
        raise WarehouseUnreadable(
            f"cannot read the published warehouse {target} ({str(exc).splitlines()[0]}); "
            "its history would be lost: fix or move the file, then refresh again"
        ) from None
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = ?",
            [table],
        ).fetchall()[0][0]
        return con.sql(f"SELECT * FROM {table}").pl() if exists else None
    finally:
        con.close()


def published_fingerprint(target: Path) -> str | None:
    """inputs_fingerprint of the published warehouse's last run."""
    runs = read_published(target, "meta.runs")
    if runs is None or runs.is_empty():
        return None
    return runs.sort("load_id")["inputs_fingerprint"][-1]


# --------------------------------------------------------------------------- publish


def check_built(tmp: Path, expected: list[str]) -> None:
    """Open the built file read-only and check every expected table is there and readable."""
    con = duckdb.connect(str(tmp), read_only=True)
    try:
        present = {
            f"{s}.{t}"
            for s, t in con.sql(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
        missing = sorted(set(expected) - present)
        if missing:
            raise ValidationFailed("warehouse", ", ".join(missing), "missing from the build")
        for table in expected:
            con.sql(f"SELECT count(*) FROM {table}").fetchall()
    finally:
        con.close()


def publish(tmp: Path, target: Path) -> Path | None:
    """Atomically replace the published warehouse with ``tmp`` (same folder, so same file
    system), then fsync the folder so that the rename survives a power cut."""
    wal = tmp.with_name(tmp.name + ".wal")
    if wal.exists():
        raise ValidationFailed("warehouse", str(tmp), "a .wal is left: a connection is still open")
    # A .wal beside the target belongs to the file being replaced (an analyst who opened it
    # read-write): left there, every reader of the new file would fail with "WAL does not match".
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    # a read-write session opened on the old file in the moment before the swap may have
    # written a .wal since: it must never replay onto the new file
    return set_aside_foreign_wal(target)


def published_snapshots(target: Path) -> dict[str, dict]:
    """meta.snapshots of the published warehouse, by source ({} when there is none)."""
    frame = read_published(target, "meta.snapshots")
    return {} if frame is None else {r["source"]: r for r in frame.iter_rows(named=True)}


def previous_rows(choice: SnapshotChoice, published: dict[str, dict]) -> int | None:
    """Rows of the snapshot the published warehouse loaded for this source, when the refresh is
    about to load a different one (for the truncation check); None otherwise."""
    record = published.get(choice.source)
    if record is None or record["sha256"] == choice.sha256:
        return None
    return record["rows"]
