"""Integration: a real `prefect server` on a free loopback port, both deployments from
prefect.yaml, a process worker, and a run triggered exactly as the UI's Run button does."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
pytestmark = pytest.mark.integration
WORKER_LOG: list[Path] = []  # the worker's log, shown when a run does not complete


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group we started, by pid: SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    }
    logs = home / "logs"
    logs.mkdir()
    started = []

    def launch(args, name):
        proc = subprocess.Popen(
            [PREFECT, *args],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    try:
        launch(["server", "start", "--host", "127.0.0.1", "--port", str(port)], "server")
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if requests.get(f"{api}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(
                "prefect server did not start: " + (logs / "server.log").read_text()[-2000:]
            )
        for args in (
            ["work-pool", "create", "mic2025", "--type", "process"],
            ["--no-prompt", "deploy", "--all"],
        ):
            done = subprocess.run(
                [PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        launch(["worker", "start", "--pool", "mic2025"], "worker")
        WORKER_LOG[:] = [logs / "worker.log"]
        yield api
    finally:
        for proc in reversed(started):  # worker first, then the server
            stop(proc)


def test_both_deployments_with_the_nightly_schedule(service):
    nightly = requests.get(f"{service}/deployments/name/mic2025-refresh/nightly-refresh").json()
    on_demand = requests.get(f"{service}/deployments/name/mic2025-refresh/on-demand-refresh").json()
    (schedule,) = nightly["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *" and schedule["schedule"]["timezone"]
    assert schedule["active"] and nightly["parameters"]["live"] is True
    assert on_demand["schedules"] == []
    form = on_demand["parameter_openapi_schema"]["properties"]
    assert {"sources", "live", "years", "mode"} <= set(form)
    assert form["live"]["description"] and form["mode"]["description"]
    runs, deadline = [], time.time() + 90
    while not runs and time.time() < deadline:  # the scheduler service creates the runs
        runs = requests.post(
            f"{service}/flow_runs/filter",
            json={
                "deployments": {"id": {"any_": [nightly["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "sort": "EXPECTED_START_TIME_ASC",
            },
        ).json()
        time.sleep(1)
    assert runs, "the next nightly run is scheduled"
    first = datetime.fromisoformat(runs[0]["expected_start_time"].replace("Z", "+00:00"))
    local = first.astimezone(ZoneInfo(schedule["schedule"]["timezone"]))
    assert (local.hour, local.minute) == (2, 0)


def test_run_button_completes_with_summary_and_scorecard_artifacts(service, tmp_path):
    deployment = requests.get(
        f"{service}/deployments/name/mic2025-refresh/on-demand-refresh"
    ).json()
    target = tmp_path / "mic2025.duckdb"
    run = requests.post(
        f"{service}/deployments/{deployment['id']}/create_flow_run",
        json={"state": {"type": "SCHEDULED"}, "parameters": {"warehouse": str(target)}},
    ).json()
    deadline = time.time() + 240
    state = None
    while time.time() < deadline:
        state = requests.get(f"{service}/flow_runs/{run['id']}").json()["state_type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(1)
    assert state == "COMPLETED", (
        f"run ended {state}; worker log:\n{WORKER_LOG[0].read_text()[-3000:]}"
    )
    con = duckdb.connect(str(target), read_only=True)
    try:
        ledger_run = con.sql("select distinct flow_run_id from meta.loads").fetchall()
        scorecard = con.sql("select count(*) from marts.scorecard").fetchall()[0][0]
    finally:
        con.close()
    assert ledger_run == [(run["id"],)] and scorecard == 39
    artifacts = requests.post(
        f"{service}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}
    ).json()
    by_key = {a["key"]: a for a in artifacts}
    assert by_key["mic2025-scorecard"]["type"] == "table"
    assert "Refresh" in by_key["mic2025-run-summary"]["data"]
    assert "targets" in by_key["mic2025-scorecard-summary"]["data"]
