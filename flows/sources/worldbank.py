"""World Bank World Development Indicators: one source per indicator.

Live: the Indicators API v2, ``{base}/country/{codes}/indicator/{id}?format=json&per_page=&page=
&date=``. The answer is ``[meta, data]``; every page is read; an error answer
(``[{"message": [{"id", "key", "value"}]}]``) is an error; ``meta.lastupdated`` is the vintage.
One request sequence per indicator, so one failing indicator does not stop the others.

Bundled: WDI bulk CSV downloads (4 preamble lines, then wide years), one vintage per indicator -
vintages are never spliced: each indicator's rows all carry the one ``lastupdated`` they came with.

Snapshot format (ours, same for both paths): ``wdi.csv`` with :data:`COLUMNS`, long.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl
import requests

from mic2025.flows.base.errors import FetchError, SourceFormatError
from mic2025.flows.base.settings import base_url
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import Origin, Snapshot, today
from mic2025.flows.sources.base import (
    SnapshotPayload,
    Source,
    csv_bytes,
    read_csv_bytes,
    require_columns,
)
from mic2025.schemas import raw as raw_models

FILE = "wdi.csv"
RAW_TABLE = "worldbank_wdi"
COUNTRIES = ["CHN", "WLD", "USA", "EUU", "DEU", "JPN", "KOR", "IND"]
COLUMNS = [
    "indicator_id",
    "indicator_name",
    "country_iso3",
    "country_name",
    "year",
    "value",
    "lastupdated",
]
WDI = "data/worldbank_wdi"


@dataclass(frozen=True)
class Indicator:
    id: str
    unit: str
    bundled_file: str  # under shared/
    bundled_vintage: str  # "Last Updated Date" of that file


INDICATORS = [
    Indicator(
        "TX.VAL.TECH.MF.ZS",
        "percent",
        f"{WDI}/API_TX.VAL.TECH.MF.ZS_DS2_en_csv_v2_1859__rows_CHN_DEU_EUU_IND_JPN_KOR_USA_WLD.csv",
        "2026-04-08",
    ),
    Indicator("TX.VAL.TECH.CD", "USD", f"{WDI}/ronnywang_WDI_2013vintage_filtered.csv", "2013-12"),
    Indicator(
        "GB.XPD.RSDV.GD.ZS",
        "percent",
        f"{WDI}/API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_232.csv",
        "2026-07-13",
    ),
    Indicator(
        "SP.POP.SCIE.RD.P6",
        "per million people",
        f"{WDI}/API_SP.POP.SCIE.RD.P6_DS2_en_csv_v2_37695.csv",
        "2026-07-13",
    ),
    Indicator("NV.IND.MANF.CD", "USD", f"{WDI}/ronnywang_WDI_2013vintage_filtered.csv", "2013-12"),
    Indicator(
        "NV.IND.MANF.ZS", "percent", f"{WDI}/ronnywang_WDI_2013vintage_filtered.csv", "2013-12"
    ),
    Indicator(
        "IP.PAT.RESD",
        "patent applications",
        f"{WDI}/ronnywang_WDI_2013vintage_filtered.csv",
        "2013-12",
    ),
]
UNITS = {i.id: i.unit for i in INDICATORS}


def source_name(indicator_id: str) -> str:
    return "wdi_" + indicator_id.lower().replace(".", "_")


def bulk_csv_rows(data: bytes, indicator_id: str, vintage: str) -> list[dict]:
    """Rows of one indicator from a WDI bulk CSV (with or without the 4-line preamble)."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith('"Last Updated Date"'):
            vintage = next(csv.reader([line]))[1]
        if line.startswith(('"Country Name"', "Country Name")):
            header_at = i
            break
    else:
        raise SourceFormatError(source_name(indicator_id), "no 'Country Name' header line")
    rows = []
    for rec in csv.DictReader(io.StringIO("\n".join(lines[header_at:]))):
        if rec.get("Indicator Code") != indicator_id or rec.get("Country Code") not in COUNTRIES:
            continue
        for key, value in rec.items():
            if key and key.isdigit() and value not in (None, ""):
                rows.append(
                    {
                        "indicator_id": indicator_id,
                        "indicator_name": rec["Indicator Name"],
                        "country_iso3": rec["Country Code"],
                        "country_name": rec["Country Name"],
                        "year": key,
                        "value": value,
                        "lastupdated": vintage,
                    }
                )
    if not rows:
        raise SourceFormatError(source_name(indicator_id), f"no rows for {indicator_id}")
    return rows


def _origin(ind: Indicator, method: str, retrieved: str, vintage: str, upstream: str) -> Origin:
    return Origin(
        publisher="World Bank, World Development Indicators",
        title=f"WDI {ind.id}",
        url=f"https://data.worldbank.org/indicator/{ind.id}",
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        retrieved=retrieved,
        method=method,
        citation=f"World Bank, World Development Indicators, {ind.id} (last updated {vintage})",
        vintage=vintage,
        upstream=upstream,
    )


def import_indicator(ind: Indicator, shared: Path) -> SnapshotPayload:
    rows = bulk_csv_rows((shared / ind.bundled_file).read_bytes(), ind.id, ind.bundled_vintage)
    vintage = rows[0]["lastupdated"]
    origin = _origin(ind, "import", vintage, vintage, f"shared/{ind.bundled_file}")
    return SnapshotPayload(vintage, {FILE: csv_bytes(rows, COLUMNS)}, origin)


def parse_api_page(body: object, indicator_id: str) -> tuple[dict, list[dict]]:
    """One API page -> (meta, rows). Raises on the error payload or any other shape."""
    name = source_name(indicator_id)
    if isinstance(body, list) and body and isinstance(body[0], dict) and "message" in body[0]:
        messages = body[0]["message"]
        text = "; ".join(
            f"{m.get('id', '?')} {m.get('key', '')}: {m.get('value', '')}"
            for m in (messages if isinstance(messages, list) else [messages])
            if isinstance(m, dict)
        )
        raise FetchError(name, f"World Bank API error: {text or messages}")
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)):
        raise FetchError(name, "answer is not the [meta, data] array of the API v2")
    meta, data = body
    if data is None:
        data = []
    if not isinstance(data, list):
        raise FetchError(name, "data part of the answer is not a list")
    rows = []
    for i, obs in enumerate(data):
        try:
            if obs.get("value") is None:
                continue
            rows.append(
                {
                    "indicator_id": obs["indicator"]["id"],
                    "indicator_name": obs["indicator"]["value"],
                    "country_iso3": obs["countryiso3code"] or obs["country"]["id"],
                    "country_name": obs["country"]["value"],
                    "year": str(int(obs["date"])),
                    "value": repr(float(obs["value"])),
                    "lastupdated": meta.get("lastupdated", ""),
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise SourceFormatError(name, f"observation {i} malformed ({exc!r})", row=i) from None
    return meta, rows


def _page_count(meta: dict, name: str) -> int:
    pages = meta.get("pages") or 1
    if isinstance(pages, str) and pages.isdigit():
        pages = int(pages)
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= 1000:
        raise FetchError(name, f"answer has an invalid page count {pages!r}")
    return pages


def fetch_indicator(
    ind: Indicator,
    session: requests.Session | None = None,
    years: tuple[int, int] | None = None,
    **_,
) -> SnapshotPayload:
    """Every page of one indicator for the tracked economies."""
    name = source_name(ind.id)
    session = session or http.new_session()
    url = f"{base_url('worldbank')}/country/{';'.join(COUNTRIES)}/indicator/{ind.id}"
    dates = (
        f"{years[0]}:{years[1]}"
        if years
        else os.environ.get("MIC2025_WORLDBANK_DATES", "1990:2025")
    )
    per_page = int(os.environ.get("MIC2025_WORLDBANK_PER_PAGE", "1000"))
    rows: list[dict] = []
    page, pages, vintage = 1, 1, ""
    while page <= pages:
        response = http.get(
            name,
            url,
            session=session,
            params={"format": "json", "per_page": per_page, "page": page, "date": dates},
        )
        try:
            body = response.json()
        except ValueError:
            snippet = response.text[:60].replace("\n", " ")
            raise FetchError(
                name, f"page {page}: answer is not JSON ({snippet!r})", retryable=True
            ) from None
        meta, page_rows = parse_api_page(body, ind.id)
        wrong = {r["indicator_id"] for r in page_rows} - {ind.id}
        if wrong:
            raise FetchError(name, f"page {page} answers for {sorted(wrong)}, not {ind.id}")
        rows.extend(page_rows)
        pages = _page_count(meta, name)
        vintage = meta.get("lastupdated", vintage)
        page += 1
    if not rows:
        raise FetchError(name, "no observations in the answer (data: [] or all values null)")
    origin = _origin(ind, "live", today(), vintage, url)
    return SnapshotPayload(today(), {FILE: csv_bytes(rows, COLUMNS)}, origin)


def parse(snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(snapshot.source, snapshot.file(FILE).read_bytes(), infer_schema_length=0)
    require_columns(snapshot.source, frame, COLUMNS)
    return frame.select(COLUMNS)  # text: warehouse/load.py parses the numbers


SOURCES = [
    Source(
        name=source_name(ind.id),
        raw_table=RAW_TABLE,
        description=f"World Bank WDI {ind.id}",
        fmt="csv: WDI long (indicator_id, country_iso3, year, value, lastupdated)",
        parse=parse,
        raw_model=raw_models.WorldbankWdi,
        core="wdi_observations",
        publisher="World Bank WDI",
        unit=UNITS.get(ind.id, ""),
        import_bundled=partial(import_indicator, ind),
        fetch=partial(fetch_indicator, ind),
        live_url=f"https://api.worldbank.org/v2/country/{';'.join(COUNTRIES)}/indicator/{ind.id}",
    )
    for ind in INDICATORS
]
