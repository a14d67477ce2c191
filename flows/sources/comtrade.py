"""UN Comtrade: China's (and, for world totals, every reporter's) trade by HS code.

Snapshot format (our own, because the API answers paged JSON and the bundled extracts come in
three legacy layouts): one CSV ``comtrade-trade.csv`` with :data:`COLUMNS`, one row per year,
reporter, partner, flow and commodity code, values in US dollars.

Live endpoints (base URL from ``MIC2025_COMTRADE_URL``):

- public preview, no key, at most 500 records per call:
  ``/public/v1/preview/C/A/HS?reporterCode=156&partnerCode=0&period=2023&cmdCode=8542,850760&flowCode=M,X``
- data API with a subscription key from ``COMTRADE_API_KEY`` (header
  ``Ocp-Apim-Subscription-Key``; never logged or written anywhere):
  ``/data/v1/get/C/A/HS?...`` (up to 250,000 records per call)

Requests are chunked (years x commodity batches) so that no call can hit the record cap; a
response whose ``count`` reaches the cap is an error (it would be truncated), as is ``data: []``
where rows are expected. A token bucket keeps the request rate under the API's limit; 429 with
Retry-After is honoured by :mod:`flows.http`.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import time
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

NAME = "comtrade_trade"
FILE = "comtrade-trade.csv"
BUNDLED_VERSION = "2021-09-24"
PREVIEW_CAP = 500
DATA_CAP = 250_000

COLUMNS = [
    "year",
    "reporter_code",
    "reporter_iso3",
    "partner_code",
    "partner_iso3",
    "flow_code",
    "classification",
    "cmd_code",
    "aggr_level",
    "qty_unit",
    "qty",
    "net_weight_kg",
    "primary_value_usd",
    "is_estimated",
    "record_source",
]

FLOW_CODES = {
    "import": "M",
    "imports": "M",
    "export": "X",
    "exports": "X",
    "re-export": "RX",
    "re-exports": "RX",
    "re-import": "RM",
    "re-imports": "RM",
}

EXTRACTS = "data/trade_extracts"
FILE_ALL_REPORTERS = (
    f"{EXTRACTS}/andre_barbe_comtrade_semiconductor_supply_chain/"
    "comtrade_2021-08-16_848620_903082_903141_all_reporters_to_world.csv"
)
FILE_EXPORTS_2016_2017 = (
    f"{EXTRACTS}/andre_barbe_comtrade_semiconductor_supply_chain/"
    "data_comtrade_2016-2017_exports_all_reporters_to_world.csv"
)
FILE_CHINA_ROWS = (
    f"{EXTRACTS}/andre_barbe_comtrade_semiconductor_supply_chain/"
    "china_rows_from_data_comtrade_Rda_versions.csv"
)
FILE_CN_8542_FROM_USA = (
    f"{EXTRACTS}/laureleallen_comtrade_cn_8542_imports_from_usa/semiconductor_trade.csv"
)


def _num(value: str | None) -> str:
    """Normalise a number as text ('234554570.0' -> '234554570', 'NA' -> '')."""
    if value is None:
        return ""
    value = str(value).strip()
    if value in ("", "NA", "null", "None"):
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    return str(int(number)) if number.is_integer() else repr(number)


def _flow(text: str) -> str:
    code = FLOW_CODES.get(text.strip().lower())
    if code is None:
        raise SourceFormatError(NAME, f"unknown trade flow {text!r}")
    return code


def _legacy_csv_rows(data: bytes) -> list[dict]:
    """Comtrade legacy CSV download ('Trade Value (US$)' layout)."""
    out = []
    for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        out.append(
            {
                "year": r["Year"],
                "reporter_code": r["Reporter Code"],
                "reporter_iso3": r["Reporter ISO"],
                "partner_code": r["Partner Code"],
                "partner_iso3": r["Partner ISO"],
                "flow_code": _flow(r["Trade Flow"]),
                "classification": r["Classification"],
                "cmd_code": r["Commodity Code"],
                "aggr_level": r["Aggregate Level"],
                "qty_unit": r["Qty Unit"],
                "qty": _num(r["Qty"]),
                "net_weight_kg": _num(r["Netweight (kg)"]),
                "primary_value_usd": _num(r["Trade Value (US$)"]),
                "is_estimated": str(r["Flag"].strip() not in ("", "0")).lower(),
                "record_source": "comtrade-legacy-csv",
            }
        )
    return out


def _legacy_api_rows(data: bytes, encoding: str, annual_world_only: bool) -> list[dict]:
    """Comtrade legacy API rows as saved through R (rtCode/ptCode/cmdCode ... columns)."""
    out = []
    for r in csv.DictReader(io.StringIO(data.decode(encoding))):
        if annual_world_only and not (r["periodDesc"].isdigit() and r["ptCode"] == "0"):
            continue
        out.append(
            {
                "year": r["yr"],
                "reporter_code": r["rtCode"],
                "reporter_iso3": r["rt3ISO"],
                "partner_code": r["ptCode"],
                "partner_iso3": r["pt3ISO"],
                "flow_code": _flow(r["rgDesc"]),
                "classification": r["pfCode"],
                "cmd_code": r["cmdCode"],
                "aggr_level": r["aggrLevel"],
                "qty_unit": r["qtDesc"],
                "qty": _num(r["TradeQuantity"]),
                "net_weight_kg": _num(r["NetWeight"]),
                "primary_value_usd": _num(r["TradeValue"]),
                "is_estimated": str(r["estCode"].strip() not in ("", "0", "NA")).lower(),
                "record_source": "comtrade-legacy-api",
            }
        )
    return out


def _wire_rows(records: list[dict], record_source: str) -> list[dict]:
    """Comtrade v1 API records (the ``data`` array of the JSON answer) -> snapshot rows."""
    out = []
    for i, r in enumerate(records):
        try:
            out.append(
                {
                    "year": str(int(r["refYear"])),
                    "reporter_code": str(int(r["reporterCode"])),
                    "reporter_iso3": r.get("reporterISO") or "",
                    "partner_code": str(int(r["partnerCode"])),
                    "partner_iso3": r.get("partnerISO") or "",
                    "flow_code": r["flowCode"],
                    "classification": r.get("classificationCode") or "",
                    "cmd_code": str(r["cmdCode"]),
                    "aggr_level": _num(r.get("aggrLevel")),
                    "qty_unit": r.get("qtyUnitAbbr") or "",
                    "qty": _num(r.get("qty")),
                    "net_weight_kg": _num(r.get("netWgt")),
                    "primary_value_usd": _num(r.get("primaryValue")),
                    "is_estimated": str(
                        r.get("legacyEstimationFlag") not in (None, 0, "0", "", False, "false")
                    ).lower(),
                    "record_source": record_source,
                }
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise SourceFormatError(
                NAME, f"record {i} lacks {exc} or has a bad value", row=i
            ) from None
    return out


KEY = ("year", "reporter_code", "partner_code", "flow_code", "cmd_code")


def dedupe(rows: list[dict]) -> tuple[list[dict], int]:
    """Keep the first row per (year, reporter, partner, flow, code); count dropped conflicts."""
    seen: dict[tuple, dict] = {}
    conflicts = 0
    for r in rows:
        k = tuple(r[c] for c in KEY)
        if k in seen:
            if seen[k]["primary_value_usd"] != r["primary_value_usd"]:
                conflicts += 1
            continue
        seen[k] = r
    return sorted(seen.values(), key=lambda r: tuple(r[c].zfill(8) for c in KEY)), conflicts


def import_bundled(shared: Path) -> SnapshotPayload:
    rows = _legacy_csv_rows((shared / FILE_ALL_REPORTERS).read_bytes())
    rows += _legacy_api_rows(
        (shared / FILE_EXPORTS_2016_2017).read_bytes(), "latin-1", annual_world_only=False
    )
    rows += _legacy_api_rows(
        (shared / FILE_CHINA_ROWS).read_bytes(), "utf-8", annual_world_only=True
    )
    v1_rows = csv.DictReader(
        io.StringIO((shared / FILE_CN_8542_FROM_USA).read_text(encoding="utf-8-sig"))
    )
    rows += _wire_rows([r for r in v1_rows if r["partner2Code"] == "0"], "comtrade-v1-csv")
    rows, conflicts = dedupe(rows)
    origin = Origin(
        publisher="UN Comtrade (United Nations Statistics Division)",
        title="China and world trade in semiconductor products and equipment, by HS code",
        url="https://comtradeplus.un.org/",
        licence="UN Comtrade data terms of use (extracts as published in MIT-licensed repositories)",
        licence_url="https://uncomtrade.org/docs/terms-of-use/",
        retrieved="2021-08-16 to 2025 (per extract)",
        method="import",
        citation="UN Comtrade Database, https://comtradeplus.un.org",
        vintage="legacy Comtrade 2021 downloads; v1 API 2010-2024 (8542 from USA)",
        upstream=(
            "github.com/andre-barbe/semiconductor-trade@7bacd40 (3 files); "
            "github.com/laureleallen (semiconductor_trade.csv); see shared/data/trade_extracts"
        ),
        notes=(
            "Annual rows only; monthly rows and non-World partners of the China file left out; "
            f"{conflicts} duplicate keys with different values resolved to the first file "
            "(all-reporters CSV, then 2016-17 exports, then China rows, then 8542 from USA)."
        ),
    )
    return SnapshotPayload(BUNDLED_VERSION, {FILE: csv_bytes(rows, COLUMNS)}, origin)


# --------------------------------------------------------------------------- live client


class TokenBucket:
    """At most ``rate`` requests per second on average, bursts up to ``capacity``."""

    def __init__(self, rate: float, capacity: int = 1, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.sleep = sleep
        self.tokens = float(capacity)
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Block until a token is free; return the seconds waited."""
        waited = 0.0
        with self.lock:
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return waited
                pause = (1 - self.tokens) / self.rate
                self.sleep(pause)
                waited += pause


def hs_codes_from_map(
    map_csv: Path | None = None, revision: str = "HS2022", level: int | None = None
) -> list[str]:
    """The HS codes of the sector map for one revision: every level (4-digit headings and
    6-digit subheadings) by default, or only ``level``. A sector's basket is made of its
    headings where the map lists them (8901 ... 8906 for ships), so the live fetch asks for
    every level, not the subheadings alone."""
    if map_csv is None:
        from mic2025.flows.fetch.snapshots import latest_snapshot

        map_csv = latest_snapshot("sector_hs_map").file()
    with map_csv.open(encoding="utf-8") as fh:
        return sorted(
            {
                r["hs_code"]
                for r in csv.DictReader(fh)
                if r["hs_revision"] == revision and (level is None or int(r["level"]) == level)
            }
        )


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def fetch_records(
    *,
    reporter: str | None,
    partner: str,
    years: list[int],
    cmd_codes: list[str],
    flows: str = "M,X",
    session: requests.Session | None = None,
    api_key: str | None = None,
    bucket: TokenBucket | None = None,
    codes_per_call: int | None = None,
) -> list[dict]:
    """All records for the query, one call per (year, commodity batch).

    ``reporter=None`` asks every reporter (world totals). The batch size keeps each call under
    its cap (preview: 500 records, data API: 250,000); a call whose ``count`` reaches the cap is
    treated as truncated and fails loudly.
    """
    api_key = api_key if api_key is not None else os.environ.get("COMTRADE_API_KEY", "")
    cap = DATA_CAP if api_key else PREVIEW_CAP
    path = "/data/v1/get/C/A/HS" if api_key else "/public/v1/preview/C/A/HS"
    headers = {"Ocp-Apim-Subscription-Key": api_key} if api_key else None
    # records per code = flows x reporters (one partner); at most 20 codes a preview call (200
    # with a key), fewer when every reporter (~230) is asked: 2 codes a call under 500 records.
    per_code = len(flows.split(",")) if reporter else 230
    per_call = codes_per_call or max(1, min(200 if api_key else 20, (cap - 1) // per_code))
    bucket = bucket or TokenBucket(rate=float(os.environ.get("MIC2025_COMTRADE_RPS", "1")))
    session = session or http.new_session()
    records: list[dict] = []
    for year in years:
        for batch in chunks(cmd_codes, per_call):
            bucket.take()
            params = {
                **({"reporterCode": reporter} if reporter else {}),
                "partnerCode": partner,
                "period": str(year),
                "cmdCode": ",".join(batch),
                "flowCode": flows,
                "customsCode": "C00",
                "motCode": "0",
                "partner2Code": "0",
                "includeDesc": "false",
            }
            response = http.get(
                NAME,
                base_url("comtrade") + path,
                session=session,
                params=params,
                headers=headers,
                secrets=[api_key] if api_key else None,
            )
            records.extend(_records(response, cap, year, batch, api_key))
    return records


def _records(response: requests.Response, cap: int, year: int, batch: list[str], key: str) -> list:
    where = f"period {year}, codes {batch[0]}..{batch[-1]}"
    try:
        body = response.json()
    except ValueError:
        snippet = http.redact(response.text[:80], [key])
        raise FetchError(
            NAME, f"{where}: answer is not JSON ({snippet!r})", retryable=True
        ) from None
    if not isinstance(body, dict) or "data" not in body:
        raise FetchError(NAME, f"{where}: JSON without a 'data' array")
    if body.get("error"):
        raise FetchError(NAME, f"{where}: API error {http.redact(str(body['error']), [key])}")
    data = body["data"]
    if not isinstance(data, list):
        raise FetchError(NAME, f"{where}: 'data' is not a list")
    if not data:
        raise FetchError(NAME, f"{where}: data: [] where rows were expected")
    count = body.get("count")
    if not isinstance(count, int | float) or isinstance(count, bool):
        count = len(data)  # a missing or malformed count: judge by the rows themselves
    if len(data) >= cap or count >= cap:
        raise FetchError(NAME, f"{where}: {len(data)} records reach the {cap}-record cap")
    return data


def years_by_revision(years: list[int]) -> dict[str, list[int]]:
    """HS2022 codes from 2022 on, HS2017 codes before (the sector map has both editions)."""
    split = {"HS2017": [y for y in years if y < 2022], "HS2022": [y for y in years if y >= 2022]}
    return {k: v for k, v in split.items() if v}


def live_years() -> list[int]:
    first, last = os.environ.get("MIC2025_COMTRADE_YEARS", "2015:2024").split(":")
    return list(range(int(first), int(last) + 1))


def fetch(
    session: requests.Session | None = None,
    map_csv: Path | None = None,
    years: tuple[int, int] | None = None,
    **_,
) -> SnapshotPayload:
    """China's imports and exports with the World for every HS code of the sector map; with
    ``MIC2025_COMTRADE_WORLD_TOTALS=1`` also every reporter's exports to the World (for
    world_export_share; many more calls without a subscription key)."""
    records: list[dict] = []
    session = session or http.new_session()
    bucket = TokenBucket(rate=float(os.environ.get("MIC2025_COMTRADE_RPS", "1")))
    wanted = list(range(years[0], years[1] + 1)) if years else live_years()
    for revision, in_force in years_by_revision(wanted).items():
        # HS revision aware: each year is asked with the codes of the HS edition in force
        codes = hs_codes_from_map(map_csv, revision=revision)
        records += fetch_records(
            reporter="156",
            partner="0",
            years=in_force,
            cmd_codes=codes,
            session=session,
            bucket=bucket,
        )
        if os.environ.get("MIC2025_COMTRADE_WORLD_TOTALS") == "1":
            records += fetch_records(
                reporter=None,
                partner="0",
                years=in_force,
                cmd_codes=codes,
                flows="X",
                session=session,
                bucket=bucket,
            )
    rows, _ = dedupe(_wire_rows(records, "comtrade-v1-api"))
    origin = Origin(
        publisher="UN Comtrade (United Nations Statistics Division)",
        title="China's trade with the World by HS code (sector map codes)",
        url="https://comtradeplus.un.org/",
        licence="UN Comtrade data terms of use",
        licence_url="https://uncomtrade.org/docs/terms-of-use/",
        retrieved=today(),
        method="live",
        citation="UN Comtrade Database, https://comtradeplus.un.org",
        upstream=base_url("comtrade") + "/{public/v1/preview|data/v1/get}/C/A/HS",
    )
    return SnapshotPayload(today(), {FILE: csv_bytes(rows, COLUMNS)}, origin)


def parse(snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(NAME, snapshot.file(FILE).read_bytes(), infer_schema_length=0)
    require_columns(NAME, frame, COLUMNS)
    return frame.select(COLUMNS)  # text: warehouse/load.py parses numbers and flags strictly


SOURCE = Source(
    name=NAME,
    raw_table=NAME,
    description="UN Comtrade trade by HS code (China and world totals)",
    fmt="csv: normalised Comtrade rows (year, reporter, partner, flow, HS code, USD)",
    parse=parse,
    raw_model=raw_models.ComtradeTrade,
    core="trade",
    publisher="UN Comtrade",
    import_bundled=import_bundled,
    fetch=fetch,
    live_url="https://comtradeapi.un.org/public/v1/preview/C/A/HS",
)
