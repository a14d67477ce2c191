"""The answer site's place pages: ``places.html`` lists the cities, provinces and regions the
articles name, ``places/<place_id>.html`` shows every figure of one place (marts.city_metrics)
with its lineage (method, inputs, publisher, source) and the article claims about it, like a
sector page. Static HTML, no script."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mic2025.warehouse.site import cite, esc, page_head, write_data
from mic2025.warehouse.units import format_value


def _links(sources: str | None) -> str:
    parts = [s.strip() for s in (sources or "").split("|") if s.strip()]
    return " ".join(
        f"<a href='{esc(s)}' rel='noopener'>source</a>" if "://" in s else esc(s) for s in parts
    )


def place_page(place: dict, rows: pl.DataFrame, claims: pl.DataFrame, css: str) -> str:
    body = []
    for r in rows.sort("metric", "year", "period").iter_rows(named=True):
        shown = format_value(r["value"], r["unit"], r["bound"], show_unit=True)
        body.append(
            f"<tr><td>{esc(r['metric'])}</td><td>{r['year']} {esc(r['period'])}</td>"
            f"<td class='num'>{esc(shown)}</td><td><details><summary>lineage</summary>"
            f"<p><b>Method</b>: {esc(r['method'])}</p><p><b>Inputs</b>: {esc(r['inputs'])}</p>"
            f"<p><b>Publisher</b>: {esc(r['publisher'])}; <b>definition</b>: "
            f"<code>{esc(r['definition_id'])}</code></p><p>{_links(r['sources'])}</p>"
            f"<p><b>Load</b>: <code>{esc(r['load_id'])}</code></p></details></td></tr>"
        )
    said = "".join(
        f"<li><blockquote>{esc(c['quote'])}</blockquote> {esc(c['claim_id'])}: "
        f"<b>{esc((c['verdict'] or 'not checked').replace('_', ' '))}</b>"
        f"{' - ' + esc(c['reason']) if c['reason'] else ''}</li>"
        for c in claims.iter_rows(named=True)
    )
    return (
        page_head(place["name"], css, "../")
        + f"<h1>{esc(place['name'])} ({esc(place['name_zh'])})</h1>"
        f"<p>{esc(place['kind'])} in {esc(place['province'])} ({esc(place['iso_3166_2'])}); "
        f"named for <b>{esc(place['sectors'])}</b>: “{esc(place['named_for'])}” "
        f"({esc(place['named_by'])}).</p>"
        "<h2>Figures</h2><div class='scroll'><table><thead><tr><th>metric</th><th>year</th>"
        f"<th>value</th><th>lineage</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        "<p class='footnote'>USD at the year's average CNY per USD (Federal Reserve H.10); "
        "shares of China's national figure of the same definition; multiples over the first "
        "full year in 2014-2016. Parts of a year (Jan-Sep) are shown, never compared.</p>"
        f"<h2>What the articles say about {esc(place['name'])}</h2>"
        f"<ul>{said or '<li>No claim names this place.</li>'}</ul></main></body></html>"
    )


def places_pages(
    places: pl.DataFrame,
    city: pl.DataFrame,
    claims: pl.DataFrame,
    out: Path,
    css: str,
    load_id: str,
) -> str:
    """Write places.html, places/<place_id>.html and data/city_metrics.csv; return the index."""
    (out / "places").mkdir(parents=True, exist_ok=True)
    write_data(
        out,
        "city_metrics",
        city,
        {
            "title": "Figures of the places the articles name (marts.city_metrics)",
            "columns": {c: str(city.schema[c]) for c in city.columns},
            "load_id": load_id,
            "cite": cite("MIC2025 places", load_id, "data/city_metrics.csv"),
        },
    )
    items = []
    for place in places.iter_rows(named=True):
        rows = city.filter(pl.col("place_id") == place["place_id"])
        about = claims.filter(pl.col("subject") == place["name"])
        page = place_page(place, rows, about, css)
        (out / "places" / f"{place['place_id']}.html").write_text(page, encoding="utf-8")
        latest = (
            rows.filter((pl.col("period") == "FY") & (pl.col("metric") == "gdp_usd"))
            .sort("year")
            .tail(1)
        )
        gdp = (
            f"GDP {format_value(latest['value'][0] / 1e9, None, latest['bound'][0])} bn US$ "
            f"({latest['year'][0]})"
            if latest.height
            else "no GDP figure"
        )
        items.append(
            f"<li><a href='places/{esc(place['place_id'])}.html'>{esc(place['name'])}</a> "
            f"({esc(place['iso_3166_2'])}): {esc(place['sectors'])}; {esc(gdp)}</li>"
        )
    index = (
        page_head("Places", css) + "<h1>Where MIC2025 happened: the places the articles name</h1>"
        f"<ul>{''.join(items)}</ul><p class='downloads'>Download: "
        "<a href='data/city_metrics.csv' download>city metrics (CSV)</a> · "
        "<a href='data/city_metrics.json'>metadata</a></p></main></body></html>"
    )
    (out / "places.html").write_text(index, encoding="utf-8")
    return "places.html"
