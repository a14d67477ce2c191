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
import html
import json
import re
from pathlib import Path

import polars as pl

from mic2025.flows.base.settings import PROJECT_ROOT
from mic2025.warehouse.units import format_value
from mic2025.warehouse.vega_svg import render_svg

SITE_CSS = """
.lineage{display:none}
.lineage:target{display:block;position:fixed;right:12px;bottom:12px;box-sizing:border-box;
max-width:min(560px,calc(100vw - 24px));
max-height:70vh;overflow:auto;background:#fff;border:2px solid #0969da;border-radius:8px;
padding:10px 14px;box-shadow:0 4px 18px rgba(0,0,0,.25);z-index:10;font-size:.9em}
.lineage blockquote{margin:.4em 0;padding:.2em .6em;border-left:3px solid #d0d7de;color:#1f2328}
.scroll{overflow-x:auto} a.v{color:inherit;text-decoration:underline dotted}
.legend{font-size:.8em;margin:.2em 0}
.singles .single{display:inline-block;margin-right:1.2em} .single a{font-size:1.6em}
.downloads{font-size:.85em} .cite{font-size:.8em;color:#57606a}
nav.top a{margin-right:1em}
.sortviews>.sortview{display:none} .sortviews>.sortview:last-child{display:block}
.sortviews>.sortview:target{display:block}
.sortviews>.sortview:target~.sortview:last-child{display:none} .sortby{font-size:.85em}
@media (max-width:700px){main{padding:10px} td,th{font-size:.8em} h1{font-size:1.3em}}
a{overflow-wrap:anywhere}
@media print{@page{size:A4;margin:12mm} main{max-width:none;padding:0} nav.top,.downloads,.sortby,
.lineage,.lineage:target{display:none} .scroll{overflow:visible} table{font-size:7pt;
table-layout:fixed;width:100%} th,td{overflow-wrap:anywhere;padding:2px 3px} td.rule{min-width:0}
a{color:inherit;text-decoration:none} figure{break-inside:avoid} h2{break-after:avoid}}
"""

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


def esc(value) -> str:
    """Text as HTML (None as empty)."""
    return html.escape("" if value is None else str(value))


#: The pages every page links to, in the top navigation (index.html adds its own anchors).
NAV = [
    ("index.html", "All sectors"),
    ("places.html", "Places"),
    ("claims.html", "Claims"),
    ("sources.html", "Sources"),
    ("methodology.html", "Methodology"),
]


def page_head(title: str, css: str, up: str = "") -> str:
    """A site page's head, style and navigation, up to the open <main> (``up``: '../' for a
    page one folder down)."""
    links = "".join(f"<a href='{up}{href}'>{text}</a>" for href, text in NAV)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{esc(title)}: MIC2025 tracker</title><style>{css}{SITE_CSS}</style></head>"
        f"<body><main><nav class='top'>{links}</nav>"
    )


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


def lineage_html(row: dict, official: Quotes, snapshots: dict[str, dict]) -> str:
    """The provenance of one value: formula, inputs, publisher, sources, quotes, snapshot
    (``official``: :func:`quote_index` of core.official_stats)."""
    quotes = []
    for series_id, year in SERIES_RE.findall(row.get("inputs") or ""):
        for h in official.get((series_id, int(year)), []):
            quotes.append(
                f"<blockquote>{esc(h['quote'])}</blockquote><div>{esc(series_id)} {year}: "
                f"{esc(h['value_as_published'])} {esc(h['unit_as_published'])}, "
                f"{esc(h['publisher_id'])}"
                + (f" (read on {esc(h['via'])})" if h.get("via") else "")
                + f" - <a href=\"{esc(h['source_url'])}\" rel='noopener'>source</a></div>"
            )
    source = "china_official_stats" if quotes else (row.get("definition_id") or "").split(":")[0]
    snap = snapshots.get(source) or {}
    links = " ".join(
        f"<a href=\"{esc(u)}\" rel='noopener'>{esc(u[:70])}</a>"
        for u in (row.get("sources") or "").split(" | ")
        if u.startswith("http")
    )
    value = format_value(row["value"], row["unit"], row["bound"], show_unit=True)
    return (
        f"<section class='lineage' id='{value_key(row)}'><a href='#'>close</a>"
        f"<h4>{esc(row['metric'])} - {esc(row['product'])}, {row['year']}"
        f"{'' if row['period'] == 'FY' else ' (' + esc(row['period']) + ')'}: {esc(value)}</h4>"
        f"<p><b>Formula</b>: {esc(row['method'])}</p>"
        f"<p><b>Inputs</b>: {esc(row['inputs'])}</p>"
        f"<p><b>Publisher</b>: {esc(row['publisher'])}; <b>definition</b>: "
        f"<code>{esc(row['definition_id'])}</code>; <b>bound</b>: {esc(row['bound'])}; "
        f"<b>basis</b>: {esc(row['basis'])}"
        + (f"; <b>caveat</b>: {esc(row['caveat'])}" if row.get("caveat") else "")
        + "</p>"
        + ("".join(quotes) if quotes else "")
        + (f"<p><b>Sources</b>: {links}</p>" if links else "")
        + (
            f"<p><b>Snapshot</b>: {esc(source)} {esc(snap.get('version'))}, sha256 "
            f"<code>{esc((snap.get('sha256') or '')[:16])}...</code></p>"
            if snap
            else ""
        )
        + f"<p><b>Load</b>: <code>{esc(row['load_id'])}</code></p></section>"
    )


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


def _chart(frame: pl.DataFrame, title: str, unit: str, base: str) -> str:
    """One measure over time: the chart (:func:`chart_spec`, rendered to SVG at build time by
    warehouse/vega_svg.py) and its legend of publishers and definitions, in the same colours."""
    legend = [
        f"<span style='color:{COLOURS[i % len(COLOURS)]}'>●</span> "
        f"{esc(frame.filter(pl.col('definition_id') == d)['publisher'][0])} <code>{esc(d)}</code>"
        for i, d in enumerate(frame["definition_id"].unique(maintain_order=True))
    ]
    svg = render_svg(chart_spec(frame, unit, base), "measure", title)
    return svg + f"<p class='legend'>{' · '.join(legend)}</p>"


def write_data(out: Path, name: str, frame: pl.DataFrame, meta: dict) -> str:
    """data/<name>.csv and data/<name>.json; returns the download links."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    frame.write_csv(data / f"{name}.csv")
    (data / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return name


def _single_year(group: pl.DataFrame) -> str:
    """One year only: the value(s) as figures, not a chart with one point and no trend."""
    items = "".join(
        f"<span class='single'><a class='v' href='#{value_key(r)}'>"
        f"{esc(format_value(r['value'], r['unit'], r['bound']))}</a> <small>{r['year']}, "
        f"{esc(r['publisher'])}</small></span>"
        for r in group.iter_rows(named=True)
    )
    return f"<p class='singles'>{items} <small>(one year: no trend to draw)</small></p>"


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
    css: str,
    load_id: str,
) -> str:
    """The page of one sector; returns its relative path."""
    sid = sector["sector_id"]
    page = f"sectors/{sid}.html"
    rows = metrics.filter((pl.col("sector") == sector["sector"]) & pl.col("headline"))
    parts = [
        page_head(sector["short_name"], css, "../"),
        f"<h1>{esc(sector['sector'])}</h1>",
    ]
    if summary:
        parts.append(f"<p><b>{esc(summary['reading'])}</b></p>")
        if summary.get("evaluator_verdicts"):
            parts.append(
                f"<p>Evaluators next to our numbers: {esc(summary['evaluator_verdicts'])}</p>"
            )
    lineage = []
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
        cells = "".join(
            f"<tr><td>{r['year']}</td><td class='num'><a class='v' href='#{value_key(r)}'>"
            f"{esc(format_value(r['value'], r['unit'], r['bound']))}</a></td>"
            f"<td>{esc(r['publisher'])}</td><td><code>{esc(r['definition_id'])}</code></td></tr>"
            for r in group.iter_rows(named=True)
        )
        parts += [
            f"<figure class='chart' data-measure='{esc(name)}'><h3>{esc(title)}</h3>",
            _chart(group, title, unit, "") if group["year"].n_unique() > 1 else _single_year(group),
            f"<figcaption>Unit: {esc(unit)}. Open triangles are bounds (▲ at least, ▼ at "
            "most), never joined to measured points. Click a point or a value for its source. "
            f"Publishers: {esc(', '.join(sorted(set(group['publisher']))))}.</figcaption>",
            f"<p class='downloads'>Download: <a href='../data/{name}.csv' download>CSV</a> · "
            f"<a href='../data/{name}.json'>metadata (JSON)</a></p>",
            f"<p class='cite'>{esc(meta['cite'])}</p>",
            "<div class='scroll'><table><thead><tr><th>year</th><th>value</th><th>publisher"
            f"</th><th>definition</th></tr></thead><tbody>{cells}</tbody></table></div></figure>",
        ]
        lineage += [lineage_html(r, official, snapshots) for r in group.iter_rows(named=True)]
    partial = rows.filter(pl.col("period") != "FY")
    if partial.height:
        items = "".join(
            f"<li>{esc(r['metric'])} - {esc(r['product'])}, {r['year']} ({esc(r['period'])}): "
            f"<a class='v' href='#{value_key(r)}'>"
            f"{esc(format_value(r['value'], r['unit'], r['bound']))}</a></li>"
            for r in partial.iter_rows(named=True)
        )
        parts.append(f"<h2>Part-year values (shown, never trended)</h2><ul>{items}</ul>")
        lineage += [lineage_html(r, official, snapshots) for r in partial.iter_rows(named=True)]
    targets = card.filter(pl.col("sector") == sector["sector"])
    if targets.height:
        tr = "".join(
            f"<tr><td>{esc(r['target_id'])}</td><td>{esc(r['indicator'])}</td>"
            f"<td><a class='v' href='../index.html#t-{esc(r['target_id'])}'>"
            f"{esc(r['comparator'])} "
            f"{esc(format_value(r['target_value'], r['unit'], show_unit=True))} by "
            f"{r['target_year'] or '?'}</a></td><td class='{esc(r['status'])}'>"
            f"{esc(r['status'].replace('_', ' '))}</td><td class='rule'>{esc(r['rule'])}</td></tr>"
            for r in targets.iter_rows(named=True)
        )
        parts.append(
            "<h2>MIC2025 targets</h2><p class='downloads'>Download: <a href='../data/scorecard.csv'"
            " download>all targets (CSV)</a> · <a href='../data/scorecard.json'>metadata</a></p>"
            "<div class='scroll'><table><thead><tr><th>id</th>"
            "<th>indicator</th><th>target</th><th>status</th><th>how</th></tr></thead>"
            f"<tbody>{tr}</tbody></table></div>"
        )
    mine = claims.filter(pl.col("sector_id") == sid)
    if mine.height:
        cr = "".join(
            f"<tr><td><a href='../claims.html#{claim_key(r)}'>{esc(r['article_id'])} "
            f"{esc(r['claim_id'])}</a></td>"
            f"<td><blockquote>{esc(r['quote'])}</blockquote></td>"
            f"<td class='{esc(r['verdict'] or 'no_data')}'>{esc(verdict_words(r['verdict']))}"
            f"</td><td>{esc(r['reason'] or '')}</td></tr>"
            for r in mine.iter_rows(named=True)
        )
        parts.append(
            "<h2>Claims about this sector</h2><p class='downloads'>Download: <a href='../data/"
            "claims.csv' download>all claims (CSV)</a> · <a href='../data/claims.json'>metadata"
            "</a></p><div class='scroll'><table><thead><tr><th>claim"
            "</th><th>quote</th><th>verdict</th><th>why</th></tr></thead>"
            f"<tbody>{cr}</tbody></table></div>"
        )
    parts += lineage
    parts.append("</main></body></html>")
    target = out / page
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(parts), encoding="utf-8")
    return page


def table_orders(head: str, orders: list[tuple[str, str, str]]) -> str:
    """One table readable in several orders without a script: ``orders`` are (anchor, words,
    body rows) and the last is the default. Each order is a copy of the table; CSS (SITE_CSS
    ``.sortviews``) shows the one the address names (``:target``), the default when none is."""
    links = " · ".join(f"<a href='#{anchor}'>{esc(words)}</a>" for anchor, words, _ in orders)
    views = "".join(
        f"<div class='sortview scroll' id='{anchor}'>{head}<tbody>{body}</tbody></table></div>"
        for anchor, _, body in orders
    )
    return f"<p class='sortby'>Order by: {links}</p><div class='sortviews'>{views}</div>"


def claim_key(r: dict) -> str:
    return f"c-{slug(r['article_id'])}-{slug(r['claim_id'])}"


def claim_lineage(r: dict) -> str:
    """What a claim was checked against: measure, year, value, rule and evidence."""
    links = " ".join(
        f"<a href=\"{esc(u)}\" rel='noopener'>{esc(u[:70])}</a>"
        for u in (r.get("evidence_sources") or "").split(" | ")
        if u.startswith("http")
    )
    return (
        f"<section class='lineage' id='{claim_key(r)}'><a href='#'>close</a>"
        f"<h4>{esc(r['article_id'])} {esc(r['claim_id'])}: {esc(verdict_words(r['verdict']))}"
        f"</h4><blockquote>{esc(r['quote'])}</blockquote>"
        f"<p><b>Measure</b>: {esc(r['metric_used'] or '-')}; <b>year</b>: "
        f"{esc(r['year_used'] or '-')}; <b>value</b>: {esc(r['computed_value'])}</p>"
        f"<p><b>Why</b>: {esc(r['reason'] or 'no measure named for this claim')}</p>"
        + (f"<p><b>Evidence</b>: {links}</p>" if links else "")
        + "</section>"
    )


#: The claims page's order: decided verdicts first, the undecided last.
VERDICT_ORDER = [
    "contradicted",
    "partly_agrees",
    "outdated",
    "supported",
    "circular",
    "not_measurable",
    "unverifiable",
]


def verdict_words(verdict: str | None) -> str:
    """A verdict as a reader says it: 'not measurable', 'partly agrees', 'not checked'."""
    return (verdict or "not checked").replace("_", " ")


def claims_page(claims: pl.DataFrame, out: Path, css: str, load_id: str) -> str:
    columns = ["article_id", "claim_id", "sector_id", "quote", "verdict", "computed_value"]
    columns += ["year_used", "metric_used", "reason", "evidence_sources"]
    frame = claims.select(columns)
    meta = {
        "title": "Article claims checked against the data",
        "columns": {c: str(frame.schema[c]) for c in columns},
        "licence": "quotes only; the articles are their publishers'",
        "load_id": load_id,
        "cite": cite("Article claims checked against the data", load_id, "data/claims.csv"),
    }
    write_data(out, "claims", frame, meta)

    def used(r: dict) -> str:
        if r["computed_value"] is None:
            return ""
        return f"{r['computed_value']:.4g} ({r['year_used'] or ''})"

    # grouped by verdict, decided ones first, each group reachable from the list at the top
    # (a filter without a script); within a group, by article and claim. The same rows also
    # read by article or by sector (table_orders), the verdict order by default
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    rows_all = frame.to_dicts()
    ordered = sorted(
        rows_all,
        key=lambda r: (rank.get(r["verdict"] or "", len(rank)), r["article_id"], r["claim_id"]),
    )
    counts: dict[str, int] = {}
    for r in ordered:
        counts[r["verdict"] or ""] = counts.get(r["verdict"] or "", 0) + 1
    jump = " · ".join(
        f"<a href='#verdict-{esc(v or 'none')}'>{esc(verdict_words(v or None))} ({n})</a>"
        for v, n in counts.items()
    )
    seen: set[str] = set()

    def group_row(r: dict) -> str:
        v = r["verdict"] or ""
        if v in seen:
            return ""
        seen.add(v)
        return (
            f"<tr id='verdict-{esc(v or 'none')}'><th colspan='5'>"
            f"{esc(verdict_words(v or None))} ({counts[v]})</th></tr>"
        )

    def claim_row(r: dict) -> str:
        return (
            f"<tr><td>{esc(r['article_id'])} {esc(r['claim_id'])}</td>"
            f"<td><blockquote>{esc(r['quote'])}</blockquote></td>"
            f"<td class='{esc(r['verdict'] or 'no_data')}'>{esc(verdict_words(r['verdict']))}</td>"
            f"<td><a class='v' href='#{claim_key(r)}'>{esc(used(r) or 'lineage')}</a></td>"
            f"<td>{esc(r['reason'] or '')}</td></tr>"
        )

    head = (
        "<table><thead><tr><th>claim</th><th>quote</th><th>verdict</th>"
        "<th>value used</th><th>why</th></tr></thead>"
    )
    by_article = sorted(rows_all, key=lambda r: (r["article_id"], r["claim_id"]))
    by_sector = sorted(
        rows_all, key=lambda r: (r["sector_id"] or "~", r["article_id"], r["claim_id"])
    )
    rows = table_orders(
        head,
        [
            ("cl-by-article", "article", "".join(claim_row(r) for r in by_article)),
            ("cl-by-sector", "sector", "".join(claim_row(r) for r in by_sector)),
            ("cl-by-verdict", "verdict", "".join(group_row(r) + claim_row(r) for r in ordered)),
        ],
    )
    panels = "".join(claim_lineage(r) for r in frame.iter_rows(named=True))
    page = (
        page_head("Claims", css) + "<h1>Article claims checked against the data</h1>"
        "<p class='downloads'>Download: <a href='data/claims.csv' download>CSV</a> · "
        "<a href='data/claims.json'>metadata (JSON)</a></p>"
        f"<p class='cite'>{esc(meta['cite'])}</p><p class='jump'>By verdict: {jump}</p>"
        f"{rows}{panels}</main></body></html>"
    )
    (out / "claims.html").write_text(page, encoding="utf-8")
    return "claims.html"


def methodology_page(out: Path, css: str) -> str:
    """docs/metrics.md (formulas, units, bounds and the generated spec tables) as a page of the
    site, rendered by markdown-it (CommonMark + tables); raw HTML in the file is not passed
    through."""
    from markdown_it import MarkdownIt

    source = PROJECT_ROOT / "docs" / "metrics.md"
    text = source.read_text(encoding="utf-8") if source.exists() else "docs/metrics.md not found"
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    page = page_head("Methodology", css) + f"<div class='scroll'>{body}</div></main></body></html>"
    (out / "methodology.html").write_text(page, encoding="utf-8")
    return "methodology.html"


def sources_page(
    snapshots: pl.DataFrame, metrics: pl.DataFrame, out: Path, css: str, load_id: str
) -> str:
    feeds = []
    for r in snapshots.iter_rows(named=True):
        source = r["source"]
        if source == "china_official_stats":
            used = metrics.filter(pl.col("definition_id").str.contains(r"^[A-Z0-9_]+:"))
        else:
            used = metrics.filter(pl.col("definition_id").str.starts_with(source.split("_")[0]))
        feeds.append(", ".join(sorted(set(used["metric"].to_list()))[:12]) or "-")
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
    rows = "".join(
        f"<tr><td>{esc(r['source'])}</td><td>{esc(r['version'])}</td>"
        f"<td>{esc(r['publisher'])}</td><td>{esc(r['licence'])}</td>"
        f"<td><code>{esc((r['sha256'] or '')[:16])}</code></td><td>{esc(r['feeds'])}</td>"
        f"<td><a href=\"{esc(r['origin_url'])}\" rel='noopener'>origin</a></td></tr>"
        for r in frame.iter_rows(named=True)
    )
    page = (
        page_head("Sources", css) + "<h1>Sources and vintages</h1>"
        "<p class='downloads'>Download: <a href='data/sources.csv' download>CSV</a> · "
        "<a href='data/sources.json'>metadata (JSON)</a></p>"
        f"<p class='cite'>{esc(meta['cite'])}</p>"
        "<div class='scroll'><table><thead><tr><th>source</th><th>version</th><th>publisher</th>"
        "<th>licence</th><th>sha256</th><th>feeds</th><th>origin</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></main></body></html>"
    )
    (out / "sources.html").write_text(page, encoding="utf-8")
    return "sources.html"
