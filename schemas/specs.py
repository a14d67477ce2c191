"""Metric specs: the files of facts/metrics/ that declare which metrics exist and from what.

A metric is one row of one of these files; the formula it uses is written once in
warehouse/metrics/ (or warehouse/sector_summary.py). Every file is checked against its model
here when it is read (``read_spec``), so a typo in a spec fails the build with the file, row and
rule, instead of silently dropping a metric.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from mic2025.schemas.common import describe_failures, row_rule

BASES = ["quantity", "value"]
SECTOR_ID = {"str_matches": r"^[a-z][a-z0-9_]*$"}
SERIES_ID = {"str_matches": r"^[A-Z][A-Z0-9_]+$"}
#: One term of a series sum: a series, or a series times a same-year rate series
#: ('M*CNY_PER_USD'); warehouse/metrics/series_ratios.py parses sums with it.
SERIES_TERM = r"[A-Z][A-Z0-9_]+(?:\*[A-Z][A-Z0-9_]+)?"
#: A whole, written as a number, may open a sum: '100-A-B' is what the makers A and B leave of
#: a market whose shares are published in percent (all shares add up to 100).
WHOLE = r"[0-9]+(?:\.[0-9]+)?"
#: 'A', 'A+B-C', 'A+M*CNY_PER_USD', '100-A-B', '100' (the whole alone, a denominator).
SERIES_SUM = {
    "str_matches": rf"^(?:{WHOLE}|{SERIES_TERM})(?:[+-]{SERIES_TERM})*$",
}


class Balance(pa.DataFrameModel):
    """balances.csv: the official series that make up one product's supply balance
    (self-sufficiency = production / (production + imports - exports))."""

    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product the balance is for")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    production: str = pa.Field(nullable=True, **SERIES_ID, description="Output series")
    imports: str = pa.Field(nullable=True, **SERIES_ID, description="Import series")
    exports: str = pa.Field(nullable=True, **SERIES_ID, description="Export series")
    publisher: str = pa.Field(description="Publisher ids ('; '-separated)")
    note: str = pa.Field(nullable=True, description="What the balance counts, and what it lacks")

    class Config:
        strict = True
        unique = ["sector_id", "product", "basis", "publisher"]


class WorldShare(pa.DataFrameModel):
    """world_shares.csv: China's share of a world total from one observations series."""

    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product")
    metric: str = pa.Field(str_matches=r"^china_share_of_world_", description="Metric name")
    source: str = pa.Field(description="Source that publishes China's and the world's value")
    indicators: str = pa.Field(description="Indicators summed within the source (';'-separated)")
    annual_from_cumulative: str = pa.Field(
        isin=["true", "false"],
        description="true: the series is a stock; the share is of annual additions",
    )
    description: str = pa.Field(description="The formula in words, with units")

    class Config:
        strict = True
        unique = ["product", "metric", "source"]


class ChinaSeries(pa.DataFrameModel):
    """china_series.csv: a China series of core.observations published as a metric
    (value = observation / divisor)."""

    source: str = pa.Field(description="Source of the series")
    indicator: str = pa.Field(description="Indicator within the source")
    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product ('Whole economy' for cross-cutting series)")
    metric: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="Metric name")
    description: str = pa.Field(description="The formula in words, with units")
    divisor: float = pa.Field(gt=0, description="100 turns a percent into a ratio; else 1")
    unit: str = pa.Field(description="Unit of the published value")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    source_url: str = pa.Field(nullable=True, description="Public page of the series, if any")

    class Config:
        strict = True
        coerce = True
        unique = ["source", "indicator", "metric"]


class ProductBasis(pa.DataFrameModel):
    """product_bases.csv: whether a ratio on this basis is meaningful for this product."""

    product: str = pa.Field(description="Product")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    validity: str = pa.Field(isin=["valid", "caveat", "invalid"], description="Verdict")
    caveat: str = pa.Field(nullable=True, description="Why, shown next to the value")

    class Config:
        strict = True
        unique = ["product", "basis"]


class PublishedShare(pa.DataFrameModel):
    """published_shares.csv: an official series that is itself a share, published as a metric."""

    series_id: str = pa.Field(**SERIES_ID, description="facts/official_series.csv")
    metric: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="Metric name")
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    edition: str = pa.Field(
        nullable=True,
        isin=["report_year"],
        description="report_year: each year's report is its own definition (IC Insights "
        "changed its market definition between editions); empty: one definition",
    )
    note: str = pa.Field(nullable=True, description="What the share measures")

    class Config:
        strict = True
        unique = ["series_id", "metric"]


class SeriesRatio(pa.DataFrameModel):
    """series_ratios.csv: a ratio of two official series of one publisher."""

    metric: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="Metric name")
    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product")
    numerator: str = pa.Field(
        **SERIES_SUM, description="Series on top ('A+B-C': a signed sum; '100-A': a whole less A)"
    )
    denominator: str = pa.Field(
        **SERIES_SUM, description="Series below ('A+B-C': a signed sum; '100': the whole)"
    )
    basis: str = pa.Field(isin=BASES, description="quantity or value")
    definition_id: str = pa.Field(description="The published definition this ratio reproduces")
    unit: str = pa.Field(nullable=True, description="Unit of the value; empty = 'ratio'")
    scale: str = pa.Field(
        nullable=True,
        str_matches=r"^[0-9]+(\.[0-9]+)?(e[0-9]+)?$",
        description="Factor applied to numerator / denominator (1e8 = per 100 million); empty = 1",
    )
    note: str = pa.Field(nullable=True, description="The formula in words")

    class Config:
        strict = True
        unique = ["metric", "product", "numerator", "denominator"]


class SectorMeasure(pa.DataFrameModel):
    """sector_measures.csv: the measures tried, in order, for each sector's summary row."""

    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    role: str = pa.Field(isin=["domestic_supply", "world_position"], description="Role")
    metric: str = pa.Field(description="Metric name")
    product: str = pa.Field(description="Product")
    publisher: str = pa.Field(nullable=True, description="Publisher id, when one is required")
    note: str = pa.Field(nullable=True, description="What the measure is")

    class Config:
        strict = True


class SectorGap(pa.DataFrameModel):
    """sector_gaps.csv: why a sector has no measure in a role, and the searches that failed."""

    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    role: str = pa.Field(isin=["domestic_supply", "world_position", "baseline"], description="Role")
    note: str = pa.Field(description="The reason, with the searches that failed")

    class Config:
        strict = True
        unique = ["sector_id", "role"]


class ValuedDomesticShare(pa.DataFrameModel):
    """valued_domestic_shares.csv: a domestic share of demand where output is counted in units
    and trade in money (warehouse/domestic_shares.py)."""

    metric: str = pa.Field(description="Metric name")
    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product")
    export_value: str = pa.Field(**SERIES_ID, description="Exports, money")
    import_value: str = pa.Field(**SERIES_ID, description="Imports, money (same currency)")
    completions: str = pa.Field(**SERIES_ID, description="Output, units")
    export_completions: str = pa.Field(
        nullable=True, **SERIES_ID, description="Output exported, same units"
    )
    export_share: str = pa.Field(
        nullable=True, **SERIES_ID, description="Or: the exported share of output, percent"
    )
    publisher: str = pa.Field(description="Publisher ids ('; '-separated)")
    definition_id: str = pa.Field(unique=True, description="Definition id")
    note: str = pa.Field(description="What it counts and assumes")

    class Config:
        strict = True

    one_way = row_rule(
        "export_completions",
        "exactly one of export_completions and export_share",
        lambda: pl.col("export_completions").is_null() ^ pl.col("export_share").is_null(),
    )


class NbsCatalogue(pa.DataFrameModel):
    """facts/nbs_catalogue.csv: the NBS national-database series the project reads, where each
    sits in NBS's indicator tree, and the series id it becomes in core.official_stats."""

    series_id: str = pa.Field(unique=True, **SERIES_ID, description="Series id")
    dbcode: str = pa.Field(isin=["hgnd", "hgyd"], description="hgnd annual, hgyd monthly")
    table: str = pa.Field(description="Path of names in NBS's indicator tree, '/'-separated")
    indicator: str = pa.Field(description="Indicator name exactly as NBS writes it")
    frequency: str = pa.Field(isin=["annual", "monthly"], description="Of the table")
    sector_id: str = pa.Field(**SECTOR_ID, description="core.sectors.sector_id")
    product: str = pa.Field(description="Product group (says 'NBS' so definitions stay apart)")
    measure: str = pa.Field(description="production, exports, imports, revenue ...")
    base_unit: str = pa.Field(description="Unit in core.official_stats")
    mirror_unit: str = pa.Field(description="NBS's unit for the table (the mirrors kept none)")
    description: str = pa.Field(description="Definition")

    class Config:
        strict = True
        unique = ["dbcode", "table", "indicator"]


#: file of facts/metrics/ -> its model
class PlaceSeries(pa.DataFrameModel):
    """place_series.csv: an official series of one place (city, province or region), the metric
    it becomes in marts.city_metrics and the national series its share is taken of."""

    series_id: str = pa.Field(**SERIES_ID, description="facts/official_series.csv")
    place_id: str = pa.Field(**SECTOR_ID, description="facts/places.csv place_id")
    metric: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$", description="Metric name")
    national_series: str = pa.Field(
        nullable=True, **SERIES_ID, description="The national series of the same definition"
    )
    usd: str = pa.Field(isin=["yes", "no"], description="yes: also converted to US dollars")
    note: str = pa.Field(nullable=True, description="What the series measures")

    class Config:
        strict = True
        unique = ["series_id"]


class Place(pa.DataFrameModel):
    """facts/places.csv: a city, province or region an article names for a MIC2025 sector."""

    place_id: str = pa.Field(unique=True, **SECTOR_ID, description="Stable key")
    name: str = pa.Field(description="English name")
    name_zh: str = pa.Field(description="Chinese name")
    kind: str = pa.Field(
        isin=["city", "province-level city", "province", "autonomous region"],
        description="Administrative level",
    )
    province: str = pa.Field(description="Province (itself for a province-level place)")
    iso_3166_2: str = pa.Field(
        str_matches=r"^CN-[A-Z]{2}$", description="ISO 3166-2 code of the province"
    )
    sectors: str = pa.Field(description="MIC2025 sector ids it is named for (';' separated)")
    named_by: str = pa.Field(description="article_id of the article that names it")
    named_for: str = pa.Field(description="What the article names it for (its words)")

    class Config:
        strict = True


SPECS: dict[str, type[pa.DataFrameModel]] = {
    "balances.csv": Balance,
    "world_shares.csv": WorldShare,
    "china_series.csv": ChinaSeries,
    "product_bases.csv": ProductBasis,
    "published_shares.csv": PublishedShare,
    "series_ratios.csv": SeriesRatio,
    "sector_measures.csv": SectorMeasure,
    "sector_gaps.csv": SectorGap,
    "valued_domestic_shares.csv": ValuedDomesticShare,
    "place_series.csv": PlaceSeries,
}

#: catalogue files of facts/ (not metric specs) -> their model
CATALOGUES: dict[str, type[pa.DataFrameModel]] = {
    "nbs_catalogue.csv": NbsCatalogue,
    "places.csv": Place,
}


def validate_spec(name: str, frame: pl.DataFrame, folder: str = "facts/metrics") -> pl.DataFrame:
    """Check a spec file's rows; raise ValidationFailed naming the file, row and rule."""
    import pandera.errors

    from mic2025.flows.base.errors import ValidationFailed

    try:
        return (SPECS.get(name) or CATALOGUES[name]).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        raise ValidationFailed(
            "facts", f"{folder}/{name}", describe_failures(exc.failure_cases)
        ) from None
