"""Pieces shared by the schema modules."""

from __future__ import annotations

import pandera.polars as pa

YEAR = {"ge": 1800, "le": 2100}

#: What a value is: exact, or a published lower/upper bound ('more than 80%'), or approximate
#: ('about 40%' stays a value, marked approximate).
BOUNDS = ["exact", "lower", "upper", "approximate"]


class Lineage(pa.DataFrameModel):
    """Columns that every raw row carries (dlt-style load id, plus the snapshot checksum)."""

    load_id: str = pa.Field(description="Load that wrote the row (meta.loads.load_id)")
    snapshot_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64},
        description="sha256 of the snapshot the row was read from (meta.snapshots.sha256)",
    )


def publisher_vocabulary() -> list[str]:
    """The publisher ids of facts/publishers.csv (the vocabulary every value's publisher uses)."""
    import csv

    from flows.settings import facts_dir

    with (facts_dir() / "publishers.csv").open(encoding="utf-8") as fh:
        return [row["publisher_id"] for row in csv.DictReader(fh)]


def known_publishers(data: pa.PolarsData):
    """Check: every '; '-separated part of the publisher column is a facts/publishers.csv id."""
    import polars as pl

    ids = publisher_vocabulary()
    return data.lazyframe.select(
        pl.col(data.key).str.split("; ").list.eval(pl.element().is_in(ids)).list.all()
    )
