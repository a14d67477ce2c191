"""Pieces shared by the schema modules."""

from __future__ import annotations

import pandera.polars as pa

YEAR = {"ge": 1800, "le": 2100}


class Lineage(pa.DataFrameModel):
    """Columns that every raw row carries (dlt-style load id, plus the snapshot checksum)."""

    load_id: str = pa.Field(description="Load that wrote the row (meta.loads.load_id)")
    snapshot_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64},
        description="sha256 of the snapshot the row was read from (meta.snapshots.sha256)",
    )
