"""Snapshot steps: import bundled files, fetch live, and choose the snapshot a refresh loads.

Plain functions (no Prefect): the flow in flows/refresh.py calls them as tasks.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from flows import http
from flows.errors import FetchError, Mic2025Error, SnapshotError
from flows.settings import shared_dir, snapshots_dir
from flows.snapshots import (
    Snapshot,
    latest_snapshot,
    list_versions,
    read_snapshot,
    sha256_bytes,
    write_snapshot,
)
from flows.sources import SOURCES, get_source

log = logging.getLogger("mic2025.ingest")


@dataclass
class SnapshotChoice:
    """Which snapshot a refresh loads for one source, and why."""

    source: str
    path: str
    version: str
    sha256: str
    status: str  # loaded, fresh, unchanged, stale (see schemas/meta.py LOAD_STATUS)
    message: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def import_bundled(
    names: list[str] | None = None, shared: Path | None = None, root: Path | None = None
) -> list[Snapshot]:
    """Build the committed snapshots from the files in ``shared/`` (``mic2025 snapshot import``)."""
    shared = shared or shared_dir()
    if not shared.is_dir():
        raise SnapshotError(f"shared folder {shared} not found (set MIC2025_SHARED_DIR)")
    made = []
    for name in names or sorted(SOURCES):
        source = get_source(name)
        if source.import_bundled is None:
            continue
        payload = source.import_bundled(shared)
        made.append(
            write_snapshot(
                name,
                payload.version,
                payload.files,
                payload.origin,
                fmt=source.fmt,
                root=root,
                rows=payload.rows,
                extra=payload.extra,
            )
        )
    return made


def fetch_live(name: str, root: Path | None = None, session=None) -> tuple[Snapshot, bool]:
    """Fetch one source live and write a snapshot. Returns (snapshot, changed): when the content
    equals the latest snapshot's, no new version is written and ``changed`` is False."""
    source = get_source(name)
    if source.fetch is None:
        raise FetchError(name, "has no live endpoint; it is refreshed from its bundled snapshot")
    payload = source.fetch(session=session or http.new_session())
    root = root or snapshots_dir()
    try:
        latest = latest_snapshot(name, root)
    except SnapshotError:
        latest = None
    candidate = {n: sha256_bytes(data) for n, data in payload.files.items()}
    if latest is not None and candidate == {f.name: f.sha256 for f in latest.files}:
        return latest, False
    version = payload.version
    existing = list_versions(name, root)
    suffix = 1
    while version in existing:
        suffix += 1
        version = f"{payload.version}.{suffix}"
    snap = write_snapshot(
        name,
        version,
        payload.files,
        payload.origin,
        fmt=source.fmt,
        root=root,
        rows=payload.rows,
        extra=payload.extra,
    )
    return snap, True


def choose_snapshot(name: str, live: bool, root: Path | None = None) -> SnapshotChoice:
    """The snapshot to load: with ``live``, fetch first and fall back to the last good snapshot
    (status 'stale') when the fetch fails; offline, the latest committed snapshot."""
    root = root or snapshots_dir()
    if live and get_source(name).fetch is not None:
        try:
            snap, changed = fetch_live(name, root)
            return _choice(snap, "fresh" if changed else "unchanged")
        except Mic2025Error as exc:
            message = http.redact(str(exc))
            log.warning("%s: live fetch failed, using last good snapshot: %s", name, message)
            snap = latest_snapshot(name, root)
            return _choice(snap, "stale", f"live fetch failed: {message}")
    return _choice(latest_snapshot(name, root), "loaded")


def _choice(snap: Snapshot, status: str, message: str | None = None) -> SnapshotChoice:
    return SnapshotChoice(snap.source, str(snap.path), snap.version, snap.sha256, status, message)


def snapshot_record(path: str, root: Path | None = None) -> dict:
    """Row for meta.snapshots."""
    snap = read_snapshot(Path(path))
    base = root or snapshots_dir()
    try:
        rel = str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        rel = path
    return {
        "source": snap.source,
        "version": snap.version,
        "sha256": snap.sha256,
        "rows": snap.rows,
        "method": snap.origin.method,
        "publisher": snap.origin.publisher,
        "licence": snap.origin.licence,
        "origin_url": snap.origin.url,
        "retrieved": snap.origin.retrieved,
        "path": rel,
    }
