"""A ratio of two declared series (facts/metrics/series_ratios.csv): numerator / denominator
of one publisher's figures, with the bound the inputs allow."""

from __future__ import annotations

import re

import polars as pl

from mic2025.schemas.specs import SERIES_TERM, WHOLE
from mic2025.warehouse.bounds import combine, ratio_bound
from mic2025.warehouse.metrics.common import (
    best_figures,
    empty_metrics,
    metric_spec,
)


def _signed_terms(expression: str) -> list[tuple[int, str]]:
    """'A+B-C*R' -> [(1, 'A'), (1, 'B'), (-1, 'C*R')]: a term may be a series times a rate
    series of the same year (US$ imports times yuan per US$); the grammar is the spec's own
    (schemas/specs.py ``SERIES_TERM``)."""
    return [
        (-1 if sign == "-" else 1, term)
        for sign, term in re.findall(rf"([+-]?)\s*({SERIES_TERM})", expression)
    ]


def _series_figures(best: pl.DataFrame, series_id: str) -> pl.DataFrame:
    """One series' yearly figures: year, value, qualifier, input, source_url, publisher_id."""
    return best.filter(pl.col("series_id") == series_id).select(
        "year",
        "value",
        "qualifier",
        pl.format(
            "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
        ).alias("input"),
        "source_url",
        "publisher_id",
    )


def _term_figures(best: pl.DataFrame, term: str) -> pl.DataFrame:
    """The yearly figures of one term: a series, or 'SERIES*RATE', the series times the rate of
    the same year (value x rate rises with both, so its bound combines both bounds)."""
    series, _, rate = term.partition("*")
    figures = _series_figures(best, series)
    if not rate:
        return figures
    both = figures.join(_series_figures(best, rate), on="year", suffix="_rate")
    return both.select(
        "year",
        (pl.col("value") * pl.col("value_rate")).alias("value"),
        pl.Series(
            "qualifier",
            [
                combine([(a, 1), (b, 1)])
                for a, b in both.select("qualifier", "qualifier_rate").iter_rows()
            ],
            dtype=pl.String,
        ),
        pl.format("{} x {}", "input", "input_rate").alias("input"),
        pl.concat_str(["source_url", "source_url_rate"], separator=" | ").alias("source_url"),
        pl.concat_str(["publisher_id", "publisher_id_rate"], separator="; ").alias("publisher_id"),
    )


def _whole(expression: str) -> tuple[float | None, str]:
    """'100-A-B' -> (100.0, '-A-B'); 'A+B' -> (None, 'A+B'); '100' -> (100.0, '')."""
    m = re.match(rf"^({WHOLE})(?=[+-]|$)", expression)
    return (float(m.group(1)), expression[m.end() :]) if m else (None, expression)


def _series_sum(
    best: pl.DataFrame, expression: str, years: pl.Series | None = None
) -> pl.DataFrame:
    """One series, or a signed sum of several ('A+B+C', 'TOTAL-A-B'), per year where every term
    has a value: value = sum of sign * term, bound from each term's bound and sign.

    A sum may open with a whole, a number ('100-A-B': the share of a market that the makers A
    and B leave, their shares published in percent); a whole is exact, it needs no source, and
    a whole alone ('100') has the years given (those of the other side of a ratio)."""
    whole, expression = _whole(expression)
    if not expression:
        return pl.DataFrame(
            {"year": years if years is not None else []},
            schema={"year": pl.Int64},
        ).with_columns(
            pl.lit(whole).alias("value"),
            pl.lit("exact").alias("qualifier"),
            pl.lit(f"{whole:g} (the whole)").alias("inputs"),
            pl.lit(None, dtype=pl.String).alias("sources"),
            pl.lit(None, dtype=pl.String).alias("publisher"),
        )
    frame = _terms_sum(best, expression)
    if whole is None:
        return frame
    return frame.with_columns(
        (pl.col("value") + whole).alias("value"),
        pl.format("{} (the whole); {}", pl.lit(f"{whole:g}"), "inputs").alias("inputs"),
    )


def _terms_sum(best: pl.DataFrame, expression: str) -> pl.DataFrame:
    """The signed sum of the series terms of ``expression`` (:func:`_series_sum`)."""
    terms = _signed_terms(expression)
    frame = None
    for i, (_, term) in enumerate(terms):
        part = _term_figures(best, term).select(
            "year",
            pl.col("value").alias(f"v{i}"),
            pl.col("qualifier").alias(f"q{i}"),
            pl.col("input").alias(f"i{i}"),
            pl.col("source_url").alias(f"s{i}"),
            pl.col("publisher_id").alias(f"p{i}"),
        )
        frame = part if frame is None else frame.join(part, on="year")
    n = len(terms)
    signs = [sign for sign, _ in terms]
    return frame.select(
        "year",
        pl.sum_horizontal([pl.col(f"v{i}") * signs[i] for i in range(n)]).alias("value"),
        pl.Series(
            "qualifier",
            [
                combine(zip(r, signs, strict=True))
                for r in frame.select([f"q{i}" for i in range(n)]).iter_rows()
            ],
            dtype=pl.String,
        ),
        pl.concat_str([f"i{i}" for i in range(n)], separator="; ").alias("inputs"),
        pl.concat_list([f"s{i}" for i in range(n)])
        .list.unique(maintain_order=True)
        .list.join(" | ")
        .alias("sources"),
        pl.concat_list([f"p{i}" for i in range(n)])
        .list.unique(maintain_order=True)
        .list.join("; ")
        .alias("publisher"),
    )


def _joined_once(columns: list[str], separator: str) -> pl.Expr:
    """The items of several ``separator``-joined columns, each once, in order."""
    return (
        pl.concat_list(columns)
        .list.eval(pl.element().str.split(separator).explode())
        .list.unique(maintain_order=True)
        .list.join(separator)
    )


def series_ratio_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Ratios of official series (facts/metrics/series_ratios.csv), full-year figures only:

        value = numerator / denominator * scale        [unit: ratio unless the spec says]

    Either side may be a sum of series ('ARJ21 + Airbus + Boeing deliveries'), taken only for
    years where every term is published. ``bound`` combines the inputs' qualifiers
    (:func:`ratio_bound`; a subtracted term counts with its bound flipped); a spec whose note
    says 'upper bound' or 'lower bound' is one by definition (every ARJ21 delivered counted as
    delivered in China; patents of 20 of the 31 manufacturing divisions over the revenue of all
    31). ``scale`` and ``unit`` state a rate that is not a plain fraction (patents per 100
    million yuan: scale 1e8, since revenue is in yuan)."""
    spec = metric_spec("series_ratios.csv")
    best = best_figures(official)
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    frames = []
    for r in spec.iter_rows(named=True):
        num = _series_sum(best, r["numerator"])
        den = _series_sum(best, r["denominator"], years=num["year"])
        joined = num.join(den, on="year", suffix="_d").filter(pl.col("value_d") > 0)
        if joined.is_empty():
            continue
        by_definition = next((b for b in ("upper", "lower") if f"{b} bound" in r["note"]), None)
        bounds = []
        for n, d in joined.select("qualifier", "qualifier_d").iter_rows():
            b = ratio_bound(n, d)
            bounds.append(by_definition if by_definition and b in ("exact", by_definition) else b)
        scale = float(r["scale"] or 1)
        frames.append(
            joined.select(
                pl.lit(names[r["sector_id"]]).alias("sector"),
                pl.lit(r["product"]).alias("product"),
                pl.col("year"),
                pl.lit("FY").alias("period"),
                pl.lit(r["metric"]).alias("metric"),
                (pl.col("value") / pl.col("value_d") * scale).alias("value"),
                pl.lit(r["unit"] or "ratio").alias("unit"),
                pl.lit(r["basis"]).alias("basis"),
                pl.Series("bound", bounds, dtype=pl.String),
                pl.lit(r["definition_id"]).alias("definition_id"),
                pl.lit(None, dtype=pl.String).alias("caveat"),
                _joined_once(["publisher", "publisher_d"], "; ").alias("publisher"),
                pl.lit(f"({r['numerator']}) / ({r['denominator']}): {r['note']}").alias("method"),
                # a series on both sides (output / (output + imports)) is listed once
                _joined_once(["inputs", "inputs_d"], "; ").alias("inputs"),
                _joined_once(["sources", "sources_d"], " | ").alias("sources"),
            )
        )
    return pl.concat(frames) if frames else empty_metrics()
