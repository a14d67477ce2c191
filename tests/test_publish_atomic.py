"""A failed refresh leaves the published warehouse byte-identical and readable."""

import hashlib
from pathlib import Path

import duckdb
import pytest

from flows.errors import SnapshotError, WarehouseBusy
from flows.refresh import refresh
from warehouse.build import writer_lock


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failure_midway_leaves_the_published_file_unchanged(
    prefect_server, snapshot_store, tmp_path
):
    target = tmp_path / "wh" / "mic2025.duckdb"
    refresh(warehouse=str(target))
    before = digest(target)

    # Corrupt one snapshot after others have loaded: the refresh fails at that source's load.
    victim = next((snapshot_store / "owid_wind_capacity").iterdir())
    data_file = next(p for p in victim.iterdir() if p.suffix == ".csv")
    data_file.write_bytes(data_file.read_bytes()[:-200])
    with pytest.raises(SnapshotError, match="does not match the sidecar"):
        refresh(warehouse=str(target))

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


def test_leftovers_of_a_crashed_refresh_are_cleaned(prefect_server, tmp_path):
    target = tmp_path / "mic2025.duckdb"
    target.parent.mkdir(exist_ok=True)
    (target.parent / f".{target.name}.20260101T000000Z-abc.tmp").write_bytes(b"half")
    (target.parent / ".build-20260101T000000Z-abc").mkdir()
    refresh(warehouse=str(target))
    names = sorted(p.name for p in target.parent.iterdir())
    assert names == ["mic2025.duckdb", "mic2025.duckdb.lock", "report"]
