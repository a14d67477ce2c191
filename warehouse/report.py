"""The static HTML report: one self-contained file that works offline.

Charts are drawn with matplotlib at build time and embedded as inline SVG (text as paths, so no
font is fetched); there is no script, stylesheet or image from another host. Every figure has a
footnote with its sources, their vintage and a link.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from warehouse import site
from warehouse.query import open_reader
from warehouse.units import format_value

RATIO_METRICS = ("self_sufficiency_ratio", "import_dependence")
WORLD_SERIES = [
    # (title, source, indicator filter, unit label)
    ("Electric car sales: China and the world", "owid_electric_car_sales", None, "cars sold"),
    (
        "Industrial robot installations: China and the world",
        "owid_robot_installations",
        None,
        "robots installed",
    ),
    ("Installed solar PV capacity: China and the world", "owid_solar_capacity", None, "GW"),
]

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
color:#1f2328;background:#fff;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.8em;margin:.2em 0} h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f6f8fa} td.num{text-align:right;white-space:nowrap}
.met,.on_track,.supported{color:#1a7f37;font-weight:600}
.off_track{color:#9a6700;font-weight:600} .missed,.contradicted{color:#cf222e;font-weight:600}
.no_data,.unverifiable{color:#57606a}
figure{margin:1.5em 0} figcaption{font-size:.85em;color:#57606a}
.footnote{font-size:.8em;color:#57606a} .chart svg{max-width:100%;height:auto}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px}
.card b{font-size:1.6em;display:block} td.rule{font-size:.85em;min-width:22em}
details{margin:.5em 0} summary{cursor:pointer;color:#0969da}
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def _num(value, pct: bool = False) -> str:
    if value is None:
        return ""
    if pct:
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text as <text> in the local sans-serif (no glyph paths, no web font): a third of the size
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "mic2025"})
    return plt


def _runs(years: list[int]) -> list[list[int]]:
    """Consecutive-year runs: a line is drawn within a run, never across a missing year."""
    runs: list[list[int]] = []
    for i, year in enumerate(years):
        if runs and year == years[i - 1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


BOUND_MARKERS = {"lower": "^", "upper": "v"}


def sector_chart(frame: pl.DataFrame, sector: str) -> str:
    """Self-sufficiency ratio and import dependence over time, one series per product, basis and
    definition. Exact (and approximate) values are filled markers joined only across consecutive
    years; bounds are open triangles (▲ lower, ▼ upper), never joined to anything; part-year
    values are not drawn; panels without data are left out."""
    plt = _pyplot()
    frame = frame.filter((pl.col("period") == "FY") & pl.col("headline"))
    metrics = [m for m in RATIO_METRICS if frame.filter(pl.col("metric") == m).height]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = frame.filter(pl.col("metric") == metric)
        keys = rows.select("product", "basis", "definition_id", "publisher").unique(
            maintain_order=True
        )
        for i, key in enumerate(keys.iter_rows(named=True)):
            colour = f"C{i % 10}"
            group = rows.filter(
                (pl.col("product") == key["product"])
                & (pl.col("basis") == key["basis"])
                & (pl.col("definition_id") == key["definition_id"])
            ).sort("year")
            label = f"{key['product']} ({key['basis']}, {key['publisher']})"
            firm = group.filter(pl.col("bound").is_in(["exact", "approximate"]))
            years, values = firm["year"].to_list(), firm["value"].to_list()
            for n, run in enumerate(_runs(years)):
                ax.plot(
                    [years[j] for j in run],
                    [values[j] for j in run],
                    marker="o",
                    color=colour,
                    label=label if n == 0 else None,
                )
            for bound, marker in BOUND_MARKERS.items():
                part = group.filter(pl.col("bound") == bound)
                if part.height:
                    ax.plot(
                        part["year"].to_list(),
                        part["value"].to_list(),
                        linestyle="none",
                        marker=marker,
                        markerfacecolor="none",
                        color=colour,
                        label=f"{label}: {bound} bound",
                    )
        if rows["year"].n_unique() == 1:
            year = rows["year"][0]
            ax.set_xlim(year - 2, year + 2)
        ax.set_title(metric.replace("_", " ") + " (ratio)")
        ax.set_xlabel("year")
        ax.set_ylabel("ratio (1 = 100%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(sector)
    return _svg(fig)


def world_chart(frame: pl.DataFrame, title: str, unit: str) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.4))
    for iso3, label in (("WLD", "World"), ("CHN", "China")):
        rows = frame.filter(pl.col("iso3") == iso3).sort("year")
        ax.plot(rows["year"].to_list(), rows["value"].to_list(), marker=".", label=label)
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    ax.legend()
    return _svg(fig)


def _table(
    frame: pl.DataFrame,
    columns: list[str],
    *,
    pct: set[str] = frozenset(),
    classes: dict[str, str] | None = None,
) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for r in frame.iter_rows(named=True):
        cells = []
        for c in columns:
            v = r[c]
            if isinstance(v, float):
                cells.append(
                    f'<td class="num">{_num(v, c in pct and r.get("unit") == "ratio")}</td>'
                )
            elif classes and c in classes:
                cells.append(f'<td class="{esc(v)}">{esc(v)}</td>')
            else:
                cells.append(f"<td>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _links(sources: list[str]) -> str:
    items = []
    for s in sorted({p.strip() for src in sources for p in (src or "").split("|") if p.strip()}):
        if s.startswith(("http://", "https://")):
            items.append(f'<a href="{esc(s)}" rel="noopener">{esc(s)}</a>')
        else:
            items.append(esc(s))
    return "; ".join(items)


def names_by_sector(sectors: pl.DataFrame) -> dict[str, str]:
    return dict(sectors.select("sector", "short_name").iter_rows())


def _target_text(r: dict) -> str:
    value = format_value(r["target_value"], r["unit"], show_unit=True)
    return f"{r['comparator']} {value} by {r['target_year'] or '?'}"


def scorecard_tables(card: pl.DataFrame, names: dict[str, str]) -> str:
    """Evaluated targets in a table; targets without data in a compact list with the reason."""
    rows = []
    for r in card.filter(pl.col("status") != "no_data").iter_rows(named=True):
        pct = r["unit"] == "ratio"
        actual = (
            f"{format_value(r['actual_value'], r['unit'], r.get('actual_bound'), True)} "
            f"({r['actual_year']})"
            if r["actual_value"] is not None
            else ""
        )
        rows.append(
            f"<tr><td>{esc(r['target_id'])}</td><td>{esc(names.get(r['sector'], r['sector']))}"
            f"</td><td>{esc(r['indicator'])}</td><td class='num'>{esc(_target_text(r))}</td>"
            f"<td class='num'>{esc(actual)}</td>"
            f"<td class='num'>{esc(_num(r['projected_value'], pct))}</td>"
            f"<td class='{esc(r['status'])}'>{esc(r['status'].replace('_', ' '))}</td>"
            f"<td class='rule'>{esc(r['rule'])}</td></tr>"
        )
    evaluated = (
        "<table><thead><tr><th>id</th><th>sector</th><th>indicator</th><th>target</th>"
        "<th>actual (year)</th><th>projected</th><th>status</th><th>how</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    no_data = card.filter(pl.col("status") == "no_data")
    missing = "".join(
        f"<li><b>{esc(r['target_id'])}</b> {esc(r['indicator'])} ({esc(_target_text(r))}): "
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
    return links


def sector_summary_table(summary: pl.DataFrame, links: dict | None = None) -> str:
    """The sector-by-sector answer as one table (values with their bounds marked). ``links``:
    (sector_id, role) -> URL of the value's lineage on the sector page."""
    links = links or {}

    def linked(text: str, r: dict, role: str) -> str:
        url = links.get((r["sector_id"], role))
        return f"<a class='v' href='{esc(url)}'>{text}</a>" if url else text

    head = (
        "<table class='summary'><thead><tr><th>sector</th><th>domestic supply</th>"
        "<th>since ~2015</th><th>world position</th><th>targets met / missed / no data</th>"
        "<th>evaluators</th></tr></thead><tbody>"
    )
    body = []
    for r in summary.iter_rows(named=True):
        if r["domestic_supply_value"] is not None:
            shown = format_value(r["domestic_supply_value"], "ratio", r["domestic_supply_bound"])
            domestic = (
                f"{linked(shown, r, 'domestic_supply')}"
                f" ({r['domestic_supply_year']})<br><small>{esc(r['domestic_supply_note'])}; "
                f"{esc(r['domestic_supply_publisher'])}</small>"
            )
        else:
            domestic = f"<small>{esc(r['domestic_supply_note'] or 'no measure')}</small>"
        if r["change_since_baseline"] is not None:
            change = (
                f"{r['change_since_baseline'] * 100:+.1f} pts<br><small>from "
                f"{format_value(r['baseline_value'], 'ratio', r['baseline_bound'])} "
                f"({r['baseline_year']})</small>"
            )
        else:
            change = f"<small>{esc(r['baseline_note'])}</small>"
        if r["world_position_value"] is not None:
            shown = format_value(r["world_position_value"], "ratio", r["world_position_bound"])
            world = (
                f"{linked(shown, r, 'world_position')}"
                f" ({r['world_position_year']})<br><small>{esc(r['world_position_note'])}; "
                f"{esc(r['world_position_publisher'])}</small>"
            )
        else:
            world = f"<small>{esc(r['world_position_note'] or 'no measure')}</small>"
        targets = f"{r['targets_met']} / {r['targets_missed']} / {r['targets_no_data']}"
        body.append(
            f"<tr><td><b><a href='sectors/{esc(r['sector_id'])}.html'>{esc(r['short_name'])}</a>"
            f"</b></td><td>{domestic}</td><td>{change}</td>"
            f"<td>{world}</td><td>{targets}</td>"
            f"<td><small>{esc(r['evaluator_verdicts'] or '-')}</small></td></tr>"
        )
    return head + "".join(body) + "</tbody></table>"


def build_report(warehouse: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from the published warehouse (read-only); return its path."""
    con = open_reader(warehouse)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
        card = con.sql("select * from marts.scorecard order by target_id").pl()
        checks = con.sql("select * from marts.claim_checks order by article_id, claim_id").pl()
        snapshots = con.sql("select * from meta.snapshots order by source").pl()
        obs = con.sql(
            "select source, iso3, year, value, unit, publisher from core.observations "
            "where iso3 in ('CHN', 'WLD') and scenario = 'historical'"
        ).pl()
        run = con.sql("select * from meta.runs order by load_id desc limit 1").pl()
        sectors = con.sql("select * from core.sectors").pl()
        summary = con.sql("select * from marts.sector_summary order by sector_id").pl()
        official = con.sql(
            "select series_id, year, quote, value_as_published, unit_as_published, "
            "publisher_id, via, source_url from core.official_stats"
        ).pl()
        claims = con.sql(
            "select a.article_id, a.claim_id, a.sector_id, a.quote, c.verdict, "
            "c.computed_value, c.year_used, c.metric_used, c.reason, c.evidence_sources "
            "from core.article_claims a left join marts.claim_checks c "
            "using (article_id, claim_id) order by a.article_id, a.claim_id"
        ).pl()
    finally:
        con.close()
    vintage = {r["source"]: r for r in snapshots.iter_rows(named=True)}
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
        "computed from one; formulas in <code>docs/metrics.md</code>. Ratios: 1 = 100%.</p>",
        "<nav class='top'><a href='#answer'>Answer</a><a href='#scorecard'>Scorecard</a>"
        "<a href='claims.html'>Claims</a><a href='sources.html'>Sources</a></nav>",
        "<h2 id='answer'>The answer, sector by sector</h2>",
        sector_summary_table(summary, summary_links(summary, metrics)),
        "<p class='footnote'>marts.sector_summary: domestic supply and world position, latest "
        "full year in 2021-2024; the change since the 2013-2016 baseline is stated only within one "
        "definition and where bounds allow (≥ lower bound, ≤ upper bound, ~ approximate). Sources: "
        f"{_links(summary['sources'].to_list())}</p>",
        "<h2 id='scorecard'>Scorecard: MIC2025 targets</h2><div class='cards'>",
        *(
            f"<div class='card'><b>{n}</b>{esc(s.replace('_', ' '))}</div>"
            for s, n in counts.items()
        ),
        "</div>",
        scorecard_tables(card, names_by_sector(sectors)),
        "<p class='footnote'>Targets: core.targets (each with source URL and quote). "
        "Actuals: the series named in <code>facts/target_measures.csv</code>. Rule: a passed "
        "deadline is met or missed only from the target year's actual of a matching definition, "
        "never from a trend; otherwise no data, with the nearest actuals named.</p>",
        "<h2 id='sectors'>Self-sufficiency and import dependence, by sector</h2>",
    ]
    names = names_by_sector(sectors)
    ratios = metrics.filter(
        pl.col("metric").is_in(RATIO_METRICS) & (pl.col("period") == "FY") & pl.col("headline")
    )
    for sector in sorted(ratios["sector"].unique().to_list()):
        frame = ratios.filter(pl.col("sector") == sector)
        years = f"{frame['year'].min()}-{frame['year'].max()}"
        parts += [
            f"<figure class='chart' data-sector='{esc(sector)}'>",
            f"<h3>{esc(names.get(sector, sector))}</h3>",
            sector_chart(frame, sector),
            f"<figcaption>{esc(sector)}, {years}. Unit: ratio. Publishers: "
            f"{esc(', '.join(sorted(set(frame['publisher']))))}. Open triangles are bounds "
            "(▲ at least, ▼ at most), never joined to measured points; lines never cross a "
            "missing year. Assumptions per year in marts.self_sufficiency. Sources: "
            f"{_links(frame['sources'].to_list())}</figcaption></figure>",
        ]
    parts.append("<h2 id='world'>China and the world</h2>")
    for title, source, _, unit in WORLD_SERIES:
        frame = obs.filter(pl.col("source") == source)
        if frame.is_empty():
            continue
        snap = vintage.get(source, {})
        parts += [
            f"<figure class='chart' data-series='{esc(source)}'>",
            world_chart(frame, title, unit),
            f"<figcaption>{esc(title)} ({esc(unit)}). Source: "
            f"{esc(frame['publisher'][0])}; snapshot {esc(snap.get('version'))} "
            f"(retrieved {esc(snap.get('retrieved'))}), licence {esc(snap.get('licence'))}, "
            f"<a href=\"{esc(snap.get('origin_url'))}\" rel='noopener'>"
            f"{esc(snap.get('origin_url'))}</a></figcaption></figure>",
        ]
    parts += [
        "<h2 id='claims'>Article claims checked against the data</h2>",
        _table(
            checks,
            [
                "article_id",
                "claim_id",
                "quote",
                "claim_value",
                "comparator",
                "verdict",
                "computed_value",
                "year_used",
                "reason",
            ],
            classes={"verdict": "verdict"},
        ),
        "<p class='footnote'>Claims: facts/articles/*.yaml (quotes only). Tolerance: ~ within "
        "10%, = within 2%, inequalities as written. Evidence sources: "
        f"{_links(checks['evidence_sources'].to_list())}</p>",
        "<h2 id='provenance'>Sources and vintages</h2>",
        _table(
            snapshots,
            ["source", "version", "publisher", "licence", "retrieved", "method", "origin_url"],
        ),
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
    site.claims_page(claims, out_dir, CSS, load_id)
    site.sources_page(snapshots, metrics, out_dir, CSS, load_id)
    target = out_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(target)
    return target
