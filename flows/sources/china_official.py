"""Official Chinese production, trade and share figures (CAAM, NBS, GACC, MIIT, CPIA, CMIF, IFR ...).

There is no machine-readable endpoint for these (NBS easyquery does not serve the industrial
product series from outside China), so the source is a curated table, built by
:func:`build_curated` from two transcriptions in ``shared/``: ``reference/china_production_stats.csv``
and ``data/china_official_stats_from_pages/china_official_stats_from_pages.csv``. Each row keeps the
value and unit exactly as published, the publisher, the source URL and the quote; this module only
assigns a stable ``series_id`` (see ``facts/official_series.csv``) and normalises the period.
Base-unit conversion is done later, by ``warehouse/units.py``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from flows.errors import SourceFormatError
from flows.snapshots import Origin, Snapshot
from flows.sources.base import SnapshotPayload, Source, read_csv_bytes, require_columns

NAME = "china_official_stats"
FILE = "china_official_stats.csv"
VERSION = "2026-11-29"

REFERENCE_FILE = "reference/china_production_stats.csv"
PAGES_FILE = "data/china_official_stats_from_pages/china_official_stats_from_pages.csv"

COLUMNS = [
    "series_id",
    "year",
    "period",
    "is_forecast",
    "value",
    "unit",
    "publisher_cited",
    "definition",
    "source_title",
    "source_url",
    "source_date",
    "quote",
    "origin_file",
    "origin_row",
]

#: metric text in the pages file -> series_id (facts/official_series.csv).
PAGES_METRIC_SERIES: dict[str, str] = {
    "NEV production": "CAAM_NEV_PRODUCTION",
    "NEV sales": "CAAM_NEV_SALES",
    "NEV share of new vehicle sales": "CAAM_NEV_SALES_SHARE",
    "NEV exports": "CAAM_NEV_EXPORTS",
    "Total auto production": "CAAM_AUTO_PRODUCTION",
    "Total auto sales": "CAAM_AUTO_SALES",
    "Total vehicle exports": "CAAM_AUTO_EXPORTS",
    "Chinese-brand share of domestic NEV passenger-car sales": "NEV_DOMESTIC_BRAND_SHARE",
    "NEV output (NBS industrial statistics)": "NBS_NEV_OUTPUT",
    "NEV output (NBS, Jan-Nov cumulative)": "NBS_NEV_OUTPUT",
    "IC output (NBS statistical communique)": "NBS_IC_OUTPUT",
    "IC output (NBS)": "NBS_IC_OUTPUT",
    "IC output (NBS, H1)": "NBS_IC_OUTPUT",
    "IC output (MIIT electronic information manufacturing report)": "MIIT_IC_OUTPUT",
    "IC import quantity": "CUSTOMS_IC_IMPORT_UNITS",
    "IC import quantity (H1)": "CUSTOMS_IC_IMPORT_UNITS",
    "IC export quantity": "CUSTOMS_IC_EXPORT_UNITS",
    "IC export quantity (H1)": "CUSTOMS_IC_EXPORT_UNITS",
    "IC import value (RMB)": "CUSTOMS_IC_IMPORT_VALUE_CNY",
    "IC import value RMB (H1)": "CUSTOMS_IC_IMPORT_VALUE_CNY",
    "IC export value (RMB)": "CUSTOMS_IC_EXPORT_VALUE_CNY",
    "IC export value RMB (H1)": "CUSTOMS_IC_EXPORT_VALUE_CNY",
    "IC import value (USD)": "CUSTOMS_IC_IMPORT_VALUE_USD",
    "IC imports value USD": "CUSTOMS_IC_IMPORT_VALUE_USD",
    "IC imports: processors & controllers (USD)": "CUSTOMS_IC_IMPORT_VALUE_USD_PROCESSORS",
    "IC imports: memory (USD)": "CUSTOMS_IC_IMPORT_VALUE_USD_MEMORY",
    "China IC market size": "ICINSIGHTS_IC_MARKET_USD",
    "China IC market size (IC Insights 2021 report vintage)": "ICINSIGHTS_IC_MARKET_USD",
    "IC production located in China as % of China IC market": "ICINSIGHTS_IC_SELF_SUFFICIENCY",
    "IC production located in China as % of China IC market (FORECAST)": (
        "ICINSIGHTS_IC_SELF_SUFFICIENCY"
    ),
    "Value of ICs manufactured in China": "ICINSIGHTS_IC_PRODUCTION_USD",
    "China-based IC production (FORECAST)": "ICINSIGHTS_IC_PRODUCTION_USD",
    "ICs manufactured in China by China-headquartered companies": (
        "ICINSIGHTS_IC_CN_HQ_PRODUCTION_USD"
    ),
    "China-HQ companies IC production as % of China IC market": "ICINSIGHTS_IC_CN_HQ_SHARE",
    "Polysilicon production": "POLYSILICON_OUTPUT",
    "Polysilicon production (H1)": "POLYSILICON_OUTPUT",
    "China share of global polysilicon output": "CN_SHARE_GLOBAL_POLYSILICON_OUTPUT",
    "Silicon wafer production": "PV_WAFER_OUTPUT",
    "Wafer production (H1)": "PV_WAFER_OUTPUT",
    "Silicon wafer exports": "PV_WAFER_EXPORTS",
    "Crystalline-silicon cell production": "PV_CELL_OUTPUT",
    "Cell production (H1)": "PV_CELL_OUTPUT",
    "Cell exports": "PV_CELL_EXPORTS",
    "Crystalline-silicon module production": "PV_MODULE_OUTPUT",
    "Module production (H1)": "PV_MODULE_OUTPUT",
    "Module exports": "PV_MODULE_EXPORTS",
    "Module exports (H1)": "PV_MODULE_EXPORTS",
    "PV industry total output value": "PV_INDUSTRY_OUTPUT_VALUE",
    "PV product export value (H1)": "PV_EXPORT_VALUE",
    "China share of global polysilicon manufacturing capacity": "CN_SHARE_GLOBAL_POLYSILICON_CAPACITY",
    "China share of global wafer manufacturing capacity": "CN_SHARE_GLOBAL_WAFER_CAPACITY",
    "China share of global cell manufacturing capacity": "CN_SHARE_GLOBAL_CELL_CAPACITY",
    "China share of global module manufacturing capacity": "CN_SHARE_GLOBAL_MODULE_CAPACITY",
    "China new PV installations": "CN_PV_INSTALLATIONS",
    "Global new PV installations": "WORLD_PV_INSTALLATIONS",
    "China industrial robot market sales": "CMIF_ROBOT_MARKET_SALES",
    "Chinese-brand industrial robot sales in China": "ROBOT_DOMESTIC_BRAND_SALES",
    "Chinese-brand industrial robot sales": "ROBOT_DOMESTIC_BRAND_SALES",
    "Chinese-brand share of China industrial robot market": "ROBOT_DOMESTIC_BRAND_SHARE",
    "New industrial robots in China": "CCID_ROBOT_NEW_INSTALLS",
    "Metal-working machine tool production value": "CMTBA_MWMT_PRODUCTION_VALUE_USD",
    "Metal-working machine tool imports": "CMTBA_MWMT_IMPORTS_USD",
    "Metal-working machine tool exports": "CMTBA_MWMT_EXPORTS_USD",
    "Metal-working machine tool consumption": "CMTBA_MWMT_CONSUMPTION_USD",
    "Machine tool imports": "MT_IMPORTS_USD",
    "Machine tool exports": "MT_EXPORTS_USD",
    "Domestic share of China metal-working machine tool market (by value)": "MWMT_DOMESTIC_SHARE",
    "Domestic share of China CNC machine tool market (by value)": "CNC_MT_DOMESTIC_SHARE",
    "Average export unit price of CNC machine tools": "CNC_MT_EXPORT_UNIT_PRICE",
    "Average import unit price of CNC machine tools": "CNC_MT_IMPORT_UNIT_PRICE",
    "CNC machine tool output": "CNC_MT_OUTPUT",
    "Metal-working machine tool exports (quantity)": "CUSTOMS_MWMT_EXPORT_UNITS",
    "Metal-working machine tool exports (value)": "CUSTOMS_MWMT_EXPORTS_USD",
    "Metal-working machine tool imports (quantity)": "CUSTOMS_MWMT_IMPORT_UNITS",
    "Metal-working machine tool imports (value)": "CUSTOMS_MWMT_IMPORTS_USD",
    "Machine tool output value China": "MT_OUTPUT_VALUE_USD",
    "Shipbuilding completions": "MIIT_SHIP_COMPLETIONS",
    "New ship orders": "MIIT_SHIP_NEW_ORDERS",
    "Ship orderbook (end-Dec)": "MIIT_SHIP_ORDERBOOK",
    "Ship orderbook": "MIIT_SHIP_ORDERBOOK",
    "China share of world shipbuilding completions (by DWT)": "CN_SHARE_WORLD_SHIP_COMPLETIONS_DWT",
    "China share of world shipbuilding new orders (by DWT)": "CN_SHARE_WORLD_SHIP_NEW_ORDERS_DWT",
    "China share of world new ship orders (by DWT)": "CN_SHARE_WORLD_SHIP_NEW_ORDERS_DWT",
    "China share of world shipbuilding orderbook (by DWT)": "CN_SHARE_WORLD_SHIP_ORDERBOOK_DWT",
    "China share of world ship orderbook (by DWT)": "CN_SHARE_WORLD_SHIP_ORDERBOOK_DWT",
    "China share of world shipbuilding completions (by CGT)": "CN_SHARE_WORLD_SHIP_COMPLETIONS_CGT",
    "China share of world shipbuilding new orders (by CGT)": "CN_SHARE_WORLD_SHIP_NEW_ORDERS_CGT",
    "China share of world shipbuilding orderbook (by CGT)": "CN_SHARE_WORLD_SHIP_ORDERBOOK_CGT",
    "R&D expenditure (whole society)": "NBS_RD_EXPENDITURE",
    "R&D intensity (R&D / GDP)": "NBS_RD_INTENSITY",
}


def _period(text: str, definition: str = "") -> str:
    """Normalise a period label: 'FY' (calendar year), 'Jan-Jun', 'Jan-Nov' ..."""
    t = text.strip().lower()
    if t.startswith("jan-"):
        return text.strip()
    if "first half" in definition.lower():
        return "Jan-Jun"
    return "FY"


def _reference_series(row: dict[str, str]) -> str:
    series = row["series_id"]
    if series == "CUSTOMS_IC_IMPORT_VALUE":  # the reference file uses one id for two currencies
        return series + ("_CNY" if "CNY" in row["unit"] else "_USD")
    if series == "CUSTOMS_IC_IMPORT_UNITS" and "export" in row["indicator"].lower():
        return "CUSTOMS_IC_EXPORT_UNITS"
    return series


def build_curated(reference_csv: bytes, pages_csv: bytes) -> tuple[bytes, dict]:
    """Merge the two transcriptions into the curated table; return (CSV bytes, notes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    skipped: list[str] = []
    rows = 0
    reference = csv.DictReader(io.StringIO(reference_csv.decode("utf-8")))
    for i, r in enumerate(reference, start=2):
        writer.writerow(
            {
                "series_id": _reference_series(r),
                "year": r["year"],
                "period": _period("", r["indicator"]),
                "is_forecast": "false",
                "value": r["value"],
                "unit": r["unit"],
                "publisher_cited": r["indicator"].split("(")[-1].split(";")[0].rstrip(")"),
                "definition": r["indicator"],
                "source_title": r["source_title"],
                "source_url": r["source_url"],
                "source_date": "",
                "quote": r["quote"],
                "origin_file": REFERENCE_FILE,
                "origin_row": i,
            }
        )
        rows += 1
    pages = csv.DictReader(io.StringIO(pages_csv.decode("utf-8")))
    for i, r in enumerate(pages, start=2):
        if not r["year"].strip():
            skipped.append(f"{PAGES_FILE} row {i} ({r['metric']}): year not stated")
            continue
        series = PAGES_METRIC_SERIES.get(r["metric"])
        if series is None:
            raise SourceFormatError(NAME, f"no series_id for metric {r['metric']!r}", row=i)
        writer.writerow(
            {
                "series_id": series,
                "year": r["year"],
                "period": _period(r["period"]),
                "is_forecast": str("FORECAST" in r["metric"]).lower(),
                "value": r["value"],
                "unit": r["unit"],
                "publisher_cited": r["publisher_cited"],
                "definition": "; ".join(x for x in (r["metric"], r["definition_note"]) if x),
                "source_title": "",
                "source_url": r["source_url"],
                "source_date": r["source_date"],
                "quote": r["quote"],
                "origin_file": PAGES_FILE,
                "origin_row": i,
            }
        )
        rows += 1
    return out.getvalue().encode("utf-8"), {"rows": rows, "left_out": skipped}


def import_bundled(shared: Path) -> SnapshotPayload:
    data, notes = build_curated(
        (shared / REFERENCE_FILE).read_bytes(), (shared / PAGES_FILE).read_bytes()
    )
    origin = Origin(
        publisher="CAAM, NBS, GACC (China Customs), MIIT, CPIA, CMIF, IFR, IC Insights (per row)",
        title="Official Chinese production, trade and share figures, curated with quotes",
        url="https://www.stats.gov.cn/sj/ndsj/ (and the source_url of each row)",
        licence="Facts from public statistical releases; short quotes only (see each row)",
        retrieved="2026-07",
        method="import",
        citation="Each row: publisher_cited, source_url, quote",
        vintage="releases 2006-2025",
        upstream=f"shared/{REFERENCE_FILE}; shared/{PAGES_FILE}",
        notes="Rows left out: " + "; ".join(notes["left_out"]) if notes["left_out"] else "",
    )
    return SnapshotPayload(VERSION, {FILE: data}, origin, extra={"left_out": notes["left_out"]})


def parse(snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(
        NAME,
        snapshot.file(FILE).read_bytes(),
        schema_overrides={
            "year": pl.Int64,
            "value": pl.Float64,
            "origin_row": pl.Int64,
            "source_date": pl.String,
            "source_title": pl.String,
        },
    )
    require_columns(NAME, frame, COLUMNS)
    return frame.select(COLUMNS).with_columns(pl.col("is_forecast") == "true")


SOURCE = Source(
    name=NAME,
    raw_table=NAME,
    description="Official Chinese production, trade and share figures with quotes",
    fmt="csv: curated official statistics (one row per published figure)",
    parse=parse,
    import_bundled=import_bundled,
)
