"""A hostile or broken upstream: each bad snapshot fails or quarantines its own source only, and
what was published stays published (issue: bad upstream data never published as healthy)."""

import shutil

import duckdb
import pytest

from mic2025.flows.fetch.snapshots import latest_snapshot, write_snapshot
from mic2025.flows.refresh import refresh

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

SOLAR = "owid_solar_capacity"


def newer_snapshot(store, source, lines):
    good = latest_snapshot(source)
    write_snapshot(
        source,
        "2099-01-01",
        {good.files[0].name: ("\n".join(lines) + "\n").encode()},
        good.origin,
        fmt=good.format,
        root=store,
    )
    return good


def china_value(lines, value):
    """Every China row of an OWID chart with its value replaced."""
    return lines[:1] + [
        ",".join([*line.split(",")[:-1], value]) if line.startswith("China,") else line
        for line in lines[1:]
    ]


def query(target, sql):
    con = duckdb.connect(str(target), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def published(published_warehouse, snapshot_store, tmp_path):
    """A copy of the session's published warehouse (built from the same committed snapshots)."""
    target = tmp_path / "mic2025.duckdb"
    shutil.copyfile(published_warehouse, target)
    return target


def status_of(summary, source=SOLAR):
    return {s["source"]: s for s in summary["sources"]}[source]


def solar_mart_rows(target):
    """China's share of world solar demand: the mart built on the solar capacity chart."""
    return query(
        target,
        "select count(*) from marts.sector_metrics where metric = 'china_share_of_world_demand' "
        "and product = 'Solar PV modules'",
    )[0][0]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("header only", "no data rows"),
        ("truncated at 60% mid-row", "below the 80% minimum"),
        ("a duplicated row", "duplicate key ['entity', 'year', 'indicator']"),
    ],
)
def test_a_broken_snapshot_fails_its_source_and_keeps_the_published_rows(
    published, snapshot_store, case, expected
):
    lines = latest_snapshot(SOLAR).file().read_text().splitlines()
    cut = int(len(lines) * 0.6)
    broken = {
        "header only": lines[:1],
        "truncated at 60% mid-row": lines[:cut] + [lines[cut][:7]],
        "a duplicated row": [*lines, lines[5]],
    }[case]
    rows_before = query(published, f"select count(*) from raw.{SOLAR}")[0][0]
    marts_before = solar_mart_rows(published)
    good = newer_snapshot(snapshot_store, SOLAR, broken)

    summary = refresh(warehouse=str(published))

    solar = status_of(summary)
    assert solar["status"] == "failed" and expected in solar["message"], solar["message"]
    assert f"kept the published snapshot {good.version}" in solar["message"]
    assert query(published, f"select count(*) from raw.{SOLAR}")[0][0] == rows_before == 4115
    assert solar_mart_rows(published) == marts_before > 0
    others = [s for s in summary["sources"] if s["source"] != SOLAR]
    assert {s["status"] for s in others} == {"loaded"}  # the other sources refreshed


@pytest.mark.parametrize("bad", ["-609.9", "1e308", "inf", "nan", "six hundred"])
def test_an_impossible_value_is_quarantined_with_its_text(published, snapshot_store, bad):
    lines = latest_snapshot(SOLAR).file().read_text().splitlines()
    china_rows = sum(line.startswith("China,") for line in lines)
    newer_snapshot(snapshot_store, SOLAR, china_value(lines, bad))

    # the quarantine removes China's published solar shares: accepted here (see below for the
    # run that is not told to accept it)
    summary = refresh(warehouse=str(published), accept_removals=True)

    solar = status_of(summary)
    assert (solar["status"], solar["rows_quarantined"]) == ("loaded", china_rows)
    checks = query(
        published,
        f'select distinct "column", "check", failing_value from meta.quarantine '
        f"where source = '{SOLAR}'",
    )
    assert {(column, text) for column, _, text in checks} == {("value", bad)}
    expected = {
        "-609.9": "not negative (for countries; a residual such as 'Rest of World' has no code "
        "and may be negative)",
        "1e308": "at most the ceiling for its unit (100000 GW, 1e+09 vehicles, 1e+08 units)",
        "inf": "finite number",
        "nan": "finite number",
        "six hundred": "dtype('Float64')",
    }[bad]
    assert expected in {check for _, check, _ in checks}
    # no share is computed from the quarantined values (China's solar share is missing this run,
    # and the run summary says why: its rows are in meta.quarantine)
    assert query(
        published,
        "select count(*) from marts.sector_metrics where metric like 'china_share%' "
        "and (value < 0 or value > 1 or not isfinite(value))",
    ) == [(0,)]


def test_a_quarantine_that_removes_published_values_ends_failed_naming_them(
    published, snapshot_store
):
    from prefect.states import StateType

    lines = latest_snapshot(SOLAR).file().read_text().splitlines()
    newer_snapshot(snapshot_store, SOLAR, china_value(lines, "-1"))
    state = refresh(warehouse=str(published), return_state=True)
    assert state.type == StateType.FAILED and state.name == "ValuesRemoved"
    assert "china_share_of_world_demand Solar PV modules 2023" in state.message
    assert "owid_solar_capacity (" in state.message and "--accept-removals" in state.message
    # it published: the quarantined rows are in meta.quarantine, and the values are gone
    assert (
        query(published, f"select count(*) from meta.quarantine where source = '{SOLAR}'")[0][0] > 0
    )
    assert solar_mart_rows(published) == 0


def test_a_tampered_committed_snapshot_fails_its_own_source_only(published, snapshot_store):
    snap = latest_snapshot(SOLAR)
    path = snapshot_store / SOLAR / snap.version / snap.files[0].name
    path.write_bytes(path.read_bytes().replace(b"China,CHN,2023", b"China,CHN,2024"))
    rows_before = query(published, f"select count(*) from raw.{SOLAR}")[0][0]

    summary = refresh(warehouse=str(published))

    solar = status_of(summary)
    assert solar["status"] == "failed"
    assert "sha256" in solar["message"] and snap.files[0].name in solar["message"]
    assert "kept the published rows" in solar["message"]
    assert query(published, f"select count(*) from raw.{SOLAR}")[0][0] == rows_before
    assert {s["status"] for s in summary["sources"] if s["source"] != SOLAR} == {"loaded"}


def test_a_flag_that_is_not_true_or_false_is_quarantined_with_its_text(published, snapshot_store):
    source = "china_official_stats"
    lines = latest_snapshot(source).file().read_text().splitlines()
    assert ",false," in lines[1]
    newer_snapshot(
        snapshot_store, source, [lines[0], lines[1].replace(",false,", ",maybe,", 1), *lines[2:]]
    )

    # the quarantined row takes its published values with it: accepted here
    summary = refresh(warehouse=str(published), accept_removals=True)

    assert status_of(summary, source)["rows_quarantined"] == 1
    assert query(
        published,
        f'select "column", "check", failing_value from meta.quarantine where source = \'{source}\'',
    ) == [("is_forecast", "dtype('Boolean')", "maybe")]


def test_a_tampered_snapshot_of_a_shared_raw_table_keeps_only_its_own_rows(
    published, snapshot_store
):
    """The seven World Bank indicators share raw.worldbank_wdi: keeping one indicator's published
    rows must not copy the other six (their duplicates would fail the build)."""
    source = "wdi_tx_val_tech_mf_zs"
    snap = latest_snapshot(source)
    path = snapshot_store / source / snap.version / snap.files[0].name
    path.write_bytes(path.read_bytes() + b"\n")
    before = query(published, "select count(*) from raw.worldbank_wdi")[0][0]

    summary = refresh(warehouse=str(published))

    wdi = status_of(summary, source)
    assert wdi["status"] == "failed" and "kept the published rows" in wdi["message"]
    assert wdi["rows_loaded"] == snap.rows
    assert query(published, "select count(*) from raw.worldbank_wdi")[0][0] == before
