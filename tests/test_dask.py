"""The Dask task runner (2-worker LocalCluster) publishes the same warehouse as the default."""

import duckdb
import pytest

from mic2025.flows.refresh import refresh, with_task_runner
from mic2025.warehouse.checksums import table_checksums

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out


def test_dask_runner_gives_the_same_warehouse(prefect_server, tmp_path, monkeypatch):
    from distributed import LocalCluster

    from bench.synthetic_baci import generate

    folder = tmp_path / "bulk"
    generate(folder, rows=40_000, years=2)  # synthetic bulk files: two per-file tasks
    monkeypatch.setenv("MIC2025_BACI_DIR", str(folder))
    default = tmp_path / "threads.duckdb"
    refresh(warehouse=str(default))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = tmp_path / "dask.duckdb"
        summary = with_task_runner("dask", cluster.scheduler_address)(warehouse=str(on_dask))
    assert summary["published"] is True
    schemas = ("raw", "core", "marts")
    assert table_checksums(on_dask, schemas) == table_checksums(default, schemas)
    con = duckdb.connect(str(on_dask), read_only=True)
    try:
        assert con.sql("select count(*) from raw.baci_trade").fetchall()[0][0] == 40_000
    finally:
        con.close()
