"""Bulk trade files in CEPII BACI format: ``t,i,j,k,v,q`` (year, exporter, importer, HS6 product,
value in thousand USD, quantity in tonnes), one file per year, ~10 million rows each.

These files are too large for Python objects, so the rows never leave DuckDB. Inside the
warehouse build (one pass per stage, no intermediate files):

1. :func:`load_files`: DuckDB parses the CSVs straight into ``raw.baci_trade`` of the new
   warehouse (its parallel CSV reader, all files in one statement; one file failing its header
   or its parse fails that file only, named in its report), in a thread of its own
   (:class:`BulkLoad`) that the refresh flow starts before its sources load
   (:func:`start_early`), so the parse overlaps the loads and the core build; meanwhile the
   build also warms up the checks (:func:`warm_up`);
2. :func:`validate_table`: pandera validates every row where it lies, through its ibis backend
   (each check is one SQL aggregate over the table); rows that fail are copied to
   ``meta.quarantine`` with the check they failed and deleted from the table; if more than the
   quarantine threshold fail, the bulk source fails and its rows are dropped;
3. :func:`china_trade_metrics`: ``world_export_share`` and ``revealed_comparative_advantage``
   for China, in SQL, without collecting the rows.

Measured against DuckDB's own ``CREATE TABLE AS SELECT * FROM read_csv`` of the same files in
``bench/run.py`` (docs/performance.md). Comtrade bulk files are read the same way once renamed to
these columns (see docs/operations.md). BACI country codes are ISO 3166 numeric (China = 156).
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandera.errors
import polars as pl

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.formulas import (
    SECTOR_BASKET,
    revealed_comparative_advantage,
    sector_basket_codes,
    trade_balance_index,
    world_export_share,
)
from mic2025.flows.base.payloads import LoadReport
from mic2025.flows.base.settings import quarantine_threshold, warehouse_config
from mic2025.flows.sources.baci_rules import RULES, failing_sql, rule_text
from mic2025.schemas.common import describe_failures

COLUMNS = {
    "t": "INTEGER",
    "i": "INTEGER",
    "j": "INTEGER",
    "k": "INTEGER",
    "v": "DOUBLE",
    "q": "DOUBLE",
}
CHINA = 156
TABLE = "raw.baci_trade"


@functools.cache
def baci_model():
    """The pandera model of a BACI row (flows/sources/baci_model.py), imported on first use."""
    from mic2025.flows.sources.baci_model import BaciTrade

    return BaciTrade


@dataclass
class BaciReport:
    """One bulk file's parse (:func:`check_loaded` turns it into the file's LoadReport)."""

    file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    status: str = "loaded"
    message: str = ""
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str = ""


def sql_string(text: str) -> str:
    """A SQL string literal for DuckDB statements that take no parameters there: quotes doubled,
    control characters refused. File names come from the user's folder, so they are never
    pasted into SQL unquoted."""
    if any(ord(ch) < 32 for ch in text):
        raise SourceFormatError("baci", f"refusing a path with control characters: {text!r}")
    return "'" + text.replace("'", "''") + "'"


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


def _create_tables(con: duckdb.DuckDBPyConnection, table: str) -> None:
    columns = ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TABLE {table} ({columns}, file_id SMALLINT)")
    con.execute(
        f"CREATE OR REPLACE TABLE {table.rsplit('_', 1)[0]}_files "
        "(file_id SMALLINT, source_file VARCHAR, rows_read BIGINT, status VARCHAR)"
    )


def load_files(
    con: duckdb.DuckDBPyConnection, files: list[Path], table: str = TABLE
) -> list[BaciReport]:
    """Parse each bulk CSV into ``table`` (created empty first; each row carries a small
    ``file_id``, named in ``raw.baci_files``: a text column per row would cost 15% of the load).

    The files whose header is BACI's are parsed by one statement (DuckDB reads them in
    parallel, 0.2-0.4 s faster at 20 million rows than a statement per file, see
    docs/performance.md). If that statement fails, which leaves none of its rows, each file is
    parsed on its own: a file whose header or rows DuckDB cannot read fails alone and its
    report says why; every INSERT is one statement, so a failed file leaves none of its rows."""
    _create_tables(con, table)
    reports = [BaciReport(path.name, 0, 0, 0) for path in files]
    readable: list[int] = []
    for file_id, path in enumerate(files):
        try:
            _check_header(path)
            readable.append(file_id)
        except SourceFormatError as exc:
            _fail(reports[file_id], path, exc)
    if len(readable) > 1:
        try:
            counts = _insert_together(con, files, readable, table)
        except duckdb.Error:
            counts = None  # none of its rows are in: each file on its own says which one failed
        if counts is not None:
            for file_id in readable:
                reports[file_id].rows_read = reports[file_id].rows_loaded = counts.get(file_id, 0)
            readable = []
    for file_id in readable:
        try:
            count = _insert(con, _read_csv(sql_string(str(files[file_id]))), file_id, table)
            reports[file_id].rows_read = reports[file_id].rows_loaded = count
        except duckdb.Error as exc:
            _fail(reports[file_id], files[file_id], exc)
    done = datetime.now(UTC).isoformat()
    for file_id, report in enumerate(reports):
        con.execute(
            f"INSERT INTO {table.rsplit('_', 1)[0]}_files VALUES (?, ?, ?, ?)",
            [file_id, report.file, report.rows_read, report.status],
        )
        report.finished_at = done
    return reports


def _read_csv(paths: str, *extra: str) -> str:
    """DuckDB's reader of BACI files (``paths``: a quoted path or a list of them): the columns
    and types are declared, nothing is sniffed."""
    columns = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS.items())
    options = ", ".join(
        (
            "header = true",
            f"columns = {{{columns}}}",
            "nullstr = ['NA', '']",
            "quote = ''",
            "escape = ''",
            "auto_detect = false",
            *extra,
        )
    )
    return f"read_csv({paths}, {options})"


def _insert(con: duckdb.DuckDBPyConnection, source: str, file_id: int | str, table: str) -> int:
    """INSERT the rows of ``source`` with their file id (a number, or a SQL expression)."""
    file_id_sql = f"{file_id}::SMALLINT" if isinstance(file_id, int) else file_id
    columns = ", ".join(COLUMNS)
    return int(
        con.execute(
            f"INSERT INTO {table} SELECT {columns}, {file_id_sql} FROM {source}"
        ).fetchall()[0][0]
    )


def _insert_together(
    con: duckdb.DuckDBPyConnection, files: list[Path], file_ids: list[int], table: str
) -> dict[int, int] | None:
    """Parse ``files[file_ids]`` in one statement (each row's file id from its file name);
    rows loaded per file id. None, with the statement's rows removed, if a row's file name
    matched none of the names given (then the files are parsed one by one)."""
    quoted = {i: sql_string(str(files[i])) for i in file_ids}
    paths = "[" + ", ".join(quoted.values()) + "]"
    file_id = (
        "CASE filename "
        + " ".join(f"WHEN {q} THEN {i}" for i, q in quoted.items())
        + " END::SMALLINT"
    )
    total = _insert(con, _read_csv(paths, "filename = true"), file_id, table)
    ids = ", ".join(str(i) for i in file_ids)
    counts = dict(
        con.execute(
            f"SELECT file_id, count(*) FROM {table} WHERE file_id IN ({ids}) GROUP BY file_id"
        ).fetchall()
    )
    if sum(counts.values()) != total:
        con.execute(f"DELETE FROM {table} WHERE file_id IS NULL OR file_id IN ({ids})")
        return None
    return counts


def _fail(report: BaciReport, path: Path, exc: Exception) -> None:
    report.status, report.message = "failed", f"baci:{path.name}: {str(exc).splitlines()[0]}"
    report.rows_read = report.rows_loaded = 0


def validate_table(
    con: duckdb.DuckDBPyConnection, load_id: str, table: str = TABLE
) -> tuple[pl.DataFrame, dict[int, int], str | None]:
    """pandera checks every row of ``table`` in DuckDB (ibis backend). Failing rows move to the
    returned quarantine frame (meta.quarantine columns) and are deleted from the table. Returns
    (quarantine, rows quarantined per file_id, error): ``error`` is set when more than the
    quarantine threshold failed or the schema drifted; the table is then emptied (the bulk
    source fails, nothing half-loaded)."""
    import ibis

    schema, name = table.split(".")
    backend = ibis.duckdb.from_connection(con)
    try:
        baci_model().validate(backend.table(name, database=schema), lazy=True)
        return _empty_quarantine(), {}, None
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    schema_errors = cases[cases["check"] != "rows_meet_the_rules"] if "check" in cases else cases
    if len(schema_errors):
        con.execute(f"DELETE FROM {table}")
        return _empty_quarantine(), {}, f"schema drift: {describe_failures(schema_errors)}"
    files = f"{table.rsplit('_', 1)[0]}_files"
    failing = con.sql(
        " UNION ALL ".join(
            f"SELECT f.source_file, '{column}' AS column, "
            f"'{column} {rule_text(column)}' AS check, "
            f"CAST(b.{column} AS VARCHAR) AS failing_value, "
            f"to_json(struct_pack(b.t, b.i, b.j, b.k, b.v, b.q)) AS row_json "
            f"FROM {table} b JOIN {files} f USING (file_id) WHERE {failing_sql(column)}"
            for column in RULES
        )
    ).pl()
    predicate = " OR ".join(failing_sql(column) for column in RULES)
    per_file = dict(
        con.sql(f"SELECT file_id, count(*) FROM {table} WHERE {predicate} GROUP BY 1").fetchall()
    )
    total = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    bad_rows = sum(per_file.values())
    if bad_rows / max(total, 1) > quarantine_threshold():
        summary = failing.group_by("column", "check").len().to_dicts()
        con.execute(f"DELETE FROM {table}")
        return _empty_quarantine(), {}, f"{bad_rows} of {total} rows failed checks: {summary}"
    con.execute(f"DELETE FROM {table} WHERE {predicate}")
    quarantine = failing.select(
        pl.lit(load_id).alias("load_id"),
        pl.format("baci_trade:{}", "source_file").alias("source"),
        pl.lit("baci_trade").alias("table"),
        pl.lit(None, dtype=pl.Int64).alias("row_number"),
        "row_json",
        "column",
        "check",
        "failing_value",
    )
    return quarantine, per_file, None


def warm_up(hs_map: pl.DataFrame) -> None:
    """Validate one row and compute its metrics in a private in-memory database: the first
    validation of a process builds pandera's and ibis' SQL (0.1-0.2 s, measured in
    bench/run.py), which the build does while DuckDB still parses the files instead of after."""
    scratch = duckdb.connect()
    try:
        scratch.execute("CREATE SCHEMA raw")
        _create_tables(scratch, TABLE)
        scratch.execute(f"INSERT INTO {TABLE} VALUES (2020, {CHINA}, 842, 854140, 1.5, 2.0, 0)")
        validate_table(scratch, "warm-up")
        china_trade_metrics(scratch, hs_map)
    finally:
        scratch.close()


def _empty_quarantine() -> pl.DataFrame:
    from mic2025.schemas.meta import QUARANTINE_COLUMNS  # the one quarantine layout

    return pl.DataFrame(schema=QUARANTINE_COLUMNS)


def load_bulk(
    con: duckdb.DuckDBPyConnection, files: list[Path], load_id: str, table: str = TABLE
) -> tuple[list[LoadReport], pl.DataFrame]:
    """Load, validate and quarantine the bulk files: (meta.loads reports, quarantine rows)."""
    return check_loaded(con, load_files(con, files, table), load_id, table)


class BulkLoad:
    """Bulk files being parsed into a new warehouse file by a thread of their own, on a DuckDB
    connection of their own (the same database as the build's connections: one instance per
    file and configuration in a process). DuckDB releases the GIL while it parses, so the
    refresh loads its sources and builds its core tables meanwhile."""

    def __init__(self, path: Path, files: list[Path]) -> None:
        self.con = duckdb.connect(str(path), config=warehouse_config())
        self.con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-load")
        self.future = pool.submit(load_files, self.con, files)
        pool.shutdown(wait=False)

    def done(self) -> bool:
        return self.future.done()

    def reports(self) -> list[BaciReport]:
        """Wait for the files: each file's parse report (raises what the parse raised)."""
        try:
            return self.future.result()
        finally:
            self.con.close()

    def stop(self) -> None:
        """Interrupt the parse and wait for its thread (a refresh that failed meanwhile), so the
        file can be removed."""
        if not self.future.done():
            self.con.interrupt()
        wait([self.future])
        self.con.close()


#: Bulk loads a refresh started before its build, by warehouse file (:func:`start_early`).
_EARLY: dict[str, BulkLoad] = {}


def start_early(path: Path, files: list[Path]) -> None:
    """Start parsing ``files`` into the new warehouse file ``path`` now, before the sources
    load: the build that creates ``path`` takes the running load (:func:`take_early`) instead
    of starting its own. The file is created here (an older one is removed)."""
    path.unlink(missing_ok=True)
    _EARLY[str(path)] = BulkLoad(path, files)


def take_early(path: Path) -> BulkLoad | None:
    """The bulk load started for ``path`` (None when none was): the caller owns it now."""
    return _EARLY.pop(str(path), None)


def stop_early(path: Path) -> None:
    """Stop a bulk load started for ``path`` that no build took (the refresh failed first)."""
    load = take_early(path)
    if load is not None:
        load.stop()


def check_loaded(
    con: duckdb.DuckDBPyConnection, reports: list[BaciReport], load_id: str, table: str = TABLE
) -> tuple[list[LoadReport], pl.DataFrame]:
    """Validate and quarantine the rows :func:`load_files` loaded: (meta.loads reports,
    quarantine rows)."""
    quarantine, per_file, error = validate_table(con, load_id, table)
    out = []
    for file_id, r in enumerate(reports):
        source = f"baci_trade:{r.file}"
        if error and r.status == "loaded":
            r.status, r.message, r.rows_loaded = "failed", f"baci: {error}", 0
        elif r.status == "loaded":
            r.rows_quarantined = int(per_file.get(file_id, 0))
            r.rows_loaded = r.rows_read - r.rows_quarantined
        out.append(
            LoadReport(
                source=source,
                table="baci_trade",
                snapshot_version=r.file,
                snapshot_sha256=None,
                rows_read=r.rows_read,
                rows_loaded=r.rows_loaded,
                rows_quarantined=r.rows_quarantined,
                status=r.status,
                message=r.message or f"bulk file {r.file}",
                started_at=r.started_at,
                finished_at=r.finished_at,
            )
        )
    return out, quarantine


def _query_with(
    con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, sql: str
) -> pl.DataFrame:
    """Run ``sql`` with ``frame`` visible to DuckDB as the view ``name``, for that query only."""
    con.register(name, frame.to_arrow())
    try:
        return con.sql(sql).pl()
    finally:
        con.unregister(name)


def product_sums(con: duckdb.DuckDBPyConnection, table: str = "raw.baci_trade") -> str:
    """One pass over the bulk table into a temporary table of sums by year and HS6 product
    (a few thousand rows): every exporter's exports (``world``), China's exports and China's
    imports. Every BACI metric is a formula of these sums, so the table is read once instead of
    once per metric. Returns the temporary table's name (the caller drops it).

    The sums are exact: BACI's values (thousand USD) have three decimals, so each is summed as
    DECIMAL(18, 6) (exact to six decimals, up to 10^12 per row), and so are the sums of these
    sums (per year, per sector basket); a figure becomes a double only when it leaves SQL. A sum
    of doubles depends on the order DuckDB's threads add them in (and DuckDB drops an ORDER BY
    inside sum() as order-insensitive), so two refreshes of the same files differed in the last
    bits and every chart of a bulk metric missed the chart cache; exact sums do not."""
    name = "baci_product_sums"
    # each value is cast once (in the subquery), not once per sum: a third of the query's time
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT t, k, sum(v) AS world,
               sum(v) FILTER (WHERE i = {CHINA}) AS china_exports,
               sum(v) FILTER (WHERE j = {CHINA}) AS china_imports
        FROM (SELECT t, k, i, j, v::DECIMAL(18, 6) AS v FROM {table}) GROUP BY t, k
        """
    )
    return name


def china_trade_metrics(
    con: duckdb.DuckDBPyConnection,
    hs_map: pl.DataFrame,
    table: str = "raw.baci_trade",
    revision: str = "HS2017",
) -> pl.DataFrame:
    """world_export_share and revealed_comparative_advantage of China for the HS6 products of
    the sector map: DuckDB sums the whole table, the formulas (flows/base/formulas.py, shared with the
    Comtrade path) apply to the sums:

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
    sums = product_sums(con, table)
    try:
        frame = _query_with(
            con,
            "sector_products",
            products,
            f"""
                WITH totals AS (  -- exact sums (product_sums): the same bits on every run
                    SELECT t, sum(world) AS world_all, sum(china_exports) AS china_all
                    FROM {sums} GROUP BY t)
                SELECT p.t AS year, p.k, s.sector, s.product, p.world::DOUBLE AS world,
                       p.china_exports::DOUBLE AS china, o.world_all::DOUBLE AS world_all,
                       o.china_all::DOUBLE AS china_all
                FROM {sums} p JOIN totals o USING (t) JOIN sector_products s USING (k)
                WHERE p.china_exports IS NOT NULL AND p.world > 0
                """,
        )
        basket = china_basket_metrics(con, hs_map, table, revision, sums=sums)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {sums}")
    if frame.is_empty():
        return basket
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
        pl.lit("CEPII").alias("publisher"),
    ]
    share = frame.select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        world_export_share().alias("value"),
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
        revealed_comparative_advantage().alias("value"),
        pl.lit("index").alias("unit"),
        *tail,
        pl.format("Balassa RCA, HS {}", pl.col("k").cast(pl.String).str.zfill(6)).alias("method"),
        inputs.alias("inputs"),
        pl.lit("BACI bulk files (MIC2025_BACI_DIR)").alias("sources"),
    )
    return pl.concat([share, rca, basket])


def china_basket_metrics(
    con: duckdb.DuckDBPyConnection,
    hs_map: pl.DataFrame,
    table: str = "raw.baci_trade",
    revision: str = "HS2017",
    sums: str | None = None,
) -> pl.DataFrame:
    """world_export_share and trade_balance_index of each sector's whole HS basket (the rule of
    flows/base/formulas.py::sector_basket_codes, the same as the Comtrade path's):

        world_export_share  = sum_p X_china,p / sum_p X_world,p
        trade_balance_index = (sum_p X_china,p - sum_p M_china,p) / (sum_p X + sum_p M)

    BACI holds every exporter and product, so a basket is always whole: a product with no row
    was not traded. A 4-digit basket code sums the HS6 products beneath it (k // 100), a 6-digit
    one is its product; within a basket no code lies inside another, so nothing counts twice.
    """
    codes = sector_basket_codes(hs_map).filter(pl.col("map_revision") == revision)
    basket = codes.select(
        "sector",
        pl.col("hs_code").str.len_chars().cast(pl.Int32).alias("digits"),
        pl.col("hs_code").cast(pl.Int32).alias("code"),
    )
    own = sums is None
    sums = sums or product_sums(con, table)  # the sums by year and product (product_sums)
    try:
        frame = _query_with(
            con,
            "sector_baskets",
            basket,
            f"""
                WITH matched AS (
                    SELECT b.sector, s.t, s.k, s.world, s.china_exports, s.china_imports
                    FROM {sums} s JOIN sector_baskets b ON b.digits = 6 AND s.k = b.code
                    UNION ALL
                    SELECT b.sector, s.t, s.k, s.world, s.china_exports, s.china_imports
                    FROM {sums} s JOIN sector_baskets b ON b.digits = 4 AND s.k // 100 = b.code)
                SELECT sector, t AS year, sum(world)::DOUBLE AS world,
                       coalesce(sum(china_exports), 0)::DOUBLE AS exports,
                       coalesce(sum(china_imports), 0)::DOUBLE AS imports
                FROM matched GROUP BY sector, t
                """,
        )
    finally:
        if own:
            con.execute(f"DROP TABLE IF EXISTS {sums}")
    if frame.is_empty():
        return frame
    common = [
        pl.col("sector"),
        pl.lit(SECTOR_BASKET).alias("product"),
        pl.col("year").cast(pl.Int64),
    ]
    tail = [
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.lit("CEPII").alias("publisher"),
    ]
    sources = pl.lit("BACI bulk files (MIC2025_BACI_DIR)").alias("sources")
    share = frame.filter(pl.col("world") > 0).select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        world_export_share("exports", "world").alias("value"),
        *tail,
        pl.lit(f"China exports / all exporters' exports, the sector's {revision} map codes").alias(
            "method"
        ),
        pl.format("basket:{} CHN={} world={} (thousand USD)", "year", "exports", "world").alias(
            "inputs"
        ),
        sources,
    )
    tbi = frame.filter((pl.col("exports") + pl.col("imports")) > 0).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        *tail,
        pl.lit(
            f"(exports - imports) / (exports + imports) of China, the sector's {revision} map codes"
        ).alias("method"),
        pl.format(
            "basket:{} CHN exports={} imports={} (thousand USD)", "year", "exports", "imports"
        ).alias("inputs"),
        sources,
    )
    return pl.concat([share, tbi])
