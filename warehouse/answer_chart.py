"""The answer at a glance: one chart of every sector, drawn with a charting library (altair's
Vega-Lite specs, rendered to static SVG by vl-convert at build time, so the page needs no script
and works offline).

Left: domestic makers' share of China's own demand (``marts.sector_summary``), the latest value
2021-2024 as a dot, the same definition's 2013-2016 baseline as a hollow dot joined to it by a
line; a bound is a triangle pointing the way the true value may lie (``▶`` at least, ``◀`` at
most). Right: China's share of the world on the sector's world-position measure. Sectors are
ordered by their latest domestic share, highest first; a sector without a value is not drawn
(the page lists it with the reason). Every mark links to the sector's page.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mic2025.warehouse.site import METRIC_LABELS
from mic2025.warehouse.vega_svg import cache_key, render_cached

#: Vega shape of a value by its bound: a bound points the way the true value may lie.
SHAPES = {"lower": "triangle-right", "upper": "triangle-left"}
BOUND_WORDS = {"lower": "at least", "upper": "at most", "approximate": "about", "exact": ""}


def _label(metric: str | None, product: str | None) -> str:
    """A measure as the sector charts name it (site.METRIC_LABELS), with its product."""
    what = METRIC_LABELS.get(metric or "", (metric or "").replace("_", " "))
    return f"{what} ({product})" if product else what


def chart_rows(summary: pl.DataFrame) -> pl.DataFrame:
    """One row per sector, ordered by its domestic-supply value (highest first); a sector
    without one comes last, its row drawn empty with 'no value yet' (all ten are on the chart)."""
    rows = []
    for r in summary.iter_rows(named=True):
        row = {"sector": r["short_name"], "href": f"sectors/{r['sector_id']}.html"}
        if r["domestic_supply_value"] is None:
            row |= {"latest_text": "no value yet", "measure": "no domestic-supply measure yet"}
        else:
            bound = r["domestic_supply_bound"] or "exact"
            row |= {
                "latest": r["domestic_supply_value"],
                "latest_year": r["domestic_supply_year"],
                "latest_shape": SHAPES.get(bound, "circle"),
                "latest_text": f"{BOUND_WORDS.get(bound, '')} {r['domestic_supply_value']:.0%} "
                f"in {r['domestic_supply_year']}".strip(),
                "measure": _label(r["domestic_supply_metric"], r["domestic_supply_product"]),
                "baseline": r["baseline_value"],
                "baseline_shape": SHAPES.get(r["baseline_bound"] or "exact", "circle"),
                "baseline_year": r["baseline_year"],
            }
        row |= {
            "world": r["world_position_value"],
            "world_year": r["world_position_year"],
            "world_measure": _label(r["world_position_metric"], r["world_position_product"]),
            "world_shape": SHAPES.get(r["world_position_bound"] or "exact", "circle"),
        }
        if r["domestic_supply_value"] is None:
            row["missing"] = "no value yet"
        rows.append(row)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    if not frame.height or "latest" not in frame.columns:
        return frame
    return frame.sort("latest", descending=True, nulls_last=True)


def answer_chart_spec(summary: pl.DataFrame, narrow: bool = False) -> dict:
    """The Vega-Lite spec (altair) of the answer chart; ``narrow``: the two panels stacked, for a
    phone (about 360 px wide, so its text is drawn at its own size)."""
    import altair as alt

    rows = chart_rows(summary)
    order = rows["sector"].to_list()
    y = alt.Y("sector:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=13))
    share = alt.Scale(domain=[0, 1])
    step = alt.Step(30 if narrow else 34)

    def share_axis(field: str, title: str):
        return alt.X(
            f"{field}:Q",
            scale=share,
            title=title,
            axis=alt.Axis(format=".0%", tickCount=5, labelFontSize=12, titleFontSize=13),
        )

    base = alt.Chart(rows)
    tip = [
        alt.Tooltip("sector:N"),
        alt.Tooltip("measure:N", title="measure"),
        alt.Tooltip("latest_text:N", title="latest"),
        alt.Tooltip("baseline:Q", title="baseline", format=".1%"),
        alt.Tooltip("baseline_year:Q", title="baseline year"),
    ]
    domestic = alt.layer(
        base.mark_rule(color="#8c959f", strokeWidth=2).encode(
            x=alt.X("baseline:Q", scale=share), x2="latest:Q", y=y
        ),
        base.mark_point(size=90, filled=False, color="#57606a", strokeWidth=2).encode(
            x=alt.X("baseline:Q", scale=share),
            y=y,
            shape=alt.Shape("baseline_shape:N", scale=None),
            href="href:N",
            tooltip=tip,
        ),
        base.mark_point(size=150, filled=True, color="#0969da", opacity=1).encode(
            x=share_axis("latest", "Domestic makers' share of China's own demand"),
            y=y,
            shape=alt.Shape("latest_shape:N", scale=None),
            href="href:N",
            tooltip=tip,
        ),
        *(
            [  # a sector without a value keeps its row, said in words at the axis
                base.transform_filter("isValid(datum.missing)")
                .mark_text(align="left", dx=4, color="#57606a", fontSize=12, fontStyle="italic")
                .encode(x=alt.datum(0, scale=share), y=y, text="missing:N", href="href:N")
            ]
            if "missing" in rows.columns
            else []
        ),
    ).properties(width=190 if narrow else 330, height=step)
    world = alt.layer(
        base.mark_point(size=150, filled=True, color="#bc4c00", opacity=1).encode(
            x=share_axis("world", "China's share of the world"),
            y=y if narrow else alt.Y("sector:N", sort=order, axis=None),
            shape=alt.Shape("world_shape:N", scale=None),
            href="href:N",
            tooltip=[
                alt.Tooltip("sector:N"),
                alt.Tooltip("world_measure:N", title="measure"),
                alt.Tooltip("world:Q", title="value", format=".1%"),
                alt.Tooltip("world_year:Q", title="year"),
            ],
        ),
    ).properties(width=190 if narrow else 200, height=step)
    joined = alt.vconcat(domestic, world, spacing=14) if narrow else alt.hconcat(domestic, world)
    chart = (
        joined.configure_view(stroke=None)
        .configure_axis(grid=True, gridColor="#eaeef2", labelColor="#1f2328", titleColor="#1f2328")
        .configure(font="Helvetica, Arial, sans-serif")
    )
    return chart.to_dict(validate=False)


def answer_chart_svg(summary: pl.DataFrame, narrow: bool = False) -> str:
    """The answer chart as static SVG ('' when no sector has a value), rendered and cached by
    warehouse/vega_svg.py under a key of its rows, layout and this module: a cached chart needs
    neither altair nor vl-convert imported (altair alone costs ~0.5 s a refresh)."""
    rows = chart_rows(summary)
    if rows.height == 0:
        return ""
    key = cache_key(
        rows.write_json().encode(), b"narrow" if narrow else b"wide", Path(__file__).read_bytes()
    )
    return render_cached(
        key,
        lambda: answer_chart_spec(summary, narrow),
        "answer",
        "Domestic share and world share, sector by sector",
    )
