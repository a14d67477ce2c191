"""marts.sector_summary: the sector-by-sector answer, one row per MIC2025 sector.

For each sector, the measures declared in ``facts/metrics/sector_measures.csv`` are tried in file
order, per role:

- ``domestic_supply``: how much of China's own demand domestic makers supply (a self-sufficiency
  ratio, import dependence, or a published domestic suppliers' share of the domestic market);
- ``world_position``: China's share of world production, capacity, orders, deliveries or sales
  (for rail, where the maker's world share is mostly China's own market: the share of its new
  orders won abroad).

The first measure with a full-year headline value in the recent window (2021-2024, the years
before the plan's 2025 deadline that every sector's statistics cover) gives the sector's value;
its latest year in that window is used. The baseline is the **same definition** (one publisher's
one measure) in 2013-2016, the year closest to 2015 first; the change is in percentage points
(``latest - baseline``, ratios) and is only stated when both values are exact or approximate or
when the bounds point the same way as the change (a lower-bound latest above an upper-bound
baseline). Gaps carry their reason from ``facts/metrics/sector_gaps.csv``.

The plain reading is built from these numbers only: no hand-written verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mic2025.warehouse.bounds import difference_bound
from mic2025.warehouse.metrics import metric_spec
from mic2025.warehouse.units import change_words, format_value

RECENT = (2021, 2024)
BASELINE = (2013, 2016)
ROLES = ["domestic_supply", "world_position"]

SUMMARY_COLUMNS = [
    "sector_id",
    "sector",
    "short_name",
    "domestic_supply_metric",
    "domestic_supply_product",
    "domestic_supply_value",
    "domestic_supply_year",
    "domestic_supply_basis",
    "domestic_supply_bound",
    "domestic_supply_definition",
    "domestic_supply_publisher",
    "domestic_supply_note",
    "baseline_value",
    "baseline_year",
    "baseline_bound",
    "change_since_baseline",
    "change_since_baseline_bound",
    "baseline_note",
    "world_position_metric",
    "world_position_product",
    "world_position_value",
    "world_position_year",
    "world_position_bound",
    "world_position_definition",
    "world_position_publisher",
    "world_position_note",
    "targets_met",
    "targets_missed",
    "targets_on_track",
    "targets_off_track",
    "targets_no_data",
    "targets_disputed",
    "evaluator_verdicts",
    "reading",
    "sources",
    "load_id",
]


def read_sector_measures() -> pl.DataFrame:
    return metric_spec("sector_measures.csv").with_columns(pl.col("publisher").fill_null(""))


def read_sector_gaps() -> pl.DataFrame:
    return metric_spec("sector_gaps.csv")


@dataclass(frozen=True)
class Pick:
    """The value chosen for one sector and role."""

    metric: str
    product: str
    value: float
    year: int
    basis: str
    bound: str
    definition: str
    publisher: str
    note: str
    sources: str


def _candidates(metrics: pl.DataFrame, spec: dict) -> pl.DataFrame:
    """A measure's full-year headline values. For the domestic-supply answer only shares of
    China's own demand count (0 to 1): a ratio above 1 says "net exporter", not how much of
    the demand domestic makers supply (see :func:`net_exporter_note`)."""
    rows = metrics.filter(
        (pl.col("metric") == spec["metric"])
        & (pl.col("product") == spec["product"])
        & (pl.col("period") == "FY")
        & pl.col("headline")
        & pl.col("value").is_not_null()
    )
    if spec.get("role") == "domestic_supply":
        rows = rows.filter(pl.col("value").is_between(0, 1))
    if spec["publisher"]:
        rows = rows.filter(pl.col("publisher").str.contains(f"^(?:{spec['publisher']})$"))
    return rows


def pick(metrics: pl.DataFrame, specs: list[dict]) -> Pick | None:
    """The first declared measure with a value in the recent window. Among its definitions, one
    that also has a 2013-2016 value comes first (so the change since the baseline can be read
    within one definition), then the latest year, exact before bounds, most years."""
    for spec in specs:
        every = _candidates(metrics, spec)
        rows = every.filter(pl.col("year").is_between(*RECENT))
        if rows.is_empty():
            continue
        with_baseline = (
            every.filter(pl.col("year").is_between(*BASELINE))["definition_id"].unique().to_list()
        )
        counts = rows.group_by("definition_id").len()
        best = (
            rows.join(counts, on="definition_id")
            .with_columns(
                (pl.col("bound") != "exact").alias("_bounded"),
                pl.col("definition_id").is_in(with_baseline).alias("_has_baseline"),
            )
            .sort(
                ["_has_baseline", "year", "_bounded", "len"],
                descending=[True, True, False, True],
            )
            .row(0, named=True)
        )
        return Pick(
            spec["metric"],
            spec["product"],
            best["value"],
            best["year"],
            best["basis"],
            best["bound"],
            best["definition_id"],
            best["publisher"],
            spec["note"],
            best["sources"],
        )
    return None


def net_exporter_note(metrics: pl.DataFrame) -> str | None:
    """The sector's latest production / domestic use above 1 in the recent window, said as
    what it is: production is N times domestic use (an upper bound where imports are missing)."""
    rows = metrics.filter(
        (pl.col("metric") == "self_sufficiency_ratio")
        & (pl.col("period") == "FY")
        & pl.col("headline")
        & pl.col("year").is_between(*RECENT)
        & (pl.col("value") > 1)
    )
    if rows.is_empty():
        return None
    r = rows.sort(["year", "product"], descending=[True, False]).row(0, named=True)
    bound = {"upper": "at most ", "lower": "at least "}.get(r["bound"], "")
    return (
        f"net exporter: {r['product']} production is {bound}{r['value']:.2f} times domestic use "
        f"in {r['year']} ({r['publisher']}); not a share of demand, so not the answer"
    )


def baseline(metrics: pl.DataFrame, chosen: Pick) -> dict | None:
    """The same definition's value in 2013-2016, the year nearest 2015 first."""
    rows = metrics.filter(
        (pl.col("definition_id") == chosen.definition)
        & (pl.col("metric") == chosen.metric)
        & (pl.col("product") == chosen.product)
        & (pl.col("period") == "FY")
        & pl.col("year").is_between(*BASELINE)
        & pl.col("value").is_not_null()
    )
    if rows.is_empty():
        return None
    return (
        rows.with_columns((pl.col("year") - 2015).abs().alias("_d"))
        .sort(["_d", "year"], descending=[False, True])
        .row(0, named=True)
    )


def change(latest: Pick, base: dict) -> float | None:
    """latest - baseline, when the bounds allow a direction to be stated: exact/approximate
    values, or bounds that can only widen the change (lower-bound latest above an upper-bound
    or exact baseline, and the mirror case)."""
    diff = latest.value - base["value"]
    firm = {"exact", "approximate"}
    if latest.bound in firm and base["bound"] in firm:
        return diff
    if diff > 0 and latest.bound in firm | {"lower"} and base["bound"] in firm | {"upper"}:
        return diff
    if diff < 0 and latest.bound in firm | {"upper"} and base["bound"] in firm | {"lower"}:
        return diff
    return None


def _show(value: float, bound: str) -> str:
    return format_value(value, "ratio", bound)


def reading(row: dict) -> str:
    """One sentence built from the numbers (no verdict typed by hand)."""
    name = row["short_name"]
    parts = []
    if row["domestic_supply_value"] is not None:
        metric = row["domestic_supply_metric"].replace("_", " ")
        text = (
            f"{metric} ({row['domestic_supply_product']}) "
            f"{_show(row['domestic_supply_value'], row['domestic_supply_bound'])} in "
            f"{row['domestic_supply_year']} ({row['domestic_supply_publisher']})"
        )
        if row["change_since_baseline"] is not None:
            moved = change_words(row["change_since_baseline"], row["change_since_baseline_bound"])
            text += (
                f", {moved} from "
                f"{_show(row['baseline_value'], row['baseline_bound'])} in "
                f"{row['baseline_year']}"
            )
        elif row["baseline_value"] is not None:
            text += (
                f" (baseline {_show(row['baseline_value'], row['baseline_bound'])} in "
                f"{row['baseline_year']}; the bounds do not fix the change)"
            )
        parts.append(text)
    else:
        parts.append("no domestic-supply measure for 2021-2024")
    if row["world_position_value"] is not None:
        metric = row["world_position_metric"].replace("_", " ")
        parts.append(
            f"{metric} ({row['world_position_product']}) "
            f"{_show(row['world_position_value'], row['world_position_bound'])} in "
            f"{row['world_position_year']} ({row['world_position_publisher']})"
        )
    else:
        parts.append("no world-position measure for 2021-2024")
    scored = row["targets_met"] + row["targets_missed"]
    total = (
        scored
        + row["targets_on_track"]
        + row["targets_off_track"]
        + row["targets_no_data"]
        + row.get("targets_disputed", 0)
    )
    if total:
        parts.append(
            f"{row['targets_met']} of {total} MIC2025 targets met, {row['targets_missed']} missed"
            + (f", {row['targets_no_data']} without data" if row["targets_no_data"] else "")
            + (f", {row['targets_disputed']} disputed" if row.get("targets_disputed") else "")
        )
    return f"{name}: " + "; ".join(parts) + "."


def sector_summary(
    sectors: pl.DataFrame,
    metrics: pl.DataFrame,
    card: pl.DataFrame,
    load_id: str,
    verdicts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """marts.sector_summary (see the module docstring). ``verdicts``: evaluator verdicts per
    sector_id with our agreement (from the claim checks), shown as one text column."""
    specs = read_sector_measures()
    gaps = read_sector_gaps()
    rows = []
    for s in sectors.filter(pl.col("sector_id") != "cross_cutting").iter_rows(named=True):
        row: dict = {
            "sector_id": s["sector_id"],
            "sector": s["sector"],
            "short_name": s["short_name"],
        }
        sources = []
        own = metrics.filter(pl.col("sector") == s["sector"])  # a product name may recur
        for role in ROLES:
            role_specs = specs.filter(
                (pl.col("sector_id") == s["sector_id"]) & (pl.col("role") == role)
            ).to_dicts()
            chosen = pick(own, role_specs)
            gap = gaps.filter((pl.col("sector_id") == s["sector_id"]) & (pl.col("role") == role))[
                "note"
            ].to_list()
            row.update(
                {
                    f"{role}_metric": chosen.metric if chosen else None,
                    f"{role}_product": chosen.product if chosen else None,
                    f"{role}_value": chosen.value if chosen else None,
                    f"{role}_year": chosen.year if chosen else None,
                    f"{role}_basis": chosen.basis if chosen else None,
                    f"{role}_bound": chosen.bound if chosen else None,
                    f"{role}_definition": chosen.definition if chosen else None,
                    f"{role}_publisher": chosen.publisher if chosen else None,
                    f"{role}_note": chosen.note if chosen else (gap[0] if gap else None),
                }
            )
            if chosen:
                sources.append(chosen.sources)
            if role == "domestic_supply" and (exporter := net_exporter_note(own)):
                note = row["domestic_supply_note"]
                row["domestic_supply_note"] = f"{note}; {exporter}" if note else exporter
            if role == "domestic_supply":
                base = baseline(metrics, chosen) if chosen else None
                base_gap = gaps.filter(
                    (pl.col("sector_id") == s["sector_id"]) & (pl.col("role") == "baseline")
                )["note"].to_list()
                moved = change(chosen, base) if base else None
                row.update(
                    {
                        "baseline_value": base["value"] if base else None,
                        "baseline_year": base["year"] if base else None,
                        "baseline_bound": base["bound"] if base else None,
                        "change_since_baseline": moved,
                        "change_since_baseline_bound": (
                            difference_bound(chosen.bound, base["bound"])
                            if moved is not None
                            else None
                        ),
                        "baseline_note": (
                            f"same definition ({chosen.definition}) in {base['year']}"
                            if base
                            else (
                                base_gap[0]
                                if base_gap
                                else "no 2013-2016 value of the same definition was found"
                            )
                        ),
                    }
                )
                if base:
                    sources.append(base["sources"])
        counted = card.filter(pl.col("sector") == s["sector"])
        if "same_goal_as" in counted.columns:  # one goal in two documents counts once
            counted = counted.filter(pl.col("same_goal_as").is_null())
        statuses = counted["status"].to_list()
        for status in ("met", "missed", "on_track", "off_track", "no_data", "disputed"):
            row[f"targets_{status}"] = statuses.count(status)
        verdict_text = None
        if verdicts is not None and verdicts.height:
            texts = verdicts.filter(pl.col("sector_id") == s["sector_id"])["text"].to_list()
            verdict_text = " | ".join(texts) if texts else None
        row["evaluator_verdicts"] = verdict_text
        row["reading"] = reading(row)
        row["sources"] = " | ".join(dict.fromkeys(x for src in sources for x in src.split(" | ")))
        row["load_id"] = load_id
        rows.append(row)
    schema = {
        c: pl.Float64
        for c in (
            "domestic_supply_value",
            "baseline_value",
            "change_since_baseline",
            "world_position_value",
        )
    }
    schema.update(
        {c: pl.Int64 for c in ("domestic_supply_year", "baseline_year", "world_position_year")}
    )
    for c in SUMMARY_COLUMNS:
        schema.setdefault(c, pl.Int64 if c.startswith("targets_") else pl.String)
    return pl.DataFrame(rows, schema=schema).select(SUMMARY_COLUMNS)
