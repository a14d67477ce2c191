"""The answer site's index (the sector-by-sector answer and the scorecard), and the site around it
(warehouse/site.py): static files that work offline, with no script, stylesheet, font or image
from another host. Every number links to its lineage; every table has its data to download.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from markupsafe import Markup

from mic2025.warehouse import place_pages, site
from mic2025.warehouse.answer_chart import answer_chart_svg, chart_rows
from mic2025.warehouse.pages import write_page
from mic2025.warehouse.query import open_reader
from mic2025.warehouse.site import target_text
from mic2025.warehouse.units import format_change, format_value


def _num(value, pct: bool = False) -> str:
    if value is None:
        return ""
    if pct:
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def names_by_sector(sectors: pl.DataFrame) -> dict[str, str]:
    return dict(sectors.select("sector", "short_name").iter_rows())


def scorecard_links(card: pl.DataFrame, metrics: pl.DataFrame, sectors: pl.DataFrame) -> dict:
    """target_id -> lineage URL of its actual on the sector page (when it is a metric value)."""
    ids = dict(sectors.select("sector", "sector_id").iter_rows())
    links = {}
    for r in card.filter(pl.col("definition_id").is_not_null()).iter_rows(named=True):
        hit = metrics.filter(
            (pl.col("definition_id") == r["definition_id"])
            & (pl.col("year") == r["actual_year"])
            & (pl.col("period") == "FY")
        )
        if hit.height:
            row = hit.row(0, named=True)
            links[r["target_id"]] = f"sectors/{ids[row['sector']]}.html#{site.value_key(row)}"
    return links


def target_panels(card: pl.DataFrame, targets: pl.DataFrame) -> list[dict]:
    """A lineage panel per target: the plan's words, where they were read, and the rule."""
    quotes = {r["target_id"]: r for r in targets.iter_rows(named=True)}
    return [
        {
            **{k: None for k in ("quote", "source_title", "source_url", "confidence")},
            "curator_note": None,
            **quotes.get(r["target_id"], {}),
            **{k: r[k] for k in ("target_id", "indicator", "status", "rule")},
            "target_text": target_text(r),
        }
        for r in card.iter_rows(named=True)
    ]


#: The scorecard's orders: (anchor, words, sort key). The last is the default view.
SCORECARD_ORDERS = [
    ("sc-by-status", "status", lambda r: (STATUS_ORDER.get(r["status"], 9), r["target_id"])),
    ("sc-by-sector", "sector", lambda r: (r["sector"], r["target_id"])),
    ("sc-by-year", "deadline", lambda r: (r["target_year"] or 9999, r["target_id"])),
    ("sc-by-id", "target", lambda r: r["target_id"]),
]
STATUS_ORDER = {"met": 0, "missed": 1, "disputed": 2, "on_track": 3, "off_track": 4}


def scorecard_row(r: dict, names: dict[str, str], links: dict) -> dict:
    """One evaluated target as the scorecard table shows it."""
    pct = r["unit"] == "ratio"
    actual = (
        f"{format_value(r['actual_value'], r['unit'], r.get('actual_bound'), True)} "
        f"({r['actual_year']})"
        if r["actual_value"] is not None
        else ""
    )
    return {
        **{k: r[k] for k in ("target_id", "indicator", "status", "rule")},
        "sector": names.get(r["sector"], r["sector"]),
        "target_text": target_text(r),
        "actual": actual,
        "actual_url": links.get(r["target_id"]),
        "projected": _num(r["projected_value"], pct),
    }


def scorecard_context(card: pl.DataFrame, names: dict[str, str], links: dict) -> dict:
    """Evaluated targets in one table readable in four orders (target, status, sector,
    deadline; templates/macros.html ``sortable``, the target order by default); targets without
    data in a compact list with the reason. A target links to its lineage panel (``#t-<id>``)."""
    rows = card.filter(pl.col("status") != "no_data").to_dicts()
    return {
        # a projection exists only while a deadline is ahead; with every deadline passed the
        # column would be empty, so it is left out
        "show_projected": any(r["projected_value"] is not None for r in rows),
        "scorecard": [
            {
                "anchor": anchor,
                "words": words,
                "rows": [scorecard_row(r, names, links) for r in sorted(rows, key=key)],
            }
            for anchor, words, key in SCORECARD_ORDERS
        ],
        "no_data": [
            {
                **{k: r[k] for k in ("target_id", "indicator")},
                "target_text": target_text(r),
                "why": r["rule"].removeprefix("no_data: "),
            }
            for r in card.filter(pl.col("status") == "no_data").iter_rows(named=True)
        ],
    }


def summary_links(summary: pl.DataFrame, metrics: pl.DataFrame) -> dict:
    """(sector_id, role) -> the lineage URL of the value the sector summary shows."""
    links = {}
    for r in summary.iter_rows(named=True):
        for role in ("domestic_supply", "world_position"):
            if r[f"{role}_value"] is None:
                continue
            hit = metrics.filter(
                (pl.col("metric") == r[f"{role}_metric"])
                & (pl.col("product") == r[f"{role}_product"])
                & (pl.col("year") == r[f"{role}_year"])
                & (pl.col("definition_id") == r[f"{role}_definition"])
                & (pl.col("period") == "FY")
            )
            if hit.height:
                key = site.value_key(hit.row(0, named=True))
                links[(r["sector_id"], role)] = f"sectors/{r['sector_id']}.html#{key}"
        if r["baseline_year"] is not None:
            hit = metrics.filter(
                (pl.col("metric") == r["domestic_supply_metric"])
                & (pl.col("product") == r["domestic_supply_product"])
                & (pl.col("year") == r["baseline_year"])
                & (pl.col("definition_id") == r["domestic_supply_definition"])
                & (pl.col("period") == "FY")
            )
            if hit.height:
                key = site.value_key(hit.row(0, named=True))
                links[(r["sector_id"], "baseline")] = f"sectors/{r['sector_id']}.html#{key}"
    return links


def summary_context(summary: pl.DataFrame, links: dict) -> list[dict]:
    """The sector-by-sector answer as one table (values with their bounds marked). ``links``:
    (sector_id, role) -> URL of the value's lineage on the sector page."""

    def measure(r: dict, role: str) -> dict:
        """A domestic-supply or world-position cell: value (bound marked), year, what, who."""
        value = r[f"{role}_value"]
        return {
            "value": None if value is None else format_value(value, "ratio", r[f"{role}_bound"]),
            "year": r[f"{role}_year"],
            "note": r[f"{role}_note"],
            "publisher": r[f"{role}_publisher"],
        }

    out = []
    for r in summary.iter_rows(named=True):
        changed = r["change_since_baseline"] is not None
        out.append(
            {
                **{k: r[k] for k in ("sector_id", "short_name", "baseline_year", "baseline_note")},
                "domestic": measure(r, "domestic_supply"),
                "domestic_url": links.get((r["sector_id"], "domestic_supply")),
                "world": measure(r, "world_position"),
                "world_url": links.get((r["sector_id"], "world_position")),
                "change": format_change(
                    r["change_since_baseline"], r["change_since_baseline_bound"]
                )
                if changed
                else None,
                "baseline": format_value(r["baseline_value"], "ratio", r["baseline_bound"])
                if changed
                else None,
                "baseline_url": links.get((r["sector_id"], "baseline")),
                "targets": f"{r['targets_met']} / {r['targets_missed']} / {r['targets_no_data']}",
                "evaluators": site.evaluator_list(r["evaluator_verdicts"]),
            }
        )
    return out


def answer_context(summary: pl.DataFrame) -> dict:
    """The top of the index: one chart of every sector, a one-sentence reading per sector in the
    chart's order, and one muted line per sector without a value (its reason, shortened)."""
    ordered = chart_rows(summary)["sector"].to_list() if summary.height else []
    by_name = {r["short_name"]: r for r in summary.iter_rows(named=True)}
    gaps = []
    for r in summary.iter_rows(named=True):
        if r["domestic_supply_value"] is None:
            why = (r["domestic_supply_note"] or "no measure").split(" (searched")[0]
            gaps.append(
                {
                    "sector_id": r["sector_id"],
                    "name": r["short_name"],
                    "why": why.split("; ")[0][:200],
                }
            )
    return {
        "chart_wide": Markup(answer_chart_svg(summary)),
        "chart_narrow": Markup(answer_chart_svg(summary, narrow=True)),
        "readings": [
            {
                "sector_id": by_name[n]["sector_id"],
                "name": n,
                "text": by_name[n]["reading"].split(": ", 1)[-1],
            }
            for n in ordered
            if by_name[n]["domestic_supply_value"] is not None  # the others: one gap line each
        ],
        "gaps": gaps,
    }


def build_report(warehouse: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from the published warehouse (read-only); return its path."""
    con = open_reader(warehouse)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
        card = con.sql("select * from marts.scorecard order by target_id").pl()
        checks = con.sql("select * from marts.claim_checks order by article_id, claim_id").pl()
        snapshots = con.sql("select * from meta.snapshots order by source").pl()
        # which series each snapshot brought (the sources page's "feeds", exact lineage)
        series_by_snapshot = con.sql(
            "select distinct snapshot_sha256, series_id from core.official_stats"
        ).pl()
        run = con.sql("select * from meta.runs order by load_id desc limit 1").pl()
        sectors = con.sql("select * from core.sectors").pl()
        summary = con.sql("select * from marts.sector_summary order by sector_id").pl()
        targets = con.sql(
            "select target_id, quote, source_url, source_title, confidence, curator_note "
            "from core.targets"
        ).pl()
        official = site.quote_index(
            con.sql(
                "select series_id, year, quote, value_as_published, unit_as_published, "
                "publisher_id, via, source_url from core.official_stats"
            ).pl()
        )
        claims = con.sql(
            "select a.article_id, a.claim_id, a.sector_id, a.subject, a.quote, c.verdict, "
            "c.computed_value, c.computed_unit, c.year_used, c.metric_used, c.reason, "
            "a.note, c.evidence_sources "
            "from core.article_claims a left join marts.claim_checks c "
            "using (article_id, claim_id) order by a.article_id, a.claim_id"
        ).pl()
        places = con.sql("select * from core.places order by place_id").pl()
        city = con.sql("select * from marts.city_metrics").pl()
    finally:
        con.close()
    load_id = run["load_id"][0] if run.height else ""
    # on/off track exist only while a deadline is ahead: shown when some target has them
    counts = {
        s: card.filter(pl.col("status") == s).height
        for s in ("met", "on_track", "off_track", "missed", "disputed", "no_data")
    }
    counts = {s: n for s, n in counts.items() if n or s not in ("on_track", "off_track")}
    out_dir.mkdir(parents=True, exist_ok=True)
    snap_by_source = {r["source"]: r for r in snapshots.iter_rows(named=True)}
    by_sector = {r["sector_id"]: r for r in summary.iter_rows(named=True)}

    def page(sector: dict) -> str:
        return site.sector_page(
            sector,
            metrics,
            card,
            claims,
            by_sector.get(sector["sector_id"]),
            official,
            snap_by_source,
            out_dir,
            load_id,
        )

    # two at a time: a page's polars queries and file writes release the GIL, so the second
    # core works while the first renders
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sector-page") as pool:
        list(pool.map(page, sectors.filter(pl.col("sector_id") != "cross_cutting").to_dicts()))
    site.write_data(
        out_dir,
        "sector_summary",
        summary,
        {
            "title": "MIC2025, sector by sector (marts.sector_summary)",
            "columns": {c: str(summary.schema[c]) for c in summary.columns},
            "load_id": load_id,
            "cite": site.cite("MIC2025, sector by sector", load_id, "data/sector_summary.csv"),
        },
    )
    site.write_data(
        out_dir,
        "scorecard",
        card,
        {
            "title": "MIC2025 scorecard (marts.scorecard)",
            "columns": {c: str(card.schema[c]) for c in card.columns},
            "load_id": load_id,
            "cite": site.cite("MIC2025 scorecard", load_id, "data/scorecard.csv"),
        },
    )
    site.claims_page(claims, out_dir, load_id)
    site.methodology_page(out_dir)
    place_pages.places_pages(places, city, claims, out_dir, load_id)
    site.sources_page(snapshots, metrics, series_by_snapshot, out_dir, load_id)
    return write_page(
        out_dir / "index.html",
        "index.html",
        load_id=load_id,
        built=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        **answer_context(summary),
        summary=summary_context(summary, summary_links(summary, metrics)),
        counts=[(s.replace("_", " "), n) for s, n in counts.items()],
        cite=site.cite("MIC2025, sector by sector", load_id, "index.html"),
        **scorecard_context(
            card, names_by_sector(sectors), scorecard_links(card, metrics, sectors)
        ),
        target_panels=target_panels(card, targets),
        claims_count=checks.height,
        sources_count=snapshots.height,
    )
