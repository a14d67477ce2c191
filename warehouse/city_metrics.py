"""marts.city_metrics: the figures of the cities, provinces and regions that articles name
(core.places), long, one row per place, year, period, metric and definition.

For each series declared in ``facts/metrics/place_series.csv`` (its unit as stored in
core.official_stats: CNY, vehicles ...):

    <metric>                      = the place's figure as published                  [unit]
    <metric>_usd                  = value [CNY] / average CNY per USD of the year     [USD]
    <metric>_share_of_national    = value / the national series of the same year      [ratio]
    <metric>_multiple_since_base  = value(year) / value(base year)                    [times]
    <metric>_usd_multiple_since_base = the same in US dollars                         [times]

The exchange rate is the Federal Reserve's H.10 annual average (FED_CNY_PER_USD). The base
year is the place's first full year in 2014-2016 (the years MIC2025 began). Only full years
are converted, compared or shared; a part of a year (Jan-Sep) is shown as published. Bounds
follow the inputs (warehouse/bounds.py): a lower-bound output over an exact total is a lower
bound of the share.
"""

from __future__ import annotations

import polars as pl

from mic2025.warehouse.bounds import ratio_bound
from mic2025.warehouse.metrics.common import best_figures, metric_spec

RATE_SERIES = "FED_CNY_PER_USD"
BASE_YEARS = (2014, 2016)
COLUMNS = [
    "place_id",
    "place",
    "year",
    "period",
    "metric",
    "value",
    "unit",
    "bound",
    "definition_id",
    "publisher",
    "method",
    "inputs",
    "sources",
    "load_id",
]


def place_series() -> pl.DataFrame:
    return metric_spec("place_series.csv")


def _figure(row: dict) -> str:
    return (
        f"{row['series_id']}:{row['year']}={row['value_as_published']} {row['unit_as_published']}"
    )


def city_metrics(official: pl.DataFrame, places: pl.DataFrame, load_id: str) -> pl.DataFrame:
    best = best_figures(official, allow_partial_year=True, per_period=True)
    by_series: dict[str, list[dict]] = {}
    for r in best.sort("year", "period").iter_rows(named=True):
        by_series.setdefault(r["series_id"], []).append(r)
    #: full-year figures by (series, year): the rates, national totals and bases divided by
    by_key = {
        (r["series_id"], r["year"]): r for r in best.iter_rows(named=True) if r["period"] == "FY"
    }
    names = dict(places.select("place_id", "name").iter_rows())
    rows: list[dict] = []

    def add(spec: dict, r: dict, metric: str, value: float, unit: str, bound: str, **extra):
        rows.append(
            {
                "place_id": spec["place_id"],
                "place": names.get(spec["place_id"], spec["place_id"]),
                "year": r["year"],
                "period": r["period"],
                "metric": metric,
                "value": value,
                "unit": unit,
                "bound": bound,
                "load_id": load_id,
                **extra,
            }
        )

    def add_ratio(spec, r, other, metric, unit, definition_id, method):
        """r / other (one formula for dollars, shares and multiples), bound from both."""
        publishers = dict.fromkeys((r["publisher_id"], other["publisher_id"]))
        add(
            spec,
            r,
            metric,
            r["value"] / other["value"],
            unit,
            ratio_bound(r["qualifier"], other["qualifier"]),
            definition_id=definition_id,
            publisher="; ".join(publishers),
            method=method,
            inputs=f"{_figure(r)}; {_figure(other)}",
            sources=f"{r['source_url']} | {other['source_url']}",
        )

    for spec in place_series().iter_rows(named=True):
        own = by_series.get(spec["series_id"], [])
        metric = spec["metric"]
        full = [r for r in own if r["period"] == "FY"]
        base = next((r for r in full if BASE_YEARS[0] <= r["year"] <= BASE_YEARS[1]), None)
        for r in own:
            add(
                spec,
                r,
                metric,
                r["value"],
                r["unit"],
                r["qualifier"],
                definition_id=spec["series_id"],
                publisher=r["publisher_id"],
                method=f"as published ({r['period']})",
                inputs=_figure(r),
                sources=r["source_url"],
            )
            if r["period"] != "FY":
                continue
            rate = by_key.get((RATE_SERIES, r["year"]))
            usd = None
            if spec["usd"] == "yes" and rate is not None:
                usd = r["value"] / rate["value"]
                add_ratio(
                    spec,
                    r,
                    rate,
                    f"{metric}_usd",
                    "USD",
                    f"{spec['series_id']}/{RATE_SERIES}",
                    "value [CNY] / annual average CNY per USD of the same year "
                    "(Federal Reserve H.10) [USD]",
                )
            national = by_key.get((spec["national_series"], r["year"]))
            if national is not None:
                add_ratio(
                    spec,
                    r,
                    national,
                    f"{metric}_share_of_national",
                    "ratio",
                    f"{spec['series_id']}/{spec['national_series']}",
                    f"place / China, same year, same unit ({r['unit']})",
                )
            if base is None or r["year"] <= base["year"]:
                continue
            add_ratio(
                spec,
                r,
                base,
                f"{metric}_multiple_since_base",
                "times",
                f"{spec['series_id']}:{base['year']}",
                f"value({r['year']}) / value({base['year']}), current prices",
            )
            base_rate = by_key.get((RATE_SERIES, base["year"]))
            if usd is not None and base_rate is not None:
                base_usd = base["value"] / base_rate["value"]
                add(
                    spec,
                    r,
                    f"{metric}_usd_multiple_since_base",
                    usd / base_usd,
                    "times",
                    ratio_bound(r["qualifier"], base["qualifier"]),
                    definition_id=f"{spec['series_id']}/{RATE_SERIES}:{base['year']}",
                    publisher=f"{r['publisher_id']}; {rate['publisher_id']}",
                    method=f"value_usd({r['year']}) / value_usd({base['year']}), each year at "
                    "its own average exchange rate",
                    inputs=f"{_figure(r)}; {_figure(base)}; {_figure(rate)}; {_figure(base_rate)}",
                    sources=f"{r['source_url']} | {base['source_url']} | {rate['source_url']}",
                )
    if not rows:
        return pl.DataFrame(schema={c: pl.String for c in COLUMNS}).with_columns(
            pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64)
        )
    return (
        pl.DataFrame(rows, infer_schema_length=None)
        .select(COLUMNS)
        .sort("place_id", "metric", "year", "period")
    )
