"""MIC2025 scorecard: each official target against the actuals.

The measure of each target is declared in ``facts/target_measures.csv``: a metric of
marts.sector_metrics (``kind = metric``), an official series (``kind = series``, optionally
divided by another series), or ``none`` with the reason no series measures it. A target may list
several measures, in order of preference (e.g. CAAM's all-vehicle NEV share, then IEA's car share).

Status rule (stated in each row's ``rule``):

- A target whose year has passed (``target_year < as_of`` year) is ``met`` or ``missed`` from the
  actual **for the target year** of a measure whose definition matches, never from a trend or an
  interpolation. A bound decides only when it can ("more than 80%" meets ">= 70%"; it cannot
  show that ">= 90%" was missed). With no decisive actual for the target year the status is
  ``no_data``, and the rule names the nearest actuals (and any forecast, never used as an actual).
- A target whose year is still ahead is ``on_track`` / ``off_track`` from a linear least-squares
  trend of the latest (up to 3) full-year actuals of **one definition** (one publisher's one
  measure); with a single actual that already satisfies the target it is on track (no reversal
  assumed).
- Part-year values (a first half, Jan-Oct) are never used as a year.
- A measure of another definition than the target's (a fuel-consumption target set on the NEDC
  test cycle, actuals published on WLTC) is compared only with the target as a published source
  restates it in that definition (``restated_target``, ``restated_by``: who restated it, with the
  quote), never with a conversion of our own.

Comparators: ``>=``, ``>``, ``<=``, ``<`` as written; ``~`` ("about", 左右) counts as reached at
95% of the target or more. Percent targets are compared as ratios (40% -> 0.40).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.warehouse.bounds import ratio_bound
from mic2025.warehouse.metrics import best_figures, metric_spec
from mic2025.warehouse.units import format_value

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
    "actual_bound",
    "projected_value",
    "gap",
    "compared_with",
    "status",
    "rule",
    "measure",
    "definition_id",
    "sources",
    "confidence",
    "curator_note",
    "same_goal_as",
    "target_source_url",
    "load_id",
]


def read_target_measures(root: Path | None = None) -> pl.DataFrame:
    return read_facts_csv((root or facts_dir()) / "target_measures.csv")


@dataclass(frozen=True)
class Actual:
    """One full-year actual of one definition, in the target's comparison unit."""

    year: int
    value: float
    bound: str
    definition: str
    source: str


@dataclass
class Measure:
    """The actuals of one declared measure of a target.

    ``target`` is the target restated in this measure's own definition, where a published source
    restates it (a fuel-consumption target set on the NEDC test cycle and restated for WLTC by
    the standard itself); ``restatement`` says who restated it. None: the target as written."""

    label: str
    note: str
    actuals: list[Actual] = field(default_factory=list)
    forecasts: list[str] = field(default_factory=list)
    target: float | None = None
    restatement: str = ""

    @property
    def sources(self) -> str:
        return " | ".join(sorted({a.source for a in self.actuals if a.source}))


def _is_percent(unit: str) -> bool:
    return unit.strip().startswith("%")


def _fmt(v: float) -> str:
    return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"


def measure_for(
    mapping: dict, official: pl.DataFrame, sector_metrics: pl.DataFrame
) -> Measure | None:
    """The full-year actuals of one declared measure (None for ``kind = none``)."""
    kind = mapping["kind"]
    note = mapping.get("note") or ""
    restated = {
        "target": float(mapping["restated_target"]) if mapping.get("restated_target") else None,
        "restatement": mapping.get("restated_by") or "",
    }
    if kind == "metric":
        rows = sector_metrics.filter(
            (pl.col("metric") == mapping["measure"])
            & (pl.col("product") == mapping["product"])
            & (pl.col("period") == "FY")
        )
        if mapping.get("publisher"):
            rows = rows.filter(pl.col("publisher").str.contains(f"^(?:{mapping['publisher']})$"))
        rows = rows.sort("year", "definition_id")
        label = f"marts.sector_metrics {mapping['measure']} ({mapping['product']})"
        actuals = [
            Actual(r["year"], r["value"], r["bound"], r["definition_id"], r["sources"])
            for r in rows.iter_rows(named=True)
        ]
        return Measure(label, note, actuals, **restated)
    if kind == "series":
        figures = best_figures(official)

        def series(series_id: str) -> pl.DataFrame:
            return figures.filter(pl.col("series_id") == series_id).select(
                "year", "value", "unit", "source_url", "qualifier", "publisher_id"
            )

        num = series(mapping["measure"])
        label = f"core.official_stats {mapping['measure']}"
        definition = mapping["measure"]
        if mapping.get("denominator"):
            den = series(mapping["denominator"]).rename(
                {
                    "value": "den",
                    "unit": "den_unit",
                    "source_url": "den_url",
                    "qualifier": "den_q",
                    "publisher_id": "den_p",
                }
            )
            num = num.join(den, on="year").with_columns(
                (pl.col("value") / pl.col("den")).alias("value"), pl.lit("ratio").alias("unit")
            )
            num = num.with_columns(
                pl.Series(
                    "qualifier",
                    [ratio_bound(a, b) for a, b in num.select("qualifier", "den_q").iter_rows()],
                    dtype=pl.String,
                ),
                pl.concat_str(["source_url", "den_url"], separator=" | ").alias("source_url"),
            )
            label += f" / {mapping['denominator']}"
            definition += f"/{mapping['denominator']}"
        num = num.with_columns(
            pl.when(pl.col("unit") == "percent")
            .then(pl.col("value") / 100)
            .otherwise(pl.col("value"))
            .alias("value")
        ).sort("year")
        actuals = [
            Actual(
                r["year"],
                r["value"],
                r["qualifier"],
                f"{definition}:{r['publisher_id']}",
                r["source_url"],
            )
            for r in num.iter_rows(named=True)
        ]
        forecasts = [
            f"{r['year']} = {_fmt(r['value_as_published'])} {r['unit_as_published']} (forecast)"
            for r in official.filter(
                (pl.col("series_id") == mapping["measure"]) & pl.col("is_forecast")
            ).iter_rows(named=True)
        ]
        return Measure(label, note, actuals, forecasts, **restated)
    return None


def _forecasts_of(measure: Measure, official: pl.DataFrame, series_ids: list[str]) -> None:
    for r in official.filter(
        pl.col("series_id").is_in(series_ids) & pl.col("is_forecast")
    ).iter_rows(named=True):
        text = f"{r['year']} = {_fmt(r['value_as_published'])} {r['unit_as_published']} (forecast, {r['series_id']})"
        if text not in measure.forecasts:
            measure.forecasts.append(text)


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


def decide(value: float, bound: str, comparator: str, target: float) -> bool | None:
    """True (met) / False (missed) / None (the bound cannot decide).

    A lower bound (the truth is at least ``value``) decides 'met' for an at-least target only when
    it already satisfies it, and 'missed' for an at-most target only when it already fails it; an
    upper bound the other way round. Exact and approximate values decide directly."""
    ok = satisfies(value, comparator, target)
    if bound in ("exact", "approximate"):
        return ok
    at_least = comparator in (">=", ">", "~")
    if bound == "lower":
        return True if (at_least and ok) else (False if (not at_least and not ok) else None)
    if bound == "upper":
        return False if (at_least and not ok) else (True if (not at_least and ok) else None)
    return None


def linear_fit(years: list[int], values: list[float]) -> tuple[float, float]:
    """Least-squares line value = a + b * year."""
    n = len(years)
    mx = sum(years) / n
    my = sum(values) / n
    sxx = sum((x - mx) ** 2 for x in years)
    b = sum((x - mx) * (y - my) for x, y in zip(years, values, strict=True)) / sxx
    return my - b * mx, b


def _describe(a: Actual, unit: str | None = None) -> str:
    bound = "" if a.bound == "exact" else f", {a.bound} bound"
    return f"{a.year} = {format_value(a.value, unit, a.bound)} ({a.definition}{bound})"


def _nearest(
    measures: list[Measure], year: int, unit: str | None = None
) -> tuple[Actual | None, str]:
    """The latest actual before the target year (shown as actual_value) and a text naming the
    nearest actual on each side of it, over all declared measures."""
    every = [a for m in measures for a in m.actuals]
    before = [a for a in every if a.year < year]
    after = [a for a in every if a.year > year]
    parts = []
    prior = max(before, key=lambda a: (a.year, a.bound == "exact")) if before else None
    if prior:
        parts.append("nearest before: " + _describe(prior, unit))
    if after:
        parts.append("nearest after: " + _describe(min(after, key=lambda a: a.year), unit))
    forecasts = [f for m in measures for f in m.forecasts]
    if forecasts:
        parts.append("not used: " + "; ".join(forecasts))
    return prior, "; ".join(parts) if parts else "no actual of any year"


def _decided(
    out: dict,
    a: Actual,
    m: Measure,
    met: bool,
    year: int,
    unit: str | None,
    cmp_text: str,
    target: float,
) -> dict:
    """A passed deadline decided by actual ``a`` (of the target year, or an earlier year that
    already reached the target)."""
    when = "" if a.year == year else f" (reached before the {year} deadline)"
    return {
        **out,
        "actual_value": a.value,
        "actual_year": a.year,
        "actual_bound": a.bound,
        "gap": a.value - target,
        "compared_with": target,
        "definition_id": a.definition,
        "status": "met" if met else "missed",
        "rule": f"deadline {year} has passed: actual {_describe(a, unit)}{when} "
        f"{'meets' if met else 'misses'} {cmp_text}. Measure: {m.note}",
    }


def evaluate(
    target: float,
    comparator: str,
    year: int | None,
    measures: list[Measure],
    as_of: int | None = None,
    unit: str | None = None,
) -> dict:
    """Status, actual, projection, gap and the rule applied, for one target (``unit``: the
    target's comparison unit, for the rule text; 'ratio' prints as a percentage)."""
    as_of = as_of or dt.date.today().year
    out = {
        "actual_value": None,
        "actual_year": None,
        "actual_bound": None,
        "projected_value": None,
        "gap": None,
        "compared_with": None,
        "definition_id": None,
    }
    if not measures:
        return {**out, "status": "no_data", "rule": "no series measures this target"}
    if year is None:
        return {**out, "status": "no_data", "rule": "the source states no target year"}
    if not any(m.actuals for m in measures):
        labels = ", ".join(m.label for m in measures)
        return {**out, "status": "no_data", "rule": f"no full-year actual values in {labels}"}

    def goal(m: Measure) -> float:
        """The target in measure ``m``'s own definition (as written unless a source restated it)."""
        return target if m.target is None else m.target

    def cmp_text(m: Measure) -> str:
        text = f"{comparator} {format_value(goal(m), unit, show_unit=True)}" + (
            f" (about: >= {APPROX_TOLERANCE:.0%} of target)" if comparator == "~" else ""
        )
        if m.target is not None:
            text += (
                f" (the target of {format_value(target, unit, show_unit=True)} restated in this "
                f"measure's definition by {m.restatement})"
            )
        return text

    if year < as_of:  # the deadline has passed: met or missed, never "on track"
        # "Reach X by Y": met when a value of the target's definition reached X in any year up
        # to Y (the target year's own value first, then the latest earlier year that did);
        # missed only from the target year's own value.
        undecided = []
        missed: tuple[Actual, Measure] | None = None
        for m in measures:
            candidates = sorted(
                (a for a in m.actuals if a.year == year), key=lambda a: a.bound != "exact"
            )
            for a in candidates:
                verdict = decide(a.value, a.bound, comparator, goal(m))
                if verdict is None:
                    undecided.append(_describe(a, unit))
                elif verdict:
                    return _decided(out, a, m, True, year, unit, cmp_text(m), goal(m))
                elif missed is None:
                    missed = (a, m)
        if comparator != "=":
            for m in measures:
                earlier = sorted(
                    (a for a in m.actuals if a.year < year),
                    key=lambda a: (-a.year, a.bound != "exact"),
                )
                for a in earlier:
                    if decide(a.value, a.bound, comparator, goal(m)):
                        return _decided(out, a, m, True, year, unit, cmp_text(m), goal(m))
        if missed is not None:
            a, m = missed
            return _decided(out, a, m, False, year, unit, cmp_text(m), goal(m))
        prior, nearest = _nearest(measures, year, unit)
        why = (
            f"the {year} bounds do not decide it ({'; '.join(undecided)})"
            if undecided
            else f"no {year} actual of a matching definition"
        )
        return {
            **out,
            "actual_value": prior.value if prior else None,
            "actual_year": prior.year if prior else None,
            "actual_bound": prior.bound if prior else None,
            "definition_id": prior.definition if prior else None,
            "status": "no_data",
            "rule": f"deadline {year} has passed and {why}; {nearest}. Measure: {measures[0].note}",
        }
    # the target year is ahead: trend of one definition's full-year actuals
    first = next(m for m in measures if m.actuals)
    by_definition: dict[str, list[Actual]] = {}
    for a in first.actuals:
        by_definition.setdefault(a.definition, []).append(a)
    definition, points = max(by_definition.items(), key=lambda kv: (len(kv[1]), kv[1][-1].year))
    recent = sorted(points, key=lambda a: a.year)[-TREND_POINTS:]
    last = recent[-1]
    out.update(
        actual_value=last.value,
        actual_year=last.year,
        actual_bound=last.bound,
        definition_id=definition,
    )
    if len(recent) == 1:
        if satisfies(last.value, comparator, goal(first)):
            return {
                **out,
                "projected_value": last.value,
                "gap": last.value - goal(first),
                "compared_with": goal(first),
                "status": "on_track",
                "rule": f"only actual {_describe(last, unit)} already {cmp_text(first)}; "
                "no reversal assumed",
            }
        return {
            **out,
            "status": "no_data",
            "rule": f"one actual ({_describe(last, unit)}), below target: no trend",
        }
    a, b = linear_fit([p.year for p in recent], [p.value for p in recent])
    projected = a + b * year
    ok = satisfies(projected, comparator, goal(first))
    return {
        **out,
        "projected_value": projected,
        "gap": projected - goal(first),
        "compared_with": goal(first),
        "status": "on_track" if ok else "off_track",
        "rule": f"linear trend of {', '.join(str(p.year) for p in recent)} ({definition}) "
        f"projected to {year} gives {format_value(projected, unit)}, which {'meets' if ok else 'misses'} "
        f"{cmp_text(first)}. Measure: {first.note}",
    }


def scorecard(
    targets: pl.DataFrame,
    measures: pl.DataFrame,
    official: pl.DataFrame,
    sector_metrics: pl.DataFrame,
    sectors: pl.DataFrame,
    load_id: str,
    as_of: int | None = None,
) -> pl.DataFrame:
    """marts.scorecard: one row per target (targets without a measure stay, as no_data)."""
    by_target: dict[str, list[dict]] = {}
    alternative: dict[str, list[dict]] = {}
    for r in measures.iter_rows(named=True):
        into = alternative if (r.get("reading") or "") == "alternative" else by_target
        into.setdefault(r["target_id"], []).append(r)
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    rows = []
    for t in targets.sort("target_id").iter_rows(named=True):
        mappings = by_target.get(t["target_id"], [{"kind": "none", "note": "no declared measure"}])
        percent = _is_percent(t["unit"])
        target_value = t["target_value"] / 100 if percent else t["target_value"]
        declared = [m for m in (measure_for(x, official, sector_metrics) for x in mappings) if m]
        for mapping, m in zip([x for x in mappings if x["kind"] != "none"], declared, strict=True):
            if mapping["kind"] == "metric":
                _forecasts_of(m, official, _series_of(mapping, official))
            if percent and m.target is not None:
                m.target /= 100
        result = evaluate(
            target_value,
            t["comparator"],
            t["target_year"],
            declared,
            as_of,
            "ratio" if percent else t["unit"],
        )
        if not declared:
            note = next((x.get("note") for x in mappings if x.get("note")), None)
            result["rule"] = f"no_data: {note or result['rule']}"
        if t["target_id"] in alternative:
            result = _with_alternative_reading(
                result,
                alternative[t["target_id"]],
                t,
                target_value,
                official,
                sector_metrics,
                as_of,
                "ratio" if percent else t["unit"],
            )
        if t.get("same_goal_as"):
            result["rule"] += (
                f" Same goal as {t['same_goal_as']} (another document): counted once, as "
                f"{t['same_goal_as']}."
            )
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
                "measure": " | ".join(m.label for m in declared) or None,
                "sources": " | ".join(m.sources for m in declared if m.sources) or None,
                "confidence": t["confidence"],
                "curator_note": t["curator_note"],
                "same_goal_as": t.get("same_goal_as"),
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
        "compared_with": pl.Float64,
        "actual_bound": pl.String,
        "measure": pl.String,
        "definition_id": pl.String,
        "sources": pl.String,
    }
    return pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None).select(
        SCORECARD_COLUMNS
    )


def _with_alternative_reading(
    result: dict,
    mappings: list[dict],
    target: dict,
    target_value: float,
    official: pl.DataFrame,
    sector_metrics: pl.DataFrame,
    as_of: int | None,
    unit: str,
) -> dict:
    """A target whose wording is reported two ways: scored under both readings. When the two
    results differ the status is ``disputed`` and the rule gives both; when they agree, the
    status stands and the rule says the dispute does not change it."""
    declared = [m for m in (measure_for(x, official, sector_metrics) for x in mappings) if m]
    other = evaluate(
        target_value, target["comparator"], target["target_year"], declared, as_of, unit
    )
    why = mappings[0].get("note") or "the target's wording is disputed"
    if other["status"] == result["status"]:
        return {
            **result,
            "rule": f"{result['rule']} The other reading gives the same: {other['rule']} ({why})",
        }
    return {
        **result,
        "status": "disputed",
        "rule": f"disputed: as compiled, {result['status']}: {result['rule']} Other reading, "
        f"{other['status']}: {other['rule']} ({why})",
    }


def _series_of(mapping: dict, official: pl.DataFrame) -> list[str]:
    """The official series behind a metric measure (for naming its forecasts)."""
    spec = metric_spec("published_shares.csv")
    ids = spec.filter(pl.col("metric") == mapping["measure"])["series_id"].to_list()
    products = official.filter(pl.col("product") == mapping["product"])["series_id"].unique()
    return [i for i in ids if i in set(products.to_list())]


def markdown_text(text: str) -> str:
    """A cell as literal text in a markdown renderer (Prefect's table artifact renders each cell
    as markdown): '>= 40%' is not a quote block, a lone '-' is not a bullet, '|' stays in its
    cell."""
    text = text.replace("|", "\\|")
    if text.startswith((">", "-", "+", "*", "#")):
        text = "\\" + text
    return text


def artifact_rows(card: pl.DataFrame) -> list[dict]:
    """Rows of the Prefect table artifact: status first (it must not fall off a narrow screen),
    values formatted as everywhere else (4.7%, 16,490,000 vehicles, ≥ 50.0%)."""
    rows = []
    for r in card.iter_rows(named=True):
        target = (
            f"{r['comparator']} {format_value(r['target_value'], r['unit'], show_unit=True)}"
            f" by {r['target_year'] or '?'}"
        )
        actual = (
            "none"
            if r["actual_value"] is None
            else f"{format_value(r['actual_value'], r['unit'], r['actual_bound'], True)} "
            f"({r['actual_year']})"
        )
        rows.append(
            {
                "target_id": r["target_id"],
                "status": r["status"],
                "target": markdown_text(target),
                "actual": markdown_text(actual),
                "sector": markdown_text(r["sector"]),
                "indicator": markdown_text(r["indicator"]),
                "rule": markdown_text(r["rule"] or ""),
            }
        )
    return rows


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
        "| target | status | target | actual | indicator |",
        "|---|---|---|---|---|",
    ]
    for r in card.filter(pl.col("status") != "no_data").iter_rows(named=True):
        actual = (
            f"{format_value(r['actual_value'], r['unit'], r['actual_bound'], True)} "
            f"({r['actual_year']})"
            if r["actual_value"] is not None
            else "-"
        )
        target = (
            f"{r['comparator']} {format_value(r['target_value'], r['unit'], show_unit=True)} "
            f"by {r['target_year']}"
        )
        lines.append(
            f"| {r['target_id']} | **{r['status']}** | {markdown_text(target)} | "
            f"{markdown_text(actual)} | {markdown_text(r['indicator'])} |"
        )
    return "\n".join(lines) + "\n"
