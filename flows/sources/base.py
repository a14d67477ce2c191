"""What every source module provides: bundled import, live fetch, and snapshot -> raw frame."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.fetch.snapshots import Origin, Snapshot


@dataclass(frozen=True)
class SnapshotPayload:
    """A snapshot before it is written: what ``import`` and ``fetch`` both return."""

    version: str
    files: dict[str, bytes]
    origin: Origin
    rows: dict[str, int] | None = None
    extra: dict | None = None


@dataclass(frozen=True)
class Source:
    """A public source: where its snapshot comes from and how it becomes a raw table.

    ``import_bundled(shared_dir)`` builds the committed snapshot from files in ``shared/``;
    ``fetch(session)`` gets the same data from the live endpoint (None: no live endpoint);
    ``parse(snapshot)`` reads the snapshot into the raw table's columns, as text (before load_id
    and snapshot_sha256 are added). Both import and fetch produce the same snapshot ``fmt``.
    Everything else the pipeline needs is declared here too: the raw model, the conformer that
    turns raw into core, the publisher. The loader, the builder and the docs find sources in
    the registry (flows/sources/__init__.py) and never branch on a source's name.
    """

    name: str
    raw_table: str
    description: str
    fmt: str
    parse: Callable[[Snapshot], pl.DataFrame]
    #: The pandera model of its raw table (schemas/raw.py): checked at every load.
    raw_model: type
    #: How raw becomes core: the name of its conformer in warehouse/conform.py ``CONFORMERS``
    #: (which also names the core table it feeds).
    core: str
    #: Who published the data, as its core rows name it ("IRENA via Our World in Data").
    publisher: str
    #: Unit of its values where the source has one (a WDI indicator, an OWID chart).
    unit: str = ""
    import_bundled: Callable[[Path], SnapshotPayload] | None = None
    fetch: Callable[..., SnapshotPayload] | None = None
    live_url: str = ""
    #: False while the live endpoint is not configured (e.g. IEA's CSV link): the source then
    #: loads its latest snapshot, as offline, instead of failing every live refresh.
    live_configured: Callable[[], bool] = lambda: True


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """Rows as a CSV file with a header (the snapshot format of normalised sources)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def read_csv_bytes(source: str, data: bytes, **kwargs) -> pl.DataFrame:
    """polars CSV read that turns any parse failure into a :class:`SourceFormatError`."""
    try:
        return pl.read_csv(io.BytesIO(data), **kwargs)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise SourceFormatError(source, f"unreadable CSV: {exc}") from exc


def require_columns(source: str, frame: pl.DataFrame, expected: list[str]) -> None:
    """Schema drift check: name the missing and the unexpected columns."""
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        extra = [c for c in frame.columns if c not in expected]
        raise SourceFormatError(
            source,
            f"missing column(s) {missing}; expected {expected}"
            + (f"; found unexpected {extra}" if extra else ""),
        )
