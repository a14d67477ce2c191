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


def test_planted_comtrade_key_appears_nowhere(
    prefect_server, live_env, snapshot_store, tmp_path, monkeypatch, caplog
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    from flows.refresh import refresh

    key = "PLANTED-COMTRADE-KEY-91e2"
    monkeypatch.setenv("COMTRADE_API_KEY", key)
    monkeypatch.setenv("MIC2025_COMTRADE_URL", live_env.url_for("/").rstrip("/"))
    monkeypatch.setenv("MIC2025_COMTRADE_YEARS", "2023:2023")
    monkeypatch.setenv("MIC2025_COMTRADE_RPS", "1000")
    live_env.expect_request("/data/v1/get/C/A/HS").respond_with_data(
        f"<html>500 Internal error for key={key}</html>", status=500
    )
    target = tmp_path / "mic2025.duckdb"
    summary = refresh(sources=["comtrade_trade"], live=True, warehouse=str(target))
    stale = next(s for s in summary["sources"] if s["source"] == "comtrade_trade")
    assert stale["status"] == "stale"
    with get_client(sync_client=True) as client:
        run_filter = [summary["flow_run_id"]]
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=run_filter))
        )
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=run_filter))
        )
    haystacks = [
        str(summary),
        caplog.text,
        *(str(a.data) for a in artifacts),
        *(log.message for log in logs),
    ]
    for path in [*snapshot_store.rglob("*"), target]:
        if path.is_file():
            haystacks.append(path.read_bytes().decode("latin-1"))
    assert artifacts and logs
    assert not [h[:200] for h in haystacks if key in h]
