"""Generated documentation is current, and the CLI describes tables from the schemas."""

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from mic2025.flows.cli import app
from mic2025.warehouse.docs import (
    COVERAGE_END,
    COVERAGE_START,
    coverage_markdown,
    data_dictionary_markdown,
)

ROOT = Path(__file__).resolve().parents[1]


def test_data_dictionary_is_current():
    assert (ROOT / "docs" / "data-dictionary.md").read_text() == data_dictionary_markdown(), (
        "run `mic2025 docs` to regenerate docs/data-dictionary.md"
    )


def test_readme_coverage_matrix_is_current(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
        sectors = con.sql("select * from core.sectors").pl()
    finally:
        con.close()
    readme = (ROOT / "README.md").read_text()
    block = readme.split(COVERAGE_START)[1].split(COVERAGE_END)[0].strip()
    assert block == coverage_markdown(metrics, sectors).strip(), (
        "run `mic2025 docs` to regenerate the README coverage matrix"
    )


def test_describe_lists_columns_with_checks():
    result = CliRunner().invoke(app, ["describe", "marts.scorecard", "--format", "csv"])
    assert result.exit_code == 0
    assert 'status,String,false,"in met, on_track, off_track, missed, no_data"' in result.stdout


def test_describe_unknown_table():
    result = CliRunner().invoke(app, ["describe", "marts.nope"])
    assert result.exit_code == 1 and "unknown table" in result.output
