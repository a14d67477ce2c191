"""Core layer: conformed observations in base units, with publisher and provenance kept."""

from __future__ import annotations

import pandera.polars as pa

from mic2025.schemas.common import BOUNDS, YEAR, known_publishers


class Observations(pa.DataFrameModel):
    """Long statistical observations from OWID, IEA and the World Bank."""

    source: str = pa.Field(description="Source name (meta.snapshots.source)")
    indicator: str = pa.Field(description="Indicator key within the source")
    entity: str = pa.Field(description="Country or aggregate as the source names it")
    iso3: str = pa.Field(nullable=True, description="ISO3 code; WLD for the world; null otherwise")
    year: int = pa.Field(**YEAR, description="Calendar year")
    value: float = pa.Field(description="Value in `unit`")
    unit: str = pa.Field(description="Unit (percent stays percent here)")
    scenario: str = pa.Field(description="'historical' or a projection scenario")
    publisher: str = pa.Field(description="Original publisher of the data")
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        coerce = True
        unique = ["source", "indicator", "entity", "year", "scenario"]


class OfficialStats(pa.DataFrameModel):
    """Official Chinese figures in base units, one row per published figure."""

    series_id: str = pa.Field(description="Series key (core.official_series)")
    sector_id: str = pa.Field(description="MIC2025 sector (core.sectors)")
    product: str = pa.Field(description="Product group")
    measure: str = pa.Field(description="production, imports, exports, domestic_brand_share, ...")
    publisher: str = pa.Field(description="Statistical body of the series (CAAM, NBS, GACC ...)")
    year: int = pa.Field(ge=1990, le=2035, description="Calendar year")
    period: str = pa.Field(description="FY = full year; Jan-Jun etc. for partial years")
    is_forecast: bool = pa.Field(description="Forecast, not an observation")
    value_as_published: float = pa.Field(description="Value as printed by the source")
    unit_as_published: str = pa.Field(description="Unit as printed by the source")
    value: float = pa.Field(description="Value in base units (`unit`)")
    unit: str = pa.Field(
        description="Base unit: vehicles, pieces, units, W, Wh, t, USD, CNY, percent"
    )
    qualifier: str = pa.Field(
        isin=BOUNDS,
        description="exact, or a lower/upper bound, or approximate, as published",
    )
    publisher_id: str = pa.Field(description="Original publisher (facts/publishers.csv id)")
    via: str = pa.Field(
        nullable=True, description="Page or outlet that reposts the figure (null: the original)"
    )
    read_on: str = pa.Field(
        isin=["official", "major", "mirror", "repost", "unrelated"],
        description="Where the figure was read: the publisher's own or a government site, a "
        "major news or trade host, a public mirror of the publisher's database, another repost, "
        "or a host unrelated to the subject (facts/hosts.csv; a bare IP address is unrelated)",
    )
    publisher_cited: str = pa.Field(
        nullable=True, description="Releasing body as cited on the page"
    )
    definition: str = pa.Field(description="What the figure measures")
    source_title: str = pa.Field(nullable=True, description="Title of the page")
    source_url: str = pa.Field(str_matches=r"^https?://", description="Page the figure was read on")
    source_date: str = pa.Field(nullable=True, description="Date of the page")
    quote: str = pa.Field(description="Exact quote containing the figure")
    origin_file: str = pa.Field(description="Transcription file")
    origin_row: int = pa.Field(description="Line in the transcription file")
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        coerce = True

    @pa.check("publisher_id", name="publisher_in_facts_publishers_csv")
    def _publisher_known(cls, data: pa.PolarsData):
        return known_publishers(data)


class NationalSeries(pa.DataFrameModel):
    """China's national statistics (NBS national database), one row per series, vintage and
    year: annual tables as published, monthly tables by their December year-to-date value."""

    series_id: str = pa.Field(description="Series key (facts/nbs_catalogue.csv)")
    sector_id: str = pa.Field(description="MIC2025 sector (core.sectors)")
    product: str = pa.Field(description="Product group")
    measure: str = pa.Field(description="production, exports, imports, revenue ...")
    year: int = pa.Field(ge=1990, le=2035, description="Calendar year")
    period_as_published: str = pa.Field(description="NBS period: YYYY, or YYYY-12 (year to date)")
    value_as_published: float = pa.Field(description="Value as NBS publishes it")
    unit_as_published: str = pa.Field(description="NBS's unit")
    value: float = pa.Field(description="Value in base units (`unit`)")
    unit: str = pa.Field(description="Base unit")
    indicator: str = pa.Field(description="NBS indicator name")
    table: str = pa.Field(description="NBS table (path in its indicator tree)")
    dbcode: str = pa.Field(description="hgnd (annual) or hgyd (monthly)")
    vintage: str = pa.Field(description="Which scrape or fetch of the database")
    is_latest_vintage: bool = pa.Field(
        description="The vintage the metrics read for this series (never two spliced)"
    )
    read_from: str = pa.Field(description="Where the value was read (mirror @ commit: cell)")
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        unique = ["series_id", "vintage", "year"]


class Publishers(pa.DataFrameModel):
    """The publisher vocabulary (facts/publishers.csv): every value's publisher is one of these."""

    publisher_id: str = pa.Field(unique=True, str_matches=r"^[A-Z][A-Z0-9_]*$", description="Id")
    name: str = pa.Field(description="Full name")
    country: str = pa.Field(description="ISO3 of the publisher's country, INT, or empty")
    url: str = pa.Field(description="Home page (a page on this host is the original, not a repost)")
    kind: str = pa.Field(description="statistical office, ministry, industry association, ...")
    aliases: str = pa.Field(description="Regular expression of the names it is cited by")

    class Config:
        strict = True


class Sectors(pa.DataFrameModel):
    """The MIC2025 priority sectors."""

    sector_id: str = pa.Field(unique=True, description="Stable key")
    sector: str = pa.Field(unique=True, description="MIC2025 sector name")
    short_name: str = pa.Field(description="Short label for charts")
    in_scope_note: str = pa.Field(description="What the sector covers here")

    class Config:
        strict = True


class Places(pa.DataFrameModel):
    """Cities, provinces and regions that articles name for a MIC2025 sector (facts/places.csv)."""

    place_id: str = pa.Field(unique=True, description="Stable key")
    name: str = pa.Field(description="English name")
    name_zh: str = pa.Field(description="Chinese name")
    kind: str = pa.Field(description="city, province-level city, province or autonomous region")
    province: str = pa.Field(description="Province (itself for a province-level place)")
    iso_3166_2: str = pa.Field(str_matches=r"^CN-[A-Z]{2}$", description="ISO 3166-2 code")
    sectors: str = pa.Field(description="MIC2025 sector ids it is named for (';' separated)")
    named_by: str = pa.Field(description="article_id of the article that names it")
    named_for: str = pa.Field(description="What the article names it for (its words)")

    class Config:
        strict = True


class OfficialSeries(pa.DataFrameModel):
    """Catalogue of official series: what each series_id measures."""

    series_id: str = pa.Field(unique=True, description="Series key")
    sector_id: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    measure: str = pa.Field(description="What is measured")
    publisher: str = pa.Field(description="Statistical body")
    base_unit: str = pa.Field(description="Unit of the series in core.official_stats")
    description: str = pa.Field(description="Definition")

    class Config:
        strict = True


class Trade(pa.DataFrameModel):
    """Trade by HS code from UN Comtrade, values in US dollars."""

    year: int = pa.Field(**YEAR, description="Reference year")
    reporter_code: int = pa.Field(description="M49 reporter code (156 = China)")
    reporter_iso3: str = pa.Field(
        str_matches=r"^[A-Z][A-Z0-9]{2}$",
        description="Reporter ISO3 (from the area code where the source left it blank)",
    )
    partner_code: int = pa.Field(description="M49 partner code (0 = World)")
    partner_iso3: str = pa.Field(
        str_matches=r"^[A-Z][A-Z0-9]{2}$", description="Partner ISO3; WLD = World"
    )
    flow: str = pa.Field(
        isin=["imports", "exports", "re_imports", "re_exports"], description="Trade flow"
    )
    hs_code: str = pa.Field(description="HS code as reported")
    hs_level: int = pa.Field(description="Digits of the HS code")
    classification: str = pa.Field(nullable=True, description="Comtrade classification (H0..H6)")
    hs_revision: str = pa.Field(description="HS revision of the code (HS2012, HS2017 ...)")
    value_usd: float = pa.Field(ge=0, description="Trade value, US dollars")
    net_weight_kg: float = pa.Field(nullable=True, description="Net weight, kg")
    quantity: float = pa.Field(nullable=True, description="Quantity in quantity_unit")
    quantity_unit: str = pa.Field(nullable=True, description="Quantity unit")
    is_estimated: bool = pa.Field(description="Comtrade estimation flag")
    publisher: str = pa.Field(description="UN Comtrade")
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        coerce = True
        unique = ["year", "reporter_code", "partner_code", "flow", "hs_code"]


class SectorHsMap(pa.DataFrameModel):
    """MIC2025 sector/product -> HS code, per revision (not an official concordance)."""

    sector_id: str = pa.Field(description="Sector key (core.sectors)")
    sector: str = pa.Field(description="MIC2025 sector")
    product: str = pa.Field(description="Product group")
    hs_code: str = pa.Field(description="HS code")
    hs_revision: str = pa.Field(isin=["HS2017", "HS2022"], description="HS revision")
    level: int = pa.Field(description="4 or 6 digits")
    notes: str = pa.Field(nullable=True, description="Rationale and nomenclature text")
    source: str = pa.Field(description="Nomenclature file")
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "product", "hs_code", "hs_revision"]


class Targets(pa.DataFrameModel):
    """MIC2025 targets: value and unit as stated, with source and quote."""

    target_id: str = pa.Field(unique=True, description="Target id")
    sector_id: str = pa.Field(description="Sector key")
    sector: str = pa.Field(description="Sector as written in the source table")
    indicator: str = pa.Field(description="What is targeted")
    unit: str = pa.Field(description="Unit of the target")
    baseline_year: int = pa.Field(nullable=True, description="Baseline year")
    baseline_value: float = pa.Field(nullable=True, description="Baseline value")
    target_year: int = pa.Field(nullable=True, description="Target year (null: not stated)")
    target_value: float = pa.Field(description="Target value")
    comparator: str = pa.Field(description=">=, >, <=, <, ~")
    scope_note: str = pa.Field(nullable=True, description="Caveats")
    source_title: str = pa.Field(description="Source")
    source_url: str = pa.Field(description="Source URL")
    quote: str = pa.Field(description="Exact quote")
    confidence: str = pa.Field(description="stated_in_source or secondary_source")
    curator_note: str = pa.Field(
        nullable=True, description="This project's remark on the target (not the plan's words)"
    )
    same_goal_as: str = pa.Field(
        nullable=True,
        description="Another target that states the same goal (in another document): the two "
        "are scored alike and counted once",
    )
    load_id: str = pa.Field(description="Load that wrote the row")
    snapshot_sha256: str = pa.Field(description="Snapshot the row comes from")

    class Config:
        strict = True
        coerce = True
