"""What the refresh's tasks hand each other: small typed records, never data frames.

Each is a dataclass (pickled by Prefect between tasks and to Dask workers as it is). They live in
the base layer so that sources, the loader, the builder and the flow can all name them.

    choose snapshots --SnapshotChoice--> load-raw --LoadReport--> build-warehouse --BuildResult-->
                                                   (RunInfo: the run's own fields)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict


@dataclass(frozen=True)
class SnapshotChoice:
    """Which snapshot a refresh loads for one source, and why.

    ``record``: the published warehouse's meta.snapshots row, set when a failed load keeps the
    published rows of this source (the snapshot itself may be gone from the store)."""

    source: str
    path: str
    version: str
    sha256: str
    status: str  # loaded, fresh, unchanged, stale, failed (schemas/meta.py LOAD_STATUS)
    message: str | None = None
    record: dict | None = None


@dataclass
class LoadReport:
    """One source's (or one bulk file's) raw load: a meta.loads row plus the staged files."""

    source: str
    table: str
    snapshot_version: str
    snapshot_sha256: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    status: str
    message: str | None
    started_at: str  # ISO 8601, UTC
    finished_at: str
    raw_path: str | None = None  # staged parquet of the rows that passed (None: bulk, in DuckDB)
    quarantine_path: str | None = None  # staged parquet of meta.quarantine rows

    def summary_row(self) -> dict:
        """The run summary's line for this source (CLI table, Prefect artifact)."""
        return {
            "source": self.source,
            "snapshot_version": self.snapshot_version,
            "status": self.status,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "message": self.message,
        }


@dataclass(frozen=True)
class RunInfo:
    """The refresh's own fields, written to meta.runs."""

    load_id: str
    inputs_fingerprint: str
    started_at: datetime
    flow_run_id: str | None = None
    mode: str = "full"
    live: bool = False


@dataclass
class BuildResult:
    """What the build wrote into the temporary warehouse."""

    path: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    metric_changes: dict = field(default_factory=dict)  # warehouse/changes.py
    bulk_reports: list[LoadReport] = field(default_factory=list)


class RefreshSummary(TypedDict):
    """The refresh flow's result: plain JSON (shown in the Prefect UI, printed by the CLI with
    ``--format json``, read by ``mic2025 alerts``), so it stays a dict and not a dataclass."""

    load_id: str
    flow_run_id: str | None
    warehouse: str
    published: bool  # False: incremental run, nothing changed, nothing rebuilt
    sources: list[dict]  # LoadReport.summary_row() per source and bulk file
    tables: dict[str, int]
    metric_changes: dict
