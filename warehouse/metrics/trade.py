"""Trade shares from UN Comtrade rows: China's world export share by HS code and by sector
basket, the trade balance index and revealed comparative advantage."""

from __future__ import annotations

import polars as pl

from mic2025.flows.base import formulas
from mic2025.flows.base.formulas import SECTOR_BASKET, sector_basket_codes, trade_balance_index
from mic2025.warehouse.metrics.common import (
    empty_metrics,
)


def china_and_world_by_code(trade: pl.DataFrame) -> pl.DataFrame:
    """core.trade with the World, one row per HS code, year and map revision: China's
    ``exports`` and ``imports`` (USD, null when not reported), the ``world``'s exports (sum over
    reporters, every HS edition) and ``n``, the number of reporters in that sum.

    HS revisions: Comtrade H4/H5 codes are matched to the map's HS2017 rows and H6 to HS2022.
    """
    revision = (
        pl.when(pl.col("hs_revision") == "HS2022")
        .then(pl.lit("HS2022"))
        .otherwise(pl.lit("HS2017"))
    )
    world = trade.filter((pl.col("partner_code") == 0) & (pl.col("flow") == "exports"))
    totals = world.group_by("hs_code", "year").agg(
        pl.col("value_usd").sum().alias("world"), pl.col("reporter_code").n_unique().alias("n")
    )
    china = trade.filter((pl.col("reporter_code") == 156) & (pl.col("partner_code") == 0))
    china_wide = china.with_columns(revision.alias("map_revision")).pivot(
        on="flow",
        index=["hs_code", "year", "map_revision"],
        values="value_usd",
        aggregate_function="sum",
    )
    for flow in ("exports", "imports"):
        if flow not in china_wide.columns:
            china_wide = china_wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(flow))
    return china_wide.join(totals, on=["hs_code", "year"], how="left")


def trade_share_metrics(
    trade: pl.DataFrame, hs_map: pl.DataFrame, min_reporters: int = 30
) -> pl.DataFrame:
    """From core.trade (values in USD, partner World), for HS codes in the sector map:

    world_export_share  = China's exports / sum of all reporters' exports   [ratio]
        only where at least ``min_reporters`` reporters are present for that code and year
        (so that the sum is a world total; the count is stated in ``method``);
    trade_balance_index = (X - M) / (X + M) of China's exports and imports  [ratio].

    HS revisions: Comtrade H4/H5 codes are matched to the map's HS2017 rows and H6 to HS2022;
    the codes used here (8486, 848620, 903082, 8541, 8542) are unchanged across those revisions.
    """
    if trade.is_empty():
        return empty_metrics()
    products = hs_map.select(
        "sector", "product", "hs_code", pl.col("hs_revision").alias("map_revision")
    ).unique(["hs_code", "map_revision"])
    joined = china_and_world_by_code(trade).join(products, on=["hs_code", "map_revision"])
    common = [pl.col("sector"), pl.col("product"), pl.col("year")]
    share = joined.filter(
        pl.col("exports").is_not_null() & (pl.col("n") >= min_reporters) & (pl.col("world") > 0)
    ).select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        formulas.world_export_share("exports", "world").alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:world_export_share:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "China exports / sum of {} reporters' exports to World (HS {})", "n", "hs_code"
        ).alias("method"),
        pl.format(
            "HS {}:{} CHN exports={} USD, world={} USD", "hs_code", "year", "exports", "world"
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    both = pl.col("exports").is_not_null() & pl.col("imports").is_not_null()
    tbi = joined.filter(both & ((pl.col("exports") + pl.col("imports")) > 0)).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:trade_balance_index:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format("(exports - imports) / (exports + imports), HS {}", "hs_code").alias("method"),
        pl.format(
            "HS {}:{} CHN exports={} imports={} USD", "hs_code", "year", "exports", "imports"
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    return pl.concat([share, tbi])


def sector_trade_metrics(
    trade: pl.DataFrame, hs_map: pl.DataFrame, min_reporters: int = 30
) -> pl.DataFrame:
    """Each sector's whole HS basket (every map code, none counted twice), from core.trade:

    world_export_share  = sum_p X_china,p / sum_p X_world,p                 [ratio]
    trade_balance_index = (sum_p X_china,p - sum_p M_china,p) / (sum_p X + sum_p M)  [ratio]

    p = the sector's basket codes (:func:`sector_basket_codes`) of the HS edition the year was
    reported in. A year counts only when China's value is there for **every** basket code (and,
    for the share, a world total of at least ``min_reporters`` reporters for every code): a
    basket with a missing code is never summed as if it were whole. The live Comtrade client
    asks for every map code (world totals with ``MIC2025_COMTRADE_WORLD_TOTALS=1``), so with
    network access every sector gets both measures for every year; the bundled snapshot holds
    the semiconductor codes only, so offline no basket is complete.
    """
    if trade.is_empty():
        return empty_metrics()
    basket = sector_basket_codes(hs_map)
    size = basket.group_by("sector", "map_revision").agg(pl.len().alias("codes"))
    joined = basket.join(china_and_world_by_code(trade), on=["hs_code", "map_revision"])
    per_year = (
        joined.group_by("sector", "map_revision", "year")
        .agg(
            pl.col("exports").sum().alias("exports"),
            pl.col("imports").sum().alias("imports"),
            pl.col("world").sum().alias("world"),
            pl.col("exports").is_not_null().sum().alias("with_x"),
            (pl.col("exports").is_not_null() & pl.col("imports").is_not_null())
            .sum()
            .alias("with_xm"),
            ((pl.col("n") >= min_reporters) & (pl.col("world") > 0)).sum().alias("with_world"),
            pl.col("n").min().alias("min_n"),
            pl.col("hs_code").sort().str.join(" ").alias("codes_used"),
        )
        .join(size, on=["sector", "map_revision"])
    )
    common = [
        pl.col("sector"),
        pl.lit(SECTOR_BASKET).alias("product"),
        pl.col("year"),
    ]
    share = per_year.filter(
        (pl.col("with_x") == pl.col("codes")) & (pl.col("with_world") == pl.col("codes"))
    ).select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        formulas.world_export_share("exports", "world").alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:world_export_share:basket:{}", "map_revision").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "China's exports / all reporters' exports to World (at least {} reporters a code), "
            "summed over the sector's {} map codes ({}: {})",
            "min_n",
            "codes",
            "map_revision",
            "codes_used",
        ).alias("method"),
        pl.format("basket:{} CHN exports={} USD, world={} USD", "year", "exports", "world").alias(
            "inputs"
        ),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    tbi = per_year.filter(
        (pl.col("with_xm") == pl.col("codes")) & ((pl.col("exports") + pl.col("imports")) > 0)
    ).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:trade_balance_index:basket:{}", "map_revision").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "(exports - imports) / (exports + imports) of China with the World, summed over the "
            "sector's {} map codes ({}: {})",
            "codes",
            "map_revision",
            "codes_used",
        ).alias("method"),
        pl.format("basket:{} CHN exports={} imports={} USD", "year", "exports", "imports").alias(
            "inputs"
        ),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    return pl.concat([share, tbi])


def revealed_comparative_advantage(trade: pl.DataFrame, hs_map: pl.DataFrame) -> pl.DataFrame:
    """Balassa RCA of China, for map products where the all-goods totals exist:

        RCA = (X_china,p / X_china,total) / (X_world,p / X_world,total)

    X = exports to the World in USD; 'total' = the ``TOTAL`` commodity row; world = sum over
    reporters. Years without China's and the world's TOTAL give no row (never a guess).
    """
    if trade.is_empty():
        return empty_metrics()
    exports = trade.filter((pl.col("partner_code") == 0) & (pl.col("flow") == "exports"))
    totals = exports.filter(pl.col("hs_code") == "TOTAL")
    if totals.is_empty():
        return empty_metrics()
    china_total = totals.filter(pl.col("reporter_code") == 156).select(
        "year", pl.col("value_usd").alias("cn_total")
    )
    world_total = totals.group_by("year").agg(pl.col("value_usd").sum().alias("w_total"))
    products = exports.filter(pl.col("hs_code") != "TOTAL")
    cn = products.filter(pl.col("reporter_code") == 156).select(
        "hs_code", "year", pl.col("value_usd").alias("cn")
    )
    world = products.group_by("hs_code", "year").agg(pl.col("value_usd").sum().alias("w"))
    names = hs_map.select("sector", "product", "hs_code").unique("hs_code")
    frame = (
        cn.join(world, on=["hs_code", "year"])
        .join(china_total, on="year")
        .join(world_total, on="year")
        .join(names, on="hs_code")
        .filter((pl.col("w") > 0) & (pl.col("cn_total") > 0) & (pl.col("w_total") > 0))
    )
    return frame.select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.lit("revealed_comparative_advantage").alias("metric"),
        formulas.revealed_comparative_advantage("cn", "cn_total", "w", "w_total").alias("value"),
        pl.lit("index").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:revealed_comparative_advantage:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format("Balassa RCA, HS {}", "hs_code").alias("method"),
        pl.format(
            "HS {}:{} cn={} cn_total={} w={} w_total={}",
            "hs_code",
            "year",
            "cn",
            "cn_total",
            "w",
            "w_total",
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
