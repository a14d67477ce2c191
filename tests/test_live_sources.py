"""Live clients against a real local HTTP server replaying real-format answers, faults included."""

import json
import re
from pathlib import Path

import pytest
from werkzeug import Response

from mic2025.flows.base.errors import FetchError, SourceFormatError
from mic2025.flows.fetch import http
from mic2025.flows.sources import comtrade, owid, worldbank

FIXTURES = Path(__file__).parent / "fixtures"
WB_BODY = json.loads((FIXTURES / "worldbank_NY.GDP.MKTP.CD_USA_DNK_2020_2021.json").read_text())
GDP = worldbank.Indicator("NY.GDP.MKTP.CD", "USD", "", "")
WB_PATH = re.compile(r"^/v2/country/[A-Z;]+/indicator/NY\.GDP\.MKTP\.CD$")


@pytest.fixture
def fast_http(monkeypatch):
    """Retries without real waits; the waits asked for are recorded."""
    waits = []
    monkeypatch.setattr(http, "pause", lambda s: waits.append(s))
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "2")
    return waits


@pytest.fixture
def wb(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_WORLDBANK_URL", httpserver.url_for("/v2"))
    return httpserver


def requests_to(server, path_end):
    """Requests the server logged for one endpoint (a slow answer of an earlier test may land in
    the shared server's log late)."""
    return [req for req, _ in server.log if req.path.endswith(path_end)]


def rows_of(payload):
    return payload.files[worldbank.FILE].decode().splitlines()


# --------------------------------------------------------------------------- World Bank


def test_worldbank_reads_the_recorded_answer(wb):
    wb.expect_request(WB_PATH).respond_with_json(WB_BODY)
    payload = worldbank.fetch_indicator(GDP)
    assert wb.log[0][0].args["format"] == "json" and wb.log[0][0].args["page"] == "1"
    lines = rows_of(payload)
    assert lines[0] == ",".join(worldbank.COLUMNS)
    assert (
        "NY.GDP.MKTP.CD,GDP (current US$),USA,United States,2021,23315080560000.0,2026-04-08"
        in lines
    )
    assert payload.origin.vintage == "2026-04-08" and payload.origin.method == "live"


def test_worldbank_reads_every_page(wb):
    meta, data = WB_BODY
    pages = [data[:2], data[2:3], data[3:]]

    def page(request):
        number = int(request.args["page"])
        body = [{**meta, "page": number, "pages": 3, "per_page": 2}, pages[number - 1]]
        return Response(json.dumps(body), content_type="application/json")

    wb.expect_request(WB_PATH).respond_with_handler(page)
    payload = worldbank.fetch_indicator(GDP)
    assert len(rows_of(payload)) == 1 + 4
    assert len(requests_to(wb, "NY.GDP.MKTP.CD")) == 3


def test_worldbank_error_payload_is_an_error(wb):
    wb.expect_request(WB_PATH).respond_with_json(
        [
            {
                "message": [
                    {
                        "id": "120",
                        "key": "Invalid value",
                        "value": "The provided parameter value is not valid",
                    }
                ]
            }
        ]
    )
    with pytest.raises(FetchError, match="120 Invalid value"):
        worldbank.fetch_indicator(GDP)


def test_worldbank_empty_data_is_an_error(wb):
    wb.expect_request(WB_PATH).respond_with_json(
        [
            {
                "page": 1,
                "pages": 0,
                "per_page": 1000,
                "total": 0,
                "sourceid": "2",
                "lastupdated": "2026-04-08",
            },
            None,
        ]
    )
    with pytest.raises(FetchError, match="no observations"):
        worldbank.fetch_indicator(GDP)


def test_worldbank_truncated_json_is_retried_then_fails(wb, fast_http):
    body = json.dumps(WB_BODY)
    wb.expect_request(WB_PATH).respond_with_data(
        body[: len(body) // 2], content_type="application/json"
    )
    with pytest.raises(FetchError, match="not JSON") as exc:
        worldbank.fetch_indicator(GDP)
    assert exc.value.retryable


def test_worldbank_html_error_page_instead_of_json(wb):
    wb.expect_request(WB_PATH).respond_with_data(
        "<html><body><h1>Service Unavailable</h1></body></html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="not JSON"):
        worldbank.fetch_indicator(GDP)


def test_429_with_retry_after_is_honoured(wb, fast_http):
    wb.expect_ordered_request(WB_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    wb.expect_ordered_request(WB_PATH).respond_with_json(WB_BODY)
    payload = worldbank.fetch_indicator(GDP)
    assert len(rows_of(payload)) == 5
    assert fast_http == [7.0]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_backoff(wb, fast_http, monkeypatch, status):
    monkeypatch.setenv("MIC2025_HTTP_BACKOFF", "2")
    wb.expect_request(WB_PATH).respond_with_data("oops", status=status)
    with pytest.raises(FetchError, match=f"gave up after 3 attempts: HTTP {status}") as exc:
        worldbank.fetch_indicator(GDP)
    assert exc.value.retryable
    assert fast_http == [2.0, 4.0]  # exponential backoff between the 3 attempts


def test_a_404_is_not_retried(wb, fast_http):
    wb.expect_request(WB_PATH).respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="HTTP 404") as exc:
        worldbank.fetch_indicator(GDP)
    assert not exc.value.retryable and fast_http == []


def test_timeout_is_retryable(wb, fast_http, monkeypatch):
    import time

    monkeypatch.setenv("MIC2025_HTTP_READ_TIMEOUT", "0.2")
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "0")

    def slow(request):
        time.sleep(0.6)
        return Response(json.dumps(WB_BODY), content_type="application/json")

    wb.expect_request(WB_PATH).respond_with_handler(slow)
    with pytest.raises(FetchError, match="Timeout") as exc:
        worldbank.fetch_indicator(GDP)
    assert exc.value.retryable


def test_malformed_observation_names_its_row():
    meta, data = WB_BODY
    broken = [meta, [*data[:2], {"indicator": {"id": "NY.GDP.MKTP.CD"}, "date": "x", "value": 1}]]
    with pytest.raises(SourceFormatError, match=r"row 2"):
        worldbank.parse_api_page(broken, "NY.GDP.MKTP.CD")


# --------------------------------------------------------------------------- UN Comtrade

PREVIEW = json.loads(
    (FIXTURES / "comtrade_preview_reporter842_partner392_2023_TOTAL.json").read_text()
)
DATA_V1 = json.loads((FIXTURES / "comtrade_data_v1_get_reporter156_2010_TOTAL.json").read_text())


@pytest.fixture
def ct(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_COMTRADE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("MIC2025_COMTRADE_RPS", "1000")
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    return httpserver


def test_comtrade_preview_without_key(ct):
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(PREVIEW)
    records = comtrade.fetch_records(
        reporter="842", partner="392", years=[2023], cmd_codes=["TOTAL"], api_key=""
    )
    rows = comtrade._wire_rows(records, "test")
    assert {r["flow_code"] for r in rows} == {"M", "X"}
    imports = next(r for r in rows if r["flow_code"] == "M")
    assert imports["primary_value_usd"] == "151580564290" and imports["partner_iso3"] == "JPN"
    query = requests_to(ct, "/preview/C/A/HS")[0].args
    assert query["reporterCode"] == "842" and query["period"] == "2023"


def test_comtrade_data_api_sends_the_key_in_a_header_only(ct):
    ct.expect_request(
        "/data/v1/get/C/A/HS", headers={"Ocp-Apim-Subscription-Key": "secret-key-123"}
    ).respond_with_json(DATA_V1)
    records = comtrade.fetch_records(
        reporter="156",
        partner="32,280,276",
        years=[2010],
        cmd_codes=["TOTAL"],
        api_key="secret-key-123",
    )
    assert len(records) == 4
    request = requests_to(ct, "/get/C/A/HS")[0]
    assert "secret-key-123" not in request.url


def test_comtrade_requests_are_chunked_under_the_record_cap(ct):
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(PREVIEW)
    codes = [f"{8400 + i}" for i in range(45)]
    comtrade.fetch_records(
        reporter="156", partner="0", years=[2022, 2023], cmd_codes=codes, api_key=""
    )
    batches = [req.args["cmdCode"].split(",") for req in requests_to(ct, "/preview/C/A/HS")]
    assert len(batches) == 6 and max(len(b) for b in batches) == 20  # 3 batches x 2 years
    assert sorted(c for b in batches[:3] for c in b) == sorted(codes)


def test_comtrade_answer_at_the_cap_is_an_error(ct):
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(
        {**PREVIEW, "count": 500, "data": PREVIEW["data"] * 250}
    )
    with pytest.raises(FetchError, match="500-record cap"):
        comtrade.fetch_records(
            reporter="156", partner="0", years=[2023], cmd_codes=["8542"], api_key=""
        )


def test_comtrade_empty_data_is_an_error_not_success(ct):
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(
        {"elapsedTime": "0.1 secs", "count": 0, "data": [], "error": ""}
    )
    with pytest.raises(FetchError, match=r"data: \[\] where rows were expected"):
        comtrade.fetch_records(
            reporter="156", partner="0", years=[2023], cmd_codes=["8542"], api_key=""
        )


def test_comtrade_429_then_success(ct, fast_http):
    ct.expect_ordered_request("/public/v1/preview/C/A/HS").respond_with_data(
        '{"statusCode": 429, "message": "Rate limit is exceeded."}',
        status=429,
        headers={"Retry-After": "3"},
    )
    ct.expect_ordered_request("/public/v1/preview/C/A/HS").respond_with_json(PREVIEW)
    records = comtrade.fetch_records(
        reporter="842", partner="392", years=[2023], cmd_codes=["TOTAL"], api_key=""
    )
    assert len(records) == 2 and fast_http == [3.0]


def test_token_bucket_spaces_requests():
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    bucket = comtrade.TokenBucket(rate=2.0, capacity=1, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        bucket.take()
    assert waits == [pytest.approx(0.5), pytest.approx(0.5)]


def test_comtrade_fetch_is_hs_revision_aware(ct, monkeypatch, tmp_path):
    monkeypatch.setenv("MIC2025_COMTRADE_YEARS", "2021:2022")
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(PREVIEW)
    comtrade.fetch()
    by_year = {}
    for req in requests_to(ct, "/preview/C/A/HS"):
        by_year.setdefault(req.args["period"], set()).update(req.args["cmdCode"].split(","))
    assert "854143" in by_year["2022"] and "854143" not in by_year["2021"]  # HS2022 only
    assert "854140" in by_year["2021"] and "854140" not in by_year["2022"]  # HS2017 only


#: 30 reporters besides China (real M49 codes and ISO3): with China, 31 >= the 30 that make a
#: world total for world_export_share.
OTHER_REPORTERS = [
    (36, "AUS"), (40, "AUT"), (56, "BEL"), (76, "BRA"), (124, "CAN"), (152, "CHL"),
    (203, "CZE"), (208, "DNK"), (246, "FIN"), (250, "FRA"), (276, "DEU"), (300, "GRC"),
    (348, "HUN"), (356, "IND"), (360, "IDN"), (372, "IRL"), (376, "ISR"), (380, "ITA"),
    (392, "JPN"), (410, "KOR"), (458, "MYS"), (484, "MEX"), (528, "NLD"), (554, "NZL"),
    (578, "NOR"), (616, "POL"), (620, "PRT"), (702, "SGP"), (724, "ESP"), (752, "SWE"),
]  # fmt: skip


def _comtrade_answer(request):
    """A preview answer in Comtrade's own record shape for whatever was asked: China exports
    10 and imports 4 (USD) of every code; each other reporter exports 3."""
    template = PREVIEW["data"][0]
    args = request.args
    china_only = args.get("reporterCode") == "156"
    reporters = [(156, "CHN")] + ([] if china_only else OTHER_REPORTERS)
    records = []
    for code in args["cmdCode"].split(","):
        for reporter, iso3 in reporters:
            for flow in args["flowCode"].split(","):
                if reporter != 156 and flow != "X":
                    continue
                value = {"X": 10, "M": 4}[flow] if reporter == 156 else 3
                records.append(
                    {
                        **template,
                        "period": args["period"],
                        "refYear": int(args["period"]),
                        "reporterCode": reporter,
                        "reporterISO": iso3,
                        "reporterDesc": iso3,
                        "flowCode": flow,
                        "flowDesc": {"X": "Export", "M": "Import"}[flow],
                        "partnerCode": 0,
                        "partnerISO": "W00",
                        "partnerDesc": "World",
                        "classificationCode": "H6",
                        "cmdCode": code,
                        "cmdDesc": code,
                        "aggrLevel": len(code),
                        "isLeaf": len(code) == 6,
                        "primaryValue": value,
                        "cifvalue": value,
                        "fobvalue": value,
                        "isAggregate": False,
                    }
                )
    return Response(
        json.dumps(
            {"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}
        ),
        content_type="application/json",
    )


def test_live_comtrade_with_world_totals_gives_every_sector_its_basket(ct, monkeypatch, tmp_path):
    """A live fetch asks for every level of the map's codes (headings and subheadings), so each
    sector's HS basket is whole: 10 sectors, each with China's share of world exports and its
    trade balance index. Hand-computed: share = 10 / (10 + 30 x 3) = 0.1 for every basket;
    TBI = (10 - 4) / (10 + 4) = 0.4286."""
    import shutil

    import polars as pl

    from mic2025.flows.fetch.snapshots import latest_snapshot, read_snapshot
    from mic2025.flows.ingest.snapshot_choice import choose_snapshot
    from mic2025.warehouse import conform, metrics
    from mic2025.warehouse.build import read_sectors
    from mic2025.warehouse.load import read_raw

    store = tmp_path / "snapshots"
    monkeypatch.setenv("MIC2025_SNAPSHOTS_DIR", str(store))
    monkeypatch.setenv("MIC2025_COMTRADE_YEARS", "2022:2022")
    monkeypatch.setenv("MIC2025_COMTRADE_WORLD_TOTALS", "1")
    for name in ("comtrade_trade", "sector_hs_map"):
        shutil.copytree(Path(__file__).parents[1] / "snapshots" / name, store / name)
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_handler(_comtrade_answer)
    choice = choose_snapshot("comtrade_trade", live=True)
    assert choice.status == "fresh", choice.message
    asked = {c for r in requests_to(ct, "/preview/C/A/HS") for c in r.args["cmdCode"].split(",")}
    assert {"8901", "8432", "8701", "8542", "890520"} <= asked  # headings and subheadings
    trade = conform.trade(read_raw("comtrade_trade", read_snapshot(Path(choice.path))))
    hs_map = conform.sector_hs_map(
        read_raw("sector_hs_map", latest_snapshot("sector_hs_map")), read_sectors()
    )
    m = metrics.sector_trade_metrics(trade, hs_map)
    share = m.filter(pl.col("metric") == "world_export_share")
    tbi = m.filter(pl.col("metric") == "trade_balance_index")
    assert share["sector"].n_unique() == 10 and set(share["year"]) == {2022}
    assert share["value"].to_list() == pytest.approx([0.1] * 10)
    assert tbi["value"].to_list() == pytest.approx([6 / 14] * 10)


def test_planted_key_never_reaches_snapshots_or_errors(ct, monkeypatch, tmp_path, caplog):
    from mic2025.flows.ingest.snapshot_choice import choose_snapshot

    key = "PLANTED-KEY-7f3a9c"
    monkeypatch.setenv("COMTRADE_API_KEY", key)
    monkeypatch.setenv("MIC2025_COMTRADE_YEARS", "2023:2023")
    store = tmp_path / "snapshots"
    monkeypatch.setenv("MIC2025_SNAPSHOTS_DIR", str(store))
    import shutil

    shutil.copytree(
        Path(__file__).parents[1] / "snapshots" / "comtrade_trade", store / "comtrade_trade"
    )
    shutil.copytree(
        Path(__file__).parents[1] / "snapshots" / "sector_hs_map", store / "sector_hs_map"
    )
    ct.expect_request("/data/v1/get/C/A/HS").respond_with_data(f"bad key {key}?", status=401)
    choice = choose_snapshot("comtrade_trade", live=True)
    assert choice.status == "stale" and key not in (choice.message or "")
    ct.clear()
    ct.expect_request("/data/v1/get/C/A/HS").respond_with_json(DATA_V1)
    fresh = choose_snapshot("comtrade_trade", live=True)
    assert fresh.status == "fresh"
    for path in store.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(errors="replace"), path
    assert key not in caplog.text


# --------------------------------------------------------------------------- OWID


OWID_CSV = (FIXTURES / "owid_electric-car-sales_head.csv").read_bytes()


@pytest.fixture
def grapher(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_OWID_URL", httpserver.url_for("/grapher"))
    return httpserver


CHART = owid.CHARTS_BY_SOURCE["owid_electric_car_sales"]


def test_owid_chart_download_keeps_validators(grapher):
    grapher.expect_request("/grapher/electric-car-sales.csv").respond_with_data(
        OWID_CSV, content_type="text/csv", headers={"ETag": '"v1"'}
    )
    payload = owid.fetch_chart(CHART)
    assert payload.files["electric-car-sales.csv"] == OWID_CSV
    assert payload.extra == {"http": {"etag": '"v1"'}}


def test_owid_not_modified_answer(grapher):
    grapher.expect_request(
        "/grapher/electric-car-sales.csv", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    assert owid.fetch_chart(CHART, validators={"etag": '"v1"'}) is None


def test_owid_renamed_column_is_schema_drift(grapher):
    grapher.expect_request("/grapher/electric-car-sales.csv").respond_with_data(
        OWID_CSV.replace(b"Electric cars sold", b"EV sales"), content_type="text/csv"
    )
    with pytest.raises(SourceFormatError, match="missing column"):
        owid.fetch_chart(CHART)


# --------------------------------------------------------------------------- IEA


def test_iea_csv_download_and_not_modified(httpserver, monkeypatch):
    from mic2025.flows.sources import iea

    body = (Path(__file__).parents[1] / "snapshots" / "iea_global_ev_data").glob("*/*.csv")
    head = b"".join(next(body).open("rb").readlines()[:40])
    monkeypatch.setenv("MIC2025_IEA_EV_CSV_URL", httpserver.url_for("/ev.csv"))
    httpserver.expect_ordered_request("/ev.csv").respond_with_data(
        head, content_type="text/csv", headers={"Last-Modified": "Tue, 23 Apr 2024 08:00:00 GMT"}
    )
    payload = iea.fetch()
    assert payload.files[iea.FILE] == head
    assert payload.extra["http"]["last_modified"].startswith("Tue, 23 Apr 2024")
    httpserver.expect_ordered_request(
        "/ev.csv", headers={"If-Modified-Since": "Tue, 23 Apr 2024 08:00:00 GMT"}
    ).respond_with_data("", status=304)
    assert iea.fetch(validators=payload.extra["http"]) is None


def test_iea_without_a_configured_url_says_what_to_set(monkeypatch):
    from mic2025.flows.sources import iea

    monkeypatch.delenv("MIC2025_IEA_EV_CSV_URL", raising=False)
    with pytest.raises(FetchError, match="MIC2025_IEA_EV_CSV_URL"):
        iea.fetch()


def test_unconfigured_live_source_loads_its_snapshot(monkeypatch):
    from mic2025.flows.ingest.snapshot_choice import choose_snapshot, has_live_endpoint

    monkeypatch.delenv("MIC2025_IEA_EV_CSV_URL", raising=False)
    assert not has_live_endpoint("iea_global_ev_data")
    assert choose_snapshot("iea_global_ev_data", live=True).status == "loaded"


def test_world_totals_ask_every_reporter_in_small_batches(ct, monkeypatch):
    ct.expect_request("/public/v1/preview/C/A/HS").respond_with_json(PREVIEW)
    comtrade.fetch_records(
        reporter=None,
        partner="0",
        years=[2023],
        flows="X",
        cmd_codes=["854231", "854232", "854233", "854239", "854143"],
        api_key="",
    )
    asked = requests_to(ct, "/preview/C/A/HS")
    assert all("reporterCode" not in r.args for r in asked)  # every reporter
    assert [len(r.args["cmdCode"].split(",")) for r in asked] == [2, 2, 1]  # 230 x 2 < 500


def test_a_refused_connection_fails_at_once_naming_the_host(fast_http, monkeypatch):
    """A refused connection does not heal in seconds: one attempt, no waits, not retried by the
    Prefect task either, and the message is the error class and host, not a traceback or URL."""
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MIC2025_WORLDBANK_URL", f"http://127.0.0.1:{port}/v2")
    with pytest.raises(FetchError) as exc:
        worldbank.fetch_indicator(GDP)
    assert str(exc.value) == f"wdi_ny_gdp_mktp_cd: ConnectionRefusedError: 127.0.0.1:{port}"
    assert not exc.value.retryable and fast_http == []
