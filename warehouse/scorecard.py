"""MIC2025 scorecard: each official target against the latest actuals.

The measure of each target is declared in ``facts/target_measures.csv``: a metric of
marts.sector_metrics (``kind = metric``), an official series (``kind = series``, optionally
divided by another series), or ``none`` with the reason no series measures it.

Status rule (stated in each row's ``rule``):

- ``met`` / ``missed``: an actual exists for the target year and satisfies / fails the comparator.
- ``on_track`` / ``off_track``: no actual for the target year. After the last actual, a linear
  least-squares trend of the latest (up to 3) actuals is projected to the target year; with a single
  actual that already satisfies the target, the target counts as on track (no reversal assumed).
  Between two actuals, the value is interpolated linearly. The projection is in ``projected_value``.
- ``no_data``: no measure, no target year, no actual, a target year before the first actual, or a
  single actual that does not yet satisfy the target (no trend can be drawn).

Comparators: ``>=``, ``>``, ``<=``, ``<`` as written; ``~`` ("about", 左右) counts as reached at
95% of the target or more. Percent targets are compared as ratios (40% -> 0.40).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.settings import facts_dir
from warehouse.metrics import share_figures

STATUSES = ["met", "on_track", "off_track", "missed", "no_data"]
APPROX_TOLERANCE = 0.95
TREND_POINTS = 3

SCORECARD_COLUMNS = [
    "target_id",
    "sector",
    "indicator",
    "comparator",
    "target_year",
    "target_value",
    "unit",
    "actual_value",
    "actual_year",
    "projected_value",
    "gap",
    "status",
    "rule",
    "measure",
    "sources",
    "confidence",
    "target_source_url",
    "load_id",
]


#: Columns shown in the Prefect table artifact.
ARTIFACT_COLUMNS = [
    c
    for c in SCORECARD_COLUMNS
    if c not in ("gap", "measure", "sources", "confidence", "target_source_url", "load_id")
]


def read_target_measures(root: Path | None = None) -> pl.DataFrame:
    return pl.read_csv((root or facts_dir()) / "target_measures.csv", infer_schema_length=0)


@dataclass(frozen=True)
class Actuals:
    years: list[int]
    values: list[float]
    label: str
    sources: str


def _is_percent(unit: str) -> bool:
    return unit.strip().startswith("%")


def actuals_for(
    mapping: dict, official: pl.DataFrame, sector_metrics: pl.DataFrame
) -> Actuals | None:
    """The yearly actuals of a target's declared measure, in the target's comparison unit."""
    kind = mapping["kind"]
    if kind == "metric":
        rows = sector_metrics.filter(
            (pl.col("metric") == mapping["measure"]) & (pl.col("product") == mapping["product"])
        )
        if mapping.get("publisher"):
            rows = rows.filter(pl.col("publisher").str.contains(mapping["publisher"]))
        rows = rows.sort("year").unique("year", keep="first", maintain_order=True)
        label = f"marts.sector_metrics {mapping['measure']} ({mapping['product']})"
        return Actuals(
            rows["year"].to_list(),
            rows["value"].to_list(),
            label,
            " | ".join(sorted(set(rows["sources"].to_list()))),
        )
    if kind == "series":
        figures = share_figures(official)

        def series(series_id: str) -> pl.DataFrame:
            return figures.filter(pl.col("series_id") == series_id).select(
                "year", "value", "unit", "source_url"
            )

        num = series(mapping["measure"])
        label = f"core.official_stats {mapping['measure']}"
        if mapping.get("denominator"):
            den = series(mapping["denominator"]).rename(
                {"value": "den", "unit": "den_unit", "source_url": "den_url"}
            )
            num = num.join(den, on="year").with_columns(
                (pl.col("value") / pl.col("den")).alias("value"), pl.lit("ratio").alias("unit")
            )
            label += f" / {mapping['denominator']}"
            urls = num["source_url"].to_list() + num["den_url"].to_list()
        else:
            urls = num["source_url"].to_list()
        num = num.with_columns(
            pl.when(pl.col("unit") == "percent")
            .then(pl.col("value") / 100)
            .otherwise(pl.col("value"))
            .alias("value")
        ).sort("year")
        return Actuals(
            num["year"].to_list(), num["value"].to_list(), label, " | ".join(sorted(set(urls)))
        )
    return None


def satisfies(value: float, comparator: str, target: float) -> bool:
    if comparator == ">=":
        return value >= target
    if comparator == ">":
        return value > target
    if comparator == "<=":
        return value <= target
    if comparator == "<":
        return value < target
    if comparator == "~":
        return value >= APPROX_TOLERANCE * target
    if comparator == "=":
        return value == target
    raise ValueError(f"unknown comparator {comparator!r}")


def linear_fit(years: list[int], values: list[float]) -> tuple[float, float]:
    """Least-squares line value = a + b * year."""
    n = len(years)
    mx = sum(years) / n
    my = sum(values) / n
    sxx = sum((x - mx) ** 2 for x in years)
    b = sum((x - mx) * (y - my) for x, y in zip(years, values, strict=True)) / sxx
    return my - b * mx, b


def _fmt(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"


def evaluate(target: float, comparator: str, year: int | None, actuals: Actuals | None) -> dict:
    """Status, actual, projection, gap and the rule applied, for one target."""
    out = {"actual_value": None, "actual_year": None, "projected_value": None, "gap": None}
    if actuals is None:
        return {**out, "status": "no_data", "rule": "no series measures this target"}
    if year is None:
        return {**out, "status": "no_data", "rule": "the source states no target year"}
    if not actuals.years:
        return {**out, "status": "no_data", "rule": f"no actual values in {actuals.label}"}
    cmp_text = f"{comparator} {_fmt(target)}" + (
        f" (about: >= {APPROX_TOLERANCE:.0%} of target)" if comparator == "~" else ""
    )
    points = dict(zip(actuals.years, actuals.values, strict=True))
    if year in points:
        value = points[year]
        ok = satisfies(value, comparator, target)
        return {
            **out,
            "actual_value": value,
            "actual_year": year,
            "gap": value - target,
            "status": "met" if ok else "missed",
            "rule": f"actual {year} = {_fmt(value)} {'meets' if ok else 'misses'} {cmp_text}",
        }
    before = [y for y in actuals.years if y < year]
    after = [y for y in actuals.years if y > year]
    if not before:
        return {
            **out,
            "status": "no_data",
            "rule": f"no actual for or before {year} (first actual {min(actuals.years)})",
        }
    last = max(before)
    out.update(actual_value=points[last], actual_year=last)
    if after:  # a past target year between two actuals: interpolate
        nxt = min(after)
        projected = points[last] + (points[nxt] - points[last]) * (year - last) / (nxt - last)
        how = (
            f"no actual for {year}; linear interpolation between {last} ({_fmt(points[last])}) "
            f"and {nxt} ({_fmt(points[nxt])}) gives {_fmt(projected)}"
        )
    else:
        recent = sorted(before)[-TREND_POINTS:]
        if len(recent) == 1:
            if satisfies(points[last], comparator, target):
                return {
                    **out,
                    "projected_value": points[last],
                    "gap": points[last] - target,
                    "status": "on_track",
                    "rule": f"only actual {last} = {_fmt(points[last])} already {cmp_text}; "
                    "no reversal assumed",
                }
            return {
                **out,
                "status": "no_data",
                "rule": f"one actual ({last} = {_fmt(points[last])}), below target: no trend",
            }
        a, b = linear_fit(recent, [points[y] for y in recent])
        projected = a + b * year
        how = (
            f"linear trend of {', '.join(map(str, recent))} projected to {year} gives "
            f"{_fmt(projected)}"
        )
    ok = satisfies(projected, comparator, target)
    return {
        **out,
        "projected_value": projected,
        "gap": projected - target,
        "status": "on_track" if ok else "off_track",
        "rule": f"{how}, which {'meets' if ok else 'misses'} {cmp_text}",
    }


def scorecard(
    targets: pl.DataFrame,
    measures: pl.DataFrame,
    official: pl.DataFrame,
    sector_metrics: pl.DataFrame,
    sectors: pl.DataFrame,
    load_id: str,
) -> pl.DataFrame:
    """marts.scorecard: one row per target (targets without a measure stay, as no_data)."""
    by_target = {r["target_id"]: r for r in measures.iter_rows(named=True)}
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    rows = []
    for t in targets.sort("target_id").iter_rows(named=True):
        mapping = by_target.get(t["target_id"], {"kind": "none", "note": "no declared measure"})
        percent = _is_percent(t["unit"])
        target_value = t["target_value"] / 100 if percent else t["target_value"]
        actuals = actuals_for(mapping, official, sector_metrics)
        result = evaluate(target_value, t["comparator"], t["target_year"], actuals)
        if actuals is None:
            result["rule"] = f"no_data: {mapping.get('note') or result['rule']}"
        elif mapping.get("note"):
            result["rule"] += f". Measure: {mapping['note']}"
        rows.append(
            {
                "target_id": t["target_id"],
                "sector": names.get(t["sector_id"], t["sector"]),
                "indicator": t["indicator"],
                "comparator": t["comparator"],
                "target_year": t["target_year"],
                "target_value": target_value,
                "unit": "ratio" if percent else t["unit"],
                **result,
                "measure": actuals.label if actuals else None,
                "sources": (actuals.sources or None) if actuals else None,
                "confidence": t["confidence"],
                "target_source_url": t["source_url"],
                "load_id": load_id,
            }
        )
    schema = {
        "target_year": pl.Int64,
        "actual_year": pl.Int64,
        "target_value": pl.Float64,
        "actual_value": pl.Float64,
        "projected_value": pl.Float64,
        "gap": pl.Float64,
        "measure": pl.String,
        "sources": pl.String,
    }
    return pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None).select(
        SCORECARD_COLUMNS
    )


def summary_markdown(card: pl.DataFrame) -> str:
    """Short markdown summary: counts per status and the evaluated targets."""
    counts = {s: card.filter(pl.col("status") == s).height for s in STATUSES}
    lines = [
        "# MIC2025 scorecard",
        "",
        f"{card.height} targets: **{counts['met']} met**, {counts['on_track']} on track, "
        f"{counts['off_track']} off track, **{counts['missed']} missed**, "
        f"{counts['no_data']} without data.",
        "",
        "| target | indicator | target | actual | status |",
        "|---|---|---|---|---|",
    ]
    for r in card.filter(pl.col("status") != "no_data").iter_rows(named=True):
        actual = (
            f"{_fmt(r['actual_value'])} ({r['actual_year']})"
            if r["actual_value"] is not None
            else "-"
        )
        lines.append(
            f"| {r['target_id']} | {r['indicator']} | {r['comparator']} "
            f"{_fmt(r['target_value'])} by {r['target_year']} | {actual} | {r['status']} |"
        )
    return "\n".join(lines) + "\n"
