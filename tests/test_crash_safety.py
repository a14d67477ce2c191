"""SIGKILL a refresh at five points: the published warehouse is always the previous or the new
complete one, readable, and the next refresh succeeds and cleans up."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mic2025.flows.base.failpoints import POINTS
from mic2025.warehouse.checksums import table_checksums

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def api_url(prefect_server):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def run_refresh(target: Path, api_url: str, failpoint: str | None = None):
    env = {**os.environ, "PREFECT_API_URL": api_url}
    env.pop("MIC2025_FAILPOINT", None)
    if failpoint:
        env["MIC2025_FAILPOINT"] = failpoint
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "refresh",
            "--warehouse",
            str(target),
            "--json",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def published_load(path: Path) -> tuple[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        latest = con.sql("select max(load_id) from meta.loads").fetchall()[0][0]
        marts = con.sql("select min(load_id), max(load_id) from marts.sector_metrics").fetchall()[0]
    finally:
        con.close()
    assert marts[0] == marts[1] == latest, "marts and meta.loads disagree"
    return latest


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reference(published_warehouse, tmp_path_factory) -> tuple[Path, dict]:
    """A warehouse published by a complete refresh (the session's), and its content checksums."""
    target = tmp_path_factory.mktemp("ref") / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    return target, table_checksums(target)


#: Crash points after which the next refresh is run too. Every point checks what a reader sees
#: after the kill; the recovery (cleanup, lock, a new publish) is run where the crash leaves the
#: most behind: a complete temporary warehouse and its staging (before-publish) or a published
#: one whose artifacts were never written (after-publish). The earlier points leave a subset of
#: those files, removed by the same cleanup (test_publish_atomic.py's leftovers test covers it
#: with planted files too).
RECOVERED_AFTER = ("before-publish", "after-publish")


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_leaves_previous_or_new_complete_warehouse(api_url, reference, tmp_path, point):
    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(reference[0], target)  # the published warehouse before the crash
    before_load, before_digest = published_load(target), digest(target)

    killed = run_refresh(target, api_url, failpoint=point)
    assert killed.returncode == -signal.SIGKILL

    after_load = published_load(target)  # opens read-only and is consistent
    assert table_checksums(target) == reference[1]  # a complete warehouse, never a mix
    if point == "after-publish":
        assert after_load > before_load  # the new warehouse
    else:
        assert after_load == before_load and digest(target) == before_digest  # the previous one

    if point not in RECOVERED_AFTER:
        return
    again = run_refresh(target, api_url)
    assert again.returncode == 0, again.stderr[-2000:]
    assert published_load(target) > after_load
    leftovers = sorted(
        p.name
        for p in tmp_path.iterdir()
        if p.name not in ("mic2025.duckdb", "mic2025.duckdb.lock", "report")
    )
    assert leftovers == []


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_terminating_the_cli_stops_its_temporary_prefect_server(tmp_path):
    """`kill PID` of a `mic2025 refresh` that started a temporary Prefect server: both end (the
    server is not left orphaned), and the command exits 143."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PYTHONUNBUFFERED"] = "1"
    env["MIC2025_TEMPORARY_PREFECT"] = "1"  # never a server that happens to run on :4200
    log = tmp_path / "out.log"
    with log.open("w") as out:
        main = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mic2025.flows.cli",
                "refresh",
                "--warehouse",
                str(tmp_path / "w.db"),
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while not _children(main.pid):  # the temporary server is the command's child process
            assert time.monotonic() < deadline and main.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
        server = _children(main.pid)
        time.sleep(2)
        main.send_signal(signal.SIGTERM)
        assert main.wait(timeout=60) == 128 + signal.SIGTERM
    time.sleep(1)
    alive = [pid for pid in server if Path(f"/proc/{pid}").exists()]
    assert alive == [], f"orphaned: {alive}\n{log.read_text()[-2000:]}"


def test_refresh_reuses_a_running_local_prefect_server(api_url, tmp_path):
    """Without PREFECT_API_URL, `mic2025 refresh` uses the Prefect server already answering at
    the local address (`mic2025 server`) instead of starting a temporary one: no child process,
    and the run is recorded on that server."""
    import threading

    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "MIC2025_FAILPOINT")}
    env["MIC2025_LOCAL_PREFECT_URL"] = api_url
    main = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "refresh",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--json",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: set[int] = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            children.update(_children(main.pid))
            stop.wait(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, err = main.communicate(timeout=300)
    stop.set()
    watcher.join()
    assert main.returncode == 0, err[-2000:]
    assert children == set()  # no temporary server was started
    import json

    run_id = json.loads(out)["flow_run_id"]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run_id).state.is_completed()


def test_concurrent_refreshes_on_a_fresh_prefect_home_do_not_race(tmp_path):
    """Three `mic2025 refresh` commands started at once on a fresh PREFECT_HOME, each with its
    temporary Prefect server: Prefect migrates the database on start, and without the lock of
    flows/cli.py::_prepare_temporary_prefect one dies with "index ... already exists" and a
    traceback. All three must end 0, without a traceback, each publishing its warehouse (two
    starters race too, but were caught in only 2 of 3 runs without the lock)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "MIC2025_FAILPOINT")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["MIC2025_TEMPORARY_PREFECT"] = "1"
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mic2025.flows.cli",
                "refresh",
                "--quiet",
                "--warehouse",
                str(tmp_path / f"w{i}.duckdb"),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert all((tmp_path / f"w{i}.duckdb").exists() for i in range(3))
