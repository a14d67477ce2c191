"""Bad rows go to quarantine; too many bad rows or a drifted schema stop the load clearly."""

import polars as pl
import pytest

from mic2025.flows.base.errors import SourceFormatError, ValidationFailed
from mic2025.flows.fetch.snapshots import Origin, write_snapshot
from mic2025.warehouse.load import load_source

ORIGIN = Origin(
    publisher="OWID",
    title="t",
    url="https://ourworldindata.org",
    licence="CC BY 4.0",
    retrieved="2026-11-29",
    method="import",
)
HEADER = "Entity,Code,Year,Electric cars sold\n"


def owid_snapshot(root, body: str):
    return write_snapshot(
        "owid_electric_car_sales",
        "2026-11-29",
        {"electric-car-sales.csv": (HEADER + body).encode()},
        ORIGIN,
        fmt="csv",
        root=root,
    )


def good_rows(n):
    return "".join(f"China,CHN,{1980 + i},{1000 + i}\n" for i in range(n))


def test_a_bad_row_is_quarantined_and_the_rest_load(tmp_path):
    snap = owid_snapshot(tmp_path, good_rows(40) + "China,CHN,1700,5\n")
    report = load_source("owid_electric_car_sales", snap, tmp_path / "stage", "L1")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (41, 40, 1)
    q = pl.read_parquet(report.quarantine_path).row(0, named=True)
    assert q["source"] == "owid_electric_car_sales" and q["column"] == "year"
    assert q["failing_value"] == "1700" and "greater_than_or_equal_to" in q["check"]
    assert '"year": "1700"' in q["row_json"]  # the row as the source wrote it
    assert pl.read_parquet(report.raw_path).height == 40


def test_too_many_bad_rows_fail_the_source_naming_checks_and_rows(tmp_path):
    snap = owid_snapshot(tmp_path, good_rows(5) + "China,CHN,2020,not-a-number\n")
    with pytest.raises(ValidationFailed) as exc:
        load_source("owid_electric_car_sales", snap, tmp_path / "stage", "L1")
    text = str(exc.value)
    assert "owid_electric_car_sales" in text and "1 of 6 rows" in text
    assert "value" in text and "row 5" in text


def test_a_renamed_column_is_schema_drift(tmp_path):
    snap = write_snapshot(
        "owid_electric_car_sales",
        "v2",
        {"electric-car-sales.csv": b"Entity,Code,Year,Cars\nChina,CHN,2020,1\n"},
        ORIGIN,
        fmt="csv",
        root=tmp_path,
    )
    with pytest.raises(SourceFormatError, match=r"missing column\(s\) \['Electric cars sold'\]"):
        load_source("owid_electric_car_sales", snap, tmp_path / "stage", "L1")


def test_the_row_count_drop_rule_on_its_own(monkeypatch):
    """A second, unit-level test of the row-count check (the refresh-level one truncates a real
    snapshot): 79 rows after 100 fail at the default 80% minimum, 80 pass, 0 always fails."""
    from mic2025.flows.base.errors import ValidationFailed
    from mic2025.warehouse.load import check_row_count

    monkeypatch.delenv("MIC2025_MIN_ROW_SHARE", raising=False)
    with pytest.raises(ValidationFailed, match="79 rows, 79% of the 100 rows published before"):
        check_row_count("src", "raw.src", 79, 100)
    check_row_count("src", "raw.src", 80, 100)
    check_row_count("src", "raw.src", 5, None)  # nothing published before: any count loads
    with pytest.raises(ValidationFailed, match="no data rows"):
        check_row_count("src", "raw.src", 0, None)


def test_the_negative_value_rule_on_its_own():
    """A second test of 'not negative where it cannot be': a country's negative capacity is
    quarantined, OWID's code-less residual ('Rest of World') may be negative."""
    import polars as pl

    from mic2025.warehouse.load import raw_schema, split_valid

    frame = pl.DataFrame(
        {
            "entity": ["China", "Rest of World"],
            "code": ["CHN", None],
            "year": ["2023", "2023"],
            "value": ["-3.5", "-2.0"],
            "indicator": ["installed-solar-pv-capacity"] * 2,
            "unit": ["GW", "GW"],
            "load_id": ["L", "L"],
            "snapshot_sha256": ["0" * 64] * 2,
        }
    )
    good, bad = split_valid(
        frame,
        raw_schema("owid_solar_capacity"),
        source="owid_solar_capacity",
        table="owid_solar_capacity",
        load_id="L",
    )
    assert good["entity"].to_list() == ["Rest of World"]
    assert bad["failing_value"].to_list() == ["-3.5"]
    assert "not negative" in bad["check"][0]
