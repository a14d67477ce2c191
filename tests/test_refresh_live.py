"""A live refresh in which one source fails: that source is stale, the others refresh."""

from pathlib import Path

import duckdb
import pytest
from prefect.client.schemas.objects import StateType

from mic2025.flows.base.errors import SourcesStale

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

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
    from mic2025.flows.refresh import refresh

    csv = (FIXTURES / "owid_electric-car-sales_head.csv").read_bytes()
    live_env.expect_request("/grapher/electric-car-sales.csv").respond_with_data(
        csv, content_type="text/csv"
    )
    live_env.expect_request(
        "/v2/country/CHN;WLD;USA;EUU;DEU;JPN;KOR;IND/indicator/TX.VAL.TECH.MF.ZS"
    ).respond_with_data("upstream down", status=503)
    target = tmp_path / "mic2025.duckdb"
    state = refresh(
        sources=["owid_electric_car_sales", "wdi_tx_val_tech_mf_zs"],
        live=True,
        warehouse=str(target),
        return_state=True,
    )
    # 1 of 2 live sources stale = 0.5, not above MIC2025_STALE_FAIL_SHARE: Completed, named Stale
    assert state.type == StateType.COMPLETED and state.name == "Stale"
    assert state.message == (
        "1 source(s) not refreshed, last good snapshot kept: wdi_tx_val_tech_mf_zs (stale); "
        "1 of 2 live source(s) stale"
    )
    summary = state.result()
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

    from mic2025.flows.refresh import refresh

    key = "PLANTED-COMTRADE-KEY-91e2"
    monkeypatch.setenv("COMTRADE_API_KEY", key)
    monkeypatch.setenv("MIC2025_COMTRADE_URL", live_env.url_for("/").rstrip("/"))
    monkeypatch.setenv("MIC2025_COMTRADE_YEARS", "2023:2023")
    monkeypatch.setenv("MIC2025_COMTRADE_RPS", "1000")
    live_env.expect_request("/data/v1/get/C/A/HS").respond_with_data(
        f"<html>500 Internal error for key={key}</html>", status=500
    )
    target = tmp_path / "mic2025.duckdb"
    with pytest.raises(SourcesStale, match=r"comtrade_trade \(stale\); 1 of 1 live") as exc:
        refresh(sources=["comtrade_trade"], live=True, warehouse=str(target))  # Failed, "Stale"
    summary = exc.value.summary
    assert summary["published"] and target.exists()  # published with the last good snapshot
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
        run_state = client.read_flow_run(summary["flow_run_id"]).state
    # the API tells this run apart from a clean success: Failed, named Stale, naming the source
    assert run_state.type == StateType.FAILED and run_state.name == "Stale"
    assert "comtrade_trade (stale)" in run_state.message
    haystacks = [
        run_state.message,
        str(summary),
        caplog.text,
        *(str(a.data) for a in artifacts),
        *(log.message for log in logs),
    ]
    for path in snapshot_store.rglob("*"):
        if path.is_file():
            haystacks.append(path.read_bytes().decode("latin-1"))
    # the warehouse is read through SQL, every text column of every table: DuckDB compresses
    # columns, so searching the file's bytes would miss a leaked key
    con = duckdb.connect(str(target), read_only=True)
    try:
        columns = con.sql(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and schema_name in ('raw', 'core', 'marts', 'meta')"
        ).fetchall()
        hits = [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(
                f'select count(*) from {schema}.{table} where contains("{column}", ?)', [key]
            ).fetchall()[0][0]
        ]
    finally:
        con.close()
    assert len(columns) > 100 and hits == []
    assert artifacts and logs
    assert not [h[:200] for h in haystacks if key in h]


def test_network_down_fails_fast_and_the_cli_says_stale(
    prefect_server, snapshot_store, tmp_path, monkeypatch, caplog
):
    """Every live endpoint refuses the connection (a network outage): no retries, one line per
    source, the run publishes with the last good snapshots and ends Failed "Stale"; the command
    prints its table, then one error line, and exits 1."""
    import socket

    from typer.testing import CliRunner

    from mic2025.flows.cli import app

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("OWID_URL", "WORLDBANK_URL"):
        monkeypatch.setenv(f"MIC2025_{name}", dead)
    target = tmp_path / "mic2025.duckdb"
    sources = ["owid_wind_capacity", "wdi_nv_ind_manf_zs"]
    result = CliRunner().invoke(
        app,
        ["refresh", "--live", "--warehouse", str(target)]
        + [arg for s in sources for arg in ("--sources", s)],
    )
    assert result.exit_code == 1
    out = " ".join(result.output.split())  # the terminal wraps long lines
    assert "error: run ended Failed (Stale): 2 source(s) not refreshed" in out
    assert "2 of 2 live source(s) stale" in out
    flow_lines = [r.getMessage() for r in caplog.records if r.name == "prefect.flow_runs"]
    for source in sources:  # the flow's one line per source: snapshot kept, short reason
        [line] = [m for m in flow_lines if m.startswith(f"{source}: stale snapshot ")]
        assert "(live fetch failed: ConnectionRefusedError: 127.0.0.1:" in line
    assert "gave up after" not in out + caplog.text  # no retries
    assert "Traceback" not in out
    with duckdb.connect(str(target), read_only=True) as con:
        ledger = dict(con.sql("select source, status from meta.loads").fetchall())
    assert [ledger[s] for s in sources] == ["stale", "stale"]


def test_fetching_holds_no_lock_so_an_on_demand_run_is_not_blocked(
    prefect_server, live_env, snapshot_store, tmp_path, monkeypatch
):
    """A nightly run waiting on a slow upstream holds no writer lock: an on-demand run started
    meanwhile (wait_seconds=0, i.e. refused if the lock were held) builds and publishes."""
    import threading
    import time

    from werkzeug import Response

    from mic2025.flows.refresh import refresh

    csv = (FIXTURES / "owid_electric-car-sales_head.csv").read_bytes()
    fetching, release = threading.Event(), threading.Event()

    def slow(request):
        fetching.set()
        release.wait(60)
        return Response(csv, content_type="text/csv")

    live_env.expect_request("/grapher/electric-car-sales.csv").respond_with_handler(slow)
    monkeypatch.setenv("MIC2025_MIN_ROW_SHARE", "0")  # the fixture is the chart's first 29 rows
    target = tmp_path / "mic2025.duckdb"
    nightly: dict = {}
    thread = threading.Thread(
        target=lambda: nightly.update(
            refresh(sources=["owid_electric_car_sales"], live=True, warehouse=str(target))
        )
    )
    thread.start()
    try:
        assert fetching.wait(60)
        started = time.monotonic()
        on_demand = refresh(warehouse=str(target))  # offline, no waiting for the lock
        assert on_demand["published"] and time.monotonic() - started < 60
        assert thread.is_alive()  # the nightly run is still fetching
    finally:
        release.set()
        thread.join(120)
    assert {s["source"]: s["status"] for s in nightly["sources"]}["owid_electric_car_sales"] == (
        "fresh"
    )
    con = duckdb.connect(str(target), read_only=True)
    try:
        runs = con.sql("select load_id from meta.runs order by load_id").fetchall()
    finally:
        con.close()
    assert [r[0] for r in runs] == sorted([on_demand["load_id"], nightly["load_id"]])


def test_a_run_fetch_deadline_makes_a_slow_source_stale(
    prefect_server, live_env, snapshot_store, tmp_path, monkeypatch
):
    import threading

    from werkzeug import Response

    from mic2025.flows.refresh import refresh

    monkeypatch.setenv("MIC2025_FETCH_DEADLINE", "1")
    release = threading.Event()

    def slow(request):
        release.wait(10)
        return Response(b"late", content_type="text/csv")

    live_env.expect_request("/grapher/electric-car-sales.csv").respond_with_handler(slow)
    try:
        summary = refresh(
            sources=["owid_electric_car_sales"],
            live=True,
            warehouse=str(tmp_path / "mic2025.duckdb"),
            return_state=True,
        ).result(raise_on_failure=False)
    finally:
        release.set()
    data = summary.summary if isinstance(summary, SourcesStale) else summary
    stale = {s["source"]: s for s in data["sources"]}["owid_electric_car_sales"]
    assert stale["status"] == "stale"
    assert "not fetched within the run's fetch deadline (1 s)" in stale["message"]
