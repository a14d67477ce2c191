"""The answer site's place pages: ``places.html`` lists the cities, provinces and regions the
articles name, ``places/<place_id>.html`` shows every figure of one place (marts.city_metrics)
with its lineage (method, inputs, publisher, source) and the article claims about it, like a
sector page. Static HTML, no script."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from markupsafe import Markup

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.warehouse.pages import write_page
from mic2025.warehouse.site import cite, claim_context, write_data
from mic2025.warehouse.units import format_value, metric_words
from mic2025.warehouse.vega_svg import render_svg

#: The map's background: Natural Earth's 1:110m outline of China (public domain), bundled.
OUTLINE = Path("upstream") / "geo" / "CHN.geo.json"
#: Each place's point (the city, or a province's capital), with its GeoNames id.
POINTS = "place_points.csv"
#: Longitude and latitude of a box around China: a point outside it is a typing error.
CHINA_BOX = ((73.0, 135.5), (18.0, 53.6))


def read_place_points(places: pl.DataFrame, root: Path | None = None) -> pl.DataFrame:
    """facts/place_points.csv, checked: every place has one point, inside China's box."""
    name = f"facts/{POINTS}"
    frame = read_facts_csv((root or facts_dir()) / POINTS)
    missing = {"place_id", "point", "latitude", "longitude", "geonameid"} - set(frame.columns)
    if missing:
        raise SourceFormatError(name, f"missing column(s) {', '.join(sorted(missing))}")
    known = set(places["place_id"].to_list())
    (lon_lo, lon_hi), (lat_lo, lat_hi) = CHINA_BOX
    for i, r in enumerate(frame.iter_rows(named=True), start=1):
        if r["place_id"] not in known:
            raise SourceFormatError(name, f"unknown place_id {r['place_id']!r}", row=i)
        try:
            lat, lon = float(r["latitude"]), float(r["longitude"])
        except (TypeError, ValueError):
            raise SourceFormatError(name, "latitude and longitude must be numbers", row=i) from None
        if not (lat_lo <= lat <= lat_hi and lon_lo <= lon <= lon_hi):
            raise SourceFormatError(name, f"({lat}, {lon}) is outside China", row=i)
    if frame["place_id"].n_unique() != frame.height or set(frame["place_id"]) != known:
        raise SourceFormatError(name, "every place needs exactly one point")
    return frame.with_columns(pl.col("latitude", "longitude").cast(pl.Float64))


def map_spec(outline: dict, points: list[dict]) -> dict:
    """A locator map: China's outline and one point per place, each linking to its page
    (Vega-Lite, rendered to static SVG like the charts)."""
    where = {
        "longitude": {"field": "longitude", "type": "quantitative"},
        "latitude": {"field": "latitude", "type": "quantitative"},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 560,
        "height": 420,
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {"values": outline, "format": {"type": "json", "property": "features"}},
                "mark": {"type": "geoshape", "fill": "#eef2f6", "stroke": "#8c959f"},
            },
            {
                "data": {"values": points},
                "mark": {"type": "circle", "size": 90, "color": "#cf222e", "opacity": 1},
                "encoding": {
                    **where,
                    "href": {"field": "href"},
                    "tooltip": [{"field": "label", "title": "place"}],
                },
            },
            *(
                {
                    "data": {"values": points},
                    "transform": [{"filter": f"datum.below == {str(below).lower()}"}],
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 8,
                        "dy": 14 if below else -6,
                        "fontSize": 13,
                    },
                    "encoding": {**where, "text": {"field": "label"}, "href": {"field": "href"}},
                }
                for below in (False, True)
            ),
        ],
        "config": {"view": {"stroke": None}},
    }


def map_svg(places: pl.DataFrame, root: Path | None = None) -> Markup:
    """The places on a map of China, each point a link to the place's page."""
    outline = json.loads(((root or facts_dir()) / OUTLINE).read_text(encoding="utf-8"))
    points = read_place_points(places, root)
    names = dict(places.select("place_id", "name").iter_rows())
    values = [
        {
            "label": names[r["place_id"]],
            "latitude": r["latitude"],
            "longitude": r["longitude"],
            "href": f"places/{r['place_id']}.html",
        }
        for r in points.sort("place_id").iter_rows(named=True)
    ]
    for v in values:  # a label under its point when another point sits just north of it
        v["below"] = any(
            0 < w["latitude"] - v["latitude"] < 1.5 and abs(w["longitude"] - v["longitude"]) < 1.5
            for w in values
        )
    label = "Map of China with the places the articles name: " + ", ".join(
        v["label"] for v in values
    )
    return Markup(render_svg(map_spec(outline, values), "map", label))


def place_rows(rows: pl.DataFrame) -> list[dict]:
    """A place's figures as its page shows them, each with its lineage."""
    return [
        {
            **r,
            "label": metric_words(r["metric"]),
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
            claims=[claim_context(c) for c in about.iter_rows(named=True)],
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
    write_page(
        out / "places.html", "places.html", title="Places", places=items, map=map_svg(places)
    )
    return "places.html"
