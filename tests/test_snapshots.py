import json
from pathlib import Path

import pytest

from mic2025.flows.base.errors import SnapshotError
from mic2025.flows.fetch.snapshots import (
    Origin,
    latest_snapshot,
    list_versions,
    read_snapshot,
    safe_name,
    sha256_bytes,
    write_snapshot,
)
from mic2025.flows.sources import SOURCES

ORIGIN = Origin(
    publisher="Test publisher",
    title="t",
    url="https://example.org/data.csv",
    licence="CC BY 4.0",
    retrieved="2026-11-29",
    method="import",
)


def test_write_then_read_round_trip(tmp_path):
    data = b"a,b\n1,2\n3,4\n"
    snap = write_snapshot(
        "demo", "2026-11-29", {"data.csv": data}, ORIGIN, fmt="csv", root=tmp_path
    )
    again = read_snapshot(tmp_path / "demo" / "2026-11-29", verify=True)
    assert again.files[0].sha256 == sha256_bytes(data)
    assert again.files[0].rows == 2
    assert again.sha256 == snap.sha256
    sidecar = json.loads((tmp_path / "demo" / "2026-11-29" / "snapshot.json").read_text())
    assert sidecar["origin"]["licence"] == "CC BY 4.0"
    assert sidecar["files"][0]["bytes"] == len(data)


def test_tampered_file_is_refused_with_its_name(tmp_path):
    write_snapshot("demo", "v1", {"data.csv": b"a\n1\n"}, ORIGIN, fmt="csv", root=tmp_path)
    (tmp_path / "demo" / "v1" / "data.csv").write_bytes(b"a\n2\n")
    with pytest.raises(SnapshotError, match=r"data\.csv sha256 .* does not match"):
        latest_snapshot("demo", tmp_path)


def test_same_version_with_other_content_is_refused(tmp_path):
    write_snapshot("demo", "v1", {"d.csv": b"a\n1\n"}, ORIGIN, fmt="csv", root=tmp_path)
    write_snapshot("demo", "v1", {"d.csv": b"a\n1\n"}, ORIGIN, fmt="csv", root=tmp_path)
    with pytest.raises(SnapshotError, match="different content"):
        write_snapshot("demo", "v1", {"d.csv": b"a\n9\n"}, ORIGIN, fmt="csv", root=tmp_path)


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "UPPER", ".hidden", "x..y"])
def test_names_cannot_escape_their_folder(bad):
    with pytest.raises(SnapshotError):
        safe_name(bad)


def test_latest_version_sorts_by_date(tmp_path):
    for v in ["2024-01-02", "2025-06-15", "2023-12-31"]:
        write_snapshot("demo", v, {"d.csv": v.encode() + b"\n"}, ORIGIN, fmt="csv", root=tmp_path)
    assert list_versions("demo", tmp_path)[-1] == "2025-06-15"
    assert latest_snapshot("demo", tmp_path).version == "2025-06-15"


def test_a_tenth_revision_of_a_day_is_the_latest(tmp_path):
    # as text "2026-12-04.10" < "2026-12-04.9": a tenth fetch or import of one day was once
    # passed over and the build read the ninth
    for v in ["2026-12-04", "2026-12-04.2", "2026-12-04.9", "2026-12-04.10", "2026-12-03.11"]:
        write_snapshot("demo", v, {"d.csv": v.encode() + b"\n"}, ORIGIN, fmt="csv", root=tmp_path)
    assert list_versions("demo", tmp_path) == [
        "2026-12-03.11",
        "2026-12-04",
        "2026-12-04.2",
        "2026-12-04.9",
        "2026-12-04.10",
    ]
    assert latest_snapshot("demo", tmp_path).version == "2026-12-04.10"


def test_every_committed_snapshot_verifies_and_records_its_origin():
    for name in SOURCES:
        snap = latest_snapshot(name)  # verify=True re-hashes every file
        assert snap.origin.publisher and snap.origin.licence and snap.origin.url
        assert snap.rows > 0


SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="shared/ not present")
def test_snapshot_import_rebuilds_the_committed_bundle(tmp_path):
    """Anyone can rebuild the bundle from shared/ and get the same bytes (audit)."""
    from mic2025.flows.ingest.snapshot_choice import import_bundled

    made = import_bundled(shared=SHARED, root=tmp_path)
    assert {s.source for s in made} == set(SOURCES)
    for snap in made:
        committed = latest_snapshot(snap.source)
        assert snap.version == committed.version, snap.source
        assert snap.sha256 == committed.sha256, snap.source


def test_a_snapshot_cannot_be_written_outside_its_folder(tmp_path):
    """A second test of 'ids cannot escape their folders', through the writer: a source or a
    version that climbs out is refused before anything is written."""
    for source, version in (("../evil", "2024-01-01"), ("demo", "../../evil"), ("demo", "a/b")):
        with pytest.raises(SnapshotError):
            write_snapshot(source, version, {"d.csv": b"x\n"}, ORIGIN, fmt="csv", root=tmp_path)
    assert not any(p.name == "evil" for p in tmp_path.parent.rglob("evil"))


def test_a_curated_metric_named_after_its_series_needs_no_map_entry():
    """facts/curated_figures.csv: 'place_gdp_hefei' is the declared series PLACE_GDP_HEFEI; a
    metric that names no declared series is refused with its file and row."""
    from mic2025.flows.base.errors import SourceFormatError
    from mic2025.flows.sources.china_official import build_curated

    header = (
        "sector,metric,year,period,value,unit,base_value,base_unit,publisher_cited,"
        "definition_note,source_url,source_date,quote\n"
    )
    row = "Cross-cutting,{},2023,FY,12673.8,亿元,,,合肥市统计局,GDP,https://example.org/,,12673.8亿元\n"
    data, _ = build_curated(
        b"x\n", b"year\n", curated_csv=(header + row.format("place_gdp_hefei")).encode()
    )
    assert "PLACE_GDP_HEFEI,2023" in data.decode()
    with pytest.raises(SourceFormatError) as exc:
        build_curated(b"x\n", b"year\n", curated_csv=(header + row.format("not_a_series")).encode())
    assert "facts/curated_figures.csv" in str(exc.value) and "not_a_series" in str(exc.value)


def test_an_unquoted_comma_in_a_quote_is_refused_with_its_file_and_row():
    """A quote holding a comma that is not in double quotes splits into one field more; the
    import refuses the row (file, row, rule) instead of publishing the quote's first half."""
    from mic2025.flows.base.errors import SourceFormatError
    from mic2025.flows.sources.china_official import build_curated

    header = (
        "sector,metric,year,period,value,unit,base_value,base_unit,publisher_cited,"
        "definition_note,source_url,source_date,quote\n"
    )
    quoted = (
        "Cross-cutting,key_process_nc_rate,2021,FY,51.3,%,0.513,share,MIIT,rate,"
        'https://example.org/,2022-06-21,"截至2021年底,关键工序数控化率达到51.3%"\n'
    )
    data, _ = build_curated(b"x\n", b"year\n", curated_csv=(header + quoted).encode())
    assert "截至2021年底,关键工序数控化率达到51.3%" in data.decode()
    unquoted = quoted.replace('"', "")
    with pytest.raises(SourceFormatError) as exc:
        build_curated(b"x\n", b"year\n", curated_csv=(header + unquoted).encode())
    message = str(exc.value)
    assert "facts/curated_figures.csv" in message and "(row 2)" in message
    assert "14 fields for the 13 columns" in message and "\n" not in message


#: Curated rows whose quote writes the value in other signs than its digits (each says how).
QUOTE_WRITES_IT_OTHERWISE = {
    ("boeing_deliveries_to_china", "2022"): "in words: 'eight planes'",
    ("place_gdp_chengdu", "2024"): "in Japanese numerals: 2兆3511億3千万元 = 23511.3 亿元",
    ("arj21_deliveries", "2014"): "none in 2014: the quote dates the first delivery (2015-11-29)",
    ("carbon_fiber_domestic_supply_share", "2022"): "in Chinese tenths: 超六成 = more than 60%",
    (
        "cn_key_components_materials_self_sufficiency",
        "2019",
    ): "as a fraction: 1/3, 'around a third'",
}


def test_every_curated_quote_states_its_value():
    """facts/curated_figures.csv keeps each value as published, so its quote holds that number
    (thousands separators, full-width digits and ﹒ read as published); the few rows whose
    quote writes it otherwise say how, above."""
    import csv
    import re

    from mic2025.flows.base.settings import facts_dir

    digits = str.maketrans("０１２３４５６７８９﹒．", "0123456789..")
    missing = []
    with (facts_dir() / "curated_figures.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["metric"], row["year"]) in QUOTE_WRITES_IT_OTHERWISE:
                continue
            value = float(re.sub(r"^[<>~≥≤]+", "", row["value"].strip()))
            quote = re.sub(r"(?<=\d)[,，](?=\d{3})", "", row["quote"].translate(digits))
            numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", quote)}
            if value not in numbers:
                missing.append(f"{row['metric']} {row['year']}: {row['value']} not in {quote!r}")
    assert not missing, missing


def test_a_facts_row_with_an_unquoted_comma_is_refused_by_file_and_row(tmp_path, monkeypatch):
    """Every facts/ CSV is read by one reader that checks each row against the header: one
    field too many (a comma outside double quotes) names the file, the row and the rule."""
    import shutil

    from mic2025.flows.base.errors import SourceFormatError
    from mic2025.flows.base.facts_files import read_facts_csv
    from mic2025.flows.base.settings import facts_dir
    from mic2025.warehouse.conform import read_hosts

    facts = tmp_path / "facts"
    shutil.copytree(facts_dir(), facts)
    monkeypatch.setenv("MIC2025_FACTS_DIR", str(facts))
    hosts = facts / "hosts.csv"
    rows = len(read_facts_csv(hosts))
    with hosts.open("a", encoding="utf-8") as fh:
        fh.write('quoted.example,major,"a note, with a comma"\n')
    assert len(read_hosts()) == rows + 1
    with hosts.open("a", encoding="utf-8") as fh:
        fh.write("broken.example,major,a note, with a comma\n")
    with pytest.raises(SourceFormatError) as exc:
        read_hosts()
    assert str(exc.value) == (
        f"facts/hosts.csv (row {rows + 3}): 4 fields for the 3 columns of the header "
        "(a text field with a comma must be in double quotes)"
    )
