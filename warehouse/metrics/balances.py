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

from mic2025.flows.base.errors import Mic2025Error
from mic2025.flows.base.formulas import trade_balance_index
from mic2025.warehouse import bounds
from mic2025.warehouse.metrics.common import (
    SELF_SUFFICIENCY_COLUMNS,
    best_figures,
    metric_spec,
    product_bases,
)


@dataclass(frozen=True)
class Balance:
    """Which official series make up one product's supply balance."""

    sector_id: str
    product: str
    basis: str  # "quantity" or "value"
    production: str | None
    imports: str | None
    exports: str | None
    publisher: str
    note: str = ""


def balances() -> list[Balance]:
    """The declared supply balances (facts/metrics/balances.csv; each series_id is in
    facts/official_series.csv)."""
    return [Balance(**row) for row in metric_spec("balances.csv").iter_rows(named=True)]


def _term(best: pl.DataFrame, series_id: str | None, name: str) -> pl.DataFrame:
    schema = {
        "year": pl.Int64,
        name: pl.Float64,
        f"{name}_bound": pl.String,
        f"{name}_unit": pl.String,
        f"{name}_input": pl.String,
        f"{name}_source": pl.String,
    }
    if series_id is None:
        return pl.DataFrame(schema=schema)
    return best.filter(pl.col("series_id") == series_id).select(
        pl.col("year"),
        pl.col("value").alias(name),
        pl.col("qualifier").alias(f"{name}_bound"),
        pl.col("unit").alias(f"{name}_unit"),
        pl.format("{}:{}={} {}", "series_id", "year", "value", "unit").alias(f"{name}_input"),
        pl.col("source_url").alias(f"{name}_source"),
    )


def _balance_bounds(frame: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Bounds of self-sufficiency and import dependence per year (warehouse/bounds.py): each
    input's published bound, a missing flow as a lower bound of 0."""
    ssr, dep = [], []
    for r in frame.iter_rows(named=True):
        p, m, x = r["production"], r["imports"], r["exports"]
        bp = r["production_bound"]
        bm = r["imports_bound"] if m is not None else "lower"
        bx = r["exports_bound"] if x is not None else "lower"
        p, m, x = p or 0.0, m or 0.0, x or 0.0
        ssr.append(bounds.self_sufficiency_bound(p, m, x, bp, bm, bx))
        dep.append(bounds.import_dependence_bound(p, m, x, bp, bm, bx))
    return pl.Series(ssr, dtype=pl.String), pl.Series(dep, dtype=pl.String)


def supply_balance(best: pl.DataFrame, balance: Balance) -> pl.DataFrame:
    """Wide self-sufficiency rows for one declared balance: every year with any of its terms."""
    terms = [
        _term(best, balance.production, "production"),
        _term(best, balance.imports, "imports"),
        _term(best, balance.exports, "exports"),
    ]
    years = pl.concat([t.select("year") for t in terms]).unique()
    frame = years
    for t in terms:
        frame = frame.join(t, on="year", how="left")
    frame = frame.sort("year")
    units = frame.select(
        pl.concat_list(["production_unit", "imports_unit", "exports_unit"])
        .list.drop_nulls()
        .list.unique()
        .alias("units")
    )["units"]
    for year, found in zip(frame["year"], units, strict=True):
        if len(found) > 1:
            raise Mic2025Error(
                f"balance {balance.product} {year}: terms in {sorted(found)}; a balance must "
                "not mix units or bases"
            )
    has_p = pl.col("production").is_not_null()
    has_m = pl.col("imports").is_not_null()
    has_x = pl.col("exports").is_not_null()
    consumption = (
        pl.col("production") + pl.col("imports").fill_null(0) - pl.col("exports").fill_null(0)
    )
    consumption = pl.when(has_p & (has_m | has_x)).then(consumption)
    negative = (consumption <= 0).fill_null(False)
    ratio_ok = has_p & (has_m | has_x) & ~negative
    ssr_bounds, dep_bounds = _balance_bounds(frame)
    missing = pl.concat_str(
        [
            pl.when(~has_p).then(pl.lit("production")),
            pl.when(~has_m).then(pl.lit("imports")),
            pl.when(~has_x).then(pl.lit("exports")),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    assumption = (
        pl.when(~has_p)
        .then(pl.lit("production not available: no self-sufficiency ratio"))
        .when(has_m & has_x)
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
        pl.when(negative)
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
        pl.lit(balance.publisher).alias("publisher"),
        pl.coalesce("production_unit", "imports_unit", "exports_unit").alias("unit"),
        pl.col("production"),
        pl.col("imports"),
        pl.col("exports"),
        consumption.alias("apparent_consumption"),
        pl.when(ratio_ok).then(pl.col("production") / consumption).alias("self_sufficiency_ratio"),
        pl.when(ratio_ok & has_m).then(pl.col("imports") / consumption).alias("import_dependence"),
        pl.when(ratio_ok).then(ssr_bounds).alias("ratio_bound"),
        pl.when(ratio_ok & has_m).then(dep_bounds).alias("import_dependence_bound"),
        pl.col("production_bound"),
        pl.col("imports_bound"),
        pl.col("exports_bound"),
        pl.when(missing != "").then(missing).alias("missing_inputs"),
        assumption.alias("assumptions"),
        pl.when(negative).then(pl.lit("negative_apparent_consumption")).alias("flags"),
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
    official: pl.DataFrame,
    sectors: pl.DataFrame,
    load_id: str,
    declared: list[Balance] | None = None,
) -> pl.DataFrame:
    """marts.self_sufficiency: every declared balance, every year with production.

    A balance on a basis declared ``invalid`` for its product (facts/metrics/product_bases.csv:
    counting unlike machines by piece) keeps its levels but publishes no ratio; a ``caveat`` basis
    (chips by piece) states its caveat in ``assumptions``.
    """
    best = best_figures(official)
    frames = [supply_balance(best, b) for b in (declared if declared is not None else balances())]
    bases = product_bases().select("product", "basis", "validity", "caveat")
    ratio_cols = [
        "self_sufficiency_ratio",
        "import_dependence",
        "ratio_bound",
        "import_dependence_bound",
    ]
    wide = (
        pl.concat(frames, how="vertical")
        .join(bases, on=["product", "basis"], how="left")
        .with_columns(
            [
                pl.when(pl.col("validity") == "invalid").then(None).otherwise(pl.col(c)).alias(c)
                for c in ratio_cols
            ]
        )
        .with_columns(
            pl.when(pl.col("validity").is_in(["caveat", "invalid"]))
            .then(pl.format("{}; basis caveat: {}", "assumptions", "caveat"))
            .otherwise(pl.col("assumptions"))
            .alias("assumptions")
        )
        .drop("validity", "caveat")
    )
    return (
        wide.join(sectors.select("sector_id", "sector"), on="sector_id", how="left")
        .with_columns(pl.lit(load_id).alias("load_id"))
        .select(SELF_SUFFICIENCY_COLUMNS)
        .sort("sector", "product", "year", "basis", "publisher")
    )


def balance_metrics(wide: pl.DataFrame) -> pl.DataFrame:
    """Long rows for marts.sector_metrics from the supply balances.

    self_sufficiency_ratio and import_dependence (``bound`` = the balance's ratio_bound),
    trade_balance_index = (X - M) / (X + M) where both flows exist,
    export_ratio = X / P where exports and production exist.
    Ratios on a basis declared ``invalid`` for the product are not published; a ``caveat``
    basis carries its caveat.
    """
    bound_note = (
        pl.when(pl.col("ratio_bound") == "exact")
        .then(pl.lit(""))
        .otherwise(pl.format(" [{} bound: {}]", "ratio_bound", "assumptions"))
    )
    dep_note = (
        pl.when(pl.col("import_dependence_bound") == "exact")
        .then(pl.lit(""))
        .otherwise(pl.format(" [{} bound: {}]", "import_dependence_bound", "assumptions"))
    )
    common = [pl.col("sector"), pl.col("product"), pl.col("year")]
    tail = [pl.col("basis"), pl.col("publisher"), pl.col("inputs"), pl.col("sources")]
    ssr = wide.filter(pl.col("self_sufficiency_ratio").is_not_null()).select(
        *common,
        pl.lit("self_sufficiency_ratio").alias("metric"),
        pl.col("self_sufficiency_ratio").alias("value"),
        pl.col("ratio_bound").alias("bound"),
        pl.concat_str([pl.lit("production / (production + imports - exports)"), bound_note]).alias(
            "method"
        ),
        *tail,
    )
    dep = wide.filter(pl.col("import_dependence").is_not_null()).select(
        *common,
        pl.lit("import_dependence").alias("metric"),
        pl.col("import_dependence").alias("value"),
        pl.col("import_dependence_bound").alias("bound"),
        pl.concat_str([pl.lit("imports / apparent consumption"), dep_note]).alias("method"),
        *tail,
    )
    both = pl.col("imports").is_not_null() & pl.col("exports").is_not_null()
    tbi = wide.filter(both & ((pl.col("imports") + pl.col("exports")) > 0)).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.struct("exports_bound", "imports_bound")
        .map_elements(
            lambda r: bounds.trade_balance_bound(r["exports_bound"], r["imports_bound"]),
            return_dtype=pl.String,
        )
        .alias("bound"),
        pl.lit("(exports - imports) / (exports + imports)").alias("method"),
        *tail,
    )
    exr = wide.filter(pl.col("exports").is_not_null() & (pl.col("production") > 0)).select(
        *common,
        pl.lit("export_ratio").alias("metric"),
        (pl.col("exports") / pl.col("production")).alias("value"),
        pl.struct("exports_bound", "production_bound")
        .map_elements(
            lambda r: bounds.export_ratio_bound(r["exports_bound"], r["production_bound"]),
            return_dtype=pl.String,
        )
        .alias("bound"),
        pl.lit("exports / production").alias("method"),
        *tail,
    )
    bases = product_bases().select("product", "basis", "validity", "caveat")
    return (
        pl.concat([ssr, dep, tbi, exr])
        .join(bases, on=["product", "basis"], how="left")
        .filter(pl.col("validity").fill_null("valid") != "invalid")
        .with_columns(
            pl.lit("ratio").alias("unit"),
            pl.lit("FY").alias("period"),
            pl.format("balance:{}|{}|{}|{}", "metric", "product", "basis", "publisher").alias(
                "definition_id"
            ),
            pl.when(pl.col("validity") == "caveat").then(pl.col("caveat")).alias("caveat"),
        )
        .drop("validity")
    )
