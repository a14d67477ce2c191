"""Build the warehouse in a temporary file, validate it, then publish it atomically.

Publishing is ``os.replace(tmp, warehouse)`` after every connection to ``tmp`` is closed: readers
that already have the old file open keep a consistent old copy, new readers see the new file, and
a crash at any point leaves the published file as it was (byte-identical). One writer at a time
is enforced by an advisory lock file beside the warehouse (:func:`writer_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandera.errors
import polars as pl

from flows.errors import Mic2025Error, ValidationFailed, WarehouseBusy, WarehousePathError
from flows.settings import facts_dir, storage_version
from flows.sources import baci
from schemas import core as core_schemas
from schemas import facts as fact_schemas
from schemas import marts as mart_schemas
from schemas import meta as meta_schemas
from warehouse import claim_checks, conform, metrics, scorecard, sector_summary
from warehouse.changes import metric_changes
from warehouse.load import QUARANTINE_COLUMNS, raw_schema
from warehouse.query import open_reader

LAYERS = ["raw", "core", "marts", "meta"]


class WarehouseUnreadable(Mic2025Error):
    """The published warehouse exists but cannot be opened."""


#: Every table the refresh writes besides raw.*, with the pandera model that checks it.
TABLE_SCHEMAS = {
    "core.sectors": core_schemas.Sectors,
    "core.publishers": core_schemas.Publishers,
    "core.official_series": core_schemas.OfficialSeries,
    "core.official_stats": core_schemas.OfficialStats,
    "core.observations": core_schemas.Observations,
    "core.trade": core_schemas.Trade,
    "core.sector_hs_map": core_schemas.SectorHsMap,
    "core.targets": core_schemas.Targets,
    "marts.sector_summary": mart_schemas.SectorSummary,
    "marts.self_sufficiency": mart_schemas.SelfSufficiency,
    "marts.sector_metrics": mart_schemas.SectorMetrics,
    "marts.scorecard": mart_schemas.Scorecard,
    "core.article_claims": fact_schemas.ArticleClaims,
    "marts.claim_checks": fact_schemas.ClaimChecks,
    "meta.loads": meta_schemas.Loads,
    "meta.snapshots": meta_schemas.Snapshots,
    "meta.quarantine": meta_schemas.Quarantine,
    "meta.runs": meta_schemas.Runs,
}


@dataclass
class BuildResult:
    path: str
    tables: dict[str, int] = field(default_factory=dict)
    metric_changes: dict = field(default_factory=dict)
    bulk_reports: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "tables": self.tables,
            "metric_changes": self.metric_changes,
            "bulk_reports": self.bulk_reports,
        }


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


# --------------------------------------------------------------------------- facts


def read_sectors(root: Path | None = None) -> pl.DataFrame:
    return pl.read_csv((root or facts_dir()) / "sectors.csv", infer_schema_length=0)


def read_official_series(root: Path | None = None) -> pl.DataFrame:
    return pl.read_csv((root or facts_dir()) / "official_series.csv", infer_schema_length=0)


# --------------------------------------------------------------------------- build


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    con.register("frame_to_write", frame.to_arrow())  # explicit: no replacement scan needed
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM frame_to_write")
    finally:
        con.unregister("frame_to_write")
    return frame.height


def _validate(table: str, frame: pl.DataFrame, schema) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        summary = "; ".join(
            f"{r['column']}: {r['check']} (value {r['failure_case']!r}, row {r['index']})"
            for r in cases.iter_rows(named=True)
        )
        raise ValidationFailed("warehouse", table, f"failed its schema: {summary}") from None


def read_published(target: Path, table: str) -> pl.DataFrame | None:
    """A table of the published warehouse, read-only: None when there is no warehouse yet or it
    has no such table (an older version). A warehouse that exists but cannot be opened is an
    error, never a silent None: the refresh would otherwise reset the loads and runs history."""
    if not target.exists():
        return None
    try:
        con = open_reader(target)
    except duckdb.Error as exc:
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


def _runs(run: dict, reports: list[dict], previous: Path | None) -> pl.DataFrame:
    statuses = [r["status"] for r in reports]
    row = pl.DataFrame(
        [
            {
                **{k: run.get(k) for k in ("load_id", "flow_run_id", "mode", "live")},
                "inputs_fingerprint": run["inputs_fingerprint"],
                "started_at": run["started_at"],
                "finished_at": datetime.now(UTC),
                "sources": len(reports),
                "sources_fresh": statuses.count("fresh"),
                "sources_stale": statuses.count("stale"),
                "sources_failed": statuses.count("failed"),
            }
        ],
        schema_overrides={"flow_run_id": pl.String},
    )
    row = meta_schemas.Runs.validate(row)
    old = read_published(previous, "meta.runs") if previous else None
    if old is not None and old.height:
        row = pl.concat([old.select(row.columns).cast(row.schema), row])
    return row


def empty_frame(model) -> pl.DataFrame:
    """An empty frame with a pandera model's columns and types (for a source not loaded)."""
    return pl.DataFrame(schema={n: c.dtype.type for n, c in model.to_schema().columns.items()})


def core_tables(raw: dict[str, list[tuple[str, pl.DataFrame]]], load_id: str) -> dict:
    """raw -> core: every core table, from whichever raw tables were loaded."""
    from flows.sources import worldbank

    def one(table: str) -> pl.DataFrame | None:
        frames = raw.get(table)
        return pl.concat([f for _, f in frames]) if frames else None

    sectors = read_sectors()
    series = read_official_series()
    official_raw = one("china_official_stats")
    trade_raw = one("comtrade_trade")
    hs_raw = one("sector_hs_map")
    targets_raw = one("mic2025_targets")
    observations = []
    for table, frames in raw.items():
        for source, frame in frames:
            if table.startswith("owid_"):
                observations.append(conform.owid_observations(source, frame))
            elif table == "iea_global_ev_data":
                observations.append(conform.iea_observations(frame))
            elif table == worldbank.RAW_TABLE:
                indicator = frame["indicator_id"][0] if frame.height else ""
                unit = worldbank.UNITS.get(indicator, "")
                observations.append(conform.wdi_observations(source, frame, unit))
    return {
        "core.sectors": sectors,
        "core.publishers": conform.read_publishers(),
        "core.official_series": series,
        "core.official_stats": (
            conform.official_stats(official_raw, series)
            if official_raw is not None
            else empty_frame(core_schemas.OfficialStats)
        ),
        "core.observations": (
            pl.concat(observations) if observations else empty_frame(core_schemas.Observations)
        ),
        "core.trade": (
            conform.trade(trade_raw) if trade_raw is not None else empty_frame(core_schemas.Trade)
        ),
        "core.sector_hs_map": (
            conform.sector_hs_map(hs_raw, sectors)
            if hs_raw is not None
            else empty_frame(core_schemas.SectorHsMap)
        ),
        "core.targets": (
            conform.targets(targets_raw, sectors)
            if targets_raw is not None
            else empty_frame(core_schemas.Targets)
        ),
        "core.article_claims": claim_checks.load_articles().with_columns(
            pl.lit(load_id).alias("load_id")
        ),
    }


def mart_tables(
    core: dict[str, pl.DataFrame], load_id: str, extra: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """core -> marts (``extra``: metric rows computed elsewhere, e.g. from bulk trade files)."""
    wide = metrics.self_sufficiency(core["core.official_stats"], core["core.sectors"], load_id)
    long = metrics.sector_metrics(
        wide,
        official=core["core.official_stats"],
        observations=core["core.observations"],
        trade=core["core.trade"],
        hs_map=core["core.sector_hs_map"],
        sectors=core["core.sectors"],
        load_id=load_id,
        extra=extra,
    )
    card = scorecard.scorecard(
        core["core.targets"],
        scorecard.read_target_measures(),
        core["core.official_stats"],
        long,
        core["core.sectors"],
        load_id,
    )
    checks = claim_checks.claim_checks(
        core["core.article_claims"],
        long,
        core["core.official_stats"],
        core["core.targets"],
        load_id,
    )
    summary = sector_summary.sector_summary(core["core.sectors"], long, card, load_id)
    verdicts = claim_checks.evaluator_verdicts(
        core["core.article_claims"], summary, core["core.sectors"], load_id
    )
    summary = sector_summary.sector_summary(
        core["core.sectors"], long, card, load_id, verdicts=verdicts
    )
    return {
        "marts.sector_summary": summary,
        "marts.self_sufficiency": wide,
        "marts.sector_metrics": long,
        "marts.scorecard": card,
        "marts.claim_checks": pl.concat([checks, verdicts.drop("sector_id", "text")]),
    }


def build_warehouse(
    tmp: Path,
    *,
    run: dict,
    reports: list[dict],
    snapshots: list[dict],
    previous: Path | None = None,
    staging: Path | None = None,
    bulk_files: list[Path] | None = None,
) -> BuildResult:
    """Create every layer in ``tmp`` from the staged raw parquet files and validate it.

    ``run``: load_id, flow_run_id, mode, live, inputs_fingerprint, started_at (meta.runs)."""
    load_id, flow_run_id = run["load_id"], run.get("flow_run_id")
    tmp.unlink(missing_ok=True)
    result = BuildResult(path=str(tmp))
    # written in a storage format that DuckDB 1.x clients open too (flows/settings.py)
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": storage_version()})
    try:
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        bulk = None
        if bulk_files:  # parsed straight into the new warehouse; rows never leave DuckDB.
            # DuckDB releases the GIL while it parses, so the core tables are built meanwhile;
            # this thread does not touch `con` until the bulk load is joined.
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-load")
            bulk = pool.submit(baci.load_bulk, con, bulk_files, load_id)
            pool.shutdown(wait=False)
        raw: dict[str, list[tuple[str, pl.DataFrame]]] = {}
        for rep in [r for r in reports if r.get("raw_path")]:
            frame = pl.read_parquet(rep["raw_path"], glob=False)  # a path, not a pattern
            raw.setdefault(rep["table"], []).append((rep["source"], frame))
        core = core_tables(raw, load_id)
        bulk_quarantine, extra = None, None
        if bulk is not None:
            result.bulk_reports, bulk_quarantine = bulk.result()
            result.tables["raw.baci_trade"] = con.sql(
                "SELECT count(*) FROM raw.baci_trade"
            ).fetchall()[0][0]
            extra = baci.china_trade_metrics(con, core["core.sector_hs_map"])
        all_reports = reports + result.bulk_reports
        tables = {
            **core,
            **mart_tables(core, load_id, extra),
            "meta.loads": _ledger(all_reports, load_id, flow_run_id, previous),
            "meta.snapshots": pl.DataFrame(
                snapshots + claim_checks.article_snapshot_records(), schema=_SNAPSHOT_COLUMNS
            ),
            "meta.quarantine": _quarantine(reports, bulk_quarantine),
            "meta.runs": _runs(run, all_reports, previous),
        }
        for table, frame in tables.items():
            _validate(table, frame, TABLE_SCHEMAS[table])
        result.metric_changes = metric_changes(
            read_published(previous, "marts.sector_metrics") if previous else None,
            tables["marts.sector_metrics"],
        )
        for table, frames in sorted(raw.items()):
            frame = pl.concat([f for _, f in frames])
            _validate(f"raw.{table}", frame, raw_schema(table))
            result.tables[f"raw.{table}"] = _write(con, f"raw.{table}", frame)
        for table, frame in tables.items():
            result.tables[table] = _write(con, table, frame)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return result


_SNAPSHOT_COLUMNS = {
    "source": pl.String,
    "version": pl.String,
    "sha256": pl.String,
    "rows": pl.Int64,
    "method": pl.String,
    "publisher": pl.String,
    "licence": pl.String,
    "origin_url": pl.String,
    "retrieved": pl.String,
    "path": pl.String,
}


def _ledger(
    reports: list[dict], load_id: str, flow_run_id: str | None, previous: Path | None
) -> pl.DataFrame:
    rows = pl.DataFrame(
        [
            {
                "load_id": load_id,
                "flow_run_id": flow_run_id,
                "source": r["source"],
                "snapshot_version": r["snapshot_version"],
                "snapshot_sha256": r["snapshot_sha256"],
                "rows_read": r["rows_read"],
                "rows_loaded": r["rows_loaded"],
                "rows_quarantined": r["rows_quarantined"],
                "status": r["status"],
                "message": r["message"],
                "started_at": datetime.fromisoformat(r["started_at"]),
                "finished_at": datetime.fromisoformat(r["finished_at"]),
                "published": True,
            }
            for r in reports
        ],
        schema_overrides={"flow_run_id": pl.String, "message": pl.String},
    )
    rows = meta_schemas.Loads.validate(rows)
    old = read_published(previous, "meta.loads") if previous else None  # keep the history
    if old is not None and old.height:
        rows = pl.concat([old.select(rows.columns).cast(rows.schema), rows])
    return rows


def _quarantine(reports: list[dict], bulk: pl.DataFrame | None = None) -> pl.DataFrame:
    frames = [
        pl.read_parquet(r["quarantine_path"], glob=False)
        for r in reports
        if r.get("quarantine_path")
    ]
    if bulk is not None and bulk.height:
        frames.append(bulk.select(list(QUARANTINE_COLUMNS)).cast(QUARANTINE_COLUMNS))
    return pl.concat(frames) if frames else pl.DataFrame(schema=QUARANTINE_COLUMNS)


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


def publish(tmp: Path, target: Path) -> None:
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
