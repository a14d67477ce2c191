"""End to end: a real Prefect flow run, a real DuckDB file, read back through the CLI."""

import json

import duckdb
import pytest
from typer.testing import CliRunner

from mic2025.flows.cli import app

runner = CliRunner()


def sql(warehouse, query, fmt="json"):
    result = runner.invoke(app, ["sql", query, "--format", fmt, "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if fmt == "json" else result.stdout


def test_nev_rows_are_published_and_checkable(published_warehouse):
    rows = sql(
        published_warehouse,
        "select * from marts.self_sufficiency where product ilike '%vehicle%' order by year",
    )
    by_year = {r["year"]: r for r in rows}
    assert min(by_year) == 2013 and max(by_year) == 2025
    # CAAM 2025: production 1662.6万, exports 261.5万 (China Press / Xinhua); no NEV import
    # series, so 16,626,000 / (16,626,000 - 2,615,000) = 1.1866 is an upper bound
    y2025 = by_year[2025]
    assert (y2025["production"], y2025["exports"]) == (16_626_000, 2_615_000)
    assert y2025["self_sufficiency_ratio"] == pytest.approx(16_626_000 / 14_011_000)
    assert y2025["ratio_bound"] == "upper"
    # the earliest year has production but no export figure: no ratio, and the row says why
    assert by_year[2013]["self_sufficiency_ratio"] is None
    assert "no ratio computed" in by_year[2013]["assumptions"]
    r = by_year[2022]
    # CAAM 2022: production 705.8万 = 7,058,000; exports 67.9万 = 679,000 -> 7,058,000 / 6,379,000
    assert r["production"] == 7_058_000 and r["exports"] == 679_000
    assert r["self_sufficiency_ratio"] == pytest.approx(7_058_000 / 6_379_000)
    assert r["sources"].startswith("http")


def test_every_layer_and_lineage_is_present(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        tables = {
            f"{s}.{t}"
            for s, t in con.sql("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        for t in [
            "raw.china_official_stats",
            "raw.iea_global_ev_data",
            "core.official_stats",
            "core.observations",
            "marts.self_sufficiency",
            "marts.sector_metrics",
            "meta.loads",
            "meta.snapshots",
            "meta.quarantine",
        ]:
            assert t in tables
        load_ids = con.sql("select distinct load_id from raw.china_official_stats").fetchall()
        ledger = con.sql(
            "select load_id, source, status, rows_loaded, snapshot_sha256 from meta.loads"
        ).fetchall()
        mart_ids = con.sql("select distinct load_id from marts.self_sufficiency").fetchall()
        shas = con.sql(
            "select sha256 from meta.snapshots where source='china_official_stats'"
        ).fetchall()
        raw_sha = con.sql(
            "select distinct snapshot_sha256 from raw.china_official_stats"
        ).fetchall()
    finally:
        con.close()
    assert len(load_ids) == 1 and mart_ids == load_ids
    assert {row[0] for row in ledger} == {load_ids[0][0]}
    assert {row[2] for row in ledger} == {"loaded"}
    assert raw_sha == shas


def test_sql_is_read_only(published_warehouse):
    result = runner.invoke(
        app, ["sql", "delete from marts.self_sufficiency", "--warehouse", str(published_warehouse)]
    )
    assert result.exit_code == 1
    assert "read-only" in result.output


def test_sql_table_and_csv_output(published_warehouse):
    out = sql(published_warehouse, "select 1 as one", fmt="csv")
    assert out.splitlines() == ["one", "1"]
    table = runner.invoke(
        app, ["sql", "select 42 as answer", "--warehouse", str(published_warehouse)]
    )
    assert "answer" in table.stdout and "42" in table.stdout


def test_missing_warehouse_gives_a_clear_error(tmp_path):
    result = runner.invoke(app, ["sql", "select 1", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "mic2025 refresh" in result.output


def test_cli_runs_refresh_without_flow_heartbeats(monkeypatch):
    """Prefect's heartbeat thread sleeps in 1 s steps and each run waits for it at its end:
    the CLI's run goes without (a deployment's keeps them), unless the environment asks."""
    from prefect.settings import get_current_settings

    from mic2025.flows.cli import HEARTBEAT_SETTINGS, flow_heartbeat_off

    for name in HEARTBEAT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    default = get_current_settings().flows.heartbeat_frequency
    assert default == 180  # Prefect 3.9's default: on
    with flow_heartbeat_off():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with flow_heartbeat_off():  # asked for: left as the settings say
        assert get_current_settings().flows.heartbeat_frequency == default
