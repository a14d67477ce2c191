"""Concurrent readers, idempotent reruns, and a failed source that keeps its published data."""

import json
import subprocess
import sys
import time

import duckdb
import pytest

from mic2025.flows.fetch.snapshots import latest_snapshot, write_snapshot
from mic2025.flows.refresh import refresh
from mic2025.warehouse.checksums import table_checksums

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

READER = r"""
import json, sys, time, duckdb
path, stop, out = sys.argv[1:4]
seen, errors, reads = set(), [], 0
deadline = time.time() + 120
while time.time() < deadline:
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            latest = con.sql("select max(load_id) from meta.loads").fetchall()[0][0]
            ids = {r[0] for r in con.sql(
                "select distinct load_id from marts.sector_metrics union "
                "select distinct load_id from marts.self_sufficiency union "
                "select distinct load_id from marts.scorecard union "
                "select distinct load_id from marts.claim_checks").fetchall()}
            n = con.sql("select count(*) from marts.self_sufficiency").fetchall()[0][0]
        finally:
            con.close()
        if ids != {latest} or n == 0:
            errors.append(f"inconsistent read: marts {sorted(ids)} vs ledger {latest}, {n} rows")
        seen.add(latest)
        reads += 1
    except Exception as exc:
        errors.append(repr(exc))
    if __import__("os").path.exists(stop) and reads > 0:
        break
    time.sleep(0.02)
json.dump({"reads": reads, "errors": errors[:5], "n_errors": len(errors), "seen": sorted(seen)},
          open(out, "w"))
"""


def test_four_readers_never_see_an_error_or_a_mix(prefect_server, copy_published, tmp_path):
    target = copy_published(tmp_path / "mic2025.duckdb")
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(target),
                str(stop),
                str(tmp_path / f"reader{i}.json"),
            ]
        )
        for i in range(4)
    ]
    time.sleep(1.0)
    refresh(warehouse=str(target))  # one publish while four readers read is the case that counts
    stop.touch()
    for proc in readers:
        assert proc.wait(timeout=150) == 0
    results = [json.loads((tmp_path / f"reader{i}.json").read_text()) for i in range(4)]
    assert sum(r["n_errors"] for r in results) == 0, [r["errors"] for r in results]
    assert all(r["reads"] > 0 for r in results)
    assert len({load for r in results for load in r["seen"]}) >= 2  # reads spanned a publish


def test_two_refreshes_from_the_same_snapshots_are_identical(
    prefect_server, copy_published, tmp_path
):
    target = copy_published(tmp_path / "mic2025.duckdb")  # the session's refresh: the first
    first = table_checksums(target, schemas=("raw", "core", "marts"))
    refresh(warehouse=str(target))
    second = table_checksums(target, schemas=("raw", "core", "marts"))
    assert first == second
    con = duckdb.connect(str(target), read_only=True)
    try:
        loads = con.sql("select count(distinct load_id), count(*) from meta.loads").fetchall()[0]
        raw_rows = con.sql("select count(*) from raw.china_official_stats").fetchall()[0][0]
    finally:
        con.close()
    assert loads[0] == 2  # the ledger keeps both refreshes
    assert raw_rows == latest_snapshot("china_official_stats").rows  # reloading never duplicates


def test_a_source_failing_validation_keeps_its_published_data(
    prefect_server, snapshot_store, copy_published, tmp_path
):
    target = copy_published(tmp_path / "mic2025.duckdb")
    good = latest_snapshot("owid_wind_capacity")
    text = good.file().read_text().splitlines()
    # a newer snapshot in which a quarter of the rows carry an impossible year
    broken = [text[0]] + [
        line.replace(",20", ",15", 1) if i % 4 == 0 else line for i, line in enumerate(text[1:])
    ]
    write_snapshot(
        "owid_wind_capacity",
        "2099-01-01",
        {good.files[0].name: ("\n".join(broken) + "\n").encode()},
        good.origin,
        fmt=good.format,
        root=snapshot_store,
    )
    summary = refresh(warehouse=str(target))
    status = {s["source"]: s for s in summary["sources"]}
    wind = status["owid_wind_capacity"]
    assert wind["status"] == "failed"
    assert "owid_wind_capacity" in wind["message"] and "greater_than_or_equal_to" in wind["message"]
    assert "kept the published snapshot 2025-06-15" in wind["message"]
    assert wind["rows_loaded"] == good.rows
    con = duckdb.connect(str(target), read_only=True)
    try:
        version = con.sql(
            "select version from meta.snapshots where source = 'owid_wind_capacity'"
        ).fetchall()[0][0]
        ledger = con.sql(
            "select status from meta.loads where source = 'owid_wind_capacity' order by load_id"
        ).fetchall()
    finally:
        con.close()
    assert version == "2025-06-15" and [r[0] for r in ledger] == ["loaded", "failed"]


def test_incremental_refresh_publishes_nothing_when_nothing_changed(
    prefect_server, copy_published, tmp_path
):
    import hashlib

    from mic2025.flows.refresh import RefreshMode

    target = copy_published(tmp_path / "mic2025.duckdb")
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    summary = refresh(warehouse=str(target), mode=RefreshMode.incremental)
    assert summary["published"] is False
    assert {s["status"] for s in summary["sources"]} == {"unchanged"}
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_serve_builds_both_deployments_from_prefect_yaml():
    from mic2025.flows.refresh import deployments_for_serve

    deployments = {d.name: d for d in deployments_for_serve()}
    assert set(deployments) == {"nightly-refresh", "on-demand-refresh"}
    (nightly,) = deployments["nightly-refresh"].schedules
    assert nightly.schedule.cron == "0 2 * * *" and nightly.schedule.timezone
    assert deployments["nightly-refresh"].parameters["live"] is True
    assert not deployments["on-demand-refresh"].schedules


def test_the_flow_refuses_years_in_the_wrong_order():
    import pydantic

    from mic2025.flows.refresh import YearRange

    with pytest.raises(pydantic.ValidationError, match="first year 2030 is after last year 2020"):
        YearRange(first=2030, last=2020)
    assert YearRange(first=2015, last=2024).last == 2024


@pytest.mark.slow
@pytest.mark.parametrize("point", ["transform", "before-publish"])
def test_a_full_disk_is_one_error_line_naming_the_file(published_warehouse, tmp_path, point):
    """DuckDB's own I/O error (here from a failpoint: CI cannot mount a small file system) ends
    as one `error:` line with the file and the reason; the published warehouse is untouched."""
    import os
    import shutil

    from prefect.settings import PREFECT_API_URL

    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    before = target.read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "refresh",
            "--quiet",
            "--warehouse",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # the session's Prefect server: starting a temporary one is not what this test is about
        env={
            **os.environ,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "MIC2025_FAILPOINT_DISK_FULL": point,
        },
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], result.stderr
    assert result.stderr.strip().splitlines() == errors  # --quiet: that line and nothing else
    assert ".mic2025.duckdb" in errors[0] or "mic2025.duckdb" in errors[0]
    assert "Traceback" not in result.stderr
    assert target.read_bytes() == before  # nothing published, nothing half-written


@pytest.mark.slow
def test_a_broken_facts_file_is_one_error_line_and_publishes_nothing(published_warehouse, tmp_path):
    import os
    import shutil

    from prefect.settings import PREFECT_API_URL

    from mic2025.flows.base.settings import facts_dir

    facts = tmp_path / "facts"
    shutil.copytree(facts_dir(), facts)
    measures = facts / "metrics" / "sector_measures.csv"
    row = len(measures.read_text(encoding="utf-8").splitlines()) + 1  # the line appended
    with measures.open("a", encoding="utf-8") as fh:
        fh.write("ships,domestic_supply,x,Ships,,a note, with a comma\n")
    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    before = target.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "mic2025.flows.cli", "refresh", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "MIC2025_FACTS_DIR": str(facts),
            "MIC2025_WAREHOUSE": str(target),
        },
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: facts/metrics/sector_measures.csv (row {row}): 7 fields for the 6 columns of "
        "the header (a text field with a comma must be in double quotes)"
    ], result.stderr
    assert target.read_bytes() == before
