"""Marts: what users query. Ratios and shares are fractions (0.55, not 55) with unit 'ratio'."""

from __future__ import annotations

import pandera.polars as pa

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
        isin=["exact", "upper", "lower"],
        description="exact, or upper/lower bound when a trade flow is missing (see assumptions)",
    )
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
    """Every metric value, long: one row per sector, product, year and metric."""

    sector: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    year: int = pa.Field(ge=1950, le=2100, description="Calendar year")
    metric: str = pa.Field(description="Metric key; formulas in docs/metrics.md")
    value: float = pa.Field(nullable=True, description="Metric value in `unit`; null with a reason")
    unit: str = pa.Field(description="'ratio' for ratios and shares; base unit otherwise")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    publisher: str = pa.Field(description="Publisher of the inputs")
    method: str = pa.Field(description="Formula and any assumption")
    inputs: str = pa.Field(description="Observations the value was computed from")
    sources: str = pa.Field(description="Source URLs or snapshots of the inputs")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "product", "year", "metric", "basis", "publisher"]


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
    projected_value: float = pa.Field(nullable=True, description="Trend or interpolation value")
    gap: float = pa.Field(nullable=True, description="(actual or projected) - target")
    status: str = pa.Field(
        isin=["met", "on_track", "off_track", "missed", "no_data"], description="Status"
    )
    rule: str = pa.Field(description="How the status was reached, with the numbers")
    measure: str = pa.Field(nullable=True, description="Warehouse series that measures the target")
    sources: str = pa.Field(nullable=True, description="Sources of the actuals")
    confidence: str = pa.Field(description="stated_in_source or secondary_source (the target)")
    target_source_url: str = pa.Field(description="Where the target was read")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
