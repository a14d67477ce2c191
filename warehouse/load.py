"""Snapshot -> raw: parse, add lineage, validate with pandera, quarantine failing rows.

Writes ``<staging>/raw/<table>.parquet`` and ``<staging>/quarantine/<source>.parquet``; returns a
small :class:`LoadReport` (the flow passes paths and reports between tasks, never frames).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandera.errors
import polars as pl

from flows.errors import SourceFormatError, ValidationFailed
from flows.settings import quarantine_threshold
from flows.snapshots import Snapshot
from flows.sources import get_source
from schemas import raw as raw_schemas

#: raw table -> pandera model (OWID charts share one model).
RAW_SCHEMAS = {
    "china_official_stats": raw_schemas.ChinaOfficialStats,
    "iea_global_ev_data": raw_schemas.IeaGlobalEvData,
    "comtrade_trade": raw_schemas.ComtradeTrade,
    "worldbank_wdi": raw_schemas.WorldbankWdi,
    "mic2025_targets": raw_schemas.Mic2025Targets,
    "sector_hs_map": raw_schemas.SectorHsMap,
}
QUARANTINE_COLUMNS = {
    "load_id": pl.String,
    "source": pl.String,
    "table": pl.String,
    "row_number": pl.Int64,
    "row_json": pl.String,
    "column": pl.String,
    "check": pl.String,
    "failing_value": pl.String,
}


def raw_schema(table: str):
    """The pandera model of a raw table."""
    if table.startswith("owid_"):
        return raw_schemas.OwidGrapher
    return RAW_SCHEMAS[table]


@dataclass
class LoadReport:
    source: str
    table: str
    snapshot_version: str
    snapshot_sha256: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    status: str
    message: str | None
    started_at: str
    finished_at: str
    raw_path: str | None
    quarantine_path: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def now() -> str:
    return datetime.now(UTC).isoformat()


def split_valid(
    frame: pl.DataFrame, schema, *, source: str, table: str, load_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate ``frame``; return (valid rows, quarantine rows).

    Row-level failures (a value out of range, a null, a bad pattern) send that row to quarantine.
    Schema-level failures (a missing, extra or retyped column) stop the load with an error that
    names the source, the column and what was expected.
    """
    try:
        return schema.validate(frame, lazy=True), pl.DataFrame(schema=QUARANTINE_COLUMNS)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    schema_level = cases.filter(pl.col("index").is_null())
    if schema_level.height:
        described = "; ".join(
            f"column {r['column']!r}: {r['check']} (found {r['failure_case']!r})"
            for r in schema_level.iter_rows(named=True)
        )
        raise SourceFormatError(source, f"schema drift in {table}: {described}")
    bad_index = cases.get_column("index").unique().sort()
    indexed = frame.with_row_index("__row")
    bad_rows = indexed.filter(pl.col("__row").is_in(bad_index.implode()))
    row_json = {
        r["__row"]: json.dumps({k: v for k, v in r.items() if k != "__row"}, default=str)
        for r in bad_rows.iter_rows(named=True)
    }
    quarantine = pl.DataFrame(
        {
            "load_id": load_id,
            "source": source,
            "table": table,
            "row_number": cases.get_column("index").cast(pl.Int64),
            "row_json": [row_json.get(i) for i in cases.get_column("index").to_list()],
            "column": cases.get_column("column"),
            "check": cases.get_column("check"),
            "failing_value": cases.get_column("failure_case").cast(pl.String),
        },
        schema=QUARANTINE_COLUMNS,
    )
    good = indexed.filter(~pl.col("__row").is_in(bad_index.implode())).drop("__row")
    return schema.validate(good), quarantine


def load_source(
    source_name: str,
    snapshot: Snapshot,
    staging: Path,
    load_id: str,
    *,
    status: str = "loaded",
    message: str | None = None,
) -> LoadReport:
    """Parse one snapshot into ``<staging>/raw/<table>.parquet`` after validation."""
    started = now()
    source = get_source(source_name)
    schema = raw_schema(source.raw_table)
    frame = source.parse(snapshot).with_columns(
        pl.lit(load_id).alias("load_id"), pl.lit(snapshot.sha256).alias("snapshot_sha256")
    )
    good, quarantine = split_valid(
        frame, schema, source=source_name, table=f"raw.{source.raw_table}", load_id=load_id
    )
    bad_rows = quarantine.get_column("row_number").n_unique() if quarantine.height else 0
    share = bad_rows / frame.height if frame.height else 0.0
    if share > quarantine_threshold():
        checks = quarantine.group_by("column", "check").len().sort("len", descending=True)
        summary = ", ".join(f"{r[0]}: {r[1]} x{r[2]}" for r in checks.iter_rows())
        examples = quarantine.unique("row_number", maintain_order=True).head(3)
        raise ValidationFailed(
            source_name,
            f"raw.{source.raw_table}",
            f"{bad_rows} of {frame.height} rows ({share:.1%}) failed checks, over the "
            f"{quarantine_threshold():.0%} threshold. Checks: {summary}. Example rows: "
            + "; ".join(
                f"row {r['row_number']}: {r['row_json']}" for r in examples.iter_rows(named=True)
            ),
        )
    (staging / "raw").mkdir(parents=True, exist_ok=True)
    raw_path = staging / "raw" / f"{source_name}.parquet"
    good.write_parquet(raw_path)
    quarantine_path = None
    if quarantine.height:
        (staging / "quarantine").mkdir(parents=True, exist_ok=True)
        quarantine_path = staging / "quarantine" / f"{source_name}.parquet"
        quarantine.write_parquet(quarantine_path)
    return LoadReport(
        source=source_name,
        table=source.raw_table,
        snapshot_version=snapshot.version,
        snapshot_sha256=snapshot.sha256,
        rows_read=frame.height,
        rows_loaded=good.height,
        rows_quarantined=bad_rows,
        status=status,
        message=message,
        started_at=started,
        finished_at=now(),
        raw_path=str(raw_path),
        quarantine_path=str(quarantine_path) if quarantine_path else None,
    )
