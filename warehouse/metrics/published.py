"""Figures read as published: shares a publisher states, production series, shares computed
from observation tables (OWID, IEA) and China series of those tables."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mic2025.flows.base import formulas
from mic2025.warehouse.metrics.common import (
    best_figures,
    empty_metrics,
    metric_spec,
)


def share_figures(official: pl.DataFrame) -> pl.DataFrame:
    """Best figures where a partial-year figure may stand in for a missing full year (its
    ``period`` says so; part-year values are shown, never trended or scored as years)."""
    return best_figures(official, allow_partial_year=True, per_publisher=True)


def published_share_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Published percentages -> ratios (value / 100), one row per series and year.

    Spec: facts/metrics/published_shares.csv (series_id, metric, basis). The definition is the
    series (one publisher's one measure); ``bound`` is the published qualifier ("more than 80%"
    is a lower bound)."""
    spec = metric_spec("published_shares.csv").select("series_id", "metric", "basis", "edition")
    figures = share_figures(official).join(spec, on="series_id", how="inner")
    # A series whose publisher redefines it between report editions is one definition per
    # edition: the report's year (of the page's date), or 'undated' where the page gives none.
    edition = pl.when(pl.col("edition") == "report_year").then(
        pl.format(
            ":edition {}",
            pl.col("source_date").str.slice(0, 4).fill_null("undated"),
        )
    )
    return figures.join(sectors.select("sector_id", "sector"), on="sector_id").select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.col("period"),
        pl.col("metric"),
        (pl.col("value") / 100).alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.col("basis"),
        pl.col("qualifier").alias("bound"),
        pl.concat_str(
            [pl.format("{}:{}", "series_id", "publisher_id"), edition.fill_null("")]
        ).alias("definition_id"),
        pl.lit(None, dtype=pl.String).alias("caveat"),
        pl.col("publisher_id").alias("publisher"),
        pl.format(
            "published share ({}, period {}): {} / 100", "series_id", "period", "value"
        ).alias("method"),
        pl.format(
            "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
        ).alias("inputs"),
        pl.col("source_url").alias("sources"),
    )


def production_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Production levels in base units, one row per production series and year."""
    best = best_figures(official).filter(pl.col("measure") == "production")
    return best.join(sectors.select("sector_id", "sector"), on="sector_id").select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.col("period"),
        pl.lit("production").alias("metric"),
        pl.col("value"),
        pl.col("unit"),
        pl.when(pl.col("unit").is_in(["USD", "CNY"]))
        .then(pl.lit("value"))
        .otherwise(pl.lit("quantity"))
        .alias("basis"),
        pl.col("qualifier").alias("bound"),
        pl.format("{}:{}", "series_id", "publisher_id").alias("definition_id"),
        pl.lit(None, dtype=pl.String).alias("caveat"),
        pl.col("publisher_id").alias("publisher"),
        pl.format("{} as published, in base units", "series_id").alias("method"),
        pl.format(
            "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
        ).alias("inputs"),
        pl.col("source_url").alias("sources"),
    )


@dataclass(frozen=True)
class WorldShare:
    """China's share of a world total from one observations series (same source, same unit).

    ``annual_from_cumulative``: the series is a stock (e.g. installed capacity); the share is
    computed on annual additions, stock[y] - stock[y-1], which is the year's demand.
    """

    sector_id: str
    product: str
    metric: str
    source: str
    indicators: tuple[str, ...]  # summed within the source (e.g. BEV + PHEV + FCEV)
    annual_from_cumulative: bool = False
    description: str = ""


def world_shares() -> list[WorldShare]:
    """The declared world shares (facts/metrics/world_shares.csv)."""
    return [
        WorldShare(
            **{
                **row,
                "indicators": tuple(row["indicators"].split(";")),
                "annual_from_cumulative": row["annual_from_cumulative"] == "true",
            }
        )
        for row in metric_spec("world_shares.csv").iter_rows(named=True)
    ]


def world_share_metrics(obs: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """china_share_of_world_demand from observations: CHN / WLD per year, same source.

    share = value(CHN) / value(WLD); with annual_from_cumulative, both are first turned into
    annual additions (stock[y] - stock[y-1]); a year whose world addition is <= 0 gets no share.
    """
    frames = []
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    for spec in world_shares():
        rows = obs.filter(
            (pl.col("source") == spec.source)
            & pl.col("indicator").is_in(spec.indicators)
            & (pl.col("scenario") == "historical")
            & pl.col("iso3").is_in(["CHN", "WLD"])
        )
        if rows.is_empty():
            continue
        totals = rows.group_by("iso3", "year").agg(
            pl.col("value").sum(), pl.col("unit").first(), pl.col("publisher").first()
        )
        if spec.annual_from_cumulative:
            totals = (
                totals.sort("iso3", "year")
                .with_columns(
                    (pl.col("value") - pl.col("value").shift(1).over("iso3")).alias("value"),
                    (pl.col("year") - pl.col("year").shift(1).over("iso3")).alias("_gap"),
                )
                .filter(pl.col("_gap") == 1)
                .drop("_gap")
            )
        wide = (
            totals.filter(pl.col("iso3") == "CHN")
            .select("year", pl.col("value").alias("china"), "unit", "publisher")
            .join(
                totals.filter(pl.col("iso3") == "WLD").select(
                    "year", pl.col("value").alias("world")
                ),
                on="year",
            )
            .filter(pl.col("world") > 0)
            .sort("year")
        )
        label = " + ".join(spec.indicators)
        frames.append(
            wide.select(
                pl.lit(names[spec.sector_id]).alias("sector"),
                pl.lit(spec.product).alias("product"),
                pl.col("year"),
                pl.lit(spec.metric).alias("metric"),
                formulas.share_of_world("china", "world").alias("value"),
                pl.lit("ratio").alias("unit"),
                pl.lit("quantity").alias("basis"),
                pl.lit(f"{spec.source}:{label}").alias("definition_id"),
                pl.col("publisher"),
                pl.lit(f"China / World: {spec.description}").alias("method"),
                pl.format(
                    "{}:{} CHN={} WLD={} {}", pl.lit(spec.source), "year", "china", "world", "unit"
                ).alias("inputs"),
                pl.lit(f"snapshot {spec.source} ({label})").alias("sources"),
            )
        )
    return pl.concat(frames) if frames else empty_metrics()


@dataclass(frozen=True)
class ChinaSeries:
    """A China series of core.observations published as a metric.

    value = observation / divisor (100 turns a percent into a ratio); unit as stated.
    """

    source: str
    indicator: str
    sector_id: str
    product: str
    metric: str
    description: str
    divisor: float
    unit: str
    basis: str = "value"
    source_url: str | None = None


def china_series() -> list[ChinaSeries]:
    """The declared China series (facts/metrics/china_series.csv)."""
    return [ChinaSeries(**row) for row in metric_spec("china_series.csv").iter_rows(named=True)]


def china_series_metrics(obs: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """China's values of the series declared in facts/metrics/china_series.csv (historical
    only)."""
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    frames = []
    for spec in china_series():
        rows = obs.filter(
            (pl.col("source") == spec.source)
            & (pl.col("indicator") == spec.indicator)
            & (pl.col("iso3") == "CHN")
            & (pl.col("scenario") == "historical")
        )
        if rows.is_empty():
            continue
        frames.append(
            rows.select(
                pl.lit(names[spec.sector_id]).alias("sector"),
                pl.lit(spec.product).alias("product"),
                pl.col("year"),
                pl.lit(spec.metric).alias("metric"),
                (pl.col("value") / spec.divisor).alias("value"),
                pl.lit(spec.unit).alias("unit"),
                pl.lit(spec.basis).alias("basis"),
                pl.format("{}:{}", "source", pl.lit(spec.indicator)).alias("definition_id"),
                pl.col("publisher"),
                pl.lit(f"{spec.description} ({spec.indicator})").alias("method"),
                pl.format("{}:CHN:{}={} {}", pl.lit(spec.indicator), "year", "value", "unit").alias(
                    "inputs"
                ),
                (
                    pl.lit(spec.source_url)
                    if spec.source_url
                    else pl.format("snapshot {}", "source")
                ).alias("sources"),
            )
        )
    return pl.concat(frames) if frames else empty_metrics()
