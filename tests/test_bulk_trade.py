"""Bulk trade files in BACI format: streamed, validated, loaded, turned into China's metrics."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from bench.synthetic_baci import generate
from mic2025.flows.fetch.snapshots import latest_snapshot
from mic2025.flows.sources import baci
from mic2025.warehouse import conform
from mic2025.warehouse.build import read_sectors
from mic2025.warehouse.load import read_raw

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
    raw = read_raw("sector_hs_map", latest_snapshot("sector_hs_map"), "t")
    return conform.sector_hs_map(raw, read_sectors())


def load(tmp_path, *files):
    import uuid

    con = duckdb.connect(str(tmp_path / f"wh-{uuid.uuid4().hex[:8]}.duckdb"))
    con.execute("CREATE SCHEMA raw")
    reports, quarantine = baci.load_bulk(con, list(files), "test-load")
    return con, reports, quarantine


def test_world_export_share_and_rca_hand_computed(tmp_path, hs_map):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    con, (report,), quarantine = load(tmp_path, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 5, 0)
    assert quarantine.height == 0
    m = baci.china_trade_metrics(con, hs_map)
    product = m.filter(pl.col("product") == "ICs - processors & controllers")
    values = {r["metric"]: r["value"] for r in product.iter_rows(named=True)}
    # share = 40 / (40 + 60) = 0.4; RCA = (40 / 100) / (100 / 200) = 0.8
    assert values["world_export_share"] == pytest.approx(0.4)
    assert values["revealed_comparative_advantage"] == pytest.approx(0.8)
    assert set(m["product"]) == {"ICs - processors & controllers", "Sector HS basket"}
    assert set(m["publisher"]) == {"CEPII"} and set(m["year"]) == {2022}


def test_bad_rows_are_quarantined_with_their_rule(tmp_path):
    path = tmp_path / "bad.csv"
    lines = (
        TINY.strip().splitlines()
        + ["2022,156,842,854231,-5,1", "2031999,156,842,854231,5,1", "2022,156,842,,5,1"]
        + [f"2022,156,842,854231,{i},1" for i in range(1, 80)]
    )
    path.write_text("\n".join(lines) + "\n")
    con, (report,), quarantine = load(tmp_path, path)
    assert report.rows_quarantined == 3 and report.rows_loaded == report.rows_read - 3
    by_column = {r["column"]: r for r in quarantine.iter_rows(named=True)}
    assert by_column["v"]["failing_value"] == "-5.0" and "v >= 0" in by_column["v"]["check"]
    assert by_column["t"]["failing_value"] == "2031999"
    assert by_column["k"]["failing_value"] is None and "not null" in by_column["k"]["check"]
    assert set(quarantine["source"]) == {"baci_trade:bad.csv"}
    assert con.sql("select count(*) from raw.baci_trade where v < 0").fetchall()[0][0] == 0


def test_the_warm_up_leaves_no_trace_and_the_real_pass_still_quarantines(tmp_path, hs_map):
    # the build warms pandera's and ibis' SQL on a private in-memory database while the files
    # load; afterwards a bad row of a real file is still caught, and the warehouse has no rows
    # of the warm-up's
    baci.warm_up(hs_map)
    path = tmp_path / "after-warm-up.csv"
    path.write_text(TINY + "2022,156,842,854231,-5,1\n" + "2022,410,842,100199,1,1\n" * 60)
    con, (report,), quarantine = load(tmp_path, path)
    assert (report.rows_read, report.rows_quarantined) == (66, 1)
    assert quarantine["failing_value"].to_list() == ["-5.0"]
    assert con.sql("select count(*) from raw.baci_trade where k = 854140").fetchall()[0][0] == 0


def test_too_many_bad_rows_fail_the_bulk_source_only(tmp_path):
    path = tmp_path / "worse.csv"
    path.write_text(TINY + "2022,156,842,854231,-5,1\n" * 5)
    con, (report,), quarantine = load(tmp_path, path)
    assert report.status == "failed" and "failed checks" in report.message
    assert con.sql("select count(*) from raw.baci_trade").fetchall()[0][0] == 0


def test_wrong_layout_fails_that_file_only(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("year,exporter,importer,hs6,value,qty\n2022,156,842,854231,1,1\n")
    good = tmp_path / "y.csv"
    good.write_text(TINY)
    con, reports, _ = load(tmp_path, bad, good)
    assert reports[0].status == "failed" and "not the BACI layout" in reports[0].message
    assert reports[1].status == "loaded" and reports[1].rows_loaded == 5
    # a file that breaks mid-way leaves none of its rows
    broken = tmp_path / "z.csv"
    broken.write_text(TINY + "2022,156,842,notanumber,1,1\n")
    con, reports, _ = load(tmp_path, good, broken)
    assert [r.status for r in reports] == ["loaded", "failed"]
    assert con.sql("select count(*) from raw.baci_trade").fetchall()[0][0] == 5


def test_synthetic_files_load_in_one_table(tmp_path):
    files = generate(tmp_path / "in", rows=60_000, years=2)
    con, reports, _ = load(tmp_path, *files)
    assert sum(r.rows_loaded for r in reports) == 60_000
    names = con.sql("select source_file from raw.baci_files order by file_id").fetchall()
    assert [n[0] for n in names] == [f.name for f in files]
    # both files in one statement: each row still names its own file (one year per file)
    per_file = con.sql(
        "select file_id, min(t), max(t), count(*) from raw.baci_trade group by 1 order by 1"
    ).fetchall()
    assert [(i, lo == hi, n) for i, lo, hi, n in per_file] == [(0, True, 30_000), (1, True, 30_000)]
    assert [r.rows_loaded for r in reports] == [30_000, 30_000]


def test_one_unreadable_file_among_several_fails_alone(tmp_path):
    """The files are parsed together; when one breaks mid-way, that statement leaves no row
    and each file is parsed on its own, so the others load and only the broken one fails."""
    first, second = tmp_path / "a.csv", tmp_path / "c.csv"
    first.write_text(TINY)
    second.write_text(TINY.replace("2022,", "2021,"))
    broken = tmp_path / "b.csv"
    broken.write_text(TINY + "2022,156,842,notanumber,1,1\n")
    con, reports, _ = load(tmp_path, first, broken, second)
    assert [(r.status, r.rows_loaded) for r in reports] == [
        ("loaded", 5),
        ("failed", 0),
        ("loaded", 5),
    ]
    assert reports[1].message.startswith("baci:b.csv: ") and "\n" not in reports[1].message
    rows = con.sql("select file_id, count(*) from raw.baci_trade group by 1 order by 1").fetchall()
    assert rows == [(0, 5), (2, 5)]


def test_the_same_files_give_the_same_bits_on_any_thread_count(tmp_path, hs_map):
    """Sums of doubles depend on the order threads add them in; the product sums are exact
    (DECIMAL), so one and two DuckDB threads publish bit-identical metrics (and the site's chart
    cache, keyed by the values, is hit by the next refresh of the same files)."""
    files = generate(tmp_path / "in", rows=400_000, years=2)
    frames = []
    for threads in (1, 2, 2):
        con, _, _ = load(tmp_path, *files)
        con.execute(f"SET threads = {threads}")
        frames.append(
            baci.china_trade_metrics(con, hs_map).sort("sector", "product", "metric", "year")
        )
        con.close()
    assert frames[0].height > 0
    assert frames[0]["value"].to_list() == frames[1]["value"].to_list()
    assert frames[1]["value"].to_list() == frames[2]["value"].to_list()
    assert frames[0]["inputs"].to_list() == frames[1]["inputs"].to_list()


def test_refresh_ingests_bulk_files(prefect_server, tmp_path, monkeypatch):
    from mic2025.flows.refresh import refresh

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
            "and metric = 'world_export_share' order by product"
        ).fetchall()
    finally:
        con.close()
    # HS 854231 and the IT basket it falls in (the only code of the file in a basket): 40 / 100
    assert rows == 5 and share == [(pytest.approx(0.4),), (pytest.approx(0.4),)]


def test_a_refresh_failing_while_the_files_load_leaves_no_file_or_thread(
    prefect_server, tmp_path, monkeypatch
):
    # the flow starts parsing the files before its sources load; a refresh that fails before
    # its build takes the parse stops it: the thread ends, the temporary file goes and the
    # published warehouse is the previous one
    import threading

    from mic2025.flows.refresh import refresh

    folder = tmp_path / "baci"
    generate(folder, 400_000, 1)
    monkeypatch.setenv("MIC2025_BACI_DIR", str(folder))
    target = tmp_path / "mic2025.duckdb"
    refresh(warehouse=str(target))
    before = target.read_bytes()
    monkeypatch.setenv("MIC2025_FAILPOINT_RAISE", "load")
    with pytest.raises(Exception, match="failpoint load"):
        refresh(warehouse=str(target))
    assert not [t for t in threading.enumerate() if t.name.startswith("bulk-load")]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".wal"))) == []
    assert target.read_bytes() == before


def test_refresh_puts_rejected_bulk_rows_in_meta_quarantine(prefect_server, tmp_path, monkeypatch):
    from mic2025.flows.refresh import refresh

    folder = tmp_path / "baci"
    folder.mkdir()
    lines = (
        TINY
        + "2022,156,842,854231,-7,1\n"
        + "".join(f"2022,156,842,854231,{i},1\n" for i in range(1, 60))
    )
    (folder / "some-bad.csv").write_text(lines)
    monkeypatch.setenv("MIC2025_BACI_DIR", str(folder))
    target = tmp_path / "mic2025.duckdb"
    refresh(warehouse=str(target))
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.sql(
            'select source, "column", failing_value from meta.quarantine '
            "where \"table\" = 'baci_trade'"
        ).fetchall()
        ledger = con.sql(
            "select rows_read, rows_loaded, rows_quarantined from meta.loads "
            "where source = 'baci_trade:some-bad.csv'"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("baci_trade:some-bad.csv", "v", "-7.0")]
    assert ledger == [(65, 64, 1)]


def test_hostile_file_names_are_quoted_not_pasted(tmp_path, hs_map):
    folder = tmp_path / "it's; DROP TABLE x; --"
    folder.mkdir()
    path = folder / "o'brien') TO 'evil.csv"
    path.write_text(TINY)
    con, (report,), _ = load(tmp_path, path)
    assert report.rows_loaded == 5
    assert con.sql("select source_file from raw.baci_files").fetchall() == [(path.name,)]
    # two such files are parsed in one statement, each named in the file-id mapping
    other = folder / "x' THEN 9 END, 'y.csv"
    other.write_text(TINY)
    con, reports, _ = load(tmp_path, path, other)
    assert [r.rows_loaded for r in reports] == [5, 5]
    rows = con.sql("select file_id, count(*) from raw.baci_trade group by 1 order by 1").fetchall()
    assert rows == [(0, 5), (1, 5)]
    assert not (folder / "evil").exists() and not Path("evil").exists()


def test_sector_baskets_from_bulk_files_hand_computed(tmp_path, hs_map):
    """The IT basket holds 8542 (4 digits) among others: BACI's HS6 rows of 854231 sum into it.
    China exports 40 and imports 60 of 854231; the world exports 100 (40 + 60)."""
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    con, _, _ = load(tmp_path, path)
    m = baci.china_basket_metrics(con, hs_map)
    it = m.filter(pl.col("sector") == "New-generation information technology")
    values = {r["metric"]: r["value"] for r in it.iter_rows(named=True)}
    assert values["world_export_share"] == pytest.approx(40 / 100)
    assert values["trade_balance_index"] == pytest.approx((40 - 60) / (40 + 60))
    assert set(m["product"]) == {"Sector HS basket"}
    # 100199 (wheat) is in no basket: no other sector gets a row from it
    assert set(m["sector"]) == {"New-generation information technology"}
