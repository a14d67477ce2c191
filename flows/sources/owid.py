"""Our World in Data grapher charts: ``<base>/<slug>.csv`` -> ``Entity,Code,Year,<value>``.

One source per chart. The snapshot keeps OWID's CSV byte for byte, so a live download and a
bundled copy are the same format and go through the same :func:`parse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl
import requests

from mic2025.flows.base.settings import base_url
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import Origin, Snapshot, today
from mic2025.flows.sources.base import SnapshotPayload, Source, read_csv_bytes, require_columns
from mic2025.schemas import raw as raw_models


@dataclass(frozen=True)
class Chart:
    source: str  # our source name
    slug: str  # OWID grapher slug
    shared_path: str  # bundled copy under shared/
    value_column: str  # the fourth column's header as OWID publishes it
    unit: str
    title: str
    data_publisher: str
    licence: str
    retrieved: str
    upstream: str
    redistribution: str = "bundled"
    #: the publisher as core rows name it (who measured it, and that OWID processed it)
    publisher: str = ""


CHARTS: list[Chart] = [
    Chart(
        "owid_electric_car_sales",
        "electric-car-sales",
        "data/owid_electric_cars/electric-car-sales.csv",
        "Electric cars sold",
        "vehicles",
        "Electric car sales (BEV + PHEV)",
        "IEA Global EV Outlook, processed by Our World in Data",
        "CC BY 4.0",
        "2026-05-27",
        "github.com/atharvasrivastava58/ev-adoption-intelligence@1abb4b9 electric-car-sales.csv",
        publisher="IEA via Our World in Data",
    ),
    Chart(
        "owid_electric_car_sales_share",
        "electric-car-sales-share",
        "data/owid_electric_cars/electric-car-sales-share.csv",
        "Share of new cars that are electric",
        "percent",
        "Share of new cars that are electric",
        "IEA Global EV Outlook, processed by Our World in Data",
        "CC BY 4.0",
        "2026-05-27",
        "github.com/atharvasrivastava58/ev-adoption-intelligence@1abb4b9 "
        "electric-car-sales-share.csv",
        publisher="IEA via Our World in Data",
    ),
    Chart(
        "owid_solar_capacity",
        "installed-solar-pv-capacity",
        "data/owid_renewable_capacity_generation/installed-solar-pv-capacity.csv",
        "Solar capacity (total) (GW)",
        "GW",
        "Installed solar PV capacity (cumulative)",
        "IRENA, processed by Our World in Data",
        "CC BY 4.0",
        "2025-06-15",
        "github.com/nageshchillale/DA-VISUAL@fe5ecaa installed-solar-pv-capacity.csv",
        publisher="IRENA via Our World in Data",
    ),
    Chart(
        "owid_wind_capacity",
        "cumulative-installed-wind-energy-capacity-gigawatts",
        "data/owid_renewable_capacity_generation/"
        "cumulative-installed-wind-energy-capacity-gigawatts.csv",
        "Wind capacity (total) (GW)",
        "GW",
        "Installed wind capacity (cumulative)",
        "IRENA, processed by Our World in Data",
        "CC BY 4.0",
        "2025-06-15",
        "github.com/nageshchillale/DA-VISUAL@fe5ecaa "
        "cumulative-installed-wind-energy-capacity-gigawatts.csv",
        publisher="IRENA via Our World in Data",
    ),
    Chart(
        "owid_robot_installations",
        "annual-industrial-robots-installed",
        "data/owid_ifr_industrial_robots/annual-industrial-robots-installed.csv",
        "Annual industrial robots installed",
        "units",
        "Annual industrial robot installations",
        "International Federation of Robotics (IFR) via Stanford AI Index 2025, "
        "processed by Our World in Data",
        "OWID processing CC BY 4.0; IFR World Robotics data is IFR's (cite 'IFR via AI Index 2025')",
        "2025-11-27",
        "github.com/sjaubert/Cours-IA@0f03f9a FC/annual-industrial-robots-installed/",
        redistribution=(
            "bundled as published by OWID (77 rows, rounded to thousands) with attribution to "
            "IFR via AI Index 2025; IFR's full World Robotics tables are not redistributed"
        ),
        publisher="IFR via AI Index 2025 / Our World in Data",
    ),
]

CHARTS_BY_SOURCE = {c.source: c for c in CHARTS}
HEADER = ["Entity", "Code", "Year"]


def _file_name(chart: Chart) -> str:
    return f"{chart.slug}.csv"


def _origin(chart: Chart, method: str, retrieved: str, upstream: str = "") -> Origin:
    return Origin(
        publisher="Our World in Data",
        title=chart.title,
        url=f"https://ourworldindata.org/grapher/{chart.slug}",
        licence=chart.licence,
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        retrieved=retrieved,
        method=method,
        citation=f"{chart.data_publisher}; Our World in Data (ourworldindata.org)",
        upstream=upstream,
        redistribution=chart.redistribution,
    )


def import_chart(chart: Chart, shared: Path) -> SnapshotPayload:
    data = (shared / chart.shared_path).read_bytes()
    return SnapshotPayload(
        chart.retrieved,
        {_file_name(chart): data},
        _origin(chart, "import", chart.retrieved, chart.upstream),
    )


def fetch_chart(
    chart: Chart, session: requests.Session | None = None, validators: dict | None = None, **_
) -> SnapshotPayload | None:
    """Download the chart's full CSV (all entities, all years) from the grapher endpoint.
    Returns None when the server answers 304 Not Modified to the conditional GET."""
    url = f"{base_url('owid')}/{chart.slug}.csv"
    response = http.get(
        chart.source,
        url,
        session=session,
        params={"csvType": "full"},
        headers=http.conditional_headers(validators),
        ok_status=(200, 304),
    )
    if response.status_code == 304:
        return None
    data = response.content
    frame = read_csv_bytes(chart.source, data)
    require_columns(chart.source, frame, [*HEADER, chart.value_column])
    return SnapshotPayload(
        today(),
        {_file_name(chart): data},
        _origin(chart, "live", today(), url),
        extra={"http": http.validators_of(response)},
    )


def parse_chart(chart: Chart, snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(
        chart.source,
        snapshot.file(_file_name(chart)).read_bytes(),
        infer_schema_length=0,  # all text: load.cast_to_schema parses it against the raw model
    )
    require_columns(chart.source, frame, [*HEADER, chart.value_column])
    return frame.select(
        pl.col("Entity").alias("entity"),
        pl.col("Code").alias("code"),
        pl.col("Year").alias("year"),  # text: warehouse/load.py parses numbers, keeping bad cells
        pl.col(chart.value_column).alias("value"),
        pl.lit(chart.slug).alias("indicator"),
        pl.lit(chart.unit).alias("unit"),
    )


SOURCES = [
    Source(
        name=c.source,
        raw_table=c.source,
        description=f"{c.title} (OWID grapher '{c.slug}')",
        fmt="csv: OWID grapher Entity,Code,Year,<value>",
        parse=partial(parse_chart, c),
        raw_model=raw_models.OwidGrapher,
        core="owid_observations",
        publisher=c.publisher,
        unit=c.unit,
        import_bundled=partial(import_chart, c),
        fetch=partial(fetch_chart, c),
        live_url=f"https://ourworldindata.org/grapher/{c.slug}.csv",
    )
    for c in CHARTS
]
