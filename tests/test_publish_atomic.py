"""A failed refresh leaves the published warehouse byte-identical and readable."""

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from mic2025.flows.base.errors import WarehouseBusy
from mic2025.flows.refresh import refresh
from mic2025.warehouse.publish import writer_lock

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("point", ["transform", "before-publish"])
def test_failure_midway_leaves_the_published_file_unchanged(
    prefect_server, snapshot_store, copy_published, tmp_path, monkeypatch, point
):
    """An unexpected error raised in the middle of a build (the temporary file is written, not
    yet published): the published file stays byte-identical and nothing is left behind."""
    from mic2025.flows.base.failpoints import FailpointError

    target = copy_published(tmp_path / "wh" / "mic2025.duckdb")
    before = digest(target)
    seen = {}
    original = os.replace

    def watch_replace(src, dst):  # record whether a temporary build existed when it failed
        seen["replaced"] = True
        return original(src, dst)

    monkeypatch.setattr(os, "replace", watch_replace)
    monkeypatch.setenv("MIC2025_FAILPOINT_RAISE", point)
    with pytest.raises(FailpointError, match=f"failpoint {point}"):
        refresh(warehouse=str(target))

    assert "replaced" not in seen  # never published
    assert digest(target) == before
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.sql("select count(*) from marts.self_sufficiency").fetchall()[0][0] > 0
    finally:
        con.close()
    leftovers = [
        p.name
        for p in target.parent.iterdir()
        if p.name not in (target.name, "report") and not p.name.endswith(".lock")
    ]
    assert leftovers == []


def test_a_second_writer_is_rejected_with_a_clear_message(tmp_path):
    target = tmp_path / "mic2025.duckdb"
    with (
        writer_lock(target),
        pytest.raises(WarehouseBusy, match="another refresh"),
        writer_lock(target, wait_seconds=0),
    ):
        pass


def test_leftovers_of_a_crashed_refresh_are_cleaned_and_only_its_own(prefect_server, tmp_path):
    """A warehouse named like a glob pattern, beside another warehouse's files: the refresh
    removes its own temporary file, its WAL and its staging folder, and nothing else."""
    target = tmp_path / "wh[1].duckdb"
    own = [
        tmp_path / ".wh[1].duckdb.20260101T000000Z-abc.tmp",
        tmp_path / ".wh[1].duckdb.20260101T000000Z-abc.tmp.wal",  # a full disk leaves one
        tmp_path / ".wh[1].duckdb.build-20260101T000000Z-abc",
    ]
    bystanders = [
        tmp_path / ".wh1.duckdb.20260101T000000Z-abc.tmp",  # matched by the unescaped pattern
        tmp_path / ".other.duckdb.build-20260101T000000Z-abc",  # another warehouse's staging
    ]
    for path in own + bystanders:
        if "build-" in path.name:
            path.mkdir()
        else:
            path.write_bytes(b"half")
    refresh(warehouse=str(target))
    assert not any(p.exists() for p in own)
    assert all(p.exists() for p in bystanders)
    names = sorted(p.name for p in tmp_path.iterdir() if p not in bystanders)
    assert names == ["report", "wh[1].duckdb", "wh[1].duckdb.lock"]


def test_two_real_refreshes_at_once_one_refused_in_one_line_one_waits(prefect_server, tmp_path):
    """Three CLI refreshes: A holds the writer lock (paused before publishing); B, started
    meanwhile without --wait, is refused with one error line and no traceback; C, with --wait,
    publishes after A. The published history has A and C."""
    import os
    import subprocess
    import sys
    import time

    from prefect.settings import PREFECT_API_URL

    target = tmp_path / "mic2025.duckdb"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    env.pop("MIC2025_FAILPOINT", None)
    command = [
        sys.executable,
        "-m",
        "mic2025.flows.cli",
        "refresh",
        "--warehouse",
        str(target),
        "--json",
    ]
    root = Path(__file__).resolve().parents[1]
    a = subprocess.Popen(
        command,
        env={**env, "MIC2025_FAILPOINT_PAUSE": "before-publish:12"},
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = target.with_name(target.name + ".lock")
    deadline = time.monotonic() + 120
    while not (lock.exists() and f"pid {a.pid} " in lock.read_text()):
        assert time.monotonic() < deadline and a.poll() is None, "A never took the lock"
        time.sleep(0.1)
    b = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    c = subprocess.Popen(
        [*command, "--wait", "120"],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    a_out, a_err = a.communicate(timeout=180)
    c_out, c_err = c.communicate(timeout=180)
    assert a.returncode == 0, a_err[-2000:]
    assert b.returncode == 1
    errors = [line for line in b.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: another refresh is writing {target} (pid {a.pid} since "
        + errors[0].split(" since ", 1)[1]
    ]
    assert "wait for it to finish or pass a longer --wait" in errors[0]
    assert "Traceback" not in b.stderr
    assert c.returncode == 0, c_err[-2000:]
    import json

    con = duckdb.connect(str(target), read_only=True)
    try:
        runs = [r[0] for r in con.sql("select load_id from meta.runs order by load_id").fetchall()]
    finally:
        con.close()
    assert runs == [json.loads(a_out)["load_id"], json.loads(c_out)["load_id"]]


def foreign_wal(tmp_path: Path, beside: Path) -> None:
    """A .wal written by a read-write session on another (replaced) file, as an analyst who
    opened the warehouse read-write in the moment before a publish leaves it."""
    import duckdb

    other = tmp_path / f"other-{len(list(tmp_path.glob('other-*.duckdb')))}.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table t as select 1 x")
    con.close()
    con = duckdb.connect(str(other))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET wal_autocheckpoint = '1TB'")
    con.execute("create table analyst_notes as select 'mine' note")
    con.close()
    shutil.copyfile(other.with_name(other.name + ".wal"), beside.with_name(beside.name + ".wal"))


def test_a_foreign_wal_never_replays_onto_the_published_file(published_warehouse, tmp_path):
    from mic2025.warehouse.publish import publish, read_published
    from mic2025.warehouse.query import QueryError, fetch_rows

    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    foreign_wal(tmp_path, target)
    # a reader meets it with one line that says what to do
    with pytest.raises(QueryError, match="does not belong to the warehouse"):
        fetch_rows("select 1", str(target))
    # the next refresh's read of the published warehouse sets it aside and goes on
    assert read_published(target, "meta.runs") is not None
    kept = list(tmp_path.glob("mic2025.duckdb.wal.foreign-*"))
    assert len(kept) == 1 and not target.with_name("mic2025.duckdb.wal").exists()
    # a .wal written during the swap is set aside by the publish itself
    tmp = tmp_path / ".mic2025.duckdb.next"
    shutil.copyfile(published_warehouse, tmp)
    foreign_wal(tmp_path, target)
    aside = publish(tmp, target)
    # the old .wal beside the target belonged to the replaced file: removed before the swap
    assert aside is None and fetch_rows("select 1", str(target)).values == [(1,)]
