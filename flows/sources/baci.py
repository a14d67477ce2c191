"""Bulk trade files in CEPII BACI format: ``t,i,j,k,v,q`` (year, exporter, importer, HS6 product,
value in thousand USD, quantity in tonnes), one file per year, ~10 million rows each.

These files are too large for Python objects, so the path streams:

1. :func:`stage_file`: DuckDB reads the CSV and writes typed Parquet, partitioned by year
   (``<staging>/baci/t=<year>/<file>.parquet``) - one task per file, so files fan out (Dask);
2. :func:`validate_partition`: pandera checks each partition (one year, bounded memory); failing
   rows go to a quarantine Parquet file and are dropped from the partition;
3. the warehouse build reads the Parquet partitions into ``raw.baci_trade`` with DuckDB and
   computes ``world_export_share`` and ``revealed_comparative_advantage`` for China
   (:func:`china_trade_metrics`), in SQL, without collecting the rows.

Comtrade bulk files are read the same way once renamed to these columns (see README).
BACI country codes are ISO 3166 numeric (China = 156).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandera.errors
import pandera.polars as pa
import polars as pl

from flows.errors import SourceFormatError, ValidationFailed
from flows.settings import quarantine_threshold

COLUMNS = {
    "t": "INTEGER",
    "i": "INTEGER",
    "j": "INTEGER",
    "k": "INTEGER",
    "v": "DOUBLE",
    "q": "DOUBLE",
}
CHINA = 156


class BaciTrade(pa.DataFrameModel):
    """One bilateral flow: exporter i to importer j of HS6 product k in year t."""

    t: int = pa.Field(ge=1988, le=2100, description="Year")
    i: int = pa.Field(ge=0, le=999, description="Exporter (ISO numeric)")
    j: int = pa.Field(ge=0, le=999, description="Importer (ISO numeric)")
    k: int = pa.Field(ge=10000, le=999999, description="HS6 product code (leading zero dropped)")
    v: float = pa.Field(ge=0, description="Value, thousand US dollars")
    q: float = pa.Field(nullable=True, ge=0, description="Quantity, tonnes")

    class Config:
        strict = True
        coerce = False


@dataclass
class BaciReport:
    file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    partitions: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def sql_string(text: str) -> str:
    """A SQL string literal for DuckDB statements that take no parameters there (COPY TO,
    read_parquet globs): quotes doubled, control characters refused. File names come from the
    user's folder, so they are never pasted into SQL unquoted."""
    if any(ord(ch) < 32 for ch in text):
        raise SourceFormatError("baci", f"refusing a path with control characters: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def _pattern_part(text: str) -> str:
    """A file stem usable in FILENAME_PATTERN: letters, digits, - and _ only."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)


def baci_dir() -> Path | None:
    value = os.environ.get("MIC2025_BACI_DIR")
    return Path(value) if value else None


def baci_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.csv") if p.is_file())


def _check_header(path: Path) -> None:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        header = [c.strip().strip('"') for c in fh.readline().strip().split(",")]
    if header != list(COLUMNS):
        raise SourceFormatError(
            f"baci:{path.name}", f"header {header} is not the BACI layout {list(COLUMNS)}"
        )


def stage_file(path: Path, staging: Path, threads: int | None = None) -> list[Path]:
    """Stream one BACI CSV into typed Parquet partitioned by year; return the files written."""
    _check_header(path)
    out = staging / "baci"
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        columns = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS.items())
        con.execute(
            f"""
            COPY (SELECT * FROM read_csv(?, header = true, columns = {{{columns}}},
                                         nullstr = ['NA', ''], auto_detect = false))
            TO {sql_string(str(out))} (FORMAT parquet, PARTITION_BY (t), OVERWRITE_OR_IGNORE,
                        FILENAME_PATTERN {sql_string(_pattern_part(path.stem) + "_{i}")})
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        raise SourceFormatError(f"baci:{path.name}", str(exc).splitlines()[0]) from None
    finally:
        con.close()
    return sorted(out.glob(f"t=*/{_pattern_part(path.stem)}_*.parquet"))


def validate_partition(part: Path, quarantine_dir: Path) -> tuple[int, int]:
    """pandera checks on one Parquet partition; failing rows are moved to quarantine.
    Returns (rows read, rows quarantined)."""
    frame = pl.read_parquet(part, hive_partitioning=False)
    year = int(part.parent.name.split("=", 1)[1])
    frame = frame.with_columns(pl.lit(year, dtype=pl.Int32).alias("t")).select(list(COLUMNS))
    frame = frame.cast({"t": pl.Int64, "i": pl.Int64, "j": pl.Int64, "k": pl.Int64})
    try:
        BaciTrade.validate(frame, lazy=True)
        return frame.height, 0
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    schema_level = cases.filter(pl.col("index").is_null())
    if schema_level.height:
        raise SourceFormatError(f"baci:{part.name}", f"schema drift: {schema_level.to_dicts()}")
    bad = cases.get_column("index").unique()
    if bad.len() / max(frame.height, 1) > quarantine_threshold():
        summary = cases.group_by("column", "check").len().to_dicts()
        raise ValidationFailed(
            f"baci:{part.name}",
            "raw.baci_trade",
            f"{bad.len()} of {frame.height} rows failed checks: {summary}",
        )
    indexed = frame.with_row_index("__row")
    is_bad = pl.col("__row").is_in(bad.implode())
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    indexed.filter(is_bad).drop("__row").with_columns(
        pl.lit(json.dumps(cases.head(20).to_dicts(), default=str)).alias("checks")
    ).write_parquet(quarantine_dir / f"{part.parent.name}_{part.name}")
    kept = indexed.filter(~is_bad).drop("__row", "t")
    kept.cast({"i": pl.Int32, "j": pl.Int32, "k": pl.Int32}).write_parquet(part)
    return frame.height, bad.len()


def ingest_file(path: Path, staging: Path, threads: int | None = None) -> BaciReport:
    """Stage and validate one file (one refresh task per file)."""
    parts = stage_file(path, staging, threads)
    read = quarantined = 0
    for part in parts:
        r, q = validate_partition(part, staging / "baci_quarantine")
        read += r
        quarantined += q
    return BaciReport(path.name, read, read - quarantined, quarantined, [str(p) for p in parts])


def load_into(con: duckdb.DuckDBPyConnection, staging: Path, table: str = "raw.baci_trade") -> int:
    """Create ``table`` from the staged partitions (DuckDB reads the Parquet; no Python rows)."""
    pattern = str(staging / "baci" / "t=*" / "*.parquet")
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT CAST(t AS INTEGER) AS t, i, j, k, v, q "
        f"FROM read_parquet({sql_string(pattern)}, hive_partitioning = true)"
    )
    return con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def china_trade_metrics(
    con: duckdb.DuckDBPyConnection,
    hs_map: pl.DataFrame,
    table: str = "raw.baci_trade",
    revision: str = "HS2017",
) -> pl.DataFrame:
    """world_export_share and revealed_comparative_advantage of China for the HS6 products of
    the sector map (formulas in docs/metrics.md), computed in DuckDB over the whole table:

        world_export_share = X_china,p / X_world,p
        RCA = (X_china,p / X_china,all) / (X_world,p / X_world,all)

    X = exports (sum of v over importers), world = every exporter in the file.
    """
    products = (
        hs_map.filter(
            (pl.col("hs_revision") == revision) & (pl.col("hs_code").str.len_chars() == 6)
        )
        .select("sector", "product", pl.col("hs_code").cast(pl.Int32).alias("k"))
        .unique("k")
    )
    con.register("sector_products", products.to_arrow())
    try:
        frame = con.sql(
            f"""
            WITH by_product AS (
                SELECT t, k, sum(v) AS world, sum(v) FILTER (WHERE i = {CHINA}) AS china
                FROM {table} WHERE k IN (SELECT k FROM sector_products) GROUP BY t, k),
            totals AS (
                SELECT t, sum(v) AS world_all, sum(v) FILTER (WHERE i = {CHINA}) AS china_all
                FROM {table} GROUP BY t)
            SELECT p.t AS year, p.k, s.sector, s.product, p.world, p.china, o.world_all,
                   o.china_all
            FROM by_product p JOIN totals o USING (t) JOIN sector_products s USING (k)
            WHERE p.china IS NOT NULL AND p.world > 0
            """
        ).pl()
    finally:
        con.unregister("sector_products")
    if frame.is_empty():
        return frame
    common = [pl.col("sector"), pl.col("product"), pl.col("year").cast(pl.Int64)]
    inputs = pl.format(
        "HS {}:{} CHN={} world={} CHN all={} world all={} (thousand USD)",
        pl.col("k").cast(pl.String).str.zfill(6),
        "year",
        "china",
        "world",
        "china_all",
        "world_all",
    )
    tail = [
        pl.lit("value").alias("basis"),
        pl.lit("CEPII BACI").alias("publisher"),
    ]
    share = frame.select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        (pl.col("china") / pl.col("world")).alias("value"),
        pl.lit("ratio").alias("unit"),
        *tail,
        pl.format(
            "China exports / all exporters' exports, HS {}",
            pl.col("k").cast(pl.String).str.zfill(6),
        ).alias("method"),
        inputs.alias("inputs"),
        pl.lit("BACI bulk files (MIC2025_BACI_DIR)").alias("sources"),
    )
    rca = frame.filter((pl.col("china_all") > 0) & (pl.col("world_all") > 0)).select(
        *common,
        pl.lit("revealed_comparative_advantage").alias("metric"),
        ((pl.col("china") / pl.col("china_all")) / (pl.col("world") / pl.col("world_all"))).alias(
            "value"
        ),
        pl.lit("index").alias("unit"),
        *tail,
        pl.format("Balassa RCA, HS {}", pl.col("k").cast(pl.String).str.zfill(6)).alias("method"),
        inputs.alias("inputs"),
        pl.lit("BACI bulk files (MIC2025_BACI_DIR)").alias("sources"),
    )
    return pl.concat([share, rca])
