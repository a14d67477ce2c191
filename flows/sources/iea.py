"""IEA Global EV Data (Global EV Outlook data explorer), long CSV.

Columns ``region,category,parameter,mode,powertrain,year,unit,value``; ``category`` is
``Historical`` or a projection scenario. The snapshot keeps IEA's CSV byte for byte.
Sales are new registrations in each region (demand), not production.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import requests

from mic2025.flows.base.errors import FetchError
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import Origin, Snapshot, today
from mic2025.flows.sources.base import SnapshotPayload, Source, read_csv_bytes, require_columns
from mic2025.schemas import raw as raw_models

NAME = "iea_global_ev_data"
FILE = "iea-global-ev-data.csv"
BUNDLED = "data/iea_global_ev_data_2024/IEA_Global_EV_Data_2024.csv"
COLUMNS = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
#: IEA's data-product page; the CSV download link behind it changes with each edition, so the
#: live URL is a setting (MIC2025_IEA_EV_CSV_URL) that operators point at the current file.
PRODUCT_PAGE = "https://www.iea.org/data-and-statistics/data-product/global-ev-outlook-2024"


def _origin(method: str, retrieved: str, upstream: str) -> Origin:
    return Origin(
        publisher="International Energy Agency (IEA)",
        title="Global EV Data Explorer (Global EV Outlook 2024)",
        url="https://www.iea.org/data-and-statistics/data-tools/global-ev-data-explorer",
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        retrieved=retrieved,
        method=method,
        citation="IEA (2024), Global EV Outlook 2024, IEA, Paris",
        vintage="GEVO 2024 (historical 2010-2023, projections to 2035)",
        upstream=upstream,
    )


def import_bundled(shared: Path) -> SnapshotPayload:
    data = (shared / BUNDLED).read_bytes()
    upstream = (
        "github.com/veerabhadra212/Global-EV-Sales-Dashboard@7571b22 IEA Global EV Data 2024.csv"
    )
    return SnapshotPayload("2024-04-23", {FILE: data}, _origin("import", "2026-05-16", upstream))


def live_url() -> str:
    return os.environ.get("MIC2025_IEA_EV_CSV_URL", "")


def fetch(
    session: requests.Session | None = None, validators: dict | None = None, **_
) -> SnapshotPayload | None:
    url = live_url()
    if not url:
        raise FetchError(
            NAME,
            f"set MIC2025_IEA_EV_CSV_URL to the CSV link on {PRODUCT_PAGE}",
        )
    response = http.get(
        NAME,
        url,
        session=session,
        headers=http.conditional_headers(validators),
        ok_status=(200, 304),
    )
    if response.status_code == 304:
        return None
    data = response.content
    require_columns(NAME, read_csv_bytes(NAME, data, infer_schema_length=0), COLUMNS)
    return SnapshotPayload(
        today(),
        {FILE: data},
        _origin("live", today(), url),
        extra={"http": http.validators_of(response)},
    )


def parse(snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(NAME, snapshot.file(FILE).read_bytes(), infer_schema_length=0)
    require_columns(NAME, frame, COLUMNS)
    return frame.select(COLUMNS)  # text: warehouse/load.py parses the numbers


SOURCE = Source(
    name=NAME,
    raw_table=NAME,
    description="IEA Global EV Data: EV sales, stock and shares by region (GEVO 2024)",
    fmt="csv: IEA long region,category,parameter,mode,powertrain,year,unit,value",
    parse=parse,
    raw_model=raw_models.IeaGlobalEvData,
    core="iea_observations",
    publisher="IEA",
    import_bundled=import_bundled,
    fetch=fetch,
    live_url=PRODUCT_PAGE,
    live_configured=lambda: bool(live_url()),
)
