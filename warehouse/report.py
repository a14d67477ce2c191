"""The answer site's index (the sector-by-sector answer and the scorecard), and the site around it
(warehouse/site.py): static files that work offline, with no script, stylesheet, font or image
from another host. Every number links to its lineage; every table has its data to download.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from mic2025.warehouse import place_pages, site
from mic2025.warehouse.answer_chart import answer_chart_svg, chart_rows
from mic2025.warehouse.query import open_reader
from mic2025.warehouse.site import esc
from mic2025.warehouse.units import format_value

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
color:#1f2328;background:#fff;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.8em;margin:.2em 0} h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f6f8fa} td.num{text-align:right;white-space:nowrap}
.met,.on_track,.supported{color:#1a7f37;font-weight:600}
.off_track,.outdated,.partly_agrees,.disputed{color:#9a6700;font-weight:600}
.missed,.contradicted{color:#cf222e;font-weight:600}
.no_data,.unverifiable,.not_measurable,.circular{color:#57606a}
figure{margin:1.5em 0} figcaption{font-size:.85em;color:#57606a}
figure.answer svg{width:100%;max-width:760px;height:auto;display:block}
figure.answer .narrow{display:none}
@media (max-width:560px){figure.answer .wide{display:none} figure.answer .narrow{display:block}}
ol.readings{padding-left:1.4em} ol.readings li{margin:.25em 0}
p.gap{color:#57606a;font-size:.85em;margin:.15em 0}
.footnote{font-size:.8em;color:#57606a} .chart svg{width:100%;max-width:600px;height:auto;display:block}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px}
.card b{font-size:1.6em;display:block} td.rule{font-size:.85em;min-width:22em}
details{margin:.5em 0} summary{cursor:pointer;color:#0969da}
"""


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


def _target_text(r: dict) -> str:
    value = format_value(r["target_value"], r["unit"], show_unit=True)
    return f"{r['comparator']} {value} by {r['target_year'] or '?'}"


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


def target_lineage(card: pl.DataFrame, targets: pl.DataFrame) -> str:
    """A lineage panel per target: the plan's words, where they were read, and the rule."""
    quotes = {r["target_id"]: r for r in targets.iter_rows(named=True)}
    out = []
    for r in card.iter_rows(named=True):
        t = quotes.get(r["target_id"], {})
        note = (
            f"<p>Curator's note: {esc(t.get('curator_note'))}</p>" if t.get("curator_note") else ""
        )
        out.append(
            f"<section class='lineage' id='t-{esc(r['target_id'])}'><a href='#'>close</a>"
            f"<h4>{esc(r['target_id'])}: {esc(r['indicator'])} {esc(_target_text(r))}</h4>"
            f"<blockquote>{esc(t.get('quote'))}</blockquote>"
            f'<p>Read in: {esc(t.get("source_title"))} - <a href="{esc(t.get("source_url"))}" '
            f"rel='noopener'>source</a> ({esc(t.get('confidence'))})</p>{note}"
            f"<p><b>Status</b>: {esc(r['status'])} - {esc(r['rule'])}</p></section>"
        )
    return "".join(out)


#: The scorecard's orders: (anchor, words, sort key). The last is the default view.
SCORECARD_ORDERS = [
    ("sc-by-status", "status", lambda r: (STATUS_ORDER.get(r["status"], 9), r["target_id"])),
    ("sc-by-sector", "sector", lambda r: (r["sector"], r["target_id"])),
    ("sc-by-year", "deadline", lambda r: (r["target_year"] or 9999, r["target_id"])),
    ("sc-by-id", "target", lambda r: r["target_id"]),
]
STATUS_ORDER = {"met": 0, "missed": 1, "disputed": 2, "on_track": 3, "off_track": 4}


def _scorecard_row(r: dict, names: dict[str, str], links: dict) -> str:
    pct = r["unit"] == "ratio"
    actual = (
        f"{format_value(r['actual_value'], r['unit'], r.get('actual_bound'), True)} "
        f"({r['actual_year']})"
        if r["actual_value"] is not None
        else ""
    )
    if r["target_id"] in links:
        actual = f"<a class='v' href='{esc(links[r['target_id']])}'>{esc(actual)}</a>"
    else:
        actual = esc(actual)
    return (
        f"<tr><td>{esc(r['target_id'])}</td><td>{esc(names.get(r['sector'], r['sector']))}"
        f"</td><td>{esc(r['indicator'])}</td><td class='num'><a class='v' "
        f"href='#t-{esc(r['target_id'])}'>{esc(_target_text(r))}</a></td>"
        f"<td class='num'>{actual}</td>"
        f"<td class='num'>{esc(_num(r['projected_value'], pct))}</td>"
        f"<td class='{esc(r['status'])}'>{esc(r['status'].replace('_', ' '))}</td>"
        f"<td class='rule'>{esc(r['rule'])}</td></tr>"
    )


def scorecard_tables(card: pl.DataFrame, names: dict[str, str], links: dict | None = None) -> str:
    """Evaluated targets in a table; targets without data in a compact list with the reason.
    A target links to its lineage panel (``#t-<id>``, see :func:`target_lineage`).

    The table reads in four orders (target, status, sector, deadline) without a script
    (:func:`site.table_orders`), the target order by default."""
    links = links or {}
    rows = card.filter(pl.col("status") != "no_data").to_dicts()
    head = (
        "<table><thead><tr><th>id</th><th>sector</th><th>indicator</th>"
        "<th>target</th><th>actual (year)</th><th>projected</th><th>status</th><th>how</th>"
        "</tr></thead>"
    )
    evaluated = site.table_orders(
        head,
        [
            (anchor, words, "".join(_scorecard_row(r, names, links) for r in sorted(rows, key=key)))
            for anchor, words, key in SCORECARD_ORDERS
        ],
    )
    no_data = card.filter(pl.col("status") == "no_data")
    missing = "".join(
        f"<li><b>{esc(r['target_id'])}</b> {esc(r['indicator'])} (<a class='v' "
        f"href='#t-{esc(r['target_id'])}'>{esc(_target_text(r))}</a>): "
        f"{esc(r['rule'].removeprefix('no_data: '))}</li>"
        for r in no_data.iter_rows(named=True)
    )
    return (
        f"{evaluated}<details><summary>Targets without data ({no_data.height})</summary>"
        f"<ul class='footnote'>{missing}</ul></details>"
    )


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


def sector_summary_table(summary: pl.DataFrame, links: dict | None = None) -> str:
    """The sector-by-sector answer as one table (values with their bounds marked). ``links``:
    (sector_id, role) -> URL of the value's lineage on the sector page."""
    links = links or {}

    def linked(text: str, r: dict, role: str) -> str:
        url = links.get((r["sector_id"], role))
        return f"<a class='v' href='{esc(url)}'>{text}</a>" if url else text

    def measure(r: dict, role: str) -> str:
        """A domestic-supply or world-position cell: value (bound marked), year, what, who."""
        if r[f"{role}_value"] is None:
            return f"<small>{esc(r[f'{role}_note'] or 'no measure')}</small>"
        shown = format_value(r[f"{role}_value"], "ratio", r[f"{role}_bound"])
        return (
            f"{linked(shown, r, role)} ({r[f'{role}_year']})<br><small>"
            f"{esc(r[f'{role}_note'])}; {esc(r[f'{role}_publisher'])}</small>"
        )

    head = (
        "<div class='scroll'><table class='summary'><thead><tr><th>sector</th><th>domestic supply</th>"
        "<th>since ~2015</th><th>world position</th><th>targets met / missed / no data</th>"
        "<th>evaluators</th></tr></thead><tbody>"
    )
    body = []
    for r in summary.iter_rows(named=True):
        domestic = measure(r, "domestic_supply")
        if r["change_since_baseline"] is not None:
            base = format_value(r["baseline_value"], "ratio", r["baseline_bound"])
            change = (
                f"{r['change_since_baseline'] * 100:+.1f} pts<br><small>from "
                f"{linked(base, r, 'baseline')} ({r['baseline_year']})</small>"
            )
        else:
            change = f"<small>{esc(r['baseline_note'])}</small>"
        world = measure(r, "world_position")
        targets = f"{r['targets_met']} / {r['targets_missed']} / {r['targets_no_data']}"
        body.append(
            f"<tr><td><b><a href='sectors/{esc(r['sector_id'])}.html'>{esc(r['short_name'])}</a>"
            f"</b></td><td>{domestic}</td><td>{change}</td>"
            f"<td>{world}</td><td>{targets}</td>"
            f"<td><small>{esc(r['evaluator_verdicts'] or '-')}</small></td></tr>"
        )
    return head + "".join(body) + "</tbody></table></div>"


def answer_first(summary: pl.DataFrame) -> str:
    """The top of the index: one chart of every sector, a one-sentence reading per sector in the
    chart's order, and one muted line per sector without a value (its reason, shortened)."""
    ordered = chart_rows(summary)["sector"].to_list() if summary.height else []
    by_name = {r["short_name"]: r for r in summary.iter_rows(named=True)}
    readings = "".join(
        f"<li><a href='sectors/{esc(by_name[n]['sector_id'])}.html'>{esc(n)}</a>: "
        f"{esc(by_name[n]['reading'].split(': ', 1)[-1])}</li>"
        for n in ordered
    )
    gaps = []
    for r in summary.iter_rows(named=True):
        if r["domestic_supply_value"] is None:
            why = (r["domestic_supply_note"] or "no measure").split(" (searched")[0]
            why = why.split("; ")[0]
            gaps.append(
                f"<p class='gap'><a href='sectors/{esc(r['sector_id'])}.html'>"
                f"{esc(r['short_name'])}</a>: no domestic-supply value yet. {esc(why[:200])}</p>"
            )
    return (
        "<figure class='answer'><div class='wide'>"
        + answer_chart_svg(summary)
        + "</div><div class='narrow'>"
        + answer_chart_svg(summary, narrow=True)
        + "</div><figcaption>Left: the share of China's own demand that Chinese makers supply, latest "
        "full year 2021-2024 (filled dot) and the same definition near 2015 (hollow dot) where "
        "one exists; a triangle is a bound pointing the way the true value may lie (▶ at least, "
        "◀ at most). Right: China's share of the world on each sector's world-position measure "
        "(named in the reading below). Each measure, definition and source: the sector's page "
        "(click a sector).</figcaption></figure>"
        + f"<ol class='readings'>{readings}</ol>"
        + "".join(gaps)
    )


def build_report(warehouse: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from the published warehouse (read-only); return its path."""
    con = open_reader(warehouse)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
        card = con.sql("select * from marts.scorecard order by target_id").pl()
        checks = con.sql("select * from marts.claim_checks order by article_id, claim_id").pl()
        snapshots = con.sql("select * from meta.snapshots order by source").pl()
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
            "c.computed_value, c.year_used, c.metric_used, c.reason, c.evidence_sources "
            "from core.article_claims a left join marts.claim_checks c "
            "using (article_id, claim_id) order by a.article_id, a.claim_id"
        ).pl()
        places = con.sql("select * from core.places order by place_id").pl()
        city = con.sql("select * from marts.city_metrics").pl()
    finally:
        con.close()
    load_id = run["load_id"][0] if run.height else ""
    counts = {
        s: card.filter(pl.col("status") == s).height
        for s in ("met", "on_track", "off_track", "missed", "no_data")
    }
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>",
        "<title>Made in China 2025: sector self-sufficiency report</title>",
        f"<style>{CSS}{site.SITE_CSS}</style></head><body><main>",
        "<h1>Made in China 2025: did it work, sector by sector?</h1>",
        f"<p>Built from warehouse load <code>{esc(load_id)}</code> on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Every figure comes from a cited source or is "
        "computed from one; every formula, unit and bound rule: <a href='methodology.html'>"
        "methodology</a>.</p>",
        "<nav class='top'><a href='#answer'>Answer</a><a href='#scorecard'>Scorecard</a>"
        "<a href='places.html'>Places</a><a href='claims.html'>Claims</a>"
        "<a href='sources.html'>Sources</a><a href='methodology.html'>Methodology</a></nav>",
        "<h2 id='answer'>The answer, sector by sector</h2>",
        answer_first(summary),
        "<h2 id='details'>The answer in detail</h2>",
        sector_summary_table(summary, summary_links(summary, metrics)),
        "<p class='footnote'>marts.sector_summary: domestic supply and world position, latest "
        "full year in 2021-2024; the change since the 2013-2016 baseline is stated only within one "
        "definition and where bounds allow (≥ lower bound, ≤ upper bound, ~ approximate). Every "
        "source, its version and what it feeds: <a href='sources.html'>sources</a>.</p>",
        "<h2 id='scorecard'>Scorecard: MIC2025 targets</h2><div class='cards'>",
        *(
            f"<div class='card'><b>{n}</b>{esc(s.replace('_', ' '))}</div>"
            for s, n in counts.items()
        ),
        "</div>",
        "<p class='downloads'>Download: <a href='data/sector_summary.csv' download>sector "
        "summary (CSV)</a> · <a href='data/sector_summary.json'>metadata</a> · "
        "<a href='data/scorecard.csv' download>scorecard (CSV)</a> · "
        "<a href='data/scorecard.json'>metadata</a></p>",
        f"<p class='cite'>{esc(site.cite('MIC2025, sector by sector', load_id, 'index.html'))}</p>",
        scorecard_tables(card, names_by_sector(sectors), scorecard_links(card, metrics, sectors)),
        "<p class='footnote'>Targets: core.targets (each with source URL and quote). "
        "Actuals: the series named in <code>facts/target_measures.csv</code>. Rule: a passed "
        "deadline is met or missed only from the target year's actual of a matching definition, "
        "never from a trend; otherwise no data, with the nearest actuals named.</p>",
        target_lineage(card, targets),
        "<h2 id='more'>Claims and sources</h2>",
        f"<p><a href='claims.html'>{checks.height} article claims checked against the data</a> "
        f"(each with its quote) · <a href='sources.html'>{snapshots.height} sources and their "
        "vintages</a> (licence, sha256, what each feeds).</p>",
    ]
    parts += [
        "</main></body></html>",
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    snap_by_source = {r["source"]: r for r in snapshots.iter_rows(named=True)}
    by_sector = {r["sector_id"]: r for r in summary.iter_rows(named=True)}
    for sector in sectors.filter(pl.col("sector_id") != "cross_cutting").iter_rows(named=True):
        site.sector_page(
            sector,
            metrics,
            card,
            claims,
            by_sector.get(sector["sector_id"]),
            official,
            snap_by_source,
            out_dir,
            CSS,
            load_id,
        )
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
    site.claims_page(claims, out_dir, CSS, load_id)
    site.methodology_page(out_dir, CSS)
    place_pages.places_pages(places, city, claims, out_dir, CSS, load_id)
    site.sources_page(snapshots, metrics, out_dir, CSS, load_id)
    target = out_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(target)
    return target
