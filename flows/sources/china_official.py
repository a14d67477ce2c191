"""Official Chinese production, trade and share figures (CAAM, NBS, GACC, MIIT, CPIA, CMIF, IFR ...).

There is no machine-readable endpoint for these (NBS easyquery does not serve the industrial
product series from outside China), so the source is a curated table, built by
:func:`build_curated` from the transcriptions in ``shared/`` (``reference/china_production_stats.csv``,
``data/china_official_stats_from_pages/``, ``data/mic2025_sector_facts_from_pages/``,
``data/usgs_rare_earths/``) and the project's own curation ``facts/curated_figures.csv`` (figures
found in public pages by this project, same columns as the sector-facts file). Each row keeps the
value and unit exactly as published, the publisher, the source URL and the quote; this module only
assigns a stable ``series_id`` (see ``facts/official_series.csv``), normalises the period and
records whether the published number is exact or a bound (``qualifier``: "more than 80%" is a
lower bound). Base-unit conversion is done later, by ``warehouse/units.py``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

import polars as pl

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.facts_files import csv_rows
from mic2025.flows.base.settings import facts_dir
from mic2025.flows.fetch.snapshots import Origin, Snapshot
from mic2025.flows.sources.base import SnapshotPayload, Source, read_csv_bytes, require_columns
from mic2025.schemas import raw as raw_models

NAME = "china_official_stats"
FILE = "china_official_stats.csv"
VERSION = "2026-12-04.19"

REFERENCE_FILE = "reference/china_production_stats.csv"
PAGES_FILE = "data/china_official_stats_from_pages/china_official_stats_from_pages.csv"
SECTOR_FACTS_FILE = "data/mic2025_sector_facts_from_pages/sector_facts_from_pages.csv"
USGS_DIR = "data/usgs_rare_earths"
USGS_REPO = (
    "https://github.com/ibtisamkhan96/rare-earths-materials-production/blob/"
    "30fe833be1725109b74d10e1c6d0d5df13915188/data/"
)
#: The project's own curation (in this repository, not in shared/).
CURATED_FILE = "curated_figures.csv"

COLUMNS = [
    "series_id",
    "year",
    "period",
    "is_forecast",
    "value",
    "unit",
    "qualifier",
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


#: metric id in the sector-facts file (and facts/curated_figures.csv) -> series_id, where the
#: metric is not simply the series id in lower case (those need no entry: :func:`_sector_series`).
#: A tuple ``(pattern, series_id)`` list picks the series by the cited publisher: figures of
#: different publishers (CAAMM vs NBS tractor sizes, CANSI vs MIIT tonnages) are different series.
SECTOR_METRIC_SERIES: dict[str, str | list[tuple[str, str]]] = {
    "shipbuilding_completions": [
        ("MIIT|工信部|工业和信息化部|工業和信息化部", "MIIT_SHIP_COMPLETIONS"),
        ("", "CANSI_SHIP_COMPLETIONS"),
    ],
    "shipbuilding_new_orders": [
        ("MIIT|工信部|工业和信息化部|工業和信息化部", "MIIT_SHIP_NEW_ORDERS"),
        ("", "CANSI_SHIP_NEW_ORDERS"),
    ],
    "shipbuilding_orderbook": [
        ("MIIT|工信部|工业和信息化部|工業和信息化部", "MIIT_SHIP_ORDERBOOK"),
        ("", "CANSI_SHIP_ORDERBOOK"),
    ],
    "china_share_of_world_completions": "CN_SHARE_WORLD_SHIP_COMPLETIONS_DWT",
    "china_share_of_world_new_orders": "CN_SHARE_WORLD_SHIP_NEW_ORDERS_DWT",
    "china_share_of_world_orderbook": "CN_SHARE_WORLD_SHIP_ORDERBOOK_DWT",
    "arj21_deliveries": "COMAC_ARJ21_DELIVERIES",
    "arj21_cumulative_deliveries": "COMAC_ARJ21_CUMULATIVE_DELIVERIES",
    "arj21_production_capacity": "COMAC_ARJ21_CAPACITY",
    "c919_deliveries": "COMAC_C919_DELIVERIES",
    "c919_cumulative_deliveries": "COMAC_C919_CUMULATIVE_DELIVERIES",
    "c919_in_service": "COMAC_C919_IN_SERVICE",
    "c919_orders_cumulative": "COMAC_C919_ORDERS",
    "large_tractor_output": [
        ("CAAMM", "CAAMM_LARGE_TRACTOR_OUTPUT"),
        ("", "NBS_LARGE_TRACTOR_OUTPUT"),
    ],
    "medium_tractor_output": [
        ("CAAMM", "CAAMM_MEDIUM_TRACTOR_OUTPUT"),
        ("", "NBS_MEDIUM_TRACTOR_OUTPUT"),
    ],
    "small_tractor_output": [
        ("CAAMM", "CAAMM_SMALL_TRACTOR_OUTPUT"),
        ("", "NBS_SMALL_TRACTOR_OUTPUT"),
    ],
    "wheeled_grain_harvester_output": "CAAMM_WHEELED_GRAIN_HARVESTER_OUTPUT",
    "corn_combine_harvester_output": "CAAMM_CORN_HARVESTER_OUTPUT",
    "crawler_rice_harvester_output": "CAAMM_CRAWLER_RICE_HARVESTER_OUTPUT",
    "agricultural_machinery_total_power": "AGRI_MACHINERY_TOTAL_POWER",
    "carbon_fiber_demand_china": [
        ("ACMA|Composites Manufacturing", "ACMA_CARBON_FIBER_DEMAND_CHINA"),
        ("", "CARBON_FIBER_DEMAND_CHINA"),
    ],
    "carbon_fiber_china_share_of_world_capacity": "CARBON_FIBER_CN_SHARE_WORLD_CAPACITY",
    "carbon_fiber_output_china": "ACMA_CARBON_FIBER_OUTPUT_CHINA",
    "polysilicon_output_china": "POLYSILICON_OUTPUT",
    "polysilicon_imports_china": "POLYSILICON_IMPORTS",
    "rare_earth_mine_production_china": [
        ("Minerals Yearbook", "USGS_MYB_RARE_EARTH_MINE_CHINA"),
        ("2025", "USGS_MCS2025_RARE_EARTH_MINE_CHINA"),
        ("", "USGS_MCS2024_RARE_EARTH_MINE_CHINA"),
    ],
    "rare_earth_mine_production_world": [
        ("Minerals Yearbook", "USGS_MYB_RARE_EARTH_MINE_WORLD"),
        ("2025", "USGS_MCS2025_RARE_EARTH_MINE_WORLD"),
        ("", "USGS_MCS2024_RARE_EARTH_MINE_WORLD"),
    ],
    "rare_earth_permanent_magnet_output_china": "REPM_OUTPUT_CHINA",
    "china_share_all_pv_manufacturing_stages": "CN_SHARE_ALL_PV_MANUFACTURING_STAGES",
    "innovative_drug_approvals": "NMPA_INNOVATIVE_DRUG_APPROVALS",
    "innovative_device_approvals": "NMPA_INNOVATIVE_DEVICE_APPROVALS",
    "innovative_drug_approvals_cumulative": "NMPA_INNOVATIVE_DRUG_APPROVALS_CUMULATIVE",
    "china_share_of_world_bulk_api_output": "CN_SHARE_WORLD_BULK_API_OUTPUT",
    # facts/curated_figures.csv (this project's own curation)
    "us_section301_china_tariffs_first_year": "US_SECTION301_FIRST_YEAR",
    "pc_fleet_avg_fuel_consumption": "MIIT_PC_FLEET_FUEL_CONSUMPTION_NEDC",
    "national_manufacturing_innovation_centres": "MIIT_NATIONAL_MFG_INNOVATION_CENTRES",
    "shipbuilding_export_completions": "MIIT_SHIP_EXPORT_COMPLETIONS",
    "miit_shipbuilding_completions": "MIIT_SHIP_COMPLETIONS",
    "shipbuilding_export_share_of_completions": "MIIT_SHIP_EXPORT_SHARE_OF_COMPLETIONS",
    "mfg_quality_competitiveness_index": "SAMR_MFG_QUALITY_INDEX",
    "key_process_nc_rate": "MIIT_KEY_PROCESS_NC_RATE",
    "digital_rd_tool_penetration": "MIIT_DIGITAL_RD_TOOL_PENETRATION",
}

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: Words that make a published number a bound or an approximation, in the text right before
#: (``_BEFORE``) or right after (``_AFTER``) the number in its quote.
_QUALIFIERS_BEFORE: list[tuple[str, str]] = [
    (
        r"(超过|超|逾|突破|多于|大于|高于|more than|over|above|exceed(?:s|ed|ing)?|at least|>)\s*$",
        "lower",
    ),
    (r"(不足|不到|少于|低于|less than|under|below|fewer than|<)\s*$", "upper"),
    (r"(约|大约|近|接近|about|around|approximately|roughly|nearly|some|~)\s*$", "approximate"),
]
_QUALIFIERS_AFTER: list[tuple[str, str]] = [
    (r"^\s*%?\s*(以上|多|余|\+|or more|plus)", "lower"),
    (r"^\s*%?\s*(以下|以内|or less)", "upper"),
    (r"^\s*%?\s*(左右)", "approximate"),
]


def _number_forms(value: str) -> list[str]:
    """How a published value may be written in its quote: '1288.8', '12,888', '49.0' -> '49';
    then, for a value transcribed in units, the same value in the quote's scale words
    (7740000 -> '7.74' of "about 7.74 million", 10500000 -> '1050' of "1050万")."""
    forms = [value]
    try:
        number = float(value)
    except ValueError:
        return forms
    if number.is_integer():
        forms += [f"{int(number)}", f"{int(number):,}"]
    else:
        forms += [f"{number:,}", f"{number:g}"]
    if abs(number) >= 1000:
        forms += [f"{number / scale:g}" for scale in (1e9, 1e8, 1e6, 1e4, 1e3)]
    return list(dict.fromkeys(f for f in forms if f))


def qualifier_of(value: str, quote: str) -> str:
    """'exact', 'lower', 'upper' or 'approximate': read from the words around the number.

    "超过80%" / "more than half" -> lower; "不足10%" -> upper; "约40%" / "左右" -> approximate.
    A number that cannot be found in its quote is taken as written (exact).
    """
    text = quote or ""
    for form in _number_forms(value.strip()):
        for m in re.finditer(re.escape(form), text):
            before = text[max(0, m.start() - 16) : m.start()]
            after = text[m.end() : m.end() + 6]
            if (m.start() > 0 and text[m.start() - 1].isdigit()) or after[:1].isdigit():
                continue  # part of a longer number
            for pattern, kind in _QUALIFIERS_BEFORE:
                if re.search(pattern, before, flags=re.IGNORECASE):
                    return kind
            for pattern, kind in _QUALIFIERS_AFTER:
                if re.search(pattern, after, flags=re.IGNORECASE):
                    return kind
            return "exact"
    return "exact"


def _value_and_qualifier(text: str, unit: str) -> tuple[str, str | None]:
    """Sector-facts values carry their qualifier in the text: '>80', '~40', unit '万公里 (超)'."""
    t = text.strip()
    marked = None
    if t.startswith(">"):
        marked, t = "lower", t[1:]
    elif t.startswith("<"):
        marked, t = "upper", t[1:]
    elif t.startswith("~"):
        marked, t = "approximate", t[1:]
    if "(超)" in unit or "(以上)" in unit:
        marked = "lower"
    return t.strip(), marked


def _period(text: str, definition: str = "") -> str:
    """Normalise a period label: 'FY' (calendar year, or a stock at year end), 'Jan-Jun' (a
    year-to-date flow), 'end-Oct' (a stock at a date within the year)."""
    t = text.strip()
    low = t.lower()
    if low.startswith("jan-"):
        return t[:7]
    if low == "h1":
        return "Jan-Jun"
    if low.startswith("end-"):
        return "end-" + t[4:7].capitalize()
    if low.startswith("to "):
        return "end-" + t[3:6].capitalize()
    if "first half" in definition.lower():
        return "Jan-Jun"
    return "FY"


@functools.cache
def _declared_series() -> frozenset[str]:
    """The series ids of facts/official_series.csv."""
    path = facts_dir() / "official_series.csv"
    rows = csv_rows(path.read_bytes(), NAME, "facts/official_series.csv")
    return frozenset(r["series_id"] for _, r in rows)


def _sector_series(metric: str, publisher: str, row: int, origin: str) -> str:
    """The series of a sector-facts or curated row: the metric's entry in SECTOR_METRIC_SERIES,
    else the series the metric is named after ('place_gdp_hefei' -> PLACE_GDP_HEFEI), when
    facts/official_series.csv declares it."""
    choice = SECTOR_METRIC_SERIES.get(metric)
    if choice is None and metric.upper() in _declared_series():
        return metric.upper()
    if choice is None:
        raise SourceFormatError(NAME, f"{origin}: no series_id for metric {metric!r}", row=row)
    if isinstance(choice, str):
        return choice
    for pattern, series in choice:
        if not pattern or re.search(pattern, publisher):
            return series
    raise SourceFormatError(NAME, f"{origin}: no series for {metric!r} by {publisher!r}", row=row)


def _reference_series(row: dict[str, str]) -> str:
    series = row["series_id"]
    if series == "CUSTOMS_IC_IMPORT_VALUE":  # the reference file uses one id for two currencies
        return series + ("_CNY" if "CNY" in row["unit"] else "_USD")
    if series == "CUSTOMS_IC_IMPORT_UNITS" and "export" in row["indicator"].lower():
        return "CUSTOMS_IC_EXPORT_UNITS"
    return series


def _reference_publisher(indicator: str) -> str:
    """The body named in the reference file's indicator text: 'NEV sales (CAAM)' -> 'CAAM'."""
    m = re.search(r"\(([^()]*)\)\s*$", indicator)
    return (m.group(1) if m else indicator).split(";")[0].strip()


def _usgs_rows(shared: Path) -> list[dict]:
    """USGS MCS 2025 rare-earth mine output (world 2019-2024, China 2024), as compiled in the
    repository named in shared/data/usgs_rare_earths/PROVENANCE.md. The quote is the CSV line."""
    rows: list[dict] = []
    via = (
        "USGS Mineral Commodity Summaries 2025 (via ibtisamkhan96/rare-earths-materials-production)"
    )
    trend = shared / USGS_DIR / "production_trend.csv"
    lines = trend.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[1:], start=2):
        year, kt = line.split(",")[:2]
        rows.append(
            {
                "series_id": "USGS_MCS2025_RARE_EARTH_MINE_WORLD",
                "year": year,
                "period": "FY",
                "value": kt,
                "unit": "千吨 (kt REO)",
                "qualifier": "exact",
                "publisher_cited": via,
                "definition": "world rare-earth mine production, kt of rare-earth oxide (MCS 2025 vintage)",
                "source_url": USGS_REPO + "production_trend.csv",
                "quote": line,
                "origin_file": f"{USGS_DIR}/production_trend.csv",
                "origin_row": i,
            }
        )
    by_country = shared / USGS_DIR / "mine_production_by_country_2024.csv"
    lines = by_country.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[1:], start=2):
        country, kt = line.split(",")[:2]
        if country.strip().lower() != "china":
            continue
        rows.append(
            {
                "series_id": "USGS_MCS2025_RARE_EARTH_MINE_CHINA",
                "year": "2024",
                "period": "FY",
                "value": kt,
                "unit": "千吨 (kt REO)",
                "qualifier": "exact",
                "publisher_cited": via,
                "definition": "China rare-earth mine production, kt of rare-earth oxide (MCS 2025 vintage)",
                "source_url": USGS_REPO + "mine_production_by_country_2024.csv",
                "quote": line,
                "origin_file": f"{USGS_DIR}/mine_production_by_country_2024.csv",
                "origin_row": i,
            }
        )
    return rows


def _sector_fact_rows(data: bytes, origin: str) -> tuple[list[dict], list[str]]:
    """Rows of the sector-facts layout (shared/ file or facts/curated_figures.csv)."""
    rows: list[dict] = []
    skipped: list[str] = []
    for i, r in csv_rows(data, NAME, origin):
        if not r["year"].strip():
            skipped.append(f"{origin} row {i} ({r['metric']}): year not stated")
            continue
        value, marked = _value_and_qualifier(r["value"], r["unit"])
        unit = r["unit"].replace("(超)", "").replace("(以上)", "").strip()
        rows.append(
            {
                "series_id": _sector_series(r["metric"], r["publisher_cited"], i, origin),
                "year": r["year"].strip()[:4],
                "period": _period(r["period"]),
                "value": value,
                "unit": unit,
                "qualifier": marked or qualifier_of(value, r["quote"]),
                "publisher_cited": r["publisher_cited"],
                "definition": "; ".join(x for x in (r["metric"], r["definition_note"]) if x),
                "source_url": r["source_url"],
                "source_date": r["source_date"],
                "quote": r["quote"],
                "origin_file": origin,
                "origin_row": i,
            }
        )
    return rows, skipped


def build_curated(
    reference_csv: bytes,
    pages_csv: bytes,
    sector_facts_csv: bytes = b"",
    curated_csv: bytes = b"",
    extra_rows: list[dict] | None = None,
) -> tuple[bytes, dict]:
    """Merge the transcriptions into the curated table; return (CSV bytes, notes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    skipped: list[str] = []
    rows = 0
    for i, r in csv_rows(reference_csv, NAME, REFERENCE_FILE):
        writer.writerow(
            {
                "series_id": _reference_series(r),
                "year": r["year"],
                "period": _period("", r["indicator"]),
                "is_forecast": "false",
                "value": r["value"],
                "unit": r["unit"],
                "qualifier": qualifier_of(r["value"], r["quote"]),
                "publisher_cited": _reference_publisher(r["indicator"]),
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
    for i, r in csv_rows(pages_csv, NAME, PAGES_FILE):
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
                "qualifier": qualifier_of(r["value"], r["quote"]),
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
    more: list[dict] = []
    for data, origin in (
        (sector_facts_csv, SECTOR_FACTS_FILE),
        (curated_csv, f"facts/{CURATED_FILE}"),
    ):
        if data:
            found, left = _sector_fact_rows(data, origin)
            more += found
            skipped += left
    more += extra_rows or []
    for r in more:
        writer.writerow({"is_forecast": "false", "source_title": "", "source_date": "", **r})
        rows += 1
    return out.getvalue().encode("utf-8"), {"rows": rows, "left_out": skipped}


def import_bundled(shared: Path) -> SnapshotPayload:
    data, notes = build_curated(
        (shared / REFERENCE_FILE).read_bytes(),
        (shared / PAGES_FILE).read_bytes(),
        (shared / SECTOR_FACTS_FILE).read_bytes(),
        (facts_dir() / CURATED_FILE).read_bytes(),
        _usgs_rows(shared),
    )
    origin = Origin(
        publisher=(
            "CAAM, NBS, GACC (China Customs), MIIT, CPIA, CMIF, CANSI, COMAC, CRRC, CAAMM, NMPA, "
            "USGS, IFR, IC Insights ... (per row: publisher_cited)"
        ),
        title="Official and industry figures for the MIC2025 sectors, curated with quotes",
        url="https://www.stats.gov.cn/sj/ndsj/ (and the source_url of each row)",
        licence="Facts from public statistical releases; short quotes only (see each row)",
        retrieved="2026-12",
        method="import",
        citation="Each row: publisher_cited, source_url, quote",
        vintage="releases 2006-2026",
        upstream=(
            f"shared/{REFERENCE_FILE}; shared/{PAGES_FILE}; shared/{SECTOR_FACTS_FILE}; "
            f"shared/{USGS_DIR}/; facts/{CURATED_FILE}"
        ),
        notes="Rows left out: " + "; ".join(notes["left_out"]) if notes["left_out"] else "",
    )
    return SnapshotPayload(VERSION, {FILE: data}, origin, extra={"left_out": notes["left_out"]})


def parse(snapshot: Snapshot) -> pl.DataFrame:
    """Text columns; warehouse/load.py parses numbers and the is_forecast flag (strictly: only
    'true' / 'false'), quarantining a cell that does not parse with its original text."""
    frame = read_csv_bytes(NAME, snapshot.file(FILE).read_bytes(), infer_schema_length=0)
    require_columns(NAME, frame, COLUMNS)
    return frame.select(COLUMNS)


SOURCE = Source(
    name=NAME,
    raw_table=NAME,
    description="Official Chinese production, trade and share figures with quotes",
    fmt="csv: curated official statistics (one row per published figure)",
    parse=parse,
    raw_model=raw_models.ChinaOfficialStats,
    core="official_stats",
    publisher="each row's own (publisher_cited; facts/publishers.csv)",
    import_bundled=import_bundled,
)
