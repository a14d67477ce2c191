"""SIGKILL a refresh at five points: the published warehouse is always the previous or the new
complete one, readable, and the next refresh succeeds and cleans up."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.failpoints import POINTS
from warehouse.checksums import table_checksums

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def api_url(prefect_server):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def run_refresh(target: Path, api_url: str, failpoint: str | None = None):
    env = {**os.environ, "PREFECT_API_URL": api_url}
    env.pop("MIC2025_FAILPOINT", None)
    if failpoint:
        env["MIC2025_FAILPOINT"] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "refresh", "--warehouse", str(target), "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def published_load(path: Path) -> tuple[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        latest = con.sql("select max(load_id) from meta.loads").fetchall()[0][0]
        marts = con.sql("select min(load_id), max(load_id) from marts.sector_metrics").fetchall()[0]
    finally:
        con.close()
    assert marts[0] == marts[1] == latest, "marts and meta.loads disagree"
    return latest


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reference(api_url, tmp_path_factory) -> tuple[Path, dict]:
    """A warehouse published by a complete refresh, and its content checksums."""
    target = tmp_path_factory.mktemp("ref") / "mic2025.duckdb"
    done = run_refresh(target, api_url)
    assert done.returncode == 0, done.stderr[-2000:]
    return target, table_checksums(target)


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_leaves_previous_or_new_complete_warehouse(api_url, reference, tmp_path, point):
    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(reference[0], target)  # the published warehouse before the crash
    before_load, before_digest = published_load(target), digest(target)

    killed = run_refresh(target, api_url, failpoint=point)
    assert killed.returncode == -signal.SIGKILL

    after_load = published_load(target)  # opens read-only and is consistent
    assert table_checksums(target) == reference[1]  # a complete warehouse, never a mix
    if point == "after-publish":
        assert after_load > before_load  # the new warehouse
    else:
        assert after_load == before_load and digest(target) == before_digest  # the previous one

    again = run_refresh(target, api_url)
    assert again.returncode == 0, again.stderr[-2000:]
    assert published_load(target) > after_load
    leftovers = sorted(
        p.name
        for p in tmp_path.iterdir()
        if p.name not in ("mic2025.duckdb", "mic2025.duckdb.lock", "report")
    )
    assert leftovers == []
