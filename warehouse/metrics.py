"""Sector self-sufficiency metrics (polars). Formulas are documented in docs/metrics.md.

Supply balance of a product in one year, all terms in one unit (never mixing bases):

    apparent_consumption   = production + imports - exports                [unit]
    self_sufficiency_ratio = production / apparent_consumption             [ratio]
    import_dependence      = imports / apparent_consumption                [ratio]
    trade_balance_index    = (exports - imports) / (exports + imports)     [ratio, -1..1]
    export_ratio           = exports / production                          [ratio]

Missing inputs are never silently zero. When one trade flow is missing the row says so and the
ratio is a bound: no imports -> imports assumed 0 -> self_sufficiency_ratio is an UPPER bound
(import_dependence is not computed); no exports -> exports assumed 0 -> both ratios are LOWER
bounds. With neither flow no ratio is computed. An apparent consumption <= 0 is flagged and no
ratio is published.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from flows.errors import Mic2025Error

SELF_SUFFICIENCY_COLUMNS = [
    "sector",
    "product",
    "year",
    "basis",
    "unit",
    "production",
    "imports",
    "exports",
    "apparent_consumption",
    "self_sufficiency_ratio",
    "import_dependence",
    "ratio_bound",
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
    "metric",
    "value",
    "unit",
    "basis",
    "method",
    "inputs",
    "sources",
    "load_id",
]


@dataclass(frozen=True)
class Balance:
    """Which official series make up one product's supply balance."""

    sector_id: str
    product: str
    basis: str  # "quantity" or "value"
    production: str
    imports: str | None
    exports: str | None
    note: str = ""


#: Declared supply balances. Each series_id is in facts/official_series.csv.
BALANCES: list[Balance] = [
    Balance(
        "nev",
        "New-energy vehicles",
        "quantity",
        "CAAM_NEV_PRODUCTION",
        None,
        "CAAM_NEV_EXPORTS",
        "CAAM counts (passenger + commercial); no NEV import series is bundled",
    ),
    Balance(
        "new_generation_it",
        "Integrated circuits",
        "quantity",
        "NBS_IC_OUTPUT",
        "CUSTOMS_IC_IMPORT_UNITS",
        "CUSTOMS_IC_EXPORT_UNITS",
        "NBS output (enterprises above designated size) vs customs pieces",
    ),
    Balance(
        "cnc_machine_tools_robots",
        "Metal-working machine tools",
        "value",
        "CMTBA_MWMT_PRODUCTION_VALUE_USD",
        "CMTBA_MWMT_IMPORTS_USD",
        "CMTBA_MWMT_EXPORTS_USD",
        "CMTBA values in USD",
    ),
    Balance(
        "power_equipment",
        "Solar PV modules",
        "quantity",
        "PV_MODULE_OUTPUT",
        None,
        "PV_MODULE_EXPORTS",
        "MIIT/CPIA GW; no module import series is bundled",
    ),
    Balance(
        "power_equipment",
        "Solar cells",
        "quantity",
        "PV_CELL_OUTPUT",
        None,
        "PV_CELL_EXPORTS",
        "MIIT/CPIA GW; no cell import series is bundled",
    ),
    Balance(
        "power_equipment",
        "Silicon wafers",
        "quantity",
        "PV_WAFER_OUTPUT",
        None,
        "PV_WAFER_EXPORTS",
        "MIIT GW; no wafer import series is bundled",
    ),
]


def significant_digits(value: float) -> int:
    """Significant digits of a published number: 1288.8 -> 5, 12890000 -> 4."""
    text = f"{abs(value):.10f}".rstrip("0").rstrip(".").replace(".", "").lstrip("0")
    return len(text.rstrip("0")) if text else 0


def best_figures(official: pl.DataFrame) -> pl.DataFrame:
    """One figure per (series_id, year): full-year actuals only (no partial years, no
    forecasts). Where two transcriptions give the same figure, the more precise publication wins
    (more significant digits, e.g. 1288.8万 over 1289万); ties go to the lower origin row."""
    return (
        official.filter((pl.col("period") == "FY") & ~pl.col("is_forecast"))
        .with_columns(
            pl.col("value_as_published")
            .map_elements(significant_digits, return_dtype=pl.Int64)
            .alias("_digits")
        )
        .sort(
            ["series_id", "year", "_digits", "origin_file", "origin_row"],
            descending=[False, False, True, False, False],
        )
        .unique(["series_id", "year"], keep="first", maintain_order=True)
        .drop("_digits")
    )


def _term(best: pl.DataFrame, series_id: str | None, name: str) -> pl.DataFrame:
    schema = {
        "year": pl.Int64,
        name: pl.Float64,
        f"{name}_unit": pl.String,
        f"{name}_input": pl.String,
        f"{name}_source": pl.String,
    }
    if series_id is None:
        return pl.DataFrame(schema=schema)
    return best.filter(pl.col("series_id") == series_id).select(
        pl.col("year"),
        pl.col("value").alias(name),
        pl.col("unit").alias(f"{name}_unit"),
        pl.format("{}:{}={} {}", "series_id", "year", "value", "unit").alias(f"{name}_input"),
        pl.col("source_url").alias(f"{name}_source"),
    )


def supply_balance(best: pl.DataFrame, balance: Balance) -> pl.DataFrame:
    """Wide self-sufficiency rows for one declared balance: every year with production."""
    frame = (
        _term(best, balance.production, "production")
        .join(_term(best, balance.imports, "imports"), on="year", how="left")
        .join(_term(best, balance.exports, "exports"), on="year", how="left")
        .sort("year")
    )
    for flow in ("imports", "exports"):
        mismatched = frame.filter(
            pl.col(f"{flow}_unit").is_not_null()
            & (pl.col(f"{flow}_unit") != pl.col("production_unit"))
        )
        if mismatched.height:
            raise Mic2025Error(
                f"balance {balance.product}: {flow} in {mismatched[f'{flow}_unit'][0]!r} but "
                f"production in {mismatched['production_unit'][0]!r}; bases must not be mixed"
            )
    has_m = pl.col("imports").is_not_null()
    has_x = pl.col("exports").is_not_null()
    consumption = (
        pl.col("production") + pl.col("imports").fill_null(0) - pl.col("exports").fill_null(0)
    )
    consumption = pl.when(has_m | has_x).then(consumption)
    negative = consumption <= 0
    ratio_ok = (has_m | has_x) & ~negative.fill_null(False)
    bound = (
        pl.when(has_m & has_x)
        .then(pl.lit("exact"))
        .when(has_x)
        .then(pl.lit("upper"))
        .when(has_m)
        .then(pl.lit("lower"))
    )
    missing = pl.concat_str(
        [pl.when(~has_m).then(pl.lit("imports")), pl.when(~has_x).then(pl.lit("exports"))],
        separator=", ",
        ignore_nulls=True,
    )
    assumption = (
        pl.when(has_m & has_x)
        .then(pl.lit("none: production, imports and exports all reported"))
        .when(has_x)
        .then(
            pl.lit(
                "imports not available: assumed 0, so self_sufficiency_ratio is an upper "
                "bound; import_dependence not computed"
            )
        )
        .when(has_m)
        .then(
            pl.lit(
                "exports not available: assumed 0, so self_sufficiency_ratio and "
                "import_dependence are lower bounds"
            )
        )
        .otherwise(pl.lit("imports and exports not available: no ratio computed"))
    )
    assumption = (
        pl.when(negative.fill_null(False))
        .then(
            pl.concat_str([assumption, pl.lit("; apparent consumption <= 0: ratio not published")])
        )
        .otherwise(assumption)
    )
    if balance.note:
        assumption = pl.concat_str([assumption, pl.lit(f" ({balance.note})")])
    return frame.select(
        pl.lit(balance.sector_id).alias("sector_id"),
        pl.lit(balance.product).alias("product"),
        pl.col("year"),
        pl.lit(balance.basis).alias("basis"),
        pl.col("production_unit").alias("unit"),
        pl.col("production"),
        pl.col("imports"),
        pl.col("exports"),
        consumption.alias("apparent_consumption"),
        pl.when(ratio_ok).then(pl.col("production") / consumption).alias("self_sufficiency_ratio"),
        pl.when(ratio_ok & has_m).then(pl.col("imports") / consumption).alias("import_dependence"),
        pl.when(ratio_ok).then(bound).alias("ratio_bound"),
        pl.when(missing != "").then(missing).alias("missing_inputs"),
        assumption.alias("assumptions"),
        pl.when(negative.fill_null(False))
        .then(pl.lit("negative_apparent_consumption"))
        .alias("flags"),
        pl.concat_str(
            ["production_input", "imports_input", "exports_input"],
            separator="; ",
            ignore_nulls=True,
        ).alias("inputs"),
        pl.concat_list(["production_source", "imports_source", "exports_source"])
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .list.join(" | ")
        .alias("sources"),
    )


def self_sufficiency(
    official: pl.DataFrame, sectors: pl.DataFrame, load_id: str, balances: list[Balance] = BALANCES
) -> pl.DataFrame:
    """marts.self_sufficiency: every declared balance, every year with production."""
    best = best_figures(official)
    frames = [supply_balance(best, b) for b in balances]
    return (
        pl.concat(frames, how="vertical")
        .join(sectors.select("sector_id", "sector"), on="sector_id", how="left")
        .with_columns(pl.lit(load_id).alias("load_id"))
        .select(SELF_SUFFICIENCY_COLUMNS)
        .sort("sector", "product", "year", "basis")
    )


def balance_metrics(wide: pl.DataFrame) -> pl.DataFrame:
    """Long rows for marts.sector_metrics from the supply balances.

    self_sufficiency_ratio and import_dependence (with any bound stated in ``method``),
    trade_balance_index = (X - M) / (X + M) where both flows exist,
    export_ratio = X / P where exports and production exist.
    """
    bound_note = (
        pl.when(pl.col("ratio_bound") == "exact")
        .then(pl.lit(""))
        .otherwise(pl.format(" [{} bound: {}]", "ratio_bound", "assumptions"))
    )
    common = [pl.col("sector"), pl.col("product"), pl.col("year")]
    tail = [pl.col("basis"), pl.col("inputs"), pl.col("sources"), pl.col("load_id")]
    ssr = wide.filter(pl.col("self_sufficiency_ratio").is_not_null()).select(
        *common,
        pl.lit("self_sufficiency_ratio").alias("metric"),
        pl.col("self_sufficiency_ratio").alias("value"),
        pl.concat_str([pl.lit("production / (production + imports - exports)"), bound_note]).alias(
            "method"
        ),
        *tail,
    )
    dep = wide.filter(pl.col("import_dependence").is_not_null()).select(
        *common,
        pl.lit("import_dependence").alias("metric"),
        pl.col("import_dependence").alias("value"),
        pl.concat_str([pl.lit("imports / apparent consumption"), bound_note]).alias("method"),
        *tail,
    )
    both = pl.col("imports").is_not_null() & pl.col("exports").is_not_null()
    tbi = wide.filter(both & ((pl.col("imports") + pl.col("exports")) > 0)).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        ((pl.col("exports") - pl.col("imports")) / (pl.col("exports") + pl.col("imports"))).alias(
            "value"
        ),
        pl.lit("(exports - imports) / (exports + imports)").alias("method"),
        *tail,
    )
    exr = wide.filter(pl.col("exports").is_not_null() & (pl.col("production") > 0)).select(
        *common,
        pl.lit("export_ratio").alias("metric"),
        (pl.col("exports") / pl.col("production")).alias("value"),
        pl.lit("exports / production").alias("method"),
        *tail,
    )
    return (
        pl.concat([ssr, dep, tbi, exr])
        .with_columns(pl.lit("ratio").alias("unit"))
        .select(SECTOR_METRIC_COLUMNS)
    )


def sector_metrics(self_sufficiency_wide: pl.DataFrame) -> pl.DataFrame:
    """marts.sector_metrics (long)."""
    return balance_metrics(self_sufficiency_wide).sort("sector", "product", "metric", "year")
