"""Property-based tests: malformed input gives the project's own error, never another crash."""

import contextlib
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.errors import FetchError, Mic2025Error, SourceFormatError
from flows.sources import comtrade, worldbank
from warehouse.units import UnknownUnit, parse_unit

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
