"""The answer site's place pages: ``places.html`` lists the cities, provinces and regions the
articles name, ``places/<place_id>.html`` shows every figure of one place (marts.city_metrics)
with its lineage (method, inputs, publisher, source) and the article claims about it, like a
sector page. Static HTML, no script."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mic2025.warehouse.pages import write_page
from mic2025.warehouse.site import cite, write_data
from mic2025.warehouse.units import format_value


def place_rows(rows: pl.DataFrame) -> list[dict]:
    """A place's figures as its page shows them, each with its lineage."""
    return [
        {
            **r,
            "value": format_value(r["value"], r["unit"], r["bound"], show_unit=True),
            "sources": [s.strip() for s in (r["sources"] or "").split("|") if s.strip()],
        }
        for r in rows.sort("metric", "year", "period").iter_rows(named=True)
    ]


def places_pages(
    places: pl.DataFrame,
    city: pl.DataFrame,
    claims: pl.DataFrame,
    out: Path,
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
        write_page(
            out / "places" / f"{place['place_id']}.html",
            "place.html",
            title=place["name"],
            up="../",
            place=place,
            rows=place_rows(rows),
            claims=about.to_dicts(),
        )
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
        items.append({**place, "gdp": gdp})
    write_page(out / "places.html", "places.html", title="Places", places=items)
    return "places.html"
