"""The answer site: static pages beside the report's index, written from the published warehouse.

    index.html            the sector-by-sector answer and the scorecard (warehouse/report.py)
    sectors/<id>.html     every measure of a sector as a chart and a table, its targets and claims
    claims.html           every claim with its quote, verdict and the value used
    sources.html          every source: vintage, licence, sha256, what it feeds
    data/*.csv, *.json    each chart's and table's data, and its metadata (columns, units,
                          sources, licence, load id, how to cite it)

Every number shown links to its **lineage** (``#v-<key>``): formula, inputs, publisher, URL, the
exact quote of each official figure used, the snapshot version and sha256, and the load id. The
lineage panel opens with CSS ``:target`` alone: no script, font or style from another host, so the
site works offline and from a file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
from markupsafe import Markup

from mic2025.flows.base.settings import PROJECT_ROOT
from mic2025.warehouse.pages import write_page
from mic2025.warehouse.units import VERDICT_WORDS, format_value, target_text
from mic2025.warehouse.vega_svg import render_svg

SERIES_RE = re.compile(r"([A-Z][A-Z0-9_]+):(\d{4})=")


#: How a metric reads in a chart title ("Integrated circuits: output, pieces").
METRIC_LABELS = {
    "production": "output",
    "self_sufficiency_ratio": "production / domestic use",
    "import_dependence": "imports / domestic use",
    "trade_balance_index": "trade balance index, (X - M) / (X + M)",
    "export_ratio": "exports / output",
    "world_export_share": "China's share of world exports",
    "revealed_comparative_advantage": "revealed comparative advantage",
    "domestic_brand_share": "Chinese brands' share of China's market",
    "domestic_share": "domestic share of China's own use (1 - import dependence)",
    "domestic_supply_share": "domestic makers' share of China's own demand",
    "domestic_share_of_deliveries": "domestic makers' share of deliveries in China",
    "domestic_share_of_domestic_market": "domestic makers' share of China's market",
    "domestic_firm_share_of_domestic_market": "domestic firms' share of China's market",
    "china_share_of_world_demand": "China's share of world demand",
    "china_share_of_world_production": "China's share of world output",
    "china_share_of_world_capacity": "China's share of world capacity",
    "china_share_of_world_deliveries": "China's share of world deliveries",
    "china_share_of_world_new_orders": "China's share of world new orders",
    "china_share_of_world_orderbook": "China's share of the world orderbook",
    "china_firm_share_of_world_market": "Chinese firms' share of the world market",
    "share_of_vehicle_sales": "share of all vehicle sales",
    "share_of_new_car_sales": "share of new-car sales",
    "share_of_domestic_vehicle_sales": "share of domestic vehicle sales",
}


def chart_title(metric: str, product: str, unit: str) -> str:
    """A chart's human title: what, measured how, in which unit (a ratio reads as %)."""
    label = METRIC_LABELS.get(metric, metric.replace("_", " "))
    shown = "%" if unit == "ratio" else unit
    return f"{product}: {label}, {shown}"


def value_key(row: dict) -> str:
    """A stable anchor for one value of marts.sector_metrics."""
    parts = [str(row.get(k)) for k in ("sector", "product", "year", "period", "metric", "basis")]
    parts += [str(row.get("publisher")), str(row.get("definition_id"))]
    return "v-" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


#: The official figures of a (series id, year), as lineage panels quote them.
Quotes = dict[tuple[str, int], list[dict]]


def quote_index(official: pl.DataFrame) -> Quotes:
    """core.official_stats rows by (series id, year), the first three of each kept in table
    order: built once per report, so a page's hundreds of lineage panels look their quotes up
    instead of filtering the table again for each."""
    index: Quotes = {}
    for r in official.iter_rows(named=True):
        hits = index.setdefault((r["series_id"], r["year"]), [])
        if len(hits) < 3:
            hits.append(r)
    return index


def lineage_context(row: dict, official: Quotes, snapshots: dict[str, dict]) -> dict:
    """What the lineage panel of one value shows (templates/macros.html ``value_lineage``):
    formula, inputs, publisher, sources, the quotes of its official inputs, snapshot and load
    (``official``: :func:`quote_index` of core.official_stats)."""
    quotes = [
        {**h, "series_id": series_id, "year": year}
        for series_id, year in SERIES_RE.findall(row.get("inputs") or "")
        for h in official.get((series_id, int(year)), [])
    ]
    source = "china_official_stats" if quotes else (row.get("definition_id") or "").split(":")[0]
    snap = snapshots.get(source)
    return {
        **{k: row.get(k) for k in ("metric", "product", "year", "period", "method", "inputs")},
        **{k: row.get(k) for k in ("publisher", "definition_id", "bound", "basis", "caveat")},
        "key": value_key(row),
        "value": format_value(row["value"], row["unit"], row["bound"], show_unit=True),
        "quotes": quotes,
        "sources": [u for u in (row.get("sources") or "").split(" | ") if u.startswith("http")],
        "snapshot": {
            "source": source,
            "version": snap.get("version"),
            "sha256": (snap.get("sha256") or "")[:16],
        }
        if snap
        else None,
        "load_id": row.get("load_id"),
    }


COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def consecutive_runs(years: list[int]) -> list[list[int]]:
    """Consecutive-year runs: a line is drawn within a run, never across a missing year."""
    runs: list[list[int]] = []
    for i, year in enumerate(years):
        if runs and year == years[i - 1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def chart_spec(frame: pl.DataFrame, unit: str, base: str) -> dict:
    """One measure over time as a Vega-Lite spec (rendered by vl-convert, warehouse/vega_svg.py).
    A series per definition, each in its colour; exact and approximate values are filled circles,
    joined by a line only across consecutive years (a missing year breaks the line); bounds are
    open triangles pointing the way the true value may lie (up: at least, down: at most), never
    joined. Every point links to its lineage panel (``href``) and has a tooltip. Ratios read as
    percentages; other axes in SI notation (1.2G, 350M) with the unit in the axis title.

    Written as the spec itself rather than through altair's objects: a page has dozens of these
    and altair's layering costs ~80 ms a chart, more than the rest of the report."""
    ratio = frame["unit"][0] == "ratio"
    definitions = frame["definition_id"].unique(maintain_order=True).to_list()
    values = []
    for definition in definitions:
        group = frame.filter(pl.col("definition_id") == definition).sort("year")
        firm_years = group.filter(pl.col("bound").is_in(["exact", "approximate"]))["year"]
        run_of = {}
        for n, run in enumerate(consecutive_runs(firm_years.to_list())):
            for i in run:
                run_of[firm_years[i]] = f"{definition}#{n}"
        for r in group.iter_rows(named=True):
            bounded = r["bound"] in ("lower", "upper")
            values.append(
                {
                    "year": r["year"],
                    "value": r["value"],
                    "definition": definition,
                    "run": None if bounded else run_of.get(r["year"]),
                    "shape": {"lower": "triangle-up", "upper": "triangle-down"}.get(
                        r["bound"], "circle"
                    ),
                    "bounded": bounded,
                    "shown": format_value(r["value"], r["unit"], r["bound"]),
                    "publisher": r["publisher"],
                    "href": f"{base}#{value_key(r)}",
                }
            )
    years = [v["year"] for v in values]
    step = max(1, -(-(max(years) - min(years)) // 8))  # at most ~9 year labels
    ticks = list(range(min(years), max(years) + 1, step))
    colour = {
        "field": "definition",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": definitions, "range": COLOURS[: len(definitions)] or COLOURS},
    }
    x = {
        "field": "year",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [min(years) - 0.5, max(years) + 0.5], "nice": False},
        "axis": {
            "format": "d",
            "values": ticks,
            "labelFontSize": 14,
            "labelOverlap": True,
            "grid": False,
        },
    }
    y = {
        "field": "value",
        "type": "quantitative",
        "title": None if ratio else unit,
        "scale": {"zero": True, "nice": True},
        "axis": {
            "format": ".0%" if ratio else "~s",
            "labelFontSize": 14,
            "titleFontSize": 14,
            "tickCount": 5,
        },
    }
    tip = [
        {"field": "year", "type": "quantitative", "format": "d"},
        {"field": "shown", "type": "nominal", "title": "value"},
        {"field": "publisher", "type": "nominal"},
    ]
    href = {"field": "href", "type": "nominal"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "width": 440,
        "height": 200,
        "layer": [
            {
                "transform": [{"filter": "datum.run != null"}],
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {"x": x, "y": y, "color": colour, "detail": {"field": "run"}},
            },
            {
                "transform": [{"filter": "!datum.bounded"}],
                "mark": {"type": "point", "filled": True, "opacity": 1, "size": 70},
                "encoding": {"x": x, "y": y, "color": colour, "href": href, "tooltip": tip},
            },
            {
                "transform": [{"filter": "datum.bounded"}],
                "mark": {
                    "type": "point",
                    "filled": False,
                    "opacity": 1,
                    "size": 110,
                    "strokeWidth": 2,
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": colour,
                    "shape": {"field": "shape", "type": "nominal", "scale": None},
                    "href": href,
                    "tooltip": tip,
                },
            },
        ],
        "config": {
            "view": {"stroke": None},
            "axis": {"gridColor": "#eaeef2", "labelColor": "#1f2328", "titleColor": "#1f2328"},
            "font": "Helvetica, Arial, sans-serif",
        },
    }


def value_link(row: dict) -> dict:
    """A value as the pages show it: its text (bound marked) and its lineage panel's key."""
    return {"key": value_key(row), "value": format_value(row["value"], row["unit"], row["bound"])}


def chart_context(frame: pl.DataFrame, title: str, unit: str, base: str) -> dict:
    """One measure over time: the chart (:func:`chart_spec`, rendered to SVG at build time by
    warehouse/vega_svg.py) and its legend of publishers and definitions, in the same colours;
    one year only gives the value(s) as figures, not a chart with one point and no trend."""
    if frame["year"].n_unique() < 2:
        return {
            "svg": None,
            "legend": [],
            "singles": [
                {**value_link(r), "year": r["year"], "publisher": r["publisher"]}
                for r in frame.iter_rows(named=True)
            ],
        }
    legend = [
        {
            "colour": COLOURS[i % len(COLOURS)],
            "publisher": frame.filter(pl.col("definition_id") == d)["publisher"][0],
            "definition_id": d,
        }
        for i, d in enumerate(frame["definition_id"].unique(maintain_order=True))
    ]
    svg = render_svg(chart_spec(frame, unit, base), "measure", title)
    return {"svg": Markup(svg), "legend": legend, "singles": []}


def write_data(out: Path, name: str, frame: pl.DataFrame, meta: dict) -> str:
    """data/<name>.csv and data/<name>.json; returns the download links."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    frame.write_csv(data / f"{name}.csv")
    (data / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return name


def cite(title: str, load_id: str, path: str) -> str:
    return (
        f"Cite: MIC2025 tracker, “{title}”, warehouse load {load_id} "
        f"({load_id[:4]}-{load_id[4:6]}-{load_id[6:8]}), {path}"
    )


#: Columns a chart's download leaves out of the marts.sector_metrics row (read from the table
#: itself, so the site needs no import of the transforms).
DOWNLOAD_DROPS = ("headline", "caveat")


def sector_page(
    sector: dict,
    metrics: pl.DataFrame,
    card: pl.DataFrame,
    claims: pl.DataFrame,
    summary: dict | None,
    official: Quotes,
    snapshots: dict[str, dict],
    out: Path,
    load_id: str,
) -> str:
    """The page of one sector (templates/sector.html) and its charts' downloads; returns the
    page's relative path."""
    sid = sector["sector_id"]
    page = f"sectors/{sid}.html"
    rows = metrics.filter((pl.col("sector") == sector["sector"]) & pl.col("headline"))
    lineage = []
    measures = []
    full_years = rows.filter(pl.col("period") == "FY")
    units_of = full_years.group_by("metric", "product").agg(pl.col("unit").n_unique().alias("n"))
    several = {(m, p) for m, p, n in units_of.iter_rows() if n > 1}
    # a unit belongs to a series' identity: one chart per metric, product and unit
    # the sector's answer first: its domestic-supply measure, then its world position
    first = [
        (summary.get(f"{role}_metric"), summary.get(f"{role}_product"))
        for role in ("domestic_supply", "world_position")
        if summary and summary.get(f"{role}_metric")
    ]
    columns = [c for c in metrics.columns if c not in DOWNLOAD_DROPS]
    groups = sorted(
        full_years.group_by("metric", "product", "unit", maintain_order=True),
        key=lambda kv: first.index(kv[0][:2]) if kv[0][:2] in first else len(first),
    )
    for (metric, product, unit_of), group in groups:
        group = group.sort("year", "definition_id")
        unit = "ratio (1 = 100%)" if unit_of == "ratio" else unit_of
        title = chart_title(metric, product, unit_of)
        name = f"{sid}__{slug(metric)}__{slug(product)}"
        if (metric, product) in several:
            name += f"__{slug(unit_of)}"
        sources = sorted({u for s in group["sources"] for u in s.split(" | ") if u})
        meta = {
            "title": title,
            "columns": {c: str(group.schema[c]) for c in columns},
            "unit": group["unit"][0],
            "sources": sources,
            "publishers": sorted(set(group["publisher"])),
            "licence": "facts from public releases, short quotes; see sources.html per snapshot",
            "load_id": load_id,
            "cite": cite(title, load_id, f"data/{name}.csv"),
        }
        write_data(out, name, group.select(columns), meta)
        measures.append(
            {
                "name": name,
                "title": title,
                "chart": chart_context(group, title, unit, ""),
                "unit": unit,
                "publishers": ", ".join(sorted(set(group["publisher"]))),
                "cite": meta["cite"],
                "rows": [
                    {
                        **value_link(r),
                        "year": r["year"],
                        "publisher": r["publisher"],
                        "definition_id": r["definition_id"],
                    }
                    for r in group.iter_rows(named=True)
                ],
            }
        )
        lineage += [lineage_context(r, official, snapshots) for r in group.iter_rows(named=True)]
    partial = rows.filter(pl.col("period") != "FY")
    lineage += [lineage_context(r, official, snapshots) for r in partial.iter_rows(named=True)]
    write_page(
        out / page,
        "sector.html",
        title=sector["short_name"],
        up="../",
        sector=sector["sector"],
        reading=(summary or {}).get("reading"),
        evaluators=evaluator_list((summary or {}).get("evaluator_verdicts")),
        measures=measures,
        partial=[
            {**{k: r[k] for k in ("metric", "product", "year", "period")}, **value_link(r)}
            for r in partial.iter_rows(named=True)
        ],
        targets=[
            {
                **{k: r[k] for k in ("target_id", "indicator", "status", "rule")},
                "target_text": target_text(r),
            }
            for r in card.filter(pl.col("sector") == sector["sector"]).iter_rows(named=True)
        ],
        claims=[
            claim_context(r)
            for r in claims.filter(pl.col("sector_id") == sid).iter_rows(named=True)
        ],
        lineage=lineage,
    )
    return page


def claim_key(r: dict) -> str:
    return f"c-{slug(r['article_id'])}-{slug(r['claim_id'])}"


def claim_value_text(r: dict) -> str:
    """The value a claim's verdict rests on, in the one display format, with its unit (an
    evaluator's reading in words) and year: '178,985,722,154 USD (2023)', 'strong (2023)'."""
    value, unit = r.get("computed_value"), r.get("computed_unit")
    if value is None:
        return ""
    if unit == "verdict":
        text = VERDICT_WORDS.get(round(value), f"{value:g}")
    else:
        text = format_value(value, unit, show_unit=True)
    return f"{text} ({r.get('year_used') or ''})"


def claim_why(r: dict) -> str:
    """Why a claim has its verdict: the check's reason, or for a claim no measure checks, the
    curator's note on what was searched."""
    if r.get("reason"):
        return r["reason"]
    if r.get("note"):
        return f"not checked: {r['note']}"
    return "not checked: no measure of what it states is in the warehouse"


def claim_context(r: dict) -> dict:
    """What a claim's lineage panel shows (templates/macros.html ``claim_lineage``): measure,
    year, value, rule and evidence."""
    return {
        **r,
        "key": claim_key(r),
        "verdict_words": verdict_words(r["verdict"]),
        "used": claim_value_text(r),
        "why": claim_why(r),
        "evidence": [
            u for u in (r.get("evidence_sources") or "").split(" | ") if u.startswith("http")
        ],
    }


#: The claims page's order: decided verdicts first, the undecided last.
VERDICT_ORDER = [
    "contradicted",
    "goal_missed",
    "partly_agrees",
    "outdated",
    "supported",
    "goal_met",
    "circular",
    "not_measurable",
    "unverifiable",
]


#: What each verdict says, for the claims page's legend (schemas/facts.py has the rules).
VERDICT_MEANINGS = {
    "supported": "a measure of what the claim states agrees with it (within the tolerance)",
    "contradicted": "a measure of what the claim states disagrees with it",
    "goal_met": "the claim states a goal; a measure of the goal's quantity reached it by its year",
    "goal_missed": "the claim states a goal; the goal year's own value falls short",
    "outdated": "the figure was true once but superseded before the article's date",
    "partly_agrees": "an evaluator's sector verdict one category from ours",
    "circular": "our reading rests on the evaluator's own figure, so it is not counted",
    "not_measurable": "restates a date, or a target no measure decides: existence proves nothing",
    "unverifiable": "no measure of its definition, or the measures do not decide it",
}


def evaluator_list(joined: str | None) -> list[str]:
    """marts.sector_summary.evaluator_verdicts (one line per evaluator, joined by ' | ') as a
    list, one item per evaluator."""
    return joined.split(" | ") if joined else []


def verdict_words(verdict: str | None) -> str:
    """A verdict as a reader says it: 'not measurable', 'partly agrees', 'not checked'."""
    return (verdict or "not checked").replace("_", " ")


def claims_page(claims: pl.DataFrame, out: Path, load_id: str) -> str:
    """claims.html (templates/claims.html): every claim, its verdict and why, in three orders."""
    columns = ["article_id", "claim_id", "sector_id", "quote", "verdict", "computed_value"]
    columns += ["computed_unit", "year_used", "metric_used", "reason", "note", "evidence_sources"]
    frame = claims.select(columns)
    meta = {
        "title": "Article claims checked against the data",
        "columns": {c: str(frame.schema[c]) for c in columns},
        "licence": "quotes only; the articles are their publishers'",
        "load_id": load_id,
        "cite": cite("Article claims checked against the data", load_id, "data/claims.csv"),
    }
    write_data(out, "claims", frame, meta)

    # grouped by verdict, decided ones first, each group reachable from the list at the top
    # (a filter without a script); within a group, by article and claim. The same rows also
    # read by article or by sector (macros.html sortable), the verdict order by default
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    rows_all = [{**claim_context(r), "group": None} for r in frame.iter_rows(named=True)]
    ordered = sorted(
        rows_all,
        key=lambda r: (rank.get(r["verdict"] or "", len(rank)), r["article_id"], r["claim_id"]),
    )
    counts: dict[str, int] = {}
    for r in ordered:
        counts[r["verdict"] or ""] = counts.get(r["verdict"] or "", 0) + 1
    groups = {
        v: {
            "anchor": v or "none",
            "words": verdict_words(v or None),
            "count": n,
            "meaning": VERDICT_MEANINGS.get(v, "no measure declared for the claim"),
        }
        for v, n in counts.items()
    }
    by_verdict, seen = [], set()
    for r in ordered:  # a verdict's heading row before its first claim
        v = r["verdict"] or ""
        by_verdict.append({**r, "group": None if v in seen else groups[v]})
        seen.add(v)
    write_page(
        out / "claims.html",
        "claims.html",
        title="Claims",
        cite=meta["cite"],
        groups=list(groups.values()),
        orders=[
            {
                "anchor": "cl-by-article",
                "words": "article",
                "rows": sorted(rows_all, key=lambda r: (r["article_id"], r["claim_id"])),
            },
            {
                "anchor": "cl-by-sector",
                "words": "sector",
                "rows": sorted(
                    rows_all, key=lambda r: (r["sector_id"] or "~", r["article_id"], r["claim_id"])
                ),
            },
            {"anchor": "cl-by-verdict", "words": "verdict", "rows": by_verdict},
        ],
        panels=rows_all,
    )
    return "claims.html"


def methodology_page(out: Path) -> str:
    """docs/metrics.md (formulas, units, bounds and the generated spec tables) as a page of the
    site, rendered by markdown-it (CommonMark + tables); raw HTML in the file is not passed
    through."""
    from markdown_it import MarkdownIt

    source = PROJECT_ROOT / "docs" / "metrics.md"
    text = source.read_text(encoding="utf-8") if source.exists() else "docs/metrics.md not found"
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    write_page(out / "methodology.html", "methodology.html", title="Methodology", body=Markup(body))
    return "methodology.html"


#: What a reference source feeds, where no metric names it.
REFERENCE_FEEDS = {
    "mic2025_targets": "marts.scorecard (the plan's targets)",
    "sector_hs_map": "the sectors' HS baskets (trade metrics)",
}


def fed_metrics(source: str, sha256: str, metrics: pl.DataFrame, series: pl.DataFrame) -> str:
    """The metrics a source's snapshot feeds (up to 12 names), from the lineage the warehouse
    keeps: for a source of series (official statistics, NBS), the metrics whose inputs name a
    series that snapshot brought (core.official_stats.snapshot_sha256); for a source of
    observations or trade, the metrics whose definition_id starts with the source's name."""
    if source.startswith("article:"):  # an article's quoted claims, each checked or not
        return "article claims (marts.claim_checks; claims.html)"
    ids = set(series.filter(pl.col("snapshot_sha256") == sha256)["series_id"].to_list())
    if ids:  # the series a metric's inputs name, read as the lineage panels read them
        fed = [
            not ids.isdisjoint(series_id for series_id, _ in SERIES_RE.findall(inputs or ""))
            for inputs in metrics["inputs"].to_list()
        ]
        used = metrics.filter(pl.Series(fed, dtype=pl.Boolean))
    else:
        used = metrics.filter(
            pl.col("definition_id").str.starts_with(f"{source}:")
            | pl.col("definition_id").str.starts_with(f"{source.split('_')[0]}:")
        )
    names_used = sorted(set(used["metric"].to_list()))
    return ", ".join(names_used[:12]) or REFERENCE_FEEDS.get(source, "-")


def sources_page(
    snapshots: pl.DataFrame,
    metrics: pl.DataFrame,
    series: pl.DataFrame,
    out: Path,
    load_id: str,
) -> str:
    """sources.html (templates/sources.html): every source's vintage, licence and what it feeds
    (``series``: core.official_stats' snapshot_sha256 and series_id, see :func:`fed_metrics`)."""
    feeds = [
        fed_metrics(r["source"], r["sha256"], metrics, series)
        for r in snapshots.iter_rows(named=True)
    ]
    frame = snapshots.select(
        "source", "version", "publisher", "licence", "sha256", "retrieved", "origin_url"
    ).with_columns(pl.Series("feeds", feeds, dtype=pl.String))
    meta = {
        "title": "Sources and vintages",
        "columns": {c: str(frame.schema[c]) for c in frame.columns},
        "load_id": load_id,
        "cite": cite("Sources and vintages", load_id, "data/sources.csv"),
    }
    write_data(out, "sources", frame, meta)
    write_page(
        out / "sources.html",
        "sources.html",
        title="Sources",
        cite=meta["cite"],
        rows=frame.to_dicts(),
    )
    return "sources.html"
