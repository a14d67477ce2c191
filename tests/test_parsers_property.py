"""Property-based tests: malformed input gives the project's own error, never another crash;
well-formed input round-trips from the wire to typed raw rows, nothing lost, added or changed."""

import contextlib
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from mic2025.flows.base.errors import FetchError, Mic2025Error, SourceFormatError
from mic2025.flows.sources import comtrade, worldbank
from mic2025.warehouse.units import UnknownUnit, parse_unit

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves it out

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "page",
                    "pages",
                    "lastupdated",
                    "message",
                    "indicator",
                    "id",
                    "value",
                    "country",
                    "countryiso3code",
                    "date",
                    "data",
                    "count",
                    "error",
                    "refYear",
                    "reporterCode",
                    "partnerCode",
                    "flowCode",
                    "cmdCode",
                    "primaryValue",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_worldbank_page_parser_only_raises_its_own_errors(body):
    with contextlib.suppress(FetchError, SourceFormatError):
        worldbank.parse_api_page(body, "TX.VAL.TECH.MF.ZS")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "refYear",
                    "reporterCode",
                    "partnerCode",
                    "flowCode",
                    "cmdCode",
                    "primaryValue",
                    "qty",
                    "netWgt",
                    "aggrLevel",
                    "reporterISO",
                    "legacyEstimationFlag",
                ]
            ),
            st.none() | st.integers() | st.text(max_size=6) | st.floats(allow_nan=False),
            max_size=11,
        ),
        max_size=5,
    )
)
def test_comtrade_record_parser_only_raises_its_own_errors(records):
    try:
        rows = comtrade._wire_rows(records, "test")
    except SourceFormatError:
        return
    assert len(rows) == len(records)


def _response(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    response.encoding = "utf-8"
    return response


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200)))
def test_comtrade_answer_parser_only_raises_fetch_errors(body):
    with contextlib.suppress(FetchError):
        comtrade._records(_response(body), 500, 2023, ["8542"], "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_unit_parser_only_raises_unknown_unit(text):
    try:
        spec = parse_unit(text)
    except UnknownUnit:
        return
    assert spec.factor > 0


def test_all_project_errors_share_one_base():
    for error in (FetchError, SourceFormatError, UnknownUnit):
        assert issubclass(error, Mic2025Error)


@pytest.mark.parametrize("body", [b"", b"[", b'{"data": 5}', b"<html>503</html>"])
def test_known_bad_comtrade_bodies(body):
    with pytest.raises(FetchError):
        comtrade._records(_response(body), 500, 2023, ["8542"], "")


def test_malformed_counts_and_pages_are_project_errors():
    # found by hypothesis in CI: a list where Comtrade's "count" should be a number
    body = json.dumps({"count": [], "data": [{"refYear": 2023}], "error": ""}).encode()
    assert comtrade._records(_response(body), 500, 2023, ["8542"], "") == [{"refYear": 2023}]
    with pytest.raises(FetchError, match="page count"):
        worldbank._page_count({"pages": [1]}, "wdi_x")


# --------------------------------------------------------------------------- well-formed input
# Properties of inputs the parsers must accept: every observation survives the wire -> snapshot
# CSV -> typed raw row round trip, with its value unchanged and no row lost or added.

COUNTRY = st.sampled_from(["CHN", "USA", "DEU", "JPN", "KOR", "WLD", "EUU"])
WB_OBS = st.builds(
    lambda iso3, year, value: {
        "indicator": {"id": "TX.VAL.TECH.MF.ZS", "value": "High-technology exports"},
        "country": {"id": iso3[:2], "value": f"Economy {iso3}"},
        "countryiso3code": iso3,
        "date": str(year),
        "value": value,
    },
    COUNTRY,
    st.integers(1960, 2024),
    st.none() | st.floats(0, 1e15, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=100, deadline=None)  # each example writes and reads a snapshot
@given(st.lists(WB_OBS, max_size=30, unique_by=lambda o: (o["countryiso3code"], o["date"])))
def test_worldbank_observations_round_trip_to_typed_raw_rows(observations):
    from mic2025.flows.fetch.snapshots import Origin, write_snapshot
    from mic2025.flows.sources.base import csv_bytes
    from mic2025.warehouse.load import read_raw

    meta, rows = worldbank.parse_api_page(
        [{"page": 1, "pages": 1, "lastupdated": "2026-07-01"}, observations],
        "TX.VAL.TECH.MF.ZS",
    )
    kept = [o for o in observations if o["value"] is not None]
    assert len(rows) == len(kept)  # null values are dropped, nothing else
    if not rows:
        return
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as root:
        snap = write_snapshot(
            "wdi_tx_val_tech_mf_zs",
            "v1",
            {worldbank.FILE: csv_bytes(rows, worldbank.COLUMNS)},
            Origin("World Bank", "t", "https://data.worldbank.org", "CC BY 4.0", "2026", "live"),
            fmt="csv",
            root=Path(root),
        )
        assert snap.rows == len(kept)
        typed = read_raw("wdi_tx_val_tech_mf_zs", snap)
    assert typed.height == len(kept)
    got = sorted(zip(typed["country_iso3"], typed["year"], typed["value"], strict=True))
    want = sorted((o["countryiso3code"], int(o["date"]), float(o["value"])) for o in kept)
    assert got == want  # repr(float) -> CSV -> Float64 is exact


COMTRADE_RECORD = st.builds(
    lambda year, partner, flow, code, value, qty: {
        "refYear": year,
        "reporterCode": 156,
        "reporterISO": "CHN",
        "partnerCode": partner,
        "flowCode": flow,
        "cmdCode": code,
        "aggrLevel": len(code),
        "primaryValue": value,
        "qty": qty,
        "netWgt": None,
        "legacyEstimationFlag": 0,
    },
    st.integers(2015, 2024),
    st.sampled_from([0, 842, 276, 392]),
    st.sampled_from(["M", "X"]),
    st.sampled_from(["8542", "854231", "8703", "8456"]),
    st.floats(0, 1e13, allow_nan=False, allow_infinity=False),
    st.none() | st.floats(0, 1e10, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=100, deadline=None)  # each example writes and reads a snapshot
@given(
    st.lists(
        COMTRADE_RECORD,
        max_size=30,
        unique_by=lambda r: (r["refYear"], r["partnerCode"], r["flowCode"], r["cmdCode"]),
    )
)
def test_comtrade_records_round_trip_to_typed_raw_rows(records):
    import tempfile
    from pathlib import Path

    from mic2025.flows.fetch.snapshots import Origin, write_snapshot
    from mic2025.flows.sources.base import csv_bytes
    from mic2025.warehouse.load import read_raw

    rows = comtrade._wire_rows(records, "api")
    assert len(rows) == len(records)
    if not rows:
        return
    with tempfile.TemporaryDirectory() as root:
        snap = write_snapshot(
            "comtrade_trade",
            "v1",
            {comtrade.FILE: csv_bytes(rows, comtrade.COLUMNS)},
            Origin("UN Comtrade", "t", "https://comtradeplus.un.org", "terms", "2026", "live"),
            fmt="csv",
            root=Path(root),
        )
        typed = read_raw("comtrade_trade", snap)
    assert typed.height == len(records)
    got = sorted(
        zip(
            typed["year"],
            typed["partner_code"],
            typed["flow_code"],
            typed["cmd_code"],
            typed["primary_value_usd"],
            typed["qty"],
            strict=True,
        ),
        key=lambda t: t[:4],
    )
    want = sorted(
        (
            (
                r["refYear"],
                r["partnerCode"],
                r["flowCode"],
                r["cmdCode"],
                r["primaryValue"],
                r["qty"],
            )
            for r in records
        ),
        key=lambda t: t[:4],
    )
    assert got == want
