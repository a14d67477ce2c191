"""Snapshot store: one folder per source and version, the data file(s) plus a sidecar.

Layout (after owid/etl's snapshots)::

    snapshots/<source>/<version>/<data file>
    snapshots/<source>/<version>/snapshot.json     # the sidecar

The sidecar records where the data came from (origin URL, publisher, licence, retrieved date),
how it was obtained (imported from a bundled file, or fetched live), and for every data file its
sha256, size in bytes and row count. A snapshot is written to a temporary folder and renamed into
place, so a crash never leaves a half-written version. Reading a snapshot re-hashes its files and
refuses one whose bytes no longer match the sidecar.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mic2025.flows.base.errors import SnapshotError
from mic2025.flows.base.settings import snapshots_dir

SIDECAR = "snapshot.json"
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def safe_name(value: str, what: str = "name") -> str:
    """Accept only names that cannot escape their folder (no slashes, no '..')."""
    if not _SAFE_NAME.match(value) or ".." in value:
        raise SnapshotError(f"invalid {what} {value!r}: use lower-case letters, digits, _ . -")
    return value


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Origin:
    """Where a snapshot's data comes from. Written verbatim into the sidecar."""

    publisher: str
    title: str
    url: str
    licence: str
    retrieved: str
    method: str  # "import" (from a bundled file) or "live" (fetched with requests)
    licence_url: str = ""
    citation: str = ""
    vintage: str = ""
    upstream: str = ""  # e.g. the repository/commit/path a bundled copy was taken from
    redistribution: str = "bundled"  # "bundled" or a note on what the licence allows
    notes: str = ""


@dataclass(frozen=True)
class SnapshotFile:
    name: str
    sha256: str
    bytes: int
    rows: int


@dataclass(frozen=True)
class Snapshot:
    source: str
    version: str
    path: Path
    origin: Origin
    files: tuple[SnapshotFile, ...]
    format: str
    created: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """One checksum for the whole snapshot: sha256 over its files' names and checksums."""
        text = "".join(f"{f.name}:{f.sha256}\n" for f in sorted(self.files, key=lambda f: f.name))
        return sha256_bytes(text.encode())

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def file(self, name: str | None = None) -> Path:
        """Path of a data file (the only one when ``name`` is omitted)."""
        if name is None:
            if len(self.files) != 1:
                raise SnapshotError(f"{self.source}/{self.version} has {len(self.files)} files")
            name = self.files[0].name
        if name not in {f.name for f in self.files}:
            raise SnapshotError(f"{self.source}/{self.version} has no file {name!r}")
        return self.path / name

    def verify(self) -> Snapshot:
        """Re-hash every file; raise :class:`SnapshotError` naming the first mismatch."""
        for f in self.files:
            p = self.path / f.name
            if not p.is_file():
                raise SnapshotError(f"snapshot {self.source}/{self.version}: {f.name} is missing")
            actual = sha256_file(p)
            if actual != f.sha256:
                raise SnapshotError(
                    f"snapshot {self.source}/{self.version}: {f.name} sha256 {actual[:12]}... "
                    f"does not match the sidecar's {f.sha256[:12]}... (file changed or truncated)"
                )
        return self

    def to_sidecar(self) -> dict:
        return {
            "source": self.source,
            "version": self.version,
            "format": self.format,
            "created": self.created,
            "sha256": self.sha256,
            "origin": asdict(self.origin),
            "files": [asdict(f) for f in self.files],
            **({"extra": self.extra} if self.extra else {}),
        }


def count_rows(data: bytes) -> int:
    """Data rows of a CSV file (lines after the header); JSON lists count their items."""
    stripped = data.strip()
    if stripped.startswith(b"[") or stripped.startswith(b"{"):
        obj = json.loads(stripped)
        return len(obj) if isinstance(obj, list) else 1
    reader = csv.reader(io.StringIO(stripped.decode("utf-8-sig", errors="replace")))
    return max(sum(1 for row in reader if row) - 1, 0)


def write_snapshot(
    source: str,
    version: str,
    files: dict[str, bytes],
    origin: Origin,
    *,
    fmt: str,
    root: Path | None = None,
    rows: dict[str, int] | None = None,
    extra: dict | None = None,
) -> Snapshot:
    """Write a snapshot atomically and return it. An existing identical version is kept as is."""
    safe_name(source, "source")
    safe_name(version, "version")
    root = root or snapshots_dir()
    target = root / source / version
    entries = tuple(
        SnapshotFile(
            name=safe_name(name, "file name"),
            sha256=sha256_bytes(data),
            bytes=len(data),
            rows=(rows or {}).get(name, count_rows(data)),
        )
        for name, data in sorted(files.items())
    )
    snap = Snapshot(
        source=source,
        version=version,
        path=target,
        origin=origin,
        files=entries,
        format=fmt,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        extra=extra or {},
    )
    if target.exists():
        existing = read_snapshot(target)
        if existing.sha256 == snap.sha256:
            return existing
        raise SnapshotError(
            f"snapshot {source}/{version} exists with different content; choose a new version"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=target.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / SIDECAR).write_text(
            json.dumps(snap.to_sidecar(), indent=2, ensure_ascii=False) + "\n"
        )
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        # another refresh fetching at the same time (fetches hold no lock) wrote it first
        if target.is_dir() and read_snapshot(target).sha256 == snap.sha256:
            return read_snapshot(target)
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return snap


def read_snapshot(path: Path, *, verify: bool = False) -> Snapshot:
    sidecar = path / SIDECAR
    if not sidecar.is_file():
        raise SnapshotError(f"{path}: no {SIDECAR} sidecar")
    try:
        meta = json.loads(sidecar.read_text())
        snap = Snapshot(
            source=meta["source"],
            version=meta["version"],
            path=path,
            origin=Origin(**meta["origin"]),
            files=tuple(SnapshotFile(**f) for f in meta["files"]),
            format=meta.get("format", ""),
            created=meta.get("created", ""),
            extra=meta.get("extra", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{sidecar}: malformed sidecar ({exc})") from exc
    return snap.verify() if verify else snap


def version_order(version: str) -> tuple[str, int, str]:
    """Sort key of a version: its date (ISO dates sort as text), then its revision as a number,
    so ``2026-12-04.10`` comes after ``2026-12-04.9`` (a bare date is revision 1)."""
    date, _, revision = version.partition(".")
    return (date, int(revision), "") if revision.isdigit() else (date, 1, revision)


def list_versions(source: str, root: Path | None = None) -> list[str]:
    """Versions of a source, oldest first (see :func:`version_order`)."""
    base = (root or snapshots_dir()) / safe_name(source, "source")
    if not base.is_dir():
        return []
    names = [p.name for p in base.iterdir() if p.is_dir() and (p / SIDECAR).is_file()]
    return sorted(names, key=version_order)


def latest_snapshot(source: str, root: Path | None = None, *, verify: bool = True) -> Snapshot:
    versions = list_versions(source, root)
    if not versions:
        raise SnapshotError(f"no snapshot of {source!r} in {root or snapshots_dir()}")
    return read_snapshot((root or snapshots_dir()) / source / versions[-1], verify=verify)


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
