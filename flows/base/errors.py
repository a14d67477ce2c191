"""The project's own error types: each names the source, the row and the rule that failed."""

from __future__ import annotations


class Mic2025Error(Exception):
    """Base class: every error the project raises on purpose."""


class SnapshotError(Mic2025Error):
    """A snapshot is missing, incomplete, or its checksum does not match its sidecar."""


class SourceFormatError(Mic2025Error):
    """Input from a source does not have the expected shape (columns, types, wire format)."""

    def __init__(self, source: str, message: str, *, row: int | None = None) -> None:
        self.source = source
        self.row = row
        where = f" (row {row})" if row is not None else ""
        super().__init__(f"{source}{where}: {message}")


class ValidationFailed(Mic2025Error):
    """Too many rows of a source failed their checks, or a published table broke its schema."""

    def __init__(self, source: str, table: str, summary: str) -> None:
        self.source = source
        self.table = table
        super().__init__(f"{source} -> {table}: {summary}")


class FetchError(Mic2025Error):
    """A live source could not be fetched (after retries) or answered with an error payload."""

    def __init__(self, source: str, message: str, *, retryable: bool = False) -> None:
        self.source = source
        self.retryable = retryable
        super().__init__(f"{source}: {message}")


class WarehousePathError(Mic2025Error):
    """The warehouse path cannot be written (a folder, a read-only folder, a blocked report)."""


class WarehouseBusy(Mic2025Error):
    """Another refresh holds the writer lock."""


class SourcesStale(Mic2025Error):
    """More than the allowed share of the live sources went stale: the run published (stale
    sources keep their last good snapshot) but ends Failed, named "Stale"; ``summary`` is the run
    summary a successful run would return."""

    def __init__(self, message: str, summary: dict) -> None:
        self.summary = summary
        super().__init__(message)


class ValuesRemoved(Mic2025Error):
    """Rows were quarantined and published mart values disappeared with them: the run published
    (the quarantined rows are in meta.quarantine) but ends Failed, named "ValuesRemoved", naming
    the values, unless told to accept it; ``summary`` is the run summary."""

    def __init__(self, message: str, summary: dict) -> None:
        self.summary = summary
        super().__init__(message)


class WarehouseIOError(Mic2025Error):
    """DuckDB could not write or read a warehouse file (disk full, permission, lock): one line
    with the path and DuckDB's reason; nothing published is touched."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
