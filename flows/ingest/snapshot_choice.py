"""Snapshot steps: import bundled files, fetch live, and choose the snapshot a refresh loads.

Plain functions (no Prefect): the flow in flows/refresh.py calls them as tasks.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from mic2025.flows.base.errors import FetchError, Mic2025Error, SnapshotError
from mic2025.flows.base.payloads import SnapshotChoice
from mic2025.flows.base.settings import shared_dir, snapshots_dir
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import (
    Snapshot,
    latest_snapshot,
    list_versions,
    read_snapshot,
    sha256_bytes,
    write_snapshot,
)
from mic2025.flows.sources import SOURCES, get_source

log = logging.getLogger("mic2025.ingest")


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
        made.append(_store(name, payload, root, payload.version))
    return made


def fetch_live(
    name: str, root: Path | None = None, session=None, years: tuple[int, int] | None = None
) -> tuple[Snapshot, bool]:
    """Fetch one source live and write a snapshot. Returns (snapshot, changed).

    Unchanged content is not stored again: a source whose fetch supports conditional GET gets the
    last snapshot's ETag / Last-Modified and may answer "not modified"; otherwise the content's
    sha256 is compared with the latest snapshot's.
    """
    source = get_source(name)
    if source.fetch is None:
        raise FetchError(name, "has no live endpoint; it is refreshed from its bundled snapshot")
    root = root or snapshots_dir()
    try:
        latest = latest_snapshot(name, root)
    except SnapshotError:
        latest = None
    validators = (latest.extra.get("http") or {}) if latest else {}
    payload = source.fetch(
        session=session or http.new_session(), validators=validators, years=years
    )
    if payload is None:  # 304 Not Modified
        if latest is None:
            raise FetchError(name, "server answered 'not modified' but there is no snapshot")
        return latest, False
    candidate = {n: sha256_bytes(data) for n, data in payload.files.items()}
    if latest is not None and candidate == {f.name: f.sha256 for f in latest.files}:
        return latest, False
    version = payload.version
    existing = list_versions(name, root)
    suffix = 1
    while version in existing:
        suffix += 1
        version = f"{payload.version}.{suffix}"
    return _store(name, payload, root, version), True


def _store(name: str, payload, root: Path | None, version: str) -> Snapshot:
    """Write a fetched or imported payload as snapshot ``version`` of ``name``."""
    return write_snapshot(
        name,
        version,
        payload.files,
        payload.origin,
        fmt=get_source(name).fmt,
        root=root,
        rows=payload.rows,
        extra=payload.extra,
    )


def has_live_endpoint(name: str) -> bool:
    source = get_source(name)
    return source.fetch is not None and source.live_configured()


def fetched_choice(
    name: str, root: Path | None = None, years: tuple[int, int] | None = None
) -> SnapshotChoice:
    """Fetch live; raises :class:`FetchError` (retryable or not) when the source fails."""
    snap, changed = fetch_live(name, root, years=years)
    return _choice(snap, "fresh" if changed else "unchanged")


def local_choice(name: str, root: Path | None = None) -> SnapshotChoice:
    """The latest snapshot in the store (offline refresh)."""
    # not verified here: the load verifies every file and a tampered one fails its source only
    return _choice(latest_snapshot(name, root or snapshots_dir(), verify=False), "loaded")


def stale_choice(name: str, error: str, root: Path | None = None) -> SnapshotChoice:
    """After a failed live fetch: the last good snapshot, marked stale with the reason."""
    message = http.redact(error).removeprefix(f"{name}: ")  # the source is named once
    log.info("%s: live fetch failed, using the last good snapshot: %s", name, message)
    snap = latest_snapshot(name, root or snapshots_dir(), verify=False)  # the load verifies it
    return _choice(snap, "stale", f"live fetch failed: {message}")


def choose_snapshot(name: str, live: bool, root: Path | None = None) -> SnapshotChoice:
    """Without Prefect: fetch (when ``live``) with fallback to the last good snapshot."""
    if live and has_live_endpoint(name):
        try:
            return fetched_choice(name, root)
        except Mic2025Error as exc:
            return stale_choice(name, str(exc), root)
    return local_choice(name, root)


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


def recorded_choice(record: dict, root: Path | None = None) -> SnapshotChoice | None:
    """The snapshot a meta.snapshots row names (the published warehouse's, say), if it is still
    in the store; None otherwise."""
    path = (root or snapshots_dir()) / record["path"]
    if not (path / "snapshot.json").is_file():
        return None
    return _choice(read_snapshot(path), "loaded")


#: Files whose content decides what a build produces, besides the snapshots.
FINGERPRINT_GLOBS = [
    ("facts", "**/*.csv"),
    ("facts", "**/*.yaml"),
    ("warehouse", "*.py"),
    ("schemas", "*.py"),
    ("flows/sources", "*.py"),
]


def inputs_fingerprint(choices: list[SnapshotChoice]) -> str:
    """sha256 over the chosen snapshots, the curated facts and the code that builds the
    warehouse: equal fingerprints give identical warehouses (incremental refresh skips them)."""
    from mic2025.flows.base.settings import PROJECT_ROOT, facts_dir

    digest = hashlib.sha256()
    for c in sorted(choices, key=lambda c: c.source):
        digest.update(f"snapshot {c.source} {c.sha256}\n".encode())
    from mic2025.flows.sources import baci

    folder = baci.baci_dir()
    for path in baci.baci_files(folder) if folder else []:
        stat = path.stat()  # bulk files: name, size and mtime (hashing GBs would cost seconds)
        digest.update(f"bulk {path.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for folder, pattern in FINGERPRINT_GLOBS:
        base = facts_dir() if folder == "facts" else PROJECT_ROOT / folder
        for path in sorted(base.glob(pattern)):
            digest.update(f"file {folder}/{path.relative_to(base)} ".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
