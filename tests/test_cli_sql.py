"""`mic2025 sql` and the other read commands, as an analyst runs them: limits on every query,
one line for every fault, and a start that does not import the source registry."""

import os
import subprocess
import sys
import time

import pytest


def cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mic2025.flows.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.slow
def test_a_runaway_query_ends_at_its_time_limit_with_one_line(published_warehouse):
    started = time.monotonic()
    result = cli(
        "sql",
        "select sum(a.range * b.range) from range(200000) a, range(200000) b",
        "--timeout",
        "1.5",
        "--warehouse",
        str(published_warehouse),
    )
    elapsed = time.monotonic() - started
    assert "ran past its 1.5 s limit" in one_error_line(result)
    assert elapsed < 15  # interrupted, not run to the end


@pytest.mark.slow
def test_empty_and_multi_statement_input_are_refused(published_warehouse):
    wh = ("--warehouse", str(published_warehouse))
    assert "empty query" in one_error_line(cli("sql", "  ", *wh))
    assert "2 statements given" in one_error_line(cli("sql", "select 1; select 2", *wh))


@pytest.mark.slow
def test_table_output_is_capped_and_csv_streams_everything(published_warehouse):
    wh = ("--warehouse", str(published_warehouse))
    table = cli("sql", "select * from range(25)", "--max-rows", "10", *wh)
    assert table.returncode == 0 and "10 row(s)" in table.stdout
    assert "showing the first 10 rows" in table.stderr
    csv = cli("sql", "select * from range(25)", "--format", "csv", "--max-rows", "10", *wh)
    assert csv.stdout.splitlines()[0] == "range" and len(csv.stdout.splitlines()) == 26


@pytest.mark.slow
def test_a_folder_or_a_corrupt_file_is_one_line_in_every_read_command(tmp_path):
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_text("not a database")
    for command in (["sql", "select 1"], ["sectors"], ["scorecard"], ["tables"]):
        assert "is a folder" in one_error_line(cli(*command, "--warehouse", str(folder)))
        line = one_error_line(cli(*command, "--warehouse", str(corrupt)))
        assert "not a readable DuckDB warehouse" in line


def test_the_memory_limit_reaches_duckdb(published_warehouse, monkeypatch):
    from mic2025.warehouse.query import default_memory_limit, fetch_rows

    monkeypatch.delenv("MIC2025_SQL_MEMORY_LIMIT", raising=False)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert default_memory_limit() == f"{total // 4 // 2**20}MiB"
    rows = fetch_rows(
        "select current_setting('memory_limit')", str(published_warehouse), memory_limit="512MiB"
    )
    assert rows.values[0][0] in ("512.0 MiB", "536.8 MB", "512.0MiB")


def test_read_commands_do_not_import_the_source_registry(published_warehouse):
    """`mic2025 sql` imports neither pandera, pandas, ibis nor polars: it starts in a few tenths
    of a second (bench/run.py --only cli prints the ratio to a bare DuckDB query)."""
    code = (
        "import sys; from mic2025.flows.cli import _fast_path; "
        f"_fast_path(['sql', 'select 1', '--format', 'csv', '--warehouse', {str(published_warehouse)!r}]); "
        "heavy = [m for m in ('pandera', 'pandas', 'ibis', 'polars', 'mic2025.flows.sources') "
        "if m in sys.modules]; print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_tables_describe_themselves_in_the_warehouse(published_warehouse):
    from mic2025.warehouse.query import fetch_rows

    rows = fetch_rows(
        "select comment from duckdb_tables() where schema_name = 'marts' and "
        "table_name = 'scorecard'",
        str(published_warehouse),
    )
    assert rows.values[0][0].startswith("MIC2025 targets against the latest actuals")


@pytest.mark.slow
def test_a_read_write_session_elsewhere_is_one_line_that_says_what_to_do(
    published_warehouse, tmp_path
):
    import shutil

    import duckdb

    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    analyst = duckdb.connect(str(target))  # an analyst's read-write session, still open
    try:
        line = one_error_line(cli("sql", "select 1", "--warehouse", str(target)))
    finally:
        analyst.close()
    assert "locked by a process that opened it read-write" in line
    assert "duckdb -readonly" in line


def test_a_reader_that_stops_early_is_not_an_error(published_warehouse):
    """`mic2025 sql ... | head -1`: the reader closes the pipe; the command stops quietly with
    SIGPIPE's status (141), no 'error:' line, no traceback."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "sql",
            "select * from range(200000)",
            "--format",
            "csv",
            "--warehouse",
            str(published_warehouse),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().strip() == b"range"
    proc.stdout.close()  # the reader leaves, as `head -1` does
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "error" not in stderr and "Traceback" not in stderr, stderr
