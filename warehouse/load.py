"""Snapshot -> raw: parse, add lineage, validate with pandera, quarantine failing rows.

Writes ``<staging>/raw/<table>.parquet`` and ``<staging>/quarantine/<source>.parquet``; returns a
small :class:`LoadReport` (the flow passes paths and reports between tasks, never frames).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandera.errors
import polars as pl

from mic2025.flows.base.errors import SourceFormatError, ValidationFailed
from mic2025.flows.base.payloads import LoadReport
from mic2025.flows.base.settings import min_row_share, quarantine_threshold
from mic2025.flows.fetch.snapshots import Snapshot
from mic2025.flows.sources import SOURCES, get_source
from mic2025.schemas.common import describe_failures
from mic2025.schemas.meta import QUARANTINE_COLUMNS


def raw_schema(table: str):
    """The pandera model of a raw table, as the sources that load it declare it."""
    models = {s.raw_model for s in SOURCES.values() if s.raw_table == table}
    if len(models) != 1:
        raise KeyError(f"raw table {table!r} is declared by {len(models)} models, not 1")
    return models.pop()


def now() -> str:
    return datetime.now(UTC).isoformat()


def _text(value) -> str | None:
    return None if value is None else str(value)


def cast_to_schema(frame: pl.DataFrame, schema) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse text columns into the schema's numbers and booleans. Returns (frame with the cells
    that parse, one failure per cell that does not: row index, column, check, original text).

    Parsers hand over text so that a cell that is not a number keeps its original text in
    meta.quarantine. Booleans are strict: only 'true' / 'false' (any case) parse.
    """
    failures, casts = [], []
    for name, column in schema.to_schema().columns.items():
        dtype = column.dtype.type
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        text = pl.col(name).str.strip_chars()
        if dtype == pl.Boolean:
            flag = text.str.to_lowercase()
            parsed = pl.when(flag == "true").then(True).when(flag == "false").then(False)
        elif dtype.is_numeric():
            parsed = text.cast(dtype, strict=False)
        else:
            continue
        parsed = pl.when(text == "").then(None).otherwise(parsed)
        bad = frame.with_row_index("index").filter(
            pl.col(name).is_not_null() & (pl.col(name).str.strip_chars() != "") & parsed.is_null()
        )
        if bad.height:
            failures.append(
                bad.select(
                    "index",
                    pl.lit(name).alias("column"),
                    pl.lit(f"dtype('{dtype}')").alias("check"),
                    pl.col(name).alias("failure_case"),
                )
            )
        casts.append(parsed.alias(name))
    failed = (
        pl.concat(failures)
        if failures
        else pl.DataFrame(
            schema={
                "index": pl.UInt32,
                "column": pl.String,
                "check": pl.String,
                "failure_case": pl.String,
            }
        )
    )
    return frame.with_columns(casts), failed


def split_valid(
    frame: pl.DataFrame, schema, *, source: str, table: str, load_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate ``frame``; return (valid rows, quarantine rows).

    Row-level failures (text that is not a number, a value out of range, a null, a bad pattern)
    send that row to quarantine with the original text of the failing cell. Schema-level failures
    (a missing, extra or retyped column) and duplicate keys stop the load with an error that names
    the source, the column or key and what was expected.
    """
    typed, cast_failures = cast_to_schema(frame, schema)
    cases = cast_failures.with_columns(pl.col("index").cast(pl.Int64))
    validated = None
    try:
        validated = schema.validate(typed, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        found = exc.failure_cases
        schema_level = found.filter(pl.col("index").is_null())
        if schema_level.height:
            described = describe_failures(schema_level, limit=10)
            raise SourceFormatError(source, f"schema drift in {table}: {described}") from None
        duplicates = found.filter(pl.col("check").str.ends_with("uniqueness"))
        if duplicates.height:
            key = schema.to_schema().unique or [duplicates["column"][0]]
            rows = sorted(set(duplicates["index"].to_list()))
            raise ValidationFailed(
                source,
                table,
                f"duplicate key {key} in rows {rows[:6]}: which copy is right cannot be known, so "
                f"the source is not loaded (first: {duplicates['failure_case'][0]})",
            ) from None
        # a row rule is named "<column>: <rule>" (schemas/common.py::row_rule)
        rule = pl.col("check").str.split_exact(": ", 1)
        found = found.with_columns(
            pl.when(pl.col("schema_context") == "DataFrameSchema")
            .then(rule.struct.field("field_0"))
            .otherwise(pl.col("column"))
            .alias("column"),
            pl.when(pl.col("schema_context") == "DataFrameSchema")
            .then(rule.struct.field("field_1"))
            .otherwise(pl.col("check"))
            .alias("check"),
        )
        found = found.select(pl.col("index").cast(pl.Int64), "column", "check", "failure_case")
        # a cell that is not a number is reported once, as such (not also as a null)
        cases = pl.concat([cases, found.join(cases, on=["index", "column"], how="anti")])
    if cases.height == 0:  # validated once: the common path pays for one validation
        return validated, pl.DataFrame(schema=QUARANTINE_COLUMNS)
    bad_index = cases.get_column("index").unique().sort()
    indexed = frame.with_row_index("__row")
    bad_rows = indexed.filter(pl.col("__row").is_in(bad_index.implode()))
    original = {r["__row"]: r for r in bad_rows.iter_rows(named=True)}
    row_json = {
        i: json.dumps({k: v for k, v in r.items() if k != "__row"}, default=str)
        for i, r in original.items()
    }
    quarantine = pl.DataFrame(
        {
            "load_id": load_id,
            "source": source,
            "table": table,
            "row_number": cases.get_column("index"),
            "row_json": [row_json.get(i) for i in cases.get_column("index").to_list()],
            "column": cases.get_column("column"),
            "check": cases.get_column("check"),
            # the cell as the source wrote it (a row rule's case is the whole row otherwise)
            "failing_value": [
                _text(original.get(i, {}).get(c, v))
                for i, c, v in cases.select("index", "column", "failure_case").iter_rows()
            ],
        },
        schema=QUARANTINE_COLUMNS,
    )
    good = typed.with_row_index("__row").filter(~pl.col("__row").is_in(bad_index.implode()))
    return schema.validate(good.drop("__row")), quarantine


def check_row_count(source: str, table: str, rows: int, previous_rows: int | None) -> None:
    """A snapshot with no data rows, or fewer than ``MIC2025_MIN_ROW_SHARE`` (default 80%) of the
    rows of the snapshot the published warehouse loaded, fails its source: a truncated download
    or a header-only file must not replace published data."""
    if rows == 0:
        raise ValidationFailed(source, table, "the snapshot has no data rows (header only)")
    share = min_row_share()
    if previous_rows and rows < share * previous_rows:
        raise ValidationFailed(
            source,
            table,
            f"{rows} rows, {rows / previous_rows:.0%} of the {previous_rows} rows published "
            f"before, below the {share:.0%} minimum (MIC2025_MIN_ROW_SHARE): truncated?",
        )


def read_raw(source_name: str, snapshot: Snapshot, load_id: str = "adhoc") -> pl.DataFrame:
    """One snapshot's valid raw rows, typed, with lineage (for scripts and tests; a refresh
    goes through :func:`load_source`, which also quarantines and writes Parquet)."""
    source = get_source(source_name)
    frame = source.parse(snapshot).with_columns(
        pl.lit(load_id).alias("load_id"), pl.lit(snapshot.sha256).alias("snapshot_sha256")
    )
    good, _ = split_valid(
        frame,
        raw_schema(source.raw_table),
        source=source_name,
        table=source.raw_table,
        load_id=load_id,
    )
    return good


def load_source(
    source_name: str,
    snapshot: Snapshot,
    staging: Path,
    load_id: str,
    *,
    status: str = "loaded",
    message: str | None = None,
    previous_rows: int | None = None,
) -> LoadReport:
    """Parse one snapshot into ``<staging>/raw/<table>.parquet`` after validation.

    ``previous_rows``: rows the published warehouse read from this source (None: first load, or
    the same snapshot), for the truncation check.
    """
    started = now()
    source = get_source(source_name)
    schema = raw_schema(source.raw_table)
    frame = source.parse(snapshot)
    check_row_count(source_name, f"raw.{source.raw_table}", frame.height, previous_rows)
    frame = frame.with_columns(
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


def keep_published(target: Path, record: dict, staging: Path, error: str) -> LoadReport | None:
    """When a source cannot be loaded from any snapshot (its committed snapshot was tampered
    with, say), stage the raw rows the published warehouse holds for it, unchanged (their load id
    still says when they were loaded). ``record``: the source's row of the published
    meta.snapshots; its rows are those read from that snapshot (a raw table may hold several
    sources, as the World Bank indicators share one). None when nothing is published for it."""
    from mic2025.warehouse.publish import read_published

    source = get_source(record["source"])
    published = read_published(target, f"raw.{source.raw_table}")
    if published is None:
        return None
    frame = published.filter(pl.col("snapshot_sha256") == record["sha256"])
    started = now()
    (staging / "raw").mkdir(parents=True, exist_ok=True)
    raw_path = staging / "raw" / f"{source.name}.parquet"
    frame.write_parquet(raw_path)
    return LoadReport(
        source=source.name,
        table=source.raw_table,
        snapshot_version=record["version"],
        snapshot_sha256=record["sha256"],
        rows_read=0,
        rows_loaded=frame.height,
        rows_quarantined=0,
        status="failed",
        message=f"load failed: {error}; kept the published rows (snapshot {record['version']})",
        started_at=started,
        finished_at=now(),
        raw_path=str(raw_path),
        quarantine_path=None,
    )
