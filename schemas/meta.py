"""Meta: the loads ledger, the snapshots used, and quarantined rows."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

#: loaded = from the local snapshot store; fresh = new live snapshot; unchanged = live content
#: equal to the last snapshot; stale = live fetch failed, last good snapshot used.
LOAD_STATUS = ["loaded", "fresh", "unchanged", "stale", "failed"]


class Loads(pa.DataFrameModel):
    """One row per source per refresh (dlt-style loads ledger)."""

    load_id: str = pa.Field(description="Refresh id, shared by every source in one refresh")
    flow_run_id: str = pa.Field(nullable=True, description="Prefect flow run id")
    source: str = pa.Field(description="Source name")
    snapshot_version: str = pa.Field(nullable=True, description="Snapshot version loaded")
    snapshot_sha256: str = pa.Field(nullable=True, description="Snapshot checksum")
    rows_read: int = pa.Field(ge=0, description="Rows parsed from the snapshot")
    rows_loaded: int = pa.Field(ge=0, description="Rows written to raw")
    rows_quarantined: int = pa.Field(ge=0, description="Rows sent to meta.quarantine")
    status: str = pa.Field(
        isin=LOAD_STATUS, description="loaded, fresh, unchanged, stale or failed"
    )
    message: str = pa.Field(nullable=True, description="Why stale or failed")
    started_at: dt.datetime = pa.Field(description="UTC")
    finished_at: dt.datetime = pa.Field(description="UTC")
    published: bool = pa.Field(description="Whether the refresh's warehouse was published")

    class Config:
        strict = True
        coerce = True


class Snapshots(pa.DataFrameModel):
    """Snapshots the published warehouse was built from."""

    source: str = pa.Field(unique=True, description="Source name")
    version: str = pa.Field(description="Snapshot version")
    sha256: str = pa.Field(description="Snapshot checksum")
    rows: int = pa.Field(ge=0, description="Data rows in the snapshot")
    method: str = pa.Field(description="import (bundled file) or live")
    publisher: str = pa.Field(description="Publisher")
    licence: str = pa.Field(description="Licence")
    origin_url: str = pa.Field(description="Where the data is published")
    retrieved: str = pa.Field(description="When it was retrieved")
    path: str = pa.Field(description="Snapshot folder, relative to the snapshot store")

    class Config:
        strict = True
        coerce = True


class Quarantine(pa.DataFrameModel):
    """Rows that failed their checks and were left out of core."""

    load_id: str = pa.Field(description="Refresh id")
    source: str = pa.Field(description="Source name")
    table: str = pa.Field(description="Raw table the row was bound for")
    row_number: int = pa.Field(nullable=True, description="Row in the parsed snapshot (0-based)")
    row_json: str = pa.Field(nullable=True, description="The row as JSON")
    column: str = pa.Field(nullable=True, description="Column that failed")
    check: str = pa.Field(description="Check that failed")
    failing_value: str = pa.Field(nullable=True, description="The failing value as text")

    class Config:
        strict = True
        coerce = True


#: meta.quarantine's polars layout, from the model: one layout for every loader (raw and bulk).
QUARANTINE_COLUMNS = {name: c.dtype.type for name, c in Quarantine.to_schema().columns.items()}


class Runs(pa.DataFrameModel):
    """One row per published refresh."""

    load_id: str = pa.Field(unique=True, description="Refresh id")
    flow_run_id: str = pa.Field(nullable=True, description="Prefect flow run id")
    mode: str = pa.Field(isin=["full", "incremental"], description="full or incremental")
    live: bool = pa.Field(description="Whether live endpoints were fetched")
    inputs_fingerprint: str = pa.Field(
        description="sha256 of every snapshot, curated fact and code file the build used"
    )
    started_at: dt.datetime = pa.Field(description="UTC")
    finished_at: dt.datetime = pa.Field(description="UTC")
    sources: int = pa.Field(ge=0, description="Sources loaded")
    sources_fresh: int = pa.Field(ge=0, description="Sources with a new live snapshot")
    sources_stale: int = pa.Field(ge=0, description="Sources on their last good snapshot")
    sources_failed: int = pa.Field(ge=0, description="Sources whose load failed")

    class Config:
        strict = True
        coerce = True
