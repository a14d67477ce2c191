"""Article claims: load the registry (facts/articles/*.yaml) and check claims against the marts.

A claim with a ``metric_key`` is checked; the key names the measure:

- ``metric:<metric>|<product>[|<publisher regex>]``: a value of marts.sector_metrics;
- ``series:<SERIES_ID>``: an official figure of core.official_stats (full year, best figure);
- ``target:<TARGET_ID>``: a row of core.targets (the claim states a MIC2025 target); whether the
  goal was reached is the target's marts.scorecard status;
- ``goal:series:<SERIES_ID>`` or ``goal:metric:<metric>|<product>[|<publisher>]``: the claim
  states a goal that is not a scorecard target; whether it was reached is decided by the
  scorecard's own rule (:func:`mic2025.warehouse.scorecard.evaluate`) on that measure;
- ``verdict:<sector_id>``: a third-party evaluator's verdict on a sector (value 1 = strong,
  0 = mixed, -1 = weak), compared with marts.sector_summary by :func:`evaluator_verdicts`.

Only full-year values are used (part-year values never stand for a year), and bounds are respected:
a lower bound supports "more than" only when it already satisfies it, and so on
(:func:`decide_claim`); a bound that cannot decide leaves the claim unverifiable.

Year used: the claim's own year if it states one; otherwise the latest year before the article's
publication year (a claim published in November 2024 speaks of 2023, the last full year).

Tolerance rules (percent claims are compared as ratios: "more than 50%" -> > 0.5):

    >   computed > claimed         >=  computed >= claimed
    <   computed < claimed         <=  computed <= claimed
    ~   |computed - claimed| <= 10% of claimed  ("around", "almost", "about")
    =   |computed - claimed| <= 2% of claimed   (rounding in the article)

Verdicts: supported, contradicted, or unverifiable (no value for the measure and year, units that
cannot be compared, or publishers that disagree), each with its reason. A claim that states a goal
("to account for more than 80% by 2025") is not proved by the goal's existence; it is decided by
a measure of the goal's own quantity: ``goal_met`` when a value of that definition reached it in
any year up to the goal's year, ``goal_missed`` from the goal year's own value (the scorecard's
rule), else ``not_measurable`` / ``unverifiable`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from pathlib import Path

import polars as pl
import yaml

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.warehouse.conform import read_publishers, resolve_publisher
from mic2025.warehouse.metrics import best_figures
from mic2025.warehouse.scorecard import evaluate, measure_for
from mic2025.warehouse.units import VERDICT_WORDS, format_value

APPROX = 0.10
EXACT = 0.02
ARTICLE_COLUMNS = [
    "article_id",
    "title",
    "publisher",
    "url",
    "published",
    "retrieved",
    "claim_id",
    "quote",
    "subject",
    "sector_id",
    "metric",
    "value",
    "unit",
    "comparator",
    "year",
    "period",
    "metric_key",
    "note",
    "file_sha256",
]
CHECK_COLUMNS = [
    "article_id",
    "claim_id",
    "quote",
    "metric_key",
    "claim_value",
    "claim_unit",
    "comparator",
    "claim_year",
    "verdict",
    "computed_value",
    "computed_unit",
    "metric_used",
    "year_used",
    "tolerance_rule",
    "reason",
    "evidence_sources",
    "load_id",
]

#: Types of claim-check columns (a column not named here is text).
CHECK_TYPES = {
    "claim_year": pl.Int64,
    "year_used": pl.Int64,
    "computed_value": pl.Float64,
    "claim_value": pl.Float64,
    "computed_unit": pl.String,
    "metric_used": pl.String,
    "evidence_sources": pl.String,
}

RULES = {
    ">": "computed > claimed",
    ">=": "computed >= claimed",
    "<": "computed < claimed",
    "<=": "computed <= claimed",
    "~": f"|computed - claimed| <= {APPROX:.0%} of claimed",
    "=": f"|computed - claimed| <= {EXACT:.0%} of claimed (rounding)",
}


#: libyaml's parser when PyYAML was built with it (about ten times faster than PyYAML's own,
#: which took ~0.5 s of every build for the article files), else PyYAML's own.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=128)
def _parse_article(data: bytes):
    """An article file's YAML (cached by its bytes: the claims and the snapshot records read the
    same files in one build). Read-only: callers never change what it returns."""
    return yaml.load(data, Loader=_YAML_LOADER)  # a safe loader, libyaml's or PyYAML's


def article_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or facts_dir()) / "articles").glob("*.yaml"))


def load_articles(root: Path | None = None) -> pl.DataFrame:
    """Every claim of every article file, one row each (see schemas/facts.py)."""
    rows = []
    for path in article_files(root):
        data = path.read_bytes()
        try:
            doc = _parse_article(data)
        except yaml.YAMLError as exc:
            raise SourceFormatError(
                f"facts/articles/{path.name}", f"not valid YAML: {exc}"
            ) from None
        header = {k: doc.get(k) for k in ARTICLE_COLUMNS[:6]}
        if header["article_id"] != path.stem:
            raise SourceFormatError(
                f"facts/articles/{path.name}", f"article_id {header['article_id']!r} != file name"
            )
        for i, claim in enumerate(doc.get("claims") or []):
            if not isinstance(claim, dict):
                raise SourceFormatError(
                    f"facts/articles/{path.name}", "claim is not a mapping", row=i
                )
            rows.append(
                {
                    **{k: (str(v) if v is not None else None) for k, v in header.items()},
                    **{
                        k: claim.get("sector" if k == "sector_id" else k)
                        for k in ARTICLE_COLUMNS[6:-1]
                    },
                    "file_sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    schema = {c: pl.String for c in ARTICLE_COLUMNS}
    schema.update({"value": pl.Float64, "year": pl.Int64})
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [
            {k: (str(v) if v is not None and schema[k] == pl.String else v) for k, v in r.items()}
            for r in rows
        ],
        schema=schema,
    )


def article_snapshot_records(root: Path | None = None) -> list[dict]:
    """Rows for meta.snapshots: each claims file with its checksum."""
    records = []
    for path in article_files(root):
        data = path.read_bytes()
        doc = _parse_article(data)
        records.append(
            {
                "source": f"article:{doc['article_id']}",
                "version": str(doc.get("retrieved")),
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": len(doc.get("claims") or []),
                "method": "facts",
                "publisher": str(doc.get("publisher")),
                "licence": "quotes only; the article is the publisher's",
                "origin_url": str(doc.get("url")),
                "retrieved": str(doc.get("retrieved")),
                "path": f"facts/articles/{path.name}",
            }
        )
    return records


def satisfies(computed: float, comparator: str, claimed: float) -> bool:
    if comparator == ">":
        return computed > claimed
    if comparator == ">=":
        return computed >= claimed
    if comparator == "<":
        return computed < claimed
    if comparator == "<=":
        return computed <= claimed
    tolerance = APPROX if comparator == "~" else EXACT
    return abs(computed - claimed) <= tolerance * abs(claimed)


def decide_claim(computed: float, bound: str, comparator: str, claimed: float) -> bool | None:
    """True / False, or None when a bound cannot decide ("more than 50%" against a lower bound
    of 40% is undecided: the truth may be above 50%)."""
    ok = satisfies(computed, comparator, claimed)
    if bound in ("exact", "approximate", None):
        return ok
    if comparator in ("=", "~"):
        return None if ok else (False if _beyond(computed, bound, claimed) else None)
    at_least = comparator in (">", ">=")
    if bound == "lower":
        return True if (at_least and ok) else (False if (not at_least and not ok) else None)
    return False if (at_least and not ok) else (True if (not at_least and ok) else None)


def _beyond(computed: float, bound: str, claimed: float) -> bool:
    """A bound already past the claim's tolerance band on the far side contradicts it."""
    if bound == "lower":
        return computed > claimed * (1 + APPROX)
    return computed < claimed * (1 - APPROX)


def _normalise(value: float, unit: str) -> tuple[float, str]:
    """Percent claims and targets are compared as ratios."""
    if unit.strip().startswith("%") or unit.strip().lower() in ("percent", "per cent"):
        return value / 100, "ratio"
    return value, unit


def _percent_as_ratio(rows: pl.DataFrame) -> pl.DataFrame:
    """Figures published in percent, as ratios (claims in percent are compared as ratios)."""
    return rows.with_columns(
        pl.when(pl.col("unit") == "percent").then(pl.col("value") / 100).otherwise("value"),
        pl.when(pl.col("unit") == "percent").then(pl.lit("ratio")).otherwise("unit").alias("unit"),
    )


def _year_for(claim: dict) -> tuple[int | None, str]:
    if claim["year"] is not None:
        return int(claim["year"]), f"the claim's year {claim['year']}"
    limit = int(claim["published"][:4]) - 1
    return None, f"latest year up to {limit} (article published {claim['published']})"


def read_superseded(root=None) -> pl.DataFrame:
    """facts/superseded_series.csv: a series replaced by another from a date (a provisional
    duty by the definitive one)."""
    return read_facts_csv((root or facts_dir()) / "superseded_series.csv")


def check_one(
    claim: dict,
    sector_metrics: pl.DataFrame,
    official: pl.DataFrame,
    targets: pl.DataFrame,
    superseded: pl.DataFrame | None = None,
    city: pl.DataFrame | None = None,
    card: pl.DataFrame | None = None,
) -> dict:
    """One claim's verdict. A verdict rests on a measure of what the claim states:

    - a claim that states a goal is ``goal_met`` / ``goal_missed`` by a measure of the goal's
      quantity (a MIC2025 target's scorecard status, ``card``, or a declared ``goal:`` measure);
      with none that decides, ``not_measurable`` (a target: that it exists proves nothing; the
      reason still says whether it is as stated) or ``unverifiable``;
    - a claim that restates a date is ``not_measurable``;
    - a figure superseded before the article's date is ``outdated``, with the later value;
    - otherwise ``supported`` / ``contradicted`` by the measure, or ``unverifiable``.
    """
    kind, _, spec = claim["metric_key"].partition(":")
    if kind == "goal":
        return _goal_outcome(claim, spec, sector_metrics, official)
    result = _measure_claim(claim, sector_metrics, official, targets, city)
    if kind == "target":
        outcome = _target_outcome(spec, card) if result["verdict"] == "supported" else None
        if outcome is not None:
            return {
                **result,
                **outcome,
                "reason": f"states MIC2025 {result['reason']}, as the claim says; "
                f"whether it was reached (marts.scorecard): {outcome['reason']}",
            }
        return {
            **result,
            "verdict": "not_measurable",
            "reason": "states a MIC2025 target: that a target exists is not evidence of what was "
            f"achieved, and the scorecard has no decided status for it ({result['reason']})",
        }
    if claim["unit"].strip().lower() == "year":
        return {
            **result,
            "verdict": "not_measurable",
            "reason": f"restates a date, which measures nothing of the plan's results "
            f"({result['reason']})",
        }
    if kind == "series" and result["verdict"] in ("supported", "contradicted"):
        later = (superseded if superseded is not None else read_superseded()).filter(
            pl.col("series_id") == spec
        )
        if later.height:
            successor = later.row(0, named=True)
            published = str(claim["published"])
            if successor["in_force_from"] <= published:
                replacement = _measure_claim(
                    {**claim, "metric_key": f"series:{successor['superseded_by']}"},
                    sector_metrics,
                    official,
                    targets,
                )
                value = replacement["computed_value"]
                shown = (
                    format_value(value, replacement["computed_unit"])
                    if value is not None
                    else "no value"
                )
                return {
                    **result,
                    "verdict": "outdated",
                    "computed_value": value,
                    "computed_unit": replacement["computed_unit"],
                    "metric_used": replacement["metric_used"],
                    "evidence_sources": " | ".join(
                        x
                        for x in (result["evidence_sources"], replacement["evidence_sources"])
                        if x
                    ),
                    "reason": f"{result['reason']}; but {spec} was superseded on "
                    f"{successor['in_force_from']}, before the article ({published}), by "
                    f"{successor['superseded_by']} = {shown}. {successor['note']}",
                }
    return result


def _no_evidence(claim: dict, rule: str) -> dict:
    """A check's columns before any evidence: the claim's value (percent as a ratio) and the
    rule that will be applied."""
    claimed, claim_unit = _normalise(claim["value"], claim["unit"])
    return {
        "claim_value": claimed,
        "claim_unit": claim_unit,
        "tolerance_rule": rule,
        "computed_value": None,
        "computed_unit": None,
        "metric_used": None,
        "year_used": None,
        "evidence_sources": None,
    }


#: The scorecard's reading of "reach X by Y", named in a goal verdict's tolerance_rule.
GOAL_RULE = (
    "goal met when a value of the goal's definition reached it in any year up to the goal's "
    "year; missed from the goal year's own value (the scorecard's rule)"
)


def _target_outcome(target_id: str, card: pl.DataFrame | None) -> dict | None:
    """goal_met / goal_missed from target ``target_id``'s marts.scorecard row, None when the
    scorecard has not decided it (no_data, or a year still ahead)."""
    if card is None:
        return None
    rows = card.filter(pl.col("target_id") == target_id)
    if rows.is_empty() or rows["status"][0] not in ("met", "missed"):
        return None
    row = rows.row(0, named=True)
    return {
        "verdict": f"goal_{row['status']}",
        "computed_value": row["actual_value"],
        "computed_unit": row["unit"],
        "metric_used": f"marts.scorecard {target_id}: {row['measure']}",
        "year_used": row["actual_year"],
        "evidence_sources": row["sources"],
        "tolerance_rule": GOAL_RULE,
        "reason": f"{row['status']}: {row['rule']}",
    }


def _goal_outcome(
    claim: dict, spec: str, sector_metrics: pl.DataFrame, official: pl.DataFrame
) -> dict:
    """A goal that is not a scorecard target (``goal:series:<ID>`` or
    ``goal:metric:<metric>|<product>[|<publisher>]``), decided by the scorecard's rule."""
    base = _no_evidence(claim, GOAL_RULE)
    claimed, claim_unit = base["claim_value"], base["claim_unit"]
    measure_kind, _, key = spec.partition(":")
    if measure_kind == "series":
        mapping = {"kind": "series", "measure": key}
        units = official.filter(pl.col("series_id") == key)["unit"]
    elif measure_kind == "metric":
        metric, product, publisher = ([*key.split("|"), "", ""])[:3]
        mapping = {"kind": "metric", "measure": metric, "product": product}
        if publisher:
            mapping["publisher"] = publisher
        units = sector_metrics.filter(
            (pl.col("metric") == metric) & (pl.col("product") == product)
        )["unit"]
    else:
        return {**base, "verdict": "unverifiable", "reason": f"unknown goal measure {spec!r}"}
    mapping["note"] = claim.get("note") or ""
    measure = measure_for(mapping, official, sector_metrics)
    units = {"ratio" if u == "percent" else u for u in units.to_list()}
    if units and units != {claim_unit}:
        return {
            **base,
            "verdict": "unverifiable",
            "metric_used": measure.label,
            "reason": f"units differ: the goal in {claim_unit}, {measure.label} in {sorted(units)}",
        }
    if claim["year"] is None:
        return {
            **base,
            "verdict": "unverifiable",
            "metric_used": measure.label,
            "reason": "the goal states no year",
        }
    as_of = dt.date.today().year  # one reading of "has the deadline passed" for both
    year = int(claim["year"])
    outcome = evaluate(claimed, claim["comparator"], year, [measure], as_of, claim_unit)
    decided = outcome["status"] in ("met", "missed")
    why = "its year is ahead, so it is not decided; " if year >= as_of else ""
    return {
        **base,
        "verdict": f"goal_{outcome['status']}" if decided else "unverifiable",
        "computed_value": outcome["actual_value"],
        "computed_unit": claim_unit if outcome["actual_value"] is not None else None,
        "metric_used": measure.label,
        "year_used": outcome["actual_year"],
        "evidence_sources": measure.sources or None,
        "reason": f"states a goal ({claim['comparator']} {claim['value']:g} {claim['unit']} by "
        f"{claim['year']}); {why}{outcome['status']}: {outcome['rule']}",
    }


def _claim_period(claim: dict) -> str:
    """The period a claim is about: 'Jan-Jun' etc. when it says so, else the full year."""
    period = str(claim.get("period") or "")
    return period if re.match(r"^(Jan-[A-Z][a-z]{2}|end-[A-Z][a-z]{2})$", period) else "FY"


def _measure_claim(
    claim: dict,
    sector_metrics: pl.DataFrame,
    official: pl.DataFrame,
    targets: pl.DataFrame,
    city: pl.DataFrame | None = None,
) -> dict:
    kind, _, spec = claim["metric_key"].partition(":")
    base = _no_evidence(claim, RULES[claim["comparator"]])
    claimed, claim_unit = base["claim_value"], base["claim_unit"]

    def unverifiable(reason: str, **extra) -> dict:
        return {**base, **extra, "verdict": "unverifiable", "reason": reason}

    if kind == "target":
        rows = targets.filter(pl.col("target_id") == spec)
        if rows.is_empty():
            return unverifiable(f"no target {spec} in core.targets")
        t = rows.row(0, named=True)
        target_value, target_unit = _normalise(t["target_value"], t["unit"])
        evidence = {
            "computed_value": target_value,
            "computed_unit": target_unit,
            "metric_used": f"core.targets {spec}: {t['indicator']}",
            "year_used": t["target_year"],
            "evidence_sources": t["source_url"],
            "tolerance_rule": "same target value (1e-9 relative), same target year if stated",
        }
        same_value = abs(target_value - claimed) <= 1e-9 * max(abs(claimed), 1.0)
        same_year = claim["year"] is None or claim["year"] == t["target_year"]
        verdict = "supported" if same_value and same_year else "contradicted"
        reason = (
            f"target {spec} is {t['comparator']} {t['target_value']} {t['unit']} by "
            f"{t['target_year']} ({t['confidence']})"
        )
        if not same_value:
            reason += f"; the claim says {claim['value']} {claim['unit']}"
        if not same_year:
            reason += f"; the claim says {claim['year']}"
        return {**base, **evidence, "verdict": verdict, "reason": reason}

    if kind == "metric":
        parts = spec.split("|")
        metric, product = parts[0], parts[1] if len(parts) > 1 else None
        rows = sector_metrics.filter(pl.col("metric") == metric)
        if product:
            rows = rows.filter(pl.col("product") == product)
        if len(parts) > 2 and parts[2]:
            rows = rows.filter(pl.col("publisher").str.contains(parts[2]))
        for name, default in (("period", "FY"), ("bound", "exact")):
            if name not in rows.columns:  # frames built before these columns existed
                rows = rows.with_columns(pl.lit(default).alias(name))
        rows = rows.filter(pl.col("period") == "FY").select(
            "year", "value", "unit", "publisher", "sources", "bound"
        )
        label = f"marts.sector_metrics {metric}" + (f" ({product})" if product else "")
    elif kind == "series":
        rows = (
            best_figures(official)
            .filter(pl.col("series_id") == spec)
            .select(
                "year",
                "value",
                "unit",
                pl.col("publisher_id").alias("publisher"),
                pl.col("source_url").alias("sources"),
                pl.col("qualifier").alias("bound"),
            )
        )
        rows = _percent_as_ratio(rows)
        label = f"core.official_stats {spec}"
    elif kind == "place":  # place:<place_id>|<metric> of marts.city_metrics
        place_id, _, metric = spec.partition("|")
        period = _claim_period(claim)
        frame = city if city is not None else pl.DataFrame()
        if frame.is_empty():
            return unverifiable("no marts.city_metrics rows")
        rows = frame.filter(
            (pl.col("place_id") == place_id)
            & (pl.col("metric") == metric)
            & (pl.col("period") == period)
        ).select(
            "year",
            "value",
            "unit",
            "publisher",
            "sources",
            "bound",
        )
        rows = _percent_as_ratio(rows)
        label = f"marts.city_metrics {place_id} {metric}" + (
            f" ({period})" if period != "FY" else ""
        )
    else:
        return unverifiable(f"unknown metric_key kind {kind!r}")

    year, how = _year_for(claim)
    if rows.is_empty():
        return unverifiable(f"no data for {label} in the warehouse", metric_used=label)
    if year is None:
        candidates = rows.filter(pl.col("year") <= int(claim["published"][:4]) - 1)
        if candidates.is_empty():
            return unverifiable(
                f"no value of {label} before {claim['published']}", metric_used=label
            )
        year = candidates["year"].max()
    at_year = rows.filter(pl.col("year") == year)
    if at_year.is_empty():
        return unverifiable(
            f"no value of {label} for {year} (years with data: "
            f"{rows['year'].min()}-{rows['year'].max()})",
            metric_used=label,
        )
    if set(at_year["unit"]) != {claim_unit}:
        return unverifiable(
            f"units differ: claim in {claim_unit}, {label} in {sorted(set(at_year['unit']))}",
            metric_used=label,
        )
    decisions = [  # one per definition: two definitions of one publisher both count
        decide_claim(r["value"], r["bound"], claim["comparator"], claimed)
        for r in at_year.iter_rows(named=True)
    ]
    values = "; ".join(
        f"{r['publisher']}: {format_value(r['value'], r['unit'], r['bound'])}"
        for r in at_year.iter_rows(named=True)
    )
    evidence = {
        "computed_value": at_year["value"][0],
        "computed_unit": at_year["unit"][0],
        "metric_used": label,
        "year_used": year,
        "evidence_sources": " | ".join(sorted(set(at_year["sources"].to_list()))),
    }
    verdicts = {v for v in decisions if v is not None}
    if not verdicts:
        return unverifiable(f"the {year} bounds do not decide the claim ({values})", **evidence)
    if len(verdicts) > 1:
        return unverifiable(f"sources disagree for {year} ({values})", **evidence)
    ok = verdicts.pop()
    reason = (
        f"{year} ({how}): {values} {'satisfies' if ok else 'fails'} "
        f"{claim['comparator']} {format_value(claimed, claim_unit)}"
    )
    return {**base, **evidence, "verdict": "supported" if ok else "contradicted", "reason": reason}


def claim_checks(
    claims: pl.DataFrame,
    sector_metrics: pl.DataFrame,
    official: pl.DataFrame,
    targets: pl.DataFrame,
    load_id: str,
    city: pl.DataFrame | None = None,
    card: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """marts.claim_checks: every claim that has a metric_key (``card``: marts.scorecard, whose
    status says whether a target a claim states was reached)."""
    rows = []
    checkable = claims.filter(
        pl.col("metric_key").is_not_null() & ~pl.col("metric_key").str.starts_with("verdict:")
    )
    superseded = read_superseded()  # once for all claims
    for claim in checkable.iter_rows(named=True):
        result = check_one(claim, sector_metrics, official, targets, superseded, city, card)
        rows.append(
            {
                "article_id": claim["article_id"],
                "claim_id": claim["claim_id"],
                "quote": claim["quote"],
                "metric_key": claim["metric_key"],
                "comparator": claim["comparator"],
                "claim_year": claim["year"],
                **result,
                "load_id": load_id,
            }
        )
    return checks_frame(rows, CHECK_COLUMNS)


def checks_frame(rows: list[dict], columns: list[str]) -> pl.DataFrame:
    """Claim-check rows as a frame of ``columns`` (typed per CHECK_TYPES, text otherwise),
    empty but typed when there are none."""
    if not rows:
        return pl.DataFrame(schema={c: CHECK_TYPES.get(c, pl.String) for c in columns})
    return pl.DataFrame(rows, schema_overrides=CHECK_TYPES, infer_schema_length=None).select(
        columns
    )


STRONG_DOMESTIC, WEAK_DOMESTIC = 0.7, 0.4
STRONG_WORLD, WEAK_WORLD = 0.4, 0.25


def our_reading(row: dict) -> tuple[int | None, str]:
    """Our numbers as a verdict (the rule is stated in every reason):

    strong (1): domestic supply >= 70% or China's share of the world >= 40%;
    weak (-1):  domestic supply < 40% and China's share of the world < 25% (or none);
    mixed (0):  otherwise. A bound counts only in the direction it can prove
    (a lower bound proves 'at least', an upper bound 'at most'); import dependence d is read as
    domestic supply 1 - d."""
    value, bound = row["domestic_supply_value"], row["domestic_supply_bound"]
    if value is not None and row["domestic_supply_metric"] == "import_dependence":
        value, bound = 1 - value, {"lower": "upper", "upper": "lower"}.get(bound, bound)
    world, wbound = row["world_position_value"], row["world_position_bound"]
    if value is None and world is None:
        return None, "no domestic-supply or world-position measure"
    can_be_high = {"exact", "approximate", "lower"}
    can_be_low = {"exact", "approximate", "upper"}
    if (value is not None and value >= STRONG_DOMESTIC and bound in can_be_high) or (
        world is not None and world >= STRONG_WORLD and wbound in can_be_high
    ):
        return 1, "strong"
    domestic_low = value is not None and value < WEAK_DOMESTIC and bound in can_be_low
    world_low = world is None or (world < WEAK_WORLD and wbound in can_be_low)
    if domestic_low and world_low:
        return -1, "weak"
    return 0, "mixed"


def _sector_numbers(row: dict) -> str:
    """'domestic supply ≤ 23.9% (2022), world share 2.9% (2022)' for a sector summary row."""
    parts = []
    for role, label in (("domestic_supply", "domestic supply"), ("world_position", "world share")):
        if row[f"{role}_value"] is None:
            parts.append(f"no {label} measure")
        else:
            value = format_value(row[f"{role}_value"], "ratio", row[f"{role}_bound"])
            parts.append(f"{label} {value} ({row[f'{role}_year']})")
    return ", ".join(parts)


def _evaluator_id(publisher: str, publishers: pl.DataFrame) -> str | None:
    """The vocabulary id of an evaluator ('MERICS (Andreas Mischer)' -> MERICS), if listed."""
    try:
        return resolve_publisher(publisher, "", publishers)
    except SourceFormatError:
        return None


def evaluator_verdicts(
    claims: pl.DataFrame, summary: pl.DataFrame, sectors: pl.DataFrame, load_id: str
) -> pl.DataFrame:
    """Claim checks for ``verdict:<sector_id>`` claims: does our sector reading agree?

    Same category -> supported; strong against weak -> contradicted; one step apart (mixed
    against strong or weak) -> unverifiable ('partly agrees'). Also returns ``sector_id`` and a
    one-line ``text`` for marts.sector_summary."""
    rows = []
    by_sector = {r["sector_id"]: r for r in summary.iter_rows(named=True)}
    verdict_claims = claims.filter(pl.col("metric_key").str.starts_with("verdict:"))
    publishers = read_publishers()
    for claim in verdict_claims.iter_rows(named=True):
        sector_id = claim["metric_key"].split(":", 1)[1]
        theirs = int(claim["value"])
        row = by_sector.get(sector_id)
        ours, label = our_reading(row) if row else (None, "unknown sector")
        numbers = _sector_numbers(row) if row else ""
        own = _evaluator_id(claim["publisher"], publishers)
        used = set()
        for role in ("domestic_supply", "world_position"):
            if row and row[f"{role}_publisher"]:
                used |= set(row[f"{role}_publisher"].split("; "))
        if ours is not None and own is not None and own in used:
            verdict, how = "circular", f"not counted: our numbers use {own}'s own figure"
        elif ours is None:
            verdict, how = "unverifiable", "nothing of ours to compare"
        elif ours == theirs:
            verdict, how = "supported", "agrees"
        elif abs(ours - theirs) == 2:
            verdict, how = "contradicted", "disagrees"
        else:
            verdict, how = "partly_agrees", "partly agrees"
        reason = (
            f"evaluator: {VERDICT_WORDS[theirs]}; our numbers: {label} ({numbers}); {how}. "
            f"Rule: strong if domestic supply >= {STRONG_DOMESTIC:.0%} or world share >= "
            f"{STRONG_WORLD:.0%}; weak if domestic supply < {WEAK_DOMESTIC:.0%} and world share "
            f"< {WEAK_WORLD:.0%}; mixed otherwise"
        )
        rows.append(
            {
                "article_id": claim["article_id"],
                "claim_id": claim["claim_id"],
                "quote": claim["quote"],
                "metric_key": claim["metric_key"],
                "claim_value": float(theirs),
                "claim_unit": "verdict",
                "comparator": claim["comparator"],
                "claim_year": claim["year"],
                "verdict": verdict,
                "computed_value": float(ours) if ours is not None else None,
                "computed_unit": "verdict" if ours is not None else None,
                "metric_used": "marts.sector_summary (domestic supply, world position)",
                "year_used": row["domestic_supply_year"] if row else None,
                "tolerance_rule": "same category (1 strong, 0 mixed, -1 weak)",
                "reason": reason,
                "evidence_sources": row["sources"] if row else None,
                "load_id": load_id,
                "sector_id": sector_id,
                "text": f"{claim['publisher']} ({claim['published'][:7]}): "
                f"{VERDICT_WORDS[theirs]}; our numbers: {label} - {how}",
            }
        )
    return checks_frame(rows, [*CHECK_COLUMNS, "sector_id", "text"])
