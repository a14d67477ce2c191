"""Generated documentation is current, and the CLI describes tables from the schemas."""

import inspect
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from mic2025.flows.cli import app
from mic2025.warehouse.docs import (
    COVERAGE_END,
    COVERAGE_START,
    coverage_markdown,
    data_dictionary_markdown,
    metrics_doc,
)

ROOT = Path(__file__).resolve().parents[1]


def test_data_dictionary_is_current():
    assert (ROOT / "docs" / "data-dictionary.md").read_text() == data_dictionary_markdown(), (
        "run `mic2025 docs` to regenerate docs/data-dictionary.md"
    )


def test_metric_spec_tables_in_docs_are_current():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_doc(ROOT), (
        "run `mic2025 docs` to regenerate the spec tables of docs/metrics.md"
    )


def test_a_bad_metric_spec_fails_with_its_file_row_and_rule():
    import polars as pl
    import pytest

    from mic2025.flows.base.errors import ValidationFailed
    from mic2025.schemas.specs import validate_spec

    frame = pl.read_csv(ROOT / "facts" / "metrics" / "world_shares.csv", infer_schema_length=0)
    broken = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("yes"))
        .otherwise(pl.col("annual_from_cumulative"))
        .alias("annual_from_cumulative")
    )
    with pytest.raises(ValidationFailed) as exc:
        validate_spec("world_shares.csv", broken)
    assert str(exc.value) == (
        "facts -> facts/metrics/world_shares.csv: annual_from_cumulative: "
        "isin(['true', 'false']) (found 'yes', row 2)"
    )


def test_coverage_page_is_current(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
        sectors = con.sql("select * from core.sectors").pl()
        official = con.sql("select read_on from core.official_stats").pl()
    finally:
        con.close()
    page = (ROOT / "docs" / "coverage.md").read_text()
    block = page.split(COVERAGE_START)[1].split(COVERAGE_END)[0].strip()
    assert block == coverage_markdown(metrics, sectors, official).strip(), (
        "run `mic2025 docs` to regenerate docs/coverage.md"
    )
    # where the figures were read: every kind counted, the citable share stated
    assert "| official: the publisher's own site" in block
    assert "were read on the publisher's own site or a major host" in block


def test_describe_lists_columns_with_checks():
    result = CliRunner().invoke(app, ["describe", "marts.scorecard", "--format", "csv"])
    assert result.exit_code == 0
    assert (
        'status,String,false,"in met, on_track, off_track, missed, no_data, disputed"'
        in result.stdout
    )


def test_describe_unknown_table():
    result = CliRunner().invoke(app, ["describe", "marts.nope"])
    assert result.exit_code == 1 and "unknown table" in result.output


def test_command_list_joins_each_summary_into_one_sentence():
    """Docstrings are wrapped at 100 columns: `mic2025 --help` shows each command's first
    paragraph as one sentence (Rich markup kept every line break there, mid-sentence)."""
    result = CliRunner().invoke(app, ["--help"], env={"TERMINAL_WIDTH": "400"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for command in app.registered_commands:
        summary = inspect.cleandoc(command.callback.__doc__ or "").split("\n\n")[0]
        summary = summary.replace("\n", " ").replace("`", "")  # markdown shows code plain
        assert any(summary in line for line in lines), summary
