"""Readers see the warehouse and nothing else; an analyst's read-write session cannot break it."""

import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from typer.testing import CliRunner

from mic2025.flows.cli import app

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

ATTACKS = [
    ("select * from read_text('/etc/hostname')", "nothing else"),
    ("select * from read_csv('/etc/passwd')", "nothing else"),
    ("COPY (select 1) TO '{tmp}/evil.csv'", "nothing else"),
    ("EXPORT DATABASE '{tmp}/evil_db'", "nothing else"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "nothing else"),
    ("INSTALL httpfs", "nothing else"),
    ("LOAD httpfs", "nothing else"),
    ("SET enable_external_access = true", "nothing else"),
    ("CREATE TABLE marts.x AS SELECT 1", "read-only"),
]


@pytest.mark.parametrize(("query", "refusal"), ATTACKS)
def test_sql_refuses_everything_but_reading_the_warehouse(
    published_warehouse, tmp_path, query, refusal
):
    result = CliRunner().invoke(
        app, ["sql", query.format(tmp=tmp_path), "--warehouse", str(published_warehouse)]
    )
    assert result.exit_code == 1, result.output
    assert refusal in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_sql_keeps_duckdbs_hints(published_warehouse):
    result = CliRunner().invoke(
        app, ["sql", "select * from marts.scorcard", "--warehouse", str(published_warehouse)]
    )
    assert result.exit_code == 1 and "Did you mean" in result.output


ANALYST = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])              # the DuckDB CLI's default: read-write
    con.execute("CREATE TABLE main.scratch AS SELECT 42 AS x")
    print("open", flush=True)
    time.sleep(60)
    """
)


def _start_analyst(target):
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert analyst.stdout.readline().strip() == "open"
    return analyst


def test_a_wal_left_by_a_read_write_session_does_not_break_readers(
    prefect_server, copy_published, tmp_path
):
    from mic2025.flows.refresh import refresh

    target = copy_published(tmp_path / "mic2025.duckdb")
    analyst = _start_analyst(target)
    analyst.kill()  # killed mid-session: its .wal stays beside the published file
    analyst.wait()
    wal = target.with_name(target.name + ".wal")
    assert wal.exists()
    refresh(warehouse=str(target))  # publishes a new file; the old file's .wal must go
    assert not wal.exists()
    con = duckdb.connect(str(target), read_only=True)
    try:
        runs = con.sql("select count(*) from meta.runs").fetchall()[0][0]
        summary = con.sql("select count(*) from marts.sector_summary").fetchall()[0][0]
    finally:
        con.close()
    assert runs == 2 and summary == 10  # history kept, readers work


def test_a_read_write_session_during_a_refresh_is_reported_not_a_reset(
    prefect_server, copy_published, tmp_path
):
    from mic2025.flows.refresh import refresh
    from mic2025.warehouse.publish import WarehouseUnreadable

    target = copy_published(tmp_path / "mic2025.duckdb")
    before = target.read_bytes()
    analyst = _start_analyst(target)
    try:
        with pytest.raises(WarehouseUnreadable, match="history would be lost"):
            refresh(warehouse=str(target))
    finally:
        analyst.kill()
        analyst.wait()
    assert target.read_bytes() == before  # nothing published over it, nothing reset


def test_an_unreadable_published_warehouse_is_an_error_not_a_reset(tmp_path):
    from mic2025.warehouse.publish import WarehouseUnreadable, read_published

    target = tmp_path / "mic2025.duckdb"
    target.write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(WarehouseUnreadable, match="history would be lost"):
        read_published(target, "meta.runs")
    shutil.rmtree(tmp_path)


def test_tables_lists_every_table_with_exact_rows(published_warehouse):
    import json

    result = CliRunner().invoke(
        app, ["tables", "--format", "json", "--warehouse", str(published_warehouse)]
    )
    assert result.exit_code == 0, result.output
    rows = {(r["schema"], r["table"]): r for r in json.loads(result.stdout)}
    assert rows[("marts", "sector_summary")]["rows"] == 10
    assert rows[("marts", "scorecard")]["rows"] == 39
    assert rows[("marts", "sector_summary")]["description"].startswith("The sector-by-sector")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sources", "nope"], "valid: china_official_stats"),
        (["--years", "2024:2015"], "FIRST <= LAST"),
        (["--years", "soon"], "FIRST:LAST"),
    ],
)
def test_refresh_arguments_are_checked_before_prefect_starts(args, message, tmp_path):
    start = time.monotonic()
    result = CliRunner().invoke(app, ["refresh", *args, "--warehouse", str(tmp_path / "w.duckdb")])
    output = " ".join(result.output.split())  # the console wraps long lines
    assert result.exit_code == 1 and message in output
    assert "Traceback" not in output
    assert time.monotonic() - start < 5  # no temporary Prefect server was started
    assert not (tmp_path / "w.duckdb").exists()


def test_a_folder_as_warehouse_path_is_refused_at_once(tmp_path):
    result = CliRunner().invoke(app, ["refresh", "--warehouse", str(tmp_path)])
    assert result.exit_code == 1 and "is a folder" in " ".join(result.output.split())


def test_a_file_where_the_report_folder_goes_is_refused_before_building(tmp_path):
    (tmp_path / "report").write_text("not a folder")
    start = time.monotonic()
    result = CliRunner().invoke(app, ["refresh", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"error: {tmp_path / 'report'} is a file, and the report folder goes there: "
        "move or remove it"
    ]
    assert time.monotonic() - start < 5 and not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.mine (a int)",
        "insert into marts.scorecard select * from marts.scorecard",
        "drop table marts.sector_summary",
        "update meta.runs set live = true",
    ],
)
def test_no_write_statement_reaches_the_published_file(published_warehouse, statement):
    """A second test of 'mic2025 sql cannot write', at the reader itself (the other goes through
    the CLI): every kind of write fails on the read-only connection, naming why, and the file's
    bytes do not change."""
    from mic2025.warehouse.query import QueryError, fetch_rows

    before = published_warehouse.read_bytes()
    with pytest.raises(QueryError, match="read-only"):
        fetch_rows(statement, str(published_warehouse))
    assert published_warehouse.read_bytes() == before
