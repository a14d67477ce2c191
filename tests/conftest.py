"""Test setup: no telemetry, a private PREFECT_HOME, one Prefect test server per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="mic2025-prefect-")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["MIC2025_HTTP_BACKOFF"] = "0.01"  # retries in tests do not sleep for seconds

import pytest  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
SNAPSHOTS = PROJECT / "snapshots"
FACTS = PROJECT / "facts"


@pytest.fixture(scope="session")
def prefect_server():
    """A real (temporary) Prefect API for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def snapshot_store(tmp_path, monkeypatch) -> Path:
    """A private copy of the committed snapshots that a test may change."""
    store = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, store)
    monkeypatch.setenv("MIC2025_SNAPSHOTS_DIR", str(store))
    return store


@pytest.fixture(scope="session")
def published_warehouse(prefect_server, tmp_path_factory) -> Path:
    """One offline refresh into a temporary warehouse, shared by read-only tests."""
    from mic2025.flows.refresh import refresh

    target = tmp_path_factory.mktemp("wh") / "mic2025.duckdb"
    refresh(warehouse=str(target))
    return target


@pytest.fixture
def copy_published(published_warehouse):
    """``copy_published(target)``: the session's published warehouse copied to ``target`` (a
    refresh of the same committed snapshots), for a test that needs a warehouse published
    before it starts and is about what happens next: a copy costs milliseconds, a refresh
    seconds."""

    def copy(target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(published_warehouse, target)
        return target

    return copy


# Hypothesis: random examples locally (to find new bugs), a fixed seed in CI (a red run must be
# reproducible); the examples found are kept in .hypothesis/ locally.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
