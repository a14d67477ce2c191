"""Raw layer: each source's rows as landed, plus lineage. Checked on every load; rows that fail
go to meta.quarantine (see warehouse/load.py)."""

from __future__ import annotations

import pandera.polars as pa

from schemas._common import YEAR, Lineage


class OwidGrapher(Lineage):
    """An OWID grapher chart: one value per entity and year."""

    entity: str = pa.Field(description="OWID entity name (country or aggregate)")
    code: str = pa.Field(nullable=True, description="ISO 3166-1 alpha-3 or OWID_* code")
    year: int = pa.Field(**YEAR, description="Calendar year")
    value: float = pa.Field(description="Value in `unit`")
    indicator: str = pa.Field(description="OWID grapher slug")
    unit: str = pa.Field(description="Unit of `value` as stated by the chart")

    class Config:
        strict = True
        coerce = True


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
    value: float = pa.Field(description="Value in `unit`")

    class Config:
        strict = True
        coerce = True


class ChinaOfficialStats(Lineage):
    """Official Chinese figures, one row per published number, with its quote."""

    series_id: str = pa.Field(
        str_matches=r"^[A-Z][A-Z0-9_]+$", description="facts/official_series.csv"
    )
    year: int = pa.Field(ge=1990, le=2035, description="Calendar year the figure refers to")
    period: str = pa.Field(
        str_matches=r"^(FY|Jan-[A-Z][a-z]{2})$", description="FY = full calendar year"
    )
    is_forecast: bool = pa.Field(description="True for forecasts (never used as actuals)")
    value: float = pa.Field(description="Value exactly as published")
    unit: str = pa.Field(str_length={"min_value": 1}, description="Unit exactly as published")
    publisher_cited: str = pa.Field(nullable=True, description="Releasing body as cited")
    definition: str = pa.Field(description="What the figure measures, with qualifiers")
    source_title: str = pa.Field(nullable=True, description="Title of the page quoted")
    source_url: str = pa.Field(str_matches=r"^https?://", description="Page the figure was read on")
    source_date: str = pa.Field(nullable=True, description="Publication date of the page")
    quote: str = pa.Field(str_length={"min_value": 1}, description="Exact quote with the number")
    origin_file: str = pa.Field(description="Transcription file the row came from")
    origin_row: int = pa.Field(ge=1, description="Line in that file")

    class Config:
        strict = True
        coerce = True
