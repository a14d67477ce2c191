"""raw -> core (polars): base units, ISO3 codes, one shape per kind of data, publishers kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import polars as pl

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.flows.sources import get_source
from mic2025.flows.sources.base import Source
from mic2025.flows.sources.reference import HS_MAP_COLUMNS, TARGET_COLUMNS
from mic2025.schemas.core import OfficialStats
from mic2025.warehouse.units import COUNT_UNITS, parse_unit

#: Region names used by IEA and OWID -> ISO3 (WLD for the world, EUU for the EU-27 as WDI does).
ISO3_BY_NAME = {
    "World": "WLD",
    "China": "CHN",
    "USA": "USA",
    "United States": "USA",
    "EU27": "EUU",
    "European Union (27)": "EUU",
    "Germany": "DEU",
    "Japan": "JPN",
    "Korea": "KOR",
    "South Korea": "KOR",
    "India": "IND",
}


def read_publishers() -> pl.DataFrame:
    """facts/publishers.csv: the publisher vocabulary (id, name, country, url, kind, aliases)."""
    return read_facts_csv(facts_dir() / "publishers.csv").with_columns(
        pl.col("url").fill_null(""), pl.col("country").fill_null("")
    )


OBSERVATION_COLUMNS = [
    "source",
    "indicator",
    "entity",
    "iso3",
    "year",
    "value",
    "unit",
    "scenario",
    "publisher",
    "load_id",
    "snapshot_sha256",
]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def owid_observations(source: str, raw: pl.DataFrame) -> pl.DataFrame:
    """OWID chart -> observations. OWID's residual 'Rest of World' rows are dropped (they can be
    negative and are not data); the world aggregate OWID_WRL becomes iso3 'WLD'; the publisher
    is the one the chart's declaration names (flows/sources/owid.py)."""
    code = pl.col("code")
    iso3 = (
        pl.when(code == "OWID_WRL")
        .then(pl.lit("WLD"))
        .when(code.str.contains(r"^[A-Z]{3}$"))
        .then(code)
        .otherwise(pl.col("entity").replace_strict(ISO3_BY_NAME, default=None))
    )
    return (
        raw.filter(~pl.col("entity").str.to_lowercase().str.starts_with("rest of"))
        .select(
            pl.lit(source).alias("source"),
            pl.col("indicator"),
            pl.col("entity"),
            iso3.alias("iso3"),
            pl.col("year"),
            pl.col("value"),
            pl.col("unit"),
            pl.lit("historical").alias("scenario"),
            pl.lit(get_source(source).publisher).alias("publisher"),
            pl.col("load_id"),
            pl.col("snapshot_sha256"),
        )
        .select(OBSERVATION_COLUMNS)
    )


def iea_observations(raw: pl.DataFrame) -> pl.DataFrame:
    """IEA rows -> observations; indicator = slug of 'parameter mode powertrain'
    (e.g. ``ev_sales_cars_bev``); scenario 'historical', 'projection_steps', 'projection_aps'."""
    unit = pl.when(pl.col("unit") == "Vehicles").then(pl.lit("vehicles")).otherwise(pl.col("unit"))
    return raw.select(
        pl.lit("iea_global_ev_data").alias("source"),
        pl.concat_str(["parameter", "mode", "powertrain"], separator=" ")
        .map_elements(_slug, return_dtype=pl.String)
        .alias("indicator"),
        pl.col("region").alias("entity"),
        pl.col("region").replace_strict(ISO3_BY_NAME, default=None).alias("iso3"),
        pl.col("year"),
        pl.col("value"),
        unit.alias("unit"),
        pl.col("category").map_elements(_slug, return_dtype=pl.String).alias("scenario"),
        pl.lit("International Energy Agency").alias("publisher"),
        pl.col("load_id"),
        pl.col("snapshot_sha256"),
    ).select(OBSERVATION_COLUMNS)


def _exact_product(value: float | None, factor: float) -> float | None:
    """value x factor in decimal arithmetic, so 70.6 x 1e8 is 7060000000, not 7059999999.99."""
    if value is None:
        return None
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


def _host(url: str) -> str:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.").removeprefix("m.")


def resolve_publisher(
    cited: str | None, fallback: str, publishers: pl.DataFrame, title: str | None = None
) -> str:
    """The original publisher's id: the vocabulary entry whose alias appears first in the cited
    text ('MIIT (via People's Daily)' -> MIIT; '国家统计局 via 中商产业研究院' -> NBS), else in
    the page title, else the series' own publisher. Raises when none is in facts/publishers.csv."""
    known = set(publishers["publisher_id"].to_list())
    if cited in known:
        return cited
    best: tuple[int, str] | None = None
    for text in (cited or "", title or "", fallback):
        for pid, aliases in publishers.select("publisher_id", "aliases").iter_rows():
            m = re.search(aliases, text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), pid)
        if best is not None:
            return best[1]
    raise SourceFormatError(
        "china_official_stats",
        f"publisher {cited!r} (series publisher {fallback!r}) is not in facts/publishers.csv",
    )


def publisher_homes(publishers: pl.DataFrame) -> dict[str, str]:
    """publisher_id -> the host of its own site ('' when none is listed), read once per table
    instead of filtering the vocabulary for every figure."""
    return {
        pid: _host(url) if url else ""
        for pid, url in publishers.select("publisher_id", "url").iter_rows()
    }


def repost_host(source_url: str, publisher_id: str, homes: dict[str, str]) -> str | None:
    """The host that reposts a figure, or None when the page is the publisher's own site
    (``homes``: :func:`publisher_homes`)."""
    page = _host(source_url)
    home = homes.get(publisher_id, "")
    if home and (page == home or page.endswith("." + home)):
        return None
    return page or None


#: core.official_stats, in order (schemas/core.py::OfficialStats): curated figures and the NBS
#: database series both land here.
OFFICIAL_STATS_COLUMNS = list(OfficialStats.to_schema().columns)


def factor_to_base(
    source: str, series_id: str, unit: str, base: str, row: int | None = None
) -> float:
    """The factor from a published unit to its series' base unit (warehouse/units.py). A count
    unit (units, pieces, sets, vehicles) takes the series' own base unit, so that NBS output in
    '亿块' and customs imports in '亿块' are both 'pieces'; any other unit must convert exactly,
    or the source fails naming the series (and row)."""
    spec = parse_unit(unit)
    if spec.base_unit == base or (spec.dimension == "count" and base in COUNT_UNITS):
        return spec.factor
    raise SourceFormatError(
        source,
        f"{series_id}: unit {unit!r} converts to {spec.base_unit!r}, but the series is in {base!r}",
        row=row,
    )


def official_stats(
    raw: pl.DataFrame, series: pl.DataFrame, publishers: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Curated official figures -> base units, joined to the series catalogue.

    ``value = value_as_published * factor(unit_as_published)`` (warehouse/units.py). A count unit
    (units, pieces, sets, vehicles) takes the series' own base unit, so that NBS output in
    '100 million units (亿块)' and customs imports in '亿块' are both 'pieces'. Any other unit
    must convert exactly to the series' base unit, or the load fails naming the row.
    """
    unknown = raw.join(series, on="series_id", how="anti")
    if unknown.height:
        row = unknown.row(0, named=True)
        raise SourceFormatError(
            "china_official_stats",
            f"series_id {row['series_id']!r} is not in facts/official_series.csv",
            row=row["origin_row"],
        )
    joined = raw.join(series.drop("description"), on="series_id", how="left")
    factors = [
        factor_to_base("china_official_stats", series_id, unit, base, row=origin_row)
        for unit, base, origin_row, series_id in joined.select(
            "unit", "base_unit", "origin_row", "series_id"
        ).iter_rows()
    ]
    units = joined["base_unit"].to_list()
    publishers = publishers if publishers is not None else read_publishers()
    ids = [
        resolve_publisher(cited, fallback, publishers, title)
        for cited, fallback, title in joined.select(
            "publisher_cited", "publisher", "source_title"
        ).iter_rows()
    ]
    overrides = read_publisher_overrides()
    cited = joined["publisher_cited"].to_list()
    for i, key in enumerate(joined.select("origin_file", "origin_row").iter_rows()):
        if key in overrides:
            pid, why = overrides[key]
            ids[i] = pid
            cited[i] = f"{cited[i] or ''} [original: {pid}: {why}]".strip()
    homes = publisher_homes(publishers)
    via = [
        repost_host(url, pid, homes)
        for url, pid in zip(joined["source_url"].to_list(), ids, strict=True)
    ]
    hosts = read_hosts()
    return joined.with_columns(
        pl.col("value").alias("value_as_published"),
        pl.col("unit").alias("unit_as_published"),
        pl.Series("publisher_id", ids, dtype=pl.String),
        pl.Series("via", via, dtype=pl.String),
        pl.Series("read_on", [host_kind(v, hosts) for v in via], dtype=pl.String),
        pl.Series("publisher_cited", cited, dtype=pl.String),
        pl.Series(
            "value",
            [_exact_product(v, f) for v, f in zip(joined["value"].to_list(), factors, strict=True)],
            dtype=pl.Float64,
        ),
        pl.Series("unit", units, dtype=pl.String),
    ).select(*OFFICIAL_STATS_COLUMNS)


def read_publisher_overrides(root=None) -> dict[tuple[str, int], tuple[str, str]]:
    """facts/publisher_overrides.csv: where a transcription names the reposter (or the ministry
    that quoted a statistic), the original publisher, with the reason."""
    frame = read_facts_csv((root or facts_dir()) / "publisher_overrides.csv")
    return {
        (r["origin_file"], int(r["origin_row"])): (r["publisher_id"], r["why"])
        for r in frame.iter_rows(named=True)
    }


def read_hosts(root=None) -> dict[str, str]:
    """facts/hosts.csv: host -> official, major (a major news or trade host), mirror,
    unrelated (a host with nothing to do with the subject); any other host is a repost."""
    frame = read_facts_csv((root or facts_dir()) / "hosts.csv")
    return dict(frame.select("host", "kind").iter_rows())


_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def host_kind(via: str | None, hosts: dict[str, str]) -> str:
    """Where a figure was read: 'official' (the publisher's own site, or a government site),
    'major', 'mirror', 'repost', or 'unrelated' (listed, or a bare IP address)."""
    if via is None:
        return "official"
    host = via.removeprefix("www.")
    for candidate in (via, host):
        if candidate in hosts:
            return hosts[candidate]
    if _IP_HOST.match(host):
        return "unrelated"
    return "repost"


#: Comtrade classification code -> HS revision.
HS_REVISION = {
    "H0": "HS1992",
    "H1": "HS1996",
    "H2": "HS2002",
    "H3": "HS2007",
    "H4": "HS2012",
    "H5": "HS2017",
    "H6": "HS2022",
    "HS": "as reported",
}
FLOW_NAMES = {"M": "imports", "X": "exports", "RM": "re_imports", "RX": "re_exports"}
TRADE_COLUMNS = [
    "year",
    "reporter_code",
    "reporter_iso3",
    "partner_code",
    "partner_iso3",
    "flow",
    "hs_code",
    "hs_level",
    "classification",
    "hs_revision",
    "value_usd",
    "net_weight_kg",
    "quantity",
    "quantity_unit",
    "is_estimated",
    "publisher",
    "load_id",
    "snapshot_sha256",
]


#: Comtrade area codes that are not the ISO 3166 numeric code of the same country (Comtrade's
#: reporter/partner reference list), and its aggregates.
COMTRADE_AREA_ISO3 = {
    0: "WLD",  # World
    842: "USA",  # ISO 840
    251: "FRA",  # ISO 250
    699: "IND",  # ISO 356
    757: "CHE",  # ISO 756
    579: "NOR",  # ISO 578
    490: "S19",  # "Other Asia, nes" (Comtrade's own code)
}


def iso3_of_area(code: int | None) -> str | None:
    """Comtrade area code -> ISO3: Comtrade's exceptions first, then ISO 3166 numeric (pycountry,
    the maintained ISO 3166 tables, rather than a hand-typed list)."""
    import pycountry

    if code is None:
        return None
    if code in COMTRADE_AREA_ISO3:
        return COMTRADE_AREA_ISO3[code]
    country = pycountry.countries.get(numeric=f"{code:03d}")
    return country.alpha_3 if country else None


def _iso3(code_col: str, iso_col: str) -> pl.Expr:
    """The reported ISO3, or the one the area code implies when the source left it blank."""
    reported = pl.col(iso_col).cast(pl.String).str.strip_chars()
    derived = pl.col(code_col).map_elements(iso3_of_area, return_dtype=pl.String)
    blank = reported.is_null() | reported.is_in(["", "NA", "N/A"])  # Comtrade's "not available"
    return pl.when(blank).then(derived).otherwise(reported)


def trade(raw: pl.DataFrame) -> pl.DataFrame:
    """Comtrade rows -> core.trade: flow names, explicit HS revision, values in USD.
    Partner 0 is the World (iso3 'WLD'); reporter 156 is China. A blank ISO3 is filled from the
    area code (:func:`iso3_of_area`); one that cannot be filled fails core.trade's check."""
    return raw.select(
        pl.col("year"),
        pl.col("reporter_code"),
        _iso3("reporter_code", "reporter_iso3").alias("reporter_iso3"),
        pl.col("partner_code"),
        pl.when(pl.col("partner_code") == 0)
        .then(pl.lit("WLD"))
        .otherwise(_iso3("partner_code", "partner_iso3"))
        .alias("partner_iso3"),
        pl.col("flow_code").replace_strict(FLOW_NAMES).alias("flow"),
        pl.col("cmd_code").alias("hs_code"),
        pl.col("cmd_code").str.len_chars().cast(pl.Int64).alias("hs_level"),
        pl.col("classification"),
        pl.col("classification")
        .replace_strict(HS_REVISION, default="unknown")
        .alias("hs_revision"),
        pl.col("primary_value_usd").alias("value_usd"),
        pl.col("net_weight_kg"),
        pl.col("qty").alias("quantity"),
        pl.col("qty_unit").alias("quantity_unit"),
        pl.col("is_estimated"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.col("load_id"),
        pl.col("snapshot_sha256"),
    ).select(TRADE_COLUMNS)


def wdi_observations(source: str, raw: pl.DataFrame, unit: str) -> pl.DataFrame:
    """WDI rows -> observations; the vintage goes into ``publisher`` so it is never lost."""
    return raw.select(
        pl.lit(source).alias("source"),
        pl.col("indicator_id").alias("indicator"),
        pl.col("country_name").alias("entity"),
        pl.col("country_iso3").alias("iso3"),
        pl.col("year"),
        pl.col("value"),
        pl.lit(unit).alias("unit"),
        pl.lit("historical").alias("scenario"),
        pl.format("World Bank WDI (last updated {})", "lastupdated").alias("publisher"),
        pl.col("load_id"),
        pl.col("snapshot_sha256"),
    ).select(OBSERVATION_COLUMNS)


def sector_id_of(name: str, sectors: pl.DataFrame) -> str:
    """Map a sector label as written in a source to a sector_id of facts/sectors.csv."""
    label = name.strip().lower()
    for sid, sector in sectors.select("sector_id", "sector").iter_rows():
        if label == sector.lower():
            return sid
    rules = [
        ("cross-cutting", "cross_cutting"),
        ("new-generation it", "new_generation_it"),
        ("information technology", "new_generation_it"),
        ("cnc", "cnc_machine_tools_robots"),
        ("robot", "cnc_machine_tools_robots"),
        ("new-energy vehicles", "nev"),
        ("aerospace", "aerospace"),
        ("aviation", "aerospace"),
        ("ocean", "ships"),
        ("ship", "ships"),
        ("rail", "rail"),
        ("power", "power_equipment"),
        ("solar", "power_equipment"),
        ("agricultur", "agri_machinery"),
        ("material", "new_materials"),
        ("biomedic", "biomedicine"),
        ("medical", "biomedicine"),
    ]
    for needle, sid in rules:
        if needle in label:
            return sid
    raise SourceFormatError("sectors", f"sector {name!r} matches no sector in facts/sectors.csv")


def with_sector_id(
    frame: pl.DataFrame, sectors: pl.DataFrame, column: str = "sector"
) -> pl.DataFrame:
    mapping = {name: sector_id_of(name, sectors) for name in frame[column].unique().to_list()}
    return frame.with_columns(pl.col(column).replace_strict(mapping).alias("sector_id"))


def sector_hs_map(raw: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """The compiled map, with the sector_id of core.sectors."""
    return with_sector_id(raw, sectors).select(
        "sector_id", *HS_MAP_COLUMNS, "load_id", "snapshot_sha256"
    )


def targets(raw: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """The targets as compiled, with the sector_id of core.sectors. A compiler's remark inside the
    indicator text moves to ``curator_note`` (facts/target_notes.csv), so that readers see the
    indicator as the plan states it and the remark as a remark."""
    notes = read_facts_csv(facts_dir() / "target_notes.csv").rename(
        {"indicator": "clean_indicator"}
    )
    return (
        with_sector_id(raw, sectors)
        .join(notes, on="target_id", how="left")
        .with_columns(pl.coalesce("clean_indicator", "indicator").alias("indicator"))
        .select(
            "target_id",
            "sector_id",
            *TARGET_COLUMNS[1:],
            "curator_note",
            "same_goal_as",
            "load_id",
            "snapshot_sha256",
        )
    )


# --------------------------------------------------------------------------- NBS national series

#: The date in a vintage label ("... scraped 2023-08", "... fetched 2026-12-02"): vintages sort
#: by it, the latest being the one the metrics read.
_VINTAGE_DATE = re.compile(r"(\d{4}(?:-\d{2}){0,2})")


def _vintage_date(vintage: str) -> str:
    found = _VINTAGE_DATE.findall(vintage)
    return found[0] if found else ""


def national_series(raw: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """NBS cells -> one row per series, vintage and year, in base units.

    An annual table's value is the year's; of a monthly table only December's year-to-date
    value (``_累计值``) is kept, as the year's figure. ``value = value_as_published * factor``
    (warehouse/units.py), converting exactly to the catalogue's base unit or failing the row's
    source. ``is_latest_vintage`` marks, per series, the newest vintage: the metrics read that
    one only, so a series is never spliced from two scrapes that NBS revised in between.
    """
    joined = raw.join(
        catalogue.select("series_id", "sector_id", "product", "measure", "base_unit"),
        on="series_id",
        how="left",
    )
    unknown = joined.filter(pl.col("base_unit").is_null())
    if unknown.height:
        raise SourceFormatError(
            "nbs_national_data",
            f"series_id {unknown['series_id'][0]!r} is not in facts/nbs_catalogue.csv",
        )
    yearly = joined.filter(
        (pl.col("period").str.len_chars() == 4) | pl.col("period").str.ends_with("-12")
    )
    factors = [
        factor_to_base("nbs_national_data", series_id, unit, base)
        for unit, base, series_id in yearly.select("unit", "base_unit", "series_id").iter_rows()
    ]
    yearly = yearly.with_columns(
        pl.col("vintage").map_elements(_vintage_date, return_dtype=pl.String).alias("_vintage_date")
    )
    return (
        yearly.with_columns(
            pl.col("period").str.slice(0, 4).cast(pl.Int64).alias("year"),
            pl.col("period").alias("period_as_published"),
            pl.col("value").alias("value_as_published"),
            pl.col("unit").alias("unit_as_published"),
            pl.Series(
                "value",
                [
                    _exact_product(v, f)
                    for v, f in zip(yearly["value"].to_list(), factors, strict=True)
                ],
                dtype=pl.Float64,
            ),
            pl.col("base_unit").alias("unit_base"),
            (pl.col("_vintage_date") == pl.col("_vintage_date").max().over("series_id")).alias(
                "is_latest_vintage"
            ),
        )
        .drop("unit")
        .rename({"unit_base": "unit"})
        .select(
            "series_id",
            "sector_id",
            "product",
            "measure",
            "year",
            "period_as_published",
            "value_as_published",
            "unit_as_published",
            "value",
            "unit",
            "indicator",
            "table",
            "dbcode",
            "vintage",
            "is_latest_vintage",
            "read_from",
            "load_id",
            "snapshot_sha256",
        )
        .sort("series_id", "vintage", "year")
    )


def _mirror_url(read_from: str) -> str:
    """'github.com/owner/repo@commit:path cell' -> the file's address on GitHub; a live read
    ('https://... hgnd A0xxx ...') -> the query address."""
    where = read_from.split(" ", 1)[0]
    if where.startswith("github.com/") and "@" in where and ":" in where:
        repo, rest = where.split("@", 1)
        commit, path = rest.split(":", 1)
        return f"https://{repo}/blob/{commit}/{path}"
    return where


def official_from_national(national: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """The latest vintage of each NBS series as core.official_stats rows (publisher NBS, read on
    the mirror or on NBS's own site), so that metric specs name NBS series like any other."""
    latest = national.filter(pl.col("is_latest_vintage")).join(
        catalogue.select("series_id", "description", "frequency"), on="series_id", how="left"
    )
    urls = [_mirror_url(r) for r in latest["read_from"].to_list()]
    publishers, hosts = read_publishers(), read_hosts()
    homes = publisher_homes(publishers)
    via = [repost_host(url, "NBS", homes) for url in urls]
    return latest.with_columns(
        pl.lit("NBS").alias("publisher"),
        pl.lit("FY").alias("period"),
        pl.lit(False).alias("is_forecast"),
        pl.lit("exact").alias("qualifier"),
        pl.lit("NBS").alias("publisher_id"),
        pl.Series("source_url", urls, dtype=pl.String),
        pl.Series("via", via, dtype=pl.String),
        pl.Series("read_on", [host_kind(v, hosts) for v in via], dtype=pl.String),
        pl.lit("国家统计局 national database (data.stats.gov.cn)").alias("publisher_cited"),
        pl.when(pl.col("frequency") == "monthly")
        .then(pl.format("{}; {}; December year-to-date = the year", "description", "vintage"))
        .otherwise(pl.format("{}; {}", "description", "vintage"))
        .alias("definition"),
        pl.format("NBS national data ({}): {}", "dbcode", "table").alias("source_title"),
        pl.col("vintage").map_elements(_vintage_date, return_dtype=pl.String).alias("source_date"),
        pl.col("read_from").str.split(" ").list.slice(1).list.join(" ").alias("quote"),
        pl.lit("nbs_national_data.csv").alias("origin_file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("origin_row"),
    ).select(*OFFICIAL_STATS_COLUMNS)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Conformer:
    """raw -> core for the sources that name it in their declaration (``Source.core``)."""

    table: str  # the core table it feeds
    build: Callable[[Source, pl.DataFrame, dict[str, pl.DataFrame]], pl.DataFrame]


#: Every way raw becomes core. ``refs`` carries the curated reference tables (sectors, series).
CONFORMERS: dict[str, Conformer] = {
    "owid_observations": Conformer(
        "core.observations", lambda src, raw, refs: owid_observations(src.name, raw)
    ),
    "iea_observations": Conformer(
        "core.observations", lambda src, raw, refs: iea_observations(raw)
    ),
    "wdi_observations": Conformer(
        "core.observations", lambda src, raw, refs: wdi_observations(src.name, raw, src.unit)
    ),
    "official_stats": Conformer(
        "core.official_stats", lambda src, raw, refs: official_stats(raw, refs["series"])
    ),
    "national_series": Conformer(
        "core.national_series", lambda src, raw, refs: national_series(raw, refs["nbs_catalogue"])
    ),
    "trade": Conformer("core.trade", lambda src, raw, refs: trade(raw)),
    "sector_hs_map": Conformer(
        "core.sector_hs_map", lambda src, raw, refs: sector_hs_map(raw, refs["sectors"])
    ),
    "targets": Conformer("core.targets", lambda src, raw, refs: targets(raw, refs["sectors"])),
}
