"""Marts: what users query. Ratios and shares are fractions (0.55, not 55) with unit 'ratio'."""

from __future__ import annotations

import pandera.polars as pa

from mic2025.schemas.common import BOUNDS, known_publishers

BASES = ["quantity", "value"]


class SelfSufficiency(pa.DataFrameModel):
    """Self-sufficiency by sector, product and year; one row per basis.

    self_sufficiency_ratio = production / (production + imports - exports)
    import_dependence      = imports / apparent_consumption
    """

    sector: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    year: int = pa.Field(ge=1950, le=2100, description="Calendar year")
    basis: str = pa.Field(isin=BASES, description="'quantity' or 'value'; never mixed in one row")
    publisher: str = pa.Field(description="Publishers of the inputs (never summed across)")
    unit: str = pa.Field(description="Unit of production, imports, exports, apparent_consumption")
    production: float = pa.Field(nullable=True, description="Domestic production, in `unit`")
    imports: float = pa.Field(nullable=True, description="Imports, in `unit`; null = not available")
    exports: float = pa.Field(nullable=True, description="Exports, in `unit`; null = not available")
    apparent_consumption: float = pa.Field(
        nullable=True,
        description="production + imports - exports (missing terms per `assumptions`)",
    )
    self_sufficiency_ratio: float = pa.Field(
        nullable=True,
        ge=0,
        description="production / apparent_consumption (ratio; >1 = net exporter)",
    )
    import_dependence: float = pa.Field(
        nullable=True, ge=0, description="imports / apparent_consumption (ratio)"
    )
    ratio_bound: str = pa.Field(
        nullable=True,
        isin=BOUNDS,
        description="Bound of self_sufficiency_ratio, from its inputs' bounds and the formula's "
        "direction (a missing flow counts as a lower bound of 0; warehouse/bounds.py)",
    )
    import_dependence_bound: str = pa.Field(
        nullable=True, isin=BOUNDS, description="Bound of import_dependence, likewise"
    )
    production_bound: str = pa.Field(
        nullable=True, isin=BOUNDS, description="Production as published: exact or a bound"
    )
    imports_bound: str = pa.Field(nullable=True, isin=BOUNDS, description="Imports, likewise")
    exports_bound: str = pa.Field(nullable=True, isin=BOUNDS, description="Exports, likewise")
    missing_inputs: str = pa.Field(
        nullable=True, description="Inputs with no data, comma-separated"
    )
    assumptions: str = pa.Field(description="What was assumed or why the ratio is null")
    flags: str = pa.Field(nullable=True, description="e.g. negative_apparent_consumption")
    inputs: str = pa.Field(description="series_id:year of each input")
    sources: str = pa.Field(description="Source URLs of the inputs")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "product", "year", "basis", "publisher"]


class SectorMetrics(pa.DataFrameModel):
    """Every metric value, long: one row per sector, product, year, metric and definition."""

    sector: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    year: int = pa.Field(ge=1950, le=2100, description="Calendar year")
    period: str = pa.Field(
        str_matches=r"^(FY|Jan-[A-Z][a-z]{2}|end-[A-Z][a-z]{2})$",
        description="FY = full year (or year-end stock); Jan-Jun etc. = part of a year: shown, "
        "never trended or scored as a year",
    )
    metric: str = pa.Field(description="Metric key; formulas in docs/metrics.md")
    value: float = pa.Field(nullable=True, description="Metric value in `unit`; null with a reason")
    unit: str = pa.Field(description="'ratio' for ratios and shares; base unit otherwise")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    bound: str = pa.Field(
        isin=BOUNDS,
        description="exact; lower/upper = the true value is at least/at most `value`; "
        "approximate = published as 'about'",
    )
    definition_id: str = pa.Field(
        description="What exactly is measured, by whom: only values of one definition are "
        "trended or compared (an official series_id, a balance, or a source:indicator)"
    )
    headline: bool = pa.Field(
        description="The row to show first for its sector, product, metric and year: the value "
        "basis where one exists"
    )
    caveat: str = pa.Field(
        nullable=True, description="Why the basis needs care (e.g. chips counted by piece)"
    )
    publisher: str = pa.Field(
        description="Original publisher(s) of the inputs: ids of facts/publishers.csv, '; '-separated"
    )
    method: str = pa.Field(description="Formula and any assumption")
    inputs: str = pa.Field(description="Observations the value was computed from")
    sources: str = pa.Field(description="Source URLs or snapshots of the inputs")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
        unique = [
            "sector",
            "product",
            "year",
            "period",
            "metric",
            "basis",
            "publisher",
            "definition_id",
        ]

    @pa.check("publisher", name="publisher_in_facts_publishers_csv")
    def _publisher_known(cls, data: pa.PolarsData):
        return known_publishers(data)


class Scorecard(pa.DataFrameModel):
    """MIC2025 targets against the latest actuals; the rule applied is stated in `rule`."""

    target_id: str = pa.Field(unique=True, description="core.targets.target_id")
    sector: str = pa.Field(description="MIC2025 sector")
    indicator: str = pa.Field(description="What is targeted")
    comparator: str = pa.Field(isin=[">=", ">", "<=", "<", "~", "="], description="Direction")
    target_year: int = pa.Field(nullable=True, description="Target year (null: not stated)")
    target_value: float = pa.Field(description="Target; percent targets as ratios")
    unit: str = pa.Field(description="'ratio' for percent targets; unit as stated otherwise")
    actual_value: float = pa.Field(
        nullable=True, description="Actual for the target year, or latest"
    )
    actual_year: int = pa.Field(nullable=True, description="Year of actual_value")
    actual_bound: str = pa.Field(
        nullable=True,
        isin=BOUNDS,
        description="Whether actual_value is exact or a bound",
    )
    projected_value: float = pa.Field(nullable=True, description="Trend or interpolation value")
    gap: float = pa.Field(
        nullable=True,
        description="(actual or projected) - compared_with; its bound is actual_bound (the "
        "target is exact: warehouse/bounds.py difference_bound)",
    )
    compared_with: float = pa.Field(
        nullable=True,
        description="The target the actual was compared with: target_value, or the target as a "
        "published source restates it in the actual's definition (T32: 4.0 L/100km on NEDC is "
        "4.6 on WLTC); null when nothing was compared",
    )
    status: str = pa.Field(
        isin=["met", "on_track", "off_track", "missed", "no_data", "disputed"],
        description="Status; disputed: the target's wording is reported two ways and the two "
        "readings give different results (both in rule)",
    )
    rule: str = pa.Field(description="How the status was reached, with the numbers")
    measure: str = pa.Field(nullable=True, description="Warehouse series that measures the target")
    definition_id: str = pa.Field(
        nullable=True, description="Definition of actual_value (marts.sector_metrics.definition_id)"
    )
    sources: str = pa.Field(nullable=True, description="Sources of the actuals")
    confidence: str = pa.Field(description="stated_in_source or secondary_source (the target)")
    curator_note: str = pa.Field(
        nullable=True, description="This project's remark on the target (not the plan's words)"
    )
    same_goal_as: str = pa.Field(
        nullable=True, description="The target stating the same goal; this one is counted once"
    )
    target_source_url: str = pa.Field(description="Where the target was read")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True


class SectorSummary(pa.DataFrameModel):
    """The sector-by-sector answer: one row per MIC2025 sector (see warehouse/sector_summary.py).

    Values are ratios (0.55 = 55%). ``*_bound`` says whether a value is exact or a bound;
    ``change_since_baseline`` = latest - baseline, same definition, only where the bounds allow;
    ``change_since_baseline_bound`` is its bound (warehouse/bounds.py ``difference_bound``)."""

    sector_id: str = pa.Field(unique=True, description="core.sectors.sector_id")
    sector: str = pa.Field(description="MIC2025 sector")
    short_name: str = pa.Field(description="Short label")
    domestic_supply_metric: str = pa.Field(nullable=True, description="Metric of the measure")
    domestic_supply_product: str = pa.Field(nullable=True, description="Product of the measure")
    domestic_supply_value: float = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Share of China's own demand supplied by domestic makers, latest in "
        "2021-2024 (ratio, 0-1: higher is more self-reliant)",
    )
    domestic_supply_year: int = pa.Field(nullable=True, description="Its year")
    domestic_supply_basis: str = pa.Field(nullable=True, isin=BASES, description="Basis")
    domestic_supply_bound: str = pa.Field(nullable=True, isin=BOUNDS, description="Bound")
    domestic_supply_definition: str = pa.Field(nullable=True, description="definition_id")
    domestic_supply_publisher: str = pa.Field(nullable=True, description="Publisher id(s)")
    domestic_supply_note: str = pa.Field(
        nullable=True, description="What the measure is, or why there is none"
    )
    baseline_value: float = pa.Field(nullable=True, ge=0, description="Same definition, 2013-2016")
    baseline_year: int = pa.Field(nullable=True, description="Its year (nearest 2015 first)")
    baseline_bound: str = pa.Field(nullable=True, isin=BOUNDS, description="Bound")
    change_since_baseline: float = pa.Field(
        nullable=True, description="latest - baseline (ratio points; x100 = percentage points)"
    )
    change_since_baseline_bound: str = pa.Field(
        nullable=True,
        isin=BOUNDS,
        description="Bound of the change, from the two values' bounds (a lower-bound latest "
        "over an exact baseline: the change is at least the difference)",
    )
    baseline_note: str = pa.Field(description="The baseline's definition, or why there is none")
    world_position_metric: str = pa.Field(nullable=True, description="Metric of the measure")
    world_position_product: str = pa.Field(nullable=True, description="Product of the measure")
    world_position_value: float = pa.Field(
        nullable=True, ge=0, le=1, description="China's share of the world, latest in 2021-2024"
    )
    world_position_year: int = pa.Field(nullable=True, description="Its year")
    world_position_bound: str = pa.Field(nullable=True, isin=BOUNDS, description="Bound")
    world_position_definition: str = pa.Field(nullable=True, description="definition_id")
    world_position_publisher: str = pa.Field(nullable=True, description="Publisher id(s)")
    world_position_note: str = pa.Field(
        nullable=True, description="What the measure is, or why there is none"
    )
    targets_met: int = pa.Field(ge=0, description="Targets of the sector met")
    targets_missed: int = pa.Field(ge=0, description="Targets missed")
    targets_on_track: int = pa.Field(ge=0, description="Future targets on track")
    targets_off_track: int = pa.Field(ge=0, description="Future targets off track")
    targets_no_data: int = pa.Field(ge=0, description="Targets without a decisive actual")
    targets_disputed: int = pa.Field(
        ge=0, description="Targets whose disputed wording gives two results"
    )
    evaluator_verdicts: str = pa.Field(
        nullable=True, description="Third-party evaluators' verdicts and whether our numbers agree"
    )
    reading: str = pa.Field(description="One sentence built from the numbers above")
    sources: str = pa.Field(description="Sources of the values")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True


class CityMetrics(pa.DataFrameModel):
    """Every figure of a city, province or region, long: the place's own series as published,
    in US dollars at the year's average exchange rate, as a share of the national figure of the
    same definition, and its growth since 2014-2015 (warehouse/city_metrics.py)."""

    place_id: str = pa.Field(description="core.places.place_id")
    place: str = pa.Field(description="Place name")
    year: int = pa.Field(ge=1950, le=2100, description="Calendar year")
    period: str = pa.Field(
        str_matches=r"^(FY|Jan-[A-Z][a-z]{2}|end-[A-Z][a-z]{2})$",
        description="FY = full year; Jan-Sep etc. = part of a year (never compared with a year)",
    )
    metric: str = pa.Field(
        description="gdp, nev_output, rd_expenditure; with _usd, _share_of_national or "
        "_multiple_since_base appended for the computed forms"
    )
    value: float = pa.Field(description="Value in `unit`")
    unit: str = pa.Field(
        description="CNY, USD, vehicles; 'ratio' for shares, 'times' for multiples"
    )
    bound: str = pa.Field(
        isin=BOUNDS, description="exact, lower, upper or approximate (follows the inputs)"
    )
    definition_id: str = pa.Field(description="The series (or series pair) measured")
    publisher: str = pa.Field(description="Original publisher(s) of the inputs (ids)")
    method: str = pa.Field(description="As published, or the formula with units")
    inputs: str = pa.Field(description="Observations the value was computed from")
    sources: str = pa.Field(description="Source URLs of the inputs")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
        unique = ["place_id", "year", "period", "metric", "definition_id"]
