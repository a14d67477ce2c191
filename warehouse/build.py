"""Build every layer of the warehouse into a temporary file and validate it (the refresh then
publishes it with warehouse/publish.py)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandera.errors
import polars as pl

from mic2025.flows.base.errors import ValidationFailed
from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.payloads import BuildResult, LoadReport, RunInfo
from mic2025.flows.base.settings import facts_dir, warehouse_config
from mic2025.flows.sources import baci, get_source
from mic2025.flows.sources import nbs as nbs_source
from mic2025.schemas import core as core_schemas
from mic2025.schemas import facts as fact_schemas
from mic2025.schemas import marts as mart_schemas
from mic2025.schemas import meta as meta_schemas
from mic2025.schemas.common import describe_failures
from mic2025.schemas.specs import validate_spec
from mic2025.warehouse import (
    city_metrics,
    claim_checks,
    conform,
    metrics,
    scorecard,
    sector_summary,
)
from mic2025.warehouse.changes import metric_changes
from mic2025.warehouse.load import QUARANTINE_COLUMNS, raw_schema
from mic2025.warehouse.publish import read_published

LAYERS = ["raw", "core", "marts", "meta"]


#: Every table the refresh writes besides raw.*, with the pandera model that checks it.
TABLE_SCHEMAS = {
    "core.sectors": core_schemas.Sectors,
    "core.publishers": core_schemas.Publishers,
    "core.places": core_schemas.Places,
    "core.official_series": core_schemas.OfficialSeries,
    "core.official_stats": core_schemas.OfficialStats,
    "core.national_series": core_schemas.NationalSeries,
    "core.observations": core_schemas.Observations,
    "core.trade": core_schemas.Trade,
    "core.sector_hs_map": core_schemas.SectorHsMap,
    "core.targets": core_schemas.Targets,
    "marts.sector_summary": mart_schemas.SectorSummary,
    "marts.self_sufficiency": mart_schemas.SelfSufficiency,
    "marts.sector_metrics": mart_schemas.SectorMetrics,
    "marts.scorecard": mart_schemas.Scorecard,
    "marts.city_metrics": mart_schemas.CityMetrics,
    "core.article_claims": fact_schemas.ArticleClaims,
    "marts.claim_checks": fact_schemas.ClaimChecks,
    "meta.loads": meta_schemas.Loads,
    "meta.snapshots": meta_schemas.Snapshots,
    "meta.quarantine": meta_schemas.Quarantine,
    "meta.runs": meta_schemas.Runs,
}


# --------------------------------------------------------------------------- facts


def read_sectors(root: Path | None = None) -> pl.DataFrame:
    return read_facts_csv((root or facts_dir()) / "sectors.csv")


def read_places(root: Path | None = None) -> pl.DataFrame:
    """facts/places.csv, checked against its model (schemas/specs.py ``Place``)."""
    frame = read_facts_csv((root or facts_dir()) / "places.csv")
    return validate_spec("places.csv", frame, folder="facts")


def read_official_series(
    root: Path | None = None, nbs_catalogue: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The series catalogue: curated series (facts/official_series.csv) and the NBS national
    database series (facts/nbs_catalogue.csv, or the catalogue already read), one row each."""
    curated = read_facts_csv((root or facts_dir()) / "official_series.csv")
    nbs = nbs_catalogue if nbs_catalogue is not None else nbs_source.read_catalogue(root)
    nbs = nbs.with_columns(pl.lit("NBS").alias("publisher"))
    return pl.concat([curated, nbs.select(curated.columns)])


# --------------------------------------------------------------------------- build


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, model=None) -> int:
    con.register("frame_to_write", frame.to_arrow())  # explicit: no replacement scan needed
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM frame_to_write")
    finally:
        con.unregister("frame_to_write")
    if model is not None:  # the table says what it holds to any client (duckdb_tables().comment)
        text = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
        if text:
            con.execute(f"COMMENT ON TABLE {table} IS '{text.replace(chr(39), chr(39) * 2)}'")
    return frame.height


def _validate(table: str, frame: pl.DataFrame, schema) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        summary = describe_failures(exc.failure_cases)
        raise ValidationFailed("warehouse", table, f"failed its schema: {summary}") from None


def _runs(run: RunInfo, reports: list[LoadReport], previous: Path | None) -> pl.DataFrame:
    statuses = [r.status for r in reports]
    row = pl.DataFrame(
        [
            {
                "load_id": run.load_id,
                "flow_run_id": run.flow_run_id,
                "mode": run.mode,
                "live": run.live,
                "inputs_fingerprint": run.inputs_fingerprint,
                "started_at": run.started_at,
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
    """raw -> core: each loaded source goes through the conformer its declaration names
    (``Source.core``, warehouse/conform.py ``CONFORMERS``); a core table no source fed is empty."""
    sectors = read_sectors()
    nbs_catalogue = nbs_source.read_catalogue()
    series = read_official_series(nbs_catalogue=nbs_catalogue)
    refs = {"sectors": sectors, "series": series, "nbs_catalogue": nbs_catalogue}
    parts: dict[str, list[pl.DataFrame]] = {c.table: [] for c in conform.CONFORMERS.values()}
    for _, frames in sorted(raw.items()):
        for source_name, frame in frames:
            source = get_source(source_name)
            conformer = conform.CONFORMERS[source.core]
            parts[conformer.table].append(conformer.build(source, frame, refs))
    conformed = {
        table: pl.concat(frames) if frames else empty_frame(TABLE_SCHEMAS[table])
        for table, frames in parts.items()
    }
    # NBS national series feed the metrics as official figures (latest vintage only).
    nbs_rows = conform.official_from_national(conformed["core.national_series"], nbs_catalogue)
    if nbs_rows.height:
        official = conformed["core.official_stats"]
        conformed["core.official_stats"] = pl.concat([official, nbs_rows.cast(official.schema)])
    return {
        "core.sectors": sectors,
        "core.publishers": conform.read_publishers(),
        "core.places": read_places(),
        "core.official_series": series,
        **conformed,
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
    places = city_metrics.city_metrics(core["core.official_stats"], core["core.places"], load_id)
    checks = claim_checks.claim_checks(
        core["core.article_claims"],
        long,
        core["core.official_stats"],
        core["core.targets"],
        load_id,
        city=places,
        card=card,
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
        "marts.city_metrics": places,
        "marts.self_sufficiency": wide,
        "marts.sector_metrics": long,
        "marts.scorecard": card,
        "marts.claim_checks": pl.concat([checks, verdicts.drop("sector_id", "text")]),
    }


def build_warehouse(
    tmp: Path,
    *,
    run: RunInfo,
    reports: list[LoadReport],
    snapshots: list[dict],
    previous: Path | None = None,
    staging: Path | None = None,
    bulk_files: list[Path] | None = None,
) -> BuildResult:
    """Create every layer in ``tmp`` from the staged raw parquet files and validate it.

    ``snapshots``: the meta.snapshots rows of the snapshots loaded."""
    load_id, flow_run_id = run.load_id, run.flow_run_id
    # bulk rows are parsed straight into the new warehouse (they never leave DuckDB) by a
    # thread of their own: the refresh flow starts it before its sources load
    # (baci.start_early), or the build starts it here
    bulk = baci.take_early(tmp)
    if bulk is None:
        tmp.unlink(missing_ok=True)
    result = BuildResult(path=str(tmp))
    try:
        # written in a storage format that DuckDB 1.x clients open too (flows/base/settings.py)
        con = duckdb.connect(str(tmp), config=warehouse_config())
        try:
            for layer in LAYERS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            if bulk is None and bulk_files:
                bulk = baci.BulkLoad(tmp, bulk_files)
            # what needs no bulk rows (core tables, their checks, the raw and core writes, then a
            # warm-up of the bulk checks) is done while the files load
            core, written = _core_while_bulk_loads(con, reports, load_id)
            if bulk is not None and not bulk.done():  # idle until the files are in: warm up
                # only a head start: a failure here is the real pass's to report
                with contextlib.suppress(Exception):
                    baci.warm_up(core["core.sector_hs_map"])
            bulk_quarantine, extra = None, None
            if bulk is not None:
                loaded = bulk.reports()
                result.bulk_reports, bulk_quarantine = baci.check_loaded(con, loaded, load_id)
                result.tables["raw.baci_trade"] = con.sql(
                    "SELECT count(*) FROM raw.baci_trade"
                ).fetchall()[0][0]
                extra = baci.china_trade_metrics(con, core["core.sector_hs_map"])
            result.tables.update(written)
            all_reports = reports + result.bulk_reports
            tables = {
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
            for table, frame in tables.items():
                result.tables[table] = _write(con, table, frame, TABLE_SCHEMAS[table])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except BaseException:
        if bulk is not None:
            bulk.stop()  # the thread ends before the file may be removed (no-op once joined)
        raise
    return result


def _core_while_bulk_loads(
    con: duckdb.DuckDBPyConnection, reports: list[LoadReport], load_id: str
) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """raw -> core, each raw and core table checked and written: the part of a build that needs
    no bulk rows (so it runs while they load, on their own connection). Returns the core tables
    and the rows written per table."""
    raw: dict[str, list[tuple[str, pl.DataFrame]]] = {}
    for rep in [r for r in reports if r.raw_path]:
        frame = pl.read_parquet(rep.raw_path, glob=False)  # a path, not a pattern
        raw.setdefault(rep.table, []).append((rep.source, frame))
    core = core_tables(raw, load_id)
    for table, frame in core.items():
        _validate(table, frame, TABLE_SCHEMAS[table])
    written: dict[str, int] = {}
    for table, frames in sorted(raw.items()):
        frame = pl.concat([f for _, f in frames])
        _validate(f"raw.{table}", frame, raw_schema(table))
        written[f"raw.{table}"] = _write(con, f"raw.{table}", frame, raw_schema(table))
    for table, frame in core.items():
        written[table] = _write(con, table, frame, TABLE_SCHEMAS[table])
    return core, written


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
    reports: list[LoadReport], load_id: str, flow_run_id: str | None, previous: Path | None
) -> pl.DataFrame:
    rows = pl.DataFrame(
        [
            {
                "load_id": load_id,
                "flow_run_id": flow_run_id,
                "source": r.source,
                "snapshot_version": r.snapshot_version,
                "snapshot_sha256": r.snapshot_sha256,
                "rows_read": r.rows_read,
                "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
                "status": r.status,
                "message": r.message,
                "started_at": datetime.fromisoformat(r.started_at),
                "finished_at": datetime.fromisoformat(r.finished_at),
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


def _quarantine(reports: list[LoadReport], bulk: pl.DataFrame | None = None) -> pl.DataFrame:
    frames = [pl.read_parquet(r.quarantine_path, glob=False) for r in reports if r.quarantine_path]
    if bulk is not None and bulk.height:
        frames.append(bulk.select(list(QUARANTINE_COLUMNS)).cast(QUARANTINE_COLUMNS))
    return pl.concat(frames) if frames else pl.DataFrame(schema=QUARANTINE_COLUMNS)
