"""A live refresh in which one source fails: that source is stale, the others refresh."""

from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def live_env(httpserver, monkeypatch, snapshot_store):
    monkeypatch.setenv("MIC2025_OWID_URL", httpserver.url_for("/grapher"))
    monkeypatch.setenv("MIC2025_WORLDBANK_URL", httpserver.url_for("/v2"))
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "0")
    monkeypatch.setenv("MIC2025_FETCH_TASK_RETRIES", "1")
    monkeypatch.setenv("MIC2025_FETCH_TASK_RETRY_DELAY", "0.05")
    return httpserver


def test_one_failing_source_is_marked_stale(prefect_server, live_env, snapshot_store, tmp_path):
    from flows.refresh import refresh

    csv = (FIXTURES / "owid_electric-car-sales_head.csv").read_bytes()
    live_env.expect_request("/grapher/electric-car-sales.csv").respond_with_data(
        csv, content_type="text/csv"
    )
    live_env.expect_request(
        "/v2/country/CHN;WLD;USA;EUU;DEU;JPN;KOR;IND/indicator/TX.VAL.TECH.MF.ZS"
    ).respond_with_data("upstream down", status=503)
    target = tmp_path / "mic2025.duckdb"
    summary = refresh(
        sources=["owid_electric_car_sales", "wdi_tx_val_tech_mf_zs"],
        live=True,
        warehouse=str(target),
    )
    status = {s["source"]: s for s in summary["sources"]}
    assert status["owid_electric_car_sales"]["status"] == "fresh"
    assert status["owid_electric_car_sales"]["rows_loaded"] == 29
    stale = status["wdi_tx_val_tech_mf_zs"]
    assert stale["status"] == "stale" and "HTTP 503" in stale["message"]
    assert stale["rows_loaded"] > 0  # the last good snapshot was loaded
    assert status["china_official_stats"]["status"] == "loaded"  # not selected: local snapshot
    wb_calls = [r for r, _ in live_env.log if "TX.VAL.TECH.MF.ZS" in r.path]
    assert len(wb_calls) == 2  # the Prefect task retried the 503 once
    con = duckdb.connect(str(target), read_only=True)
    try:
        ledger = dict(con.sql("select source, status from meta.loads").fetchall())
    finally:
        con.close()
    assert ledger["wdi_tx_val_tech_mf_zs"] == "stale"
    versions = sorted(p.name for p in (snapshot_store / "owid_electric_car_sales").iterdir())
    assert len(versions) == 2  # a new snapshot next to the bundled one
