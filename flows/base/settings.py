"""Where things live, and the knobs users set through the environment.

Every path has an embedded default relative to the project checkout, so that a fresh clone works
with no configuration. Environment variables override them (tests and mirrors use these):

- ``MIC2025_WAREHOUSE``      published DuckDB file (default ``warehouse/mic2025.duckdb``)
- ``MIC2025_SNAPSHOTS_DIR``  snapshot store (default ``snapshots/``)
- ``MIC2025_FACTS_DIR``      curated facts: article claims, targets (default ``facts/``)
- ``MIC2025_SHARED_DIR``     the ``shared/`` folder that ``snapshot import`` reads
- ``MIC2025_QUARANTINE_THRESHOLD`` share of a source's rows that may fail checks (default 0.05)
- ``MIC2025_STORAGE_VERSION``  DuckDB storage format of the published file (default v1.2.0)
- base URLs of the live sources, see :data:`BASE_URL_ENV`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # flows/base/settings.py -> the repository

#: Environment variable for each live source's base URL, with its public default.
BASE_URL_ENV: dict[str, tuple[str, str]] = {
    "worldbank": ("MIC2025_WORLDBANK_URL", "https://api.worldbank.org/v2"),
    "comtrade": ("MIC2025_COMTRADE_URL", "https://comtradeapi.un.org"),
    "owid": ("MIC2025_OWID_URL", "https://ourworldindata.org/grapher"),
}


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def warehouse_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The published warehouse: ``--warehouse`` beats ``MIC2025_WAREHOUSE`` beats the default."""
    if override:
        return Path(override).expanduser()
    return _env_path("MIC2025_WAREHOUSE", PROJECT_ROOT / "warehouse" / "mic2025.duckdb")


def snapshots_dir() -> Path:
    return _env_path("MIC2025_SNAPSHOTS_DIR", PROJECT_ROOT / "snapshots")


def facts_dir() -> Path:
    return _env_path("MIC2025_FACTS_DIR", PROJECT_ROOT / "facts")


def shared_dir() -> Path:
    return _env_path("MIC2025_SHARED_DIR", PROJECT_ROOT.parent / "shared")


def cache_dir() -> Path:
    """Where pure, reproducible renderings are kept between runs (the answer chart's SVG):
    MIC2025_CACHE_DIR, default ~/.cache/mic2025. Safe to delete."""
    return _env_path("MIC2025_CACHE_DIR", Path.home() / ".cache" / "mic2025")


def base_url(source: str) -> str:
    env_name, default = BASE_URL_ENV[source]
    return os.environ.get(env_name, default).rstrip("/")


def quarantine_threshold() -> float:
    """Largest share of a source's rows that may be quarantined before its load fails."""
    return float(os.environ.get("MIC2025_QUARANTINE_THRESHOLD", "0.05"))


def min_row_share() -> float:
    """Smallest row count a new snapshot may have, as a share of the published one's, before its
    load fails as truncated (``MIC2025_MIN_ROW_SHARE``, default 0.8)."""
    return float(os.environ.get("MIC2025_MIN_ROW_SHARE", "0.8"))


def storage_version() -> str:
    """DuckDB storage format of the published warehouse (``MIC2025_STORAGE_VERSION``, default
    v1.2.0): a file DuckDB 1.2-1.5 clients (CLI, Python, JDBC/ODBC tools such as DBeaver) can open.
    DuckDB 2.0's own format (``v2.0.0``) would lock them out."""
    return os.environ.get("MIC2025_STORAGE_VERSION", "v1.2.0")


def warehouse_config() -> dict[str, str]:
    """DuckDB configuration of a new warehouse file: every connection to it in one process
    must pass the same (DuckDB shares one database instance per file and configuration)."""
    return {"storage_compatibility_version": storage_version()}


def task_retries() -> int:
    """Prefect retries of a failing live fetch (only for retryable errors)."""
    return int(os.environ.get("MIC2025_FETCH_TASK_RETRIES", "2"))


def task_retry_delays() -> list[float]:
    """Backoff between those retries, seconds: base, 4 x base, 16 x base (default base 10)."""
    base = float(os.environ.get("MIC2025_FETCH_TASK_RETRY_DELAY", "10"))
    return [base, base * 4, base * 16][: max(task_retries(), 1)]


def debug_enabled() -> bool:
    """``MIC2025_DEBUG=1`` (or ``mic2025 --debug``): expected errors keep their tracebacks."""
    return os.environ.get("MIC2025_DEBUG", "") not in ("", "0", "false")


def fetch_concurrency() -> int:
    """Live sources fetched at once (``MIC2025_FETCH_CONCURRENCY``, default 4): the threads of
    the flow's task runner, which the raw loads share."""
    return max(int(os.environ.get("MIC2025_FETCH_CONCURRENCY", "4")), 1)


def source_deadline() -> float:
    """Seconds one source's fetch may take, retries included, before it is given up as stale
    (``MIC2025_SOURCE_DEADLINE``, default 300)."""
    return float(os.environ.get("MIC2025_SOURCE_DEADLINE", "300"))


def fetch_deadline() -> float:
    """Seconds all live fetches of a run may take together; sources not done by then are stale
    (``MIC2025_FETCH_DEADLINE``, default 600)."""
    return float(os.environ.get("MIC2025_FETCH_DEADLINE", "600"))


def stale_fail_share() -> float:
    """A live run whose stale share of fetched sources is above this ends Failed ("Stale");
    at or below it, Completed named "Stale". Default 0.5."""
    return float(os.environ.get("MIC2025_STALE_FAIL_SHARE", "0.5"))
