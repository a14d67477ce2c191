"""Bulk trade files in BACI format: streamed, validated, loaded, turned into China's metrics."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from bench.synthetic_baci import generate
from flows.errors import SourceFormatError
from flows.snapshots import latest_snapshot
from flows.sources import baci, get_source
from warehouse import conform
from warehouse.build import read_sectors

# Hand-made rows (not data): China exports 40 of 854231 and 60 of 100199; Korea exports 60 of
# 854231 and 40 of 100199.
TINY = """t,i,j,k,v,q
2022,156,842,854231,30,1
2022,156,276,854231,10,1
2022,410,156,854231,60,NA
2022,156,842,100199,60,5
2022,410,842,100199,40,2
"""


@pytest.fixture(scope="module")
def hs_map():
    raw = get_source("sector_hs_map").parse(latest_snapshot("sector_hs_map"))
    raw = raw.with_columns(pl.lit("t").alias("load_id"), pl.lit("0" * 64).alias("snapshot_sha256"))
    return conform.sector_hs_map(raw, read_sectors())


def test_world_export_share_and_rca_hand_computed(tmp_path, hs_map):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    report = baci.ingest_file(path, tmp_path / "stage")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 5, 0)
    con = duckdb.connect()
    assert baci.load_into(con, tmp_path / "stage", table="baci") == 5
    m = baci.china_trade_metrics(con, hs_map, table="baci")
    values = {r["metric"]: r["value"] for r in m.iter_rows(named=True)}
    # share = 40 / (40 + 60) = 0.4; RCA = (40 / 100) / (100 / 200) = 0.8
    assert values["world_export_share"] == pytest.approx(0.4)
    assert values["revealed_comparative_advantage"] == pytest.approx(0.8)
    assert set(m["product"]) == {"ICs - processors & controllers"}
    assert set(m["publisher"]) == {"CEPII BACI"} and set(m["year"]) == {2022}


def test_bad_rows_are_quarantined(tmp_path):
    path = tmp_path / "bad.csv"
    lines = (
        TINY.strip().splitlines()
        + ["2022,156,842,854231,-5,1"]
        + [f"2022,156,842,854231,{i},1" for i in range(1, 40)]
    )
    path.write_text("\n".join(lines) + "\n")
    report = baci.ingest_file(path, tmp_path / "stage")
    assert report.rows_quarantined == 1 and report.rows_loaded == report.rows_read - 1
    q = pl.read_parquet(next((tmp_path / "stage" / "baci_quarantine").glob("*.parquet")))
    assert q["v"].to_list() == [-5.0] and "greater_than_or_equal_to" in q["checks"][0]


def test_wrong_layout_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("year,exporter,importer,hs6,value,qty\n2022,156,842,854231,1,1\n")
    with pytest.raises(SourceFormatError, match="not the BACI layout"):
        baci.ingest_file(path, tmp_path / "stage")


def test_synthetic_files_stream_in_partitions(tmp_path):
    files = generate(tmp_path / "in", rows=60_000, years=2)
    total = 0
    for f in files:
        report = baci.ingest_file(f, tmp_path / "stage")
        total += report.rows_loaded
    assert total == 60_000
    assert sorted(p.name for p in (tmp_path / "stage" / "baci").iterdir()) == ["t=2019", "t=2020"]


def test_refresh_ingests_bulk_files(prefect_server, tmp_path, monkeypatch):
    from flows.refresh import refresh

    folder = tmp_path / "baci"
    folder.mkdir()
    (folder / "tiny.csv").write_text(TINY)
    monkeypatch.setenv("MIC2025_BACI_DIR", str(folder))
    target = tmp_path / "mic2025.duckdb"
    summary = refresh(warehouse=str(target))
    assert any(s["source"] == "baci_trade:tiny.csv" for s in summary["sources"])
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.sql("select count(*) from raw.baci_trade").fetchall()[0][0]
        share = con.sql(
            "select value from marts.sector_metrics where publisher = 'CEPII' "
            "and metric = 'world_export_share'"
        ).fetchall()
    finally:
        con.close()
    assert rows == 5 and share == [(pytest.approx(0.4),)]


def test_hostile_file_names_are_quoted_not_pasted(tmp_path, hs_map):
    folder = tmp_path / "it's; DROP TABLE x; --"
    folder.mkdir()
    path = folder / "o'brien') TO 'evil.csv"
    path.write_text(TINY)
    report = baci.ingest_file(path, tmp_path / "st'age")
    assert report.rows_loaded == 5
    con = duckdb.connect()
    assert baci.load_into(con, tmp_path / "st'age", table="baci") == 5
    assert not (folder / "evil").exists() and not Path("evil").exists()
