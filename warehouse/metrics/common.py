"""What every metric family shares: the output columns, the spec reader, the best published
figure per series and year, publisher ids and the headline flag."""

from __future__ import annotations

import polars as pl

from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.schemas.specs import validate_spec
from mic2025.warehouse.conform import resolve_publisher

SELF_SUFFICIENCY_COLUMNS = [
    "sector",
    "product",
    "year",
    "basis",
    "publisher",
    "unit",
    "production",
    "imports",
    "exports",
    "apparent_consumption",
    "self_sufficiency_ratio",
    "import_dependence",
    "ratio_bound",
    "import_dependence_bound",
    "production_bound",
    "imports_bound",
    "exports_bound",
    "missing_inputs",
    "assumptions",
    "flags",
    "inputs",
    "sources",
    "load_id",
]
SECTOR_METRIC_COLUMNS = [
    "sector",
    "product",
    "year",
    "period",
    "metric",
    "value",
    "unit",
    "basis",
    "bound",
    "definition_id",
    "headline",
    "caveat",
    "publisher",
    "method",
    "inputs",
    "sources",
    "load_id",
]

#: Metrics that are ratios of a supply balance: only published on a basis declared meaningful.
BALANCE_RATIOS = [
    "self_sufficiency_ratio",
    "import_dependence",
    "trade_balance_index",
    "export_ratio",
]


#: Checked spec files by (path, size, modification time): a refresh reads each spec several
#: times, and checking one again costs as much as the metric it describes.
_CHECKED_SPECS: dict[tuple[str, int, int], pl.DataFrame] = {}


def metric_spec(name: str) -> pl.DataFrame:
    """A metric spec file of facts/metrics/, checked against its model (schemas/specs.py).
    A file is checked again whenever it changes (its size or modification time)."""
    path = facts_dir() / "metrics" / name
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CHECKED_SPECS:
        frame = read_facts_csv(path)
        _CHECKED_SPECS[key] = validate_spec(name, frame)
    return _CHECKED_SPECS[key]


def product_bases() -> pl.DataFrame:
    """facts/metrics/product_bases.csv: which (product, basis) pairs give meaningful ratios."""
    return metric_spec("product_bases.csv")


#: Where a figure was read (core ``read_on``, warehouse/conform.py::host_kind), best first.
READ_ON_RANK = {"official": 0, "major": 1, "mirror": 2, "repost": 3, "unrelated": 4}


def significant_digits(value: float) -> int:
    """Significant digits of a published number: 1288.8 -> 5, 12890000 -> 4."""
    text = f"{abs(value):.10f}".rstrip("0").rstrip(".").replace(".", "").lstrip("0")
    return len(text.rstrip("0")) if text else 0


def best_figures(
    official: pl.DataFrame,
    *,
    allow_partial_year: bool = False,
    per_publisher: bool = False,
    per_period: bool = False,
) -> pl.DataFrame:
    """One figure per (series_id, year), forecasts never included; with ``per_publisher``, one
    per (series_id, publisher, year): where a series' definition is its publisher's (published
    shares), two publishers' figures for one year are two definitions, both kept.

    Full-year figures only, unless ``allow_partial_year`` (used for shares, where a first-half
    share is still a share; the period is then stated in the metric's ``method``): a full-year
    figure is always preferred. Where two transcriptions give the same figure, the more precise
    publication wins (more significant digits, e.g. 1288.8万 over 1289万); then the better page
    (the publisher's own or a government site, a major news or trade host, a mirror of the
    publisher's database, then reposts and unrelated hosts: ``read_on``); then the first
    origin file and row. With ``per_period`` (a place's figures), every period of a year is
    kept on its own (January-June and January-September are two figures, not one preferred).
    """
    rows = official.filter(~pl.col("is_forecast"))
    if not allow_partial_year:
        rows = rows.filter(pl.col("period") == "FY")
    key = ["series_id", "publisher_id", "year"] if per_publisher else ["series_id", "year"]
    if per_period:
        key.append("period")
    host_rank = pl.col("read_on").replace_strict(READ_ON_RANK, default=len(READ_ON_RANK))
    return (
        rows.with_columns(
            (pl.col("period") != "FY").alias("_partial"),
            pl.col("value_as_published")
            .map_elements(significant_digits, return_dtype=pl.Int64)
            .alias("_digits"),
            host_rank.alias("_host"),
        )
        .sort(
            ["series_id", "year", "_partial", "_digits", "_host", "origin_file", "origin_row"],
            descending=[False, False, False, True, False, False, False],
        )
        .unique(key, keep="first", maintain_order=True)
        .drop("_partial", "_digits", "_host")
    )


def empty_metrics() -> pl.DataFrame:
    schema = {c: pl.String for c in SECTOR_METRIC_COLUMNS if c not in ("load_id", "headline")}
    schema.update({"year": pl.Int64, "value": pl.Float64})
    return pl.DataFrame(schema=schema)


def complete(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the columns a part did not set: full-year, exact, no caveat, and a definition id
    made of metric, product and publisher (one publisher's one formula)."""
    defaults = {
        "period": pl.lit("FY"),
        "bound": pl.lit("exact"),
        "caveat": pl.lit(None, dtype=pl.String),
        "definition_id": pl.format("{}|{}|{}", "metric", "product", "publisher"),
    }
    return frame.with_columns(
        [expr.alias(name) for name, expr in defaults.items() if name not in frame.columns]
    )


def publisher_ids(frame: pl.DataFrame, publishers: pl.DataFrame) -> pl.Series:
    """Publisher text -> vocabulary ids, part by part: 'IEA via Our World in Data' -> 'IEA',
    'NBS; GACC' -> 'NBS; GACC' (the original publisher wins over the repost)."""
    cache: dict[str, str] = {}
    out = []
    for text in frame["publisher"].to_list():
        if text not in cache:
            cache[text] = "; ".join(
                resolve_publisher(part.strip(), "", publishers) for part in text.split(";")
            )
        out.append(cache[text])
    return pl.Series("publisher", out, dtype=pl.String)


def headline_flags(frame: pl.DataFrame) -> pl.Series:
    """headline = the one row to show for its sector, product, metric, year and publisher: the
    value basis wherever one exists (a quantity ratio of unlike goods is never the headline),
    then the first in spec order (a publisher's own data before a copy of it: IEA before OWID's
    copy of IEA). Two publishers' figures stay two definitions, each with its headline."""
    group = ["sector", "product", "metric", "year", "period"]
    has_value = (pl.col("basis") == "value").any().over(group)
    eligible = (pl.col("basis") == "value") | ~has_value
    ranked = frame.with_row_index("_i").with_columns(eligible.alias("_ok"))
    first = pl.col("_i").filter(pl.col("_ok")).min().over([*group, "publisher"])
    return ranked.select((pl.col("_ok") & (pl.col("_i") == first)).alias("headline")).to_series()
