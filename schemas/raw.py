"""Raw layer: each source's rows as landed, plus lineage. Checked on every load; rows that fail
go to meta.quarantine (see warehouse/load.py).

Every model states its key (``Config.unique``: a duplicate key fails the source, since which copy
is right cannot be known) and a range rule for every number: finite; not negative where the
quantity cannot be; percentages within 0-100; no observation dated after the current year unless
it is marked as a projection.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from mic2025.schemas.common import (
    BOUNDS,
    YEAR,
    Lineage,
    at_most_for_unit,
    finite,
    non_negative,
    not_after_this_year,
    percent_in_range,
    row_rule,
)

#: Ceilings far above any real value of the OWID charts tracked (world, 2023-2025: 1.4 TW of solar,
#: 1.0 TW of wind, 17 million electric cars sold, 0.55 million robots installed).
OWID_CEILINGS = {"GW": 1e5, "vehicles": 1e9, "units": 1e8}


class OwidGrapher(Lineage):
    """An OWID grapher chart: one value per entity and year."""

    entity: str = pa.Field(description="OWID entity name (country or aggregate)")
    code: str = pa.Field(nullable=True, description="ISO 3166-1 alpha-3 or OWID_* code")
    year: int = pa.Field(**YEAR, description="Calendar year")
    value: float = pa.Field(description="Value in `unit`")
    indicator: str = pa.Field(description="OWID grapher slug")
    unit: str = pa.Field(description="Unit of `value` as stated by the chart")

    _value_finite = finite("value")
    _value_not_negative = non_negative(
        "value",
        unless=pl.col("code").is_null(),
        why="for countries; a residual such as 'Rest of World' has no code and may be negative",
    )
    _percent = percent_in_range()
    _ceiling = at_most_for_unit(OWID_CEILINGS)
    _no_future = not_after_this_year()

    class Config:
        strict = True
        coerce = True
        unique = ["entity", "year", "indicator"]


class IeaGlobalEvData(Lineage):
    """IEA Global EV Data explorer rows."""

    region: str = pa.Field(description="IEA region or country")
    category: str = pa.Field(
        isin=["Historical", "Projection-STEPS", "Projection-APS"],
        description="Historical or projection scenario",
    )
    parameter: str = pa.Field(description="EV sales, EV stock, EV sales share, ...")
    mode: str = pa.Field(description="Cars, Buses, Vans, Trucks, EV")
    powertrain: str = pa.Field(description="BEV, PHEV, FCEV, EV, ...")
    year: int = pa.Field(**YEAR, description="Calendar year")
    unit: str = pa.Field(description="Unit as published (Vehicles, percent, ...)")
    value: float = pa.Field(ge=0, description="Value in `unit`")

    _value_finite = finite("value")
    _percent = percent_in_range()
    _no_future = not_after_this_year(unless=pl.col("category") != "Historical")

    class Config:
        strict = True
        coerce = True
        unique = ["region", "category", "parameter", "mode", "powertrain", "year", "unit"]


class ChinaOfficialStats(Lineage):
    """Official Chinese figures, one row per published number, with its quote."""

    series_id: str = pa.Field(
        str_matches=r"^[A-Z][A-Z0-9_]+$", description="facts/official_series.csv"
    )
    year: int = pa.Field(ge=1990, le=2035, description="Calendar year the figure refers to")
    period: str = pa.Field(
        str_matches=r"^(FY|Jan-[A-Z][a-z]{2}|end-[A-Z][a-z]{2})$",
        description="FY = full calendar year (or a stock at year end); Jan-Jun = year to date; "
        "end-Oct = a stock at a date within the year",
    )
    is_forecast: bool = pa.Field(description="True for forecasts (never used as actuals)")
    value: float = pa.Field(description="Value exactly as published")
    unit: str = pa.Field(str_length={"min_value": 1}, description="Unit exactly as published")
    qualifier: str = pa.Field(
        isin=BOUNDS,
        description="exact, or the published number is a lower/upper bound ('more than 80%') or "
        "approximate ('about 40%')",
    )
    publisher_cited: str = pa.Field(nullable=True, description="Releasing body as cited")
    definition: str = pa.Field(description="What the figure measures, with qualifiers")
    source_title: str = pa.Field(nullable=True, description="Title of the page quoted")
    source_url: str = pa.Field(str_matches=r"^https?://", description="Page the figure was read on")
    source_date: str = pa.Field(nullable=True, description="Publication date of the page")
    quote: str = pa.Field(str_length={"min_value": 1}, description="Exact quote with the number")
    origin_file: str = pa.Field(description="Transcription file the row came from")
    origin_row: int = pa.Field(ge=1, description="Line in that file")

    _value_finite = finite("value")
    _value_not_negative = non_negative(
        "value", unless=pl.col("unit").str.contains("change"), why="except a stated change"
    )
    _percent = percent_in_range()
    _not_after_release = row_rule(
        "year",
        "not after the year of the page that published it, unless a forecast or a plan year",
        lambda: (
            pl.col("is_forecast")
            | (pl.col("unit") == "year")
            | (pl.col("year") <= pl.col("source_date").str.slice(0, 4).cast(pl.Int64, strict=False))
        ),
    )

    class Config:
        strict = True
        coerce = True
        unique = ["origin_file", "origin_row"]


class NbsNationalData(Lineage):
    """NBS national database cells: one per series, vintage and period (flows/sources/nbs.py)."""

    series_id: str = pa.Field(
        str_matches=r"^[A-Z][A-Z0-9_]+$", description="facts/nbs_catalogue.csv"
    )
    dbcode: str = pa.Field(isin=["hgnd", "hgyd"], description="hgnd annual, hgyd monthly table")
    table: str = pa.Field(str_length={"min_value": 1}, description="Table path in NBS's tree")
    indicator_code: str = pa.Field(description="NBS indicator code (live answers; '' in mirrors)")
    indicator: str = pa.Field(str_length={"min_value": 1}, description="Indicator name as NBS")
    period: str = pa.Field(
        str_matches=r"^(19|20)[0-9]{2}(-(0[1-9]|1[0-2]))?$", description="YYYY or YYYY-MM"
    )
    value: float = pa.Field(description="Value in `unit`, as NBS publishes it")
    unit: str = pa.Field(str_length={"min_value": 1}, description="NBS's unit (百万美元, 万台 ...)")
    unit_source: str = pa.Field(description="Where the unit was read")
    vintage: str = pa.Field(str_length={"min_value": 1}, description="Which scrape or fetch")
    read_from: str = pa.Field(str_length={"min_value": 1}, description="Where the cell was read")

    _value_finite = finite("value")
    _value_positive = row_rule(
        "value",
        "greater than 0 (NBS and its mirrors write a missing cell as 0; no catalogued series "
        "is really zero)",
        lambda: pl.col("value") > 0,
    )
    _no_future = row_rule(
        "period",
        "not after the current year",
        lambda: (
            pl.col("period").str.slice(0, 4).cast(pl.Int64, strict=False)
            <= pl.lit(__import__("datetime").date.today().year)
        ),
    )

    class Config:
        strict = True
        coerce = True
        unique = ["series_id", "vintage", "period"]


class ComtradeTrade(Lineage):
    """UN Comtrade rows, normalised (one per year, reporter, partner, flow, HS code)."""

    year: int = pa.Field(**YEAR, description="Reference year")
    reporter_code: int = pa.Field(ge=0, description="M49 code of the reporter (156 = China)")
    reporter_iso3: str = pa.Field(nullable=True, description="ISO3 of the reporter")
    partner_code: int = pa.Field(ge=0, description="M49 code of the partner (0 = World)")
    partner_iso3: str = pa.Field(nullable=True, description="ISO3 of the partner (WLD = World)")
    flow_code: str = pa.Field(isin=["M", "X", "RM", "RX"], description="M, X, RM, RX")
    classification: str = pa.Field(nullable=True, description="H0..H6 or HS (as reported)")
    cmd_code: str = pa.Field(str_matches=r"^(\d{2,6}|TOTAL)$", description="HS code")
    aggr_level: int = pa.Field(nullable=True, description="HS digits of the code")
    qty_unit: str = pa.Field(nullable=True, description="Quantity unit as reported")
    qty: float = pa.Field(nullable=True, ge=0, description="Quantity in qty_unit")
    net_weight_kg: float = pa.Field(nullable=True, ge=0, description="Net weight, kg")
    primary_value_usd: float = pa.Field(ge=0, description="Trade value, US dollars")
    is_estimated: bool = pa.Field(description="Comtrade flagged an estimated quantity or weight")
    record_source: str = pa.Field(description="Which Comtrade layout the row came from")

    _qty_finite = finite("qty")
    _weight_finite = finite("net_weight_kg")
    _value_finite = finite("primary_value_usd")
    _no_future = not_after_this_year()

    class Config:
        strict = True
        coerce = True
        unique = ["year", "reporter_code", "partner_code", "flow_code", "cmd_code"]


class WorldbankWdi(Lineage):
    """WDI observations, long, each with the vintage (lastupdated) it came with."""

    indicator_id: str = pa.Field(str_matches=r"^[A-Z0-9.]+$", description="WDI indicator code")
    indicator_name: str = pa.Field(description="WDI indicator name")
    country_iso3: str = pa.Field(str_matches=r"^[A-Z0-9]{3}$", description="ISO3 or WB aggregate")
    country_name: str = pa.Field(description="Economy name")
    year: int = pa.Field(**YEAR, description="Calendar year")
    value: float = pa.Field(
        ge=0,
        description="Value in the indicator's unit (the WDI indicators tracked are levels, "
        "counts and shares, never negative; a growth-rate indicator would need its own rule)",
    )
    lastupdated: str = pa.Field(description="WDI vintage (Last Updated Date)")

    _value_finite = finite("value")
    _no_future = not_after_this_year()

    class Config:
        strict = True
        coerce = True
        unique = ["indicator_id", "country_iso3", "year"]


class Mic2025Targets(Lineage):
    """MIC2025 targets as compiled, one row per target with its quote."""

    target_id: str = pa.Field(str_matches=r"^T\d{2,}$", unique=True, description="Stable target id")
    sector: str = pa.Field(description="Sector as written by the compiler")
    indicator: str = pa.Field(description="What is targeted")
    unit: str = pa.Field(description="Unit of baseline and target")
    baseline_year: int = pa.Field(nullable=True, description="Baseline year, if stated")
    baseline_value: float = pa.Field(nullable=True, description="Baseline, if stated")
    target_year: int = pa.Field(nullable=True, ge=2015, le=2035, description="Target year")
    target_value: float = pa.Field(description="Target value in `unit`")
    comparator: str = pa.Field(isin=[">=", ">", "<=", "<", "~", "="], description="Direction")
    scope_note: str = pa.Field(nullable=True, description="Definitional caveats")
    source_title: str = pa.Field(description="Where the target was read")
    source_url: str = pa.Field(str_matches=r"^https?://", description="Source URL")
    quote: str = pa.Field(str_length={"min_value": 1}, description="Exact quote")
    confidence: str = pa.Field(
        isin=["stated_in_source", "secondary_source"], description="Official wording or paraphrase"
    )

    _baseline_finite = finite("baseline_value")
    _target_finite = finite("target_value")

    class Config:
        strict = True
        coerce = True


class SectorHsMap(Lineage):
    """MIC2025 sector/product -> HS code, per HS revision."""

    sector: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    hs_code: str = pa.Field(str_matches=r"^\d{4}(\d{2})?$", description="HS heading or subheading")
    hs_revision: str = pa.Field(isin=["HS2017", "HS2022"], description="HS revision")
    level: int = pa.Field(isin=[4, 6], description="4 = heading, 6 = subheading")
    notes: str = pa.Field(nullable=True, description="Rationale and nomenclature text")
    source: str = pa.Field(description="Nomenclature file used")

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "product", "hs_code", "hs_revision"]
