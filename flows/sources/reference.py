"""Curated reference tables: the MIC2025 targets and the sector -> HS code map.

Both are compiled from public documents (every row names its source; see shared/reference/README.md)
and kept byte for byte in their snapshots. They have no live endpoint: a new version is a new
snapshot, imported with ``mic2025 snapshot import``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import polars as pl

from mic2025.flows.fetch.snapshots import Origin, Snapshot
from mic2025.flows.sources.base import SnapshotPayload, Source, read_csv_bytes, require_columns
from mic2025.schemas import raw as raw_models

TARGET_COLUMNS = [
    "target_id",
    "sector",
    "indicator",
    "unit",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "comparator",
    "scope_note",
    "source_title",
    "source_url",
    "quote",
    "confidence",
]
HS_MAP_COLUMNS = ["sector", "product", "hs_code", "hs_revision", "level", "notes", "source"]

TARGETS_ORIGIN = Origin(
    publisher="State Council of the PRC; National Manufacturing Strategy Advisory Committee "
    "(2015 Technical Roadmap); MIIT; as reproduced by the sources of each row",
    title="Made in China 2025 quantitative targets, each with source URL and quote",
    url="http://www.gov.cn/zhengce/content/2015-05/19/content_9784.htm",
    licence="Facts from official documents; short quotes only",
    retrieved="2026-07",
    method="import",
    citation="Each row: source_title, source_url, quote, confidence",
    vintage="targets for 2020 and 2025 (and undated ones)",
    upstream="shared/reference/mic2025_targets.csv",
)
HS_MAP_ORIGIN = Origin(
    publisher="Compiled for this project from the HS nomenclature (UN Comtrade classification "
    "dump, github.com/datasets/harmonized-system, PDDL)",
    title="MIC2025 sector -> HS code map (HS2017 and HS2022)",
    url="https://github.com/datasets/harmonized-system",
    licence="PDDL (HS nomenclature text); mapping compiled from it",
    licence_url="https://opendatacommons.org/licenses/pddl/",
    retrieved="2026-07",
    method="import",
    citation="Not an official concordance; nomenclature checked at commits a72bef2 (HS2017) "
    "and 4287990 (HS2022)",
    vintage="HS2017, HS2022",
    upstream="shared/reference/sector_hs_map.csv",
)


def _import(file: str, origin: Origin, shared: Path) -> SnapshotPayload:
    data = (shared / "reference" / file).read_bytes()
    return SnapshotPayload("2026-07-01", {file: data}, origin)


def _parse(name: str, file: str, columns: list[str], snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(name, snapshot.file(file).read_bytes(), infer_schema_length=0)
    require_columns(name, frame, columns)
    return frame.select(columns)


def _parse_targets(snapshot: Snapshot) -> pl.DataFrame:
    return _parse("mic2025_targets", "mic2025_targets.csv", TARGET_COLUMNS, snapshot)


def _parse_hs_map(snapshot: Snapshot) -> pl.DataFrame:
    return _parse("sector_hs_map", "sector_hs_map.csv", HS_MAP_COLUMNS, snapshot)


SOURCES = [
    Source(
        name="mic2025_targets",
        raw_table="mic2025_targets",
        description="MIC2025 official targets with quotes",
        fmt="csv: targets (target_id, indicator, unit, target_year, target_value, comparator...)",
        parse=_parse_targets,
        raw_model=raw_models.Mic2025Targets,
        core="targets",
        publisher="State Council (MIC2025), as compiled",
        import_bundled=partial(_import, "mic2025_targets.csv", TARGETS_ORIGIN),
    ),
    Source(
        name="sector_hs_map",
        raw_table="sector_hs_map",
        description="MIC2025 sector/product -> HS codes (HS2017, HS2022)",
        fmt="csv: sector,product,hs_code,hs_revision,level,notes,source",
        parse=_parse_hs_map,
        raw_model=raw_models.SectorHsMap,
        core="sector_hs_map",
        publisher="WCO HS nomenclature, mapped by this project",
        import_bundled=partial(_import, "sector_hs_map.csv", HS_MAP_ORIGIN),
    ),
]
