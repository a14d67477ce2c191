"""The published warehouse opens in the DuckDB 1.x clients analysts have."""

import shutil
import struct
import subprocess
import sys

import pytest


def header_version(path) -> int:
    """The storage version number in a DuckDB file header (1.x clients read 64-68)."""
    head = path.read_bytes()[:20]
    assert head[8:12] == b"DUCK"
    return struct.unpack("<Q", head[12:20])[0]


def test_published_file_uses_a_format_1x_clients_read(published_warehouse):
    assert header_version(published_warehouse) <= 68


def test_a_duckdb_1x_client_opens_the_published_file(published_warehouse, tmp_path):
    """A real DuckDB 1.x client (from the package index) opens the file read-only."""
    venv = tmp_path / "v1"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "duckdb>=1.4,<1.6"],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        pytest.skip(f"no DuckDB 1.x wheel could be installed: {pip.stderr[-200:]}")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(published_warehouse, copy)
    script = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.sql('select count(*) from marts.sector_summary')"
        ".fetchall()[0][0])"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script, str(copy)],
        capture_output=True,
        text=True,
        check=True,
    )
    version, rows = out.stdout.split()
    assert version.startswith("1.") and rows == "10"
