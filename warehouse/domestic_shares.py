"""Domestic shares of China's own demand: the one orientation of the sector summary's answer
("higher is more self-reliant"), as two metric families.

``domestic_share`` (every import-dependence row): the share of China's own use supplied from
domestic output, ``1 - import_dependence``. With import dependence = imports / apparent use,
``1 - M / (P + M - X) = (P - X) / (P + M - X)``: what domestic makers deliver at home over what
the country uses. A bound flips: an upper bound of import dependence is a lower bound of the
domestic share.

``domestic_supply_share`` valued at the export unit value (facts/metrics/valued_domestic_shares.csv):
for a good whose output is counted in physical units (ships in deadweight tonnes) while trade is
counted in money, domestic deliveries are valued at the unit value of the exports::

    D     = X * (C - E) / E          USD: exports X (USD) per exported unit E, times the units
                                     completed for the home market (completions C - exports E)
    share = D / (D + M)              ratio: domestic deliveries over domestic deliveries + imports

where the exported units may be published as a share s (percent) of completions: E = C * s / 100,
so D = X * (100 - s) / s.

It assumes home-market units are worth what exported units are worth per unit (per DWT for
ships), so the value is ``approximate`` whatever the inputs' bounds; the assumption is stated in
``caveat``. All four inputs must be full-year figures of the same year.
"""

from __future__ import annotations

import polars as pl

from mic2025.warehouse.bounds import FLIP
from mic2025.warehouse.metrics.common import metric_spec

SPEC = "valued_domestic_shares.csv"


def domestic_share_metrics(rows: pl.DataFrame) -> pl.DataFrame:
    """``1 - import_dependence`` for every import-dependence row of the metrics frame."""
    dependence = rows.filter(pl.col("metric") == "import_dependence")
    return dependence.with_columns(
        pl.lit("domestic_share").alias("metric"),
        (1 - pl.col("value")).alias("value"),
        pl.col("bound").replace_strict(FLIP, default=pl.col("bound")).alias("bound"),
        pl.format("1-{}", "definition_id").alias("definition_id"),
        pl.lit(
            "1 - import_dependence: the share of China's own use supplied by domestic output"
        ).alias("method"),
        pl.format("import_dependence {}={}; {}", "year", "value", "inputs").alias("inputs"),
    )


def valued_domestic_share_metrics(best: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Domestic deliveries valued at the export unit value, over themselves plus imports
    (``best``: one full-year figure per series and year, warehouse/metrics/common.py::best_figures)."""
    specs = metric_spec(SPEC)
    frames = []
    for spec in specs.iter_rows(named=True):
        terms = {
            "X": spec["export_value"],
            "M": spec["import_value"],
            "C": spec["completions"],
            "E": spec["export_completions"] or spec["export_share"],
        }
        joined = None
        for name, series_id in terms.items():
            term = best.filter(pl.col("series_id") == series_id).select(
                "year",
                pl.col("value").alias(name),
                pl.format("{}:{}={} {}", "series_id", "year", "value", "unit").alias(f"{name}_in"),
                pl.col("source_url").alias(f"{name}_src"),
            )
            joined = term if joined is None else joined.join(term, on="year", how="inner")
        if joined is None or joined.is_empty():
            continue
        if spec["export_share"]:  # E published as a percent of C: E = C * s / 100 (units of C)
            joined = joined.with_columns((pl.col("C") * pl.col("E") / 100).alias("E"))
        domestic = pl.col("X") * (pl.col("C") - pl.col("E")) / pl.col("E")
        sector = sectors.filter(pl.col("sector_id") == spec["sector_id"])["sector"][0]
        frames.append(
            joined.filter(pl.col("C") >= pl.col("E"))
            .with_columns(domestic.alias("D"))
            .select(
                pl.lit(sector).alias("sector"),
                pl.lit(spec["product"]).alias("product"),
                "year",
                pl.lit("FY").alias("period"),
                pl.lit(spec["metric"]).alias("metric"),
                (pl.col("D") / (pl.col("D") + pl.col("M"))).alias("value"),
                pl.lit("ratio").alias("unit"),
                pl.lit("value").alias("basis"),
                pl.lit("approximate").alias("bound"),
                pl.lit(spec["definition_id"]).alias("definition_id"),
                pl.lit(spec["note"]).alias("caveat"),
                pl.lit(spec["publisher"]).alias("publisher"),
                pl.lit(
                    "D = X * (C - E) / E (home-market completions valued at the export unit "
                    "value); share = D / (D + M)"
                ).alias("method"),
                pl.format(
                    "X {}; M {}; C {}; E {}; D={} USD", "X_in", "M_in", "C_in", "E_in", "D"
                ).alias("inputs"),
                pl.concat_str(["X_src", "M_src", "C_src", "E_src"], separator=" ").alias("sources"),
            )
        )
    return pl.concat(frames) if frames else pl.DataFrame()
