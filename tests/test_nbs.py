"""NBS national database: the bundled snapshot against the mirrors, the live easyquery client
against a local server answering in NBS's recorded wire format, faults included."""

import json
from pathlib import Path

import polars as pl
import pytest
from werkzeug import Response

from mic2025.flows.base.errors import FetchError
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import latest_snapshot
from mic2025.flows.sources import nbs
from mic2025.warehouse import conform
from mic2025.warehouse.load import raw_schema, read_raw, split_valid

FIXTURES = Path(__file__).parent / "fixtures" / "nbs"
ANSWERS = json.loads((FIXTURES / "easyquery_answers.json").read_text())
IMPORTS = nbs.CatalogueEntry(
    "NBS_DB_SHIP_IMPORT_VALUE",
    "hgnd",
    "对外经济贸易/进口主要货物数量和金额/主要货物进口金额",
    "船舶进口金额",
    "annual",
    "百万美元",
)
SHIPS = nbs.CatalogueEntry(
    "NBS_DB_SHIP_OUTPUT",
    "hgyd",
    "工业/工业主要产品产量/民用钢质船舶",
    "民用钢质船舶产量_累计值",
    "monthly",
    "万载重吨",
)


def bundled_raw() -> pl.DataFrame:
    return nbs.parse(latest_snapshot(nbs.NAME))


def test_the_committed_snapshot_keeps_both_vintages_apart_with_their_cells():
    raw = bundled_raw()
    ships = raw.filter(pl.col("series_id") == "NBS_DB_SHIP_IMPORT_VALUE")
    # mirror 2023 (zhuang1234): 2021 = 2972.77 million USD; mirror 2018 (yiyuezhuo): 2013 = 864.473
    new = ships.filter(pl.col("vintage").str.contains("2023-08"))
    old = ships.filter(pl.col("vintage").str.contains("2018"))
    assert new.filter(pl.col("period") == "2021")["value"].to_list() == ["2972.77"]
    assert old.filter(pl.col("period") == "2013")["value"].to_list() == ["864.473"]
    assert old["period"].max() == "2013"  # the 2018 scrape's 2014 cell is empty
    cell = new.filter(pl.col("period") == "2021").row(0, named=True)
    assert cell["read_from"].startswith(
        "github.com/zhuang1234/National-Data@4b467dda7a0fbef29f937a60f08db0e6420da6a6:"
        "data_year/zb/对外经济贸易/进口主要货物数量和金额/主要货物进口金额.xlsx"
    )
    assert cell["unit"] == "百万美元" and "mirror has no unit" in cell["unit_source"]
    # the 2023 scrape writes ship exports 2014-2015 as 0: not a value, so not in the snapshot
    exports = raw.filter(pl.col("series_id") == "NBS_DB_SHIP_EXPORT_VALUE")
    assert not exports.filter(pl.col("period").is_in(["2014", "2015"])).height


def test_tables_the_tidy_extract_lacks_are_read_from_the_copied_workbooks():
    raw = bundled_raw()
    autos = raw.filter(pl.col("series_id") == "NBS_DB_MFG_REVENUE_C36")
    # 汽车制造业 main business revenue, 2017 = 84,637.11 亿元 (2012-2017 published)
    assert autos.filter(pl.col("period") == "2017")["value"].to_list() == ["84637.11"]
    assert sorted(autos["period"]) == [str(y) for y in range(2012, 2018)]
    cell = autos.filter(pl.col("period") == "2017").row(0, named=True)
    assert cell["read_from"] == (
        "github.com/zhuang1234/National-Data@4b467dda7a0fbef29f937a60f08db0e6420da6a6:"
        "data_year/zb/工业/按行业分规模以上工业企业主要经济指标(2012-至今)/主营业务收入.xlsx "
        'row 2017年 col "汽车制造业规模以上工业企业主营业务收入" = 84637.11'
    )
    electronics = raw.filter(pl.col("series_id") == "NBS_DB_MFG_PATENTS_C39")
    # 通信设备、计算机及其他电子设备制造业: 496,094 valid invention patents in 2021
    assert electronics.filter(pl.col("period") == "2021")["value"].to_list() == ["496094"]
    # a monthly table copied into facts/upstream/nbs (not in ../shared): December year to date
    mfg = raw.filter(pl.col("series_id") == "NBS_DB_MFG_OPERATING_REVENUE")
    assert dict(zip(mfg["period"], mfg["value"], strict=True))["2021-12"] == "1127885.1"
    assert all(p.endswith("-12") for p in mfg["period"])
    assert "data_month/zb/工业/按行业分工业企业主要经济指标(2018-至今)" in mfg["read_from"][0]
    # HS chapter 89 (ships and floating structures) customs imports, million USD
    hs89 = raw.filter(pl.col("series_id") == "NBS_DB_HS89_IMPORT_VALUE")
    assert dict(zip(hs89["period"], hs89["value"], strict=True))["2015"] == "1003.464"
    # a series the tidy extract carries is not read twice
    special = raw.filter(pl.col("series_id") == "NBS_DB_SPECIAL_EQUIPMENT_REVENUE")
    assert special.group_by("period", "vintage").len()["len"].max() == 1


def test_core_reads_december_year_to_date_as_the_year_and_one_vintage_per_series():
    raw = read_raw(nbs.NAME, latest_snapshot(nbs.NAME))
    core = conform.national_series(raw, nbs.read_catalogue())
    ship = core.filter((pl.col("series_id") == "NBS_DB_SHIP_OUTPUT") & (pl.col("year") == 2021))
    # 3354.3 万载重吨 (December year to date) = 33,543,000 DWT
    assert ship["value"].to_list() == [33_543_000.0] and ship["unit"].to_list() == ["DWT"]
    assert ship["period_as_published"].to_list() == ["2021-12"]
    ic = core.filter(pl.col("series_id") == "NBS_DB_IC_OUTPUT_ANNUAL")
    latest = ic.filter(pl.col("is_latest_vintage"))
    assert latest["vintage"].unique().to_list() == [nbs.VINTAGE_2023]
    assert ic.filter(~pl.col("is_latest_vintage"))["vintage"].unique().to_list() == [
        nbs.VINTAGE_2018
    ]
    official = conform.official_from_national(core, nbs.read_catalogue())
    imports = official.filter(
        (pl.col("series_id") == "NBS_DB_SHIP_IMPORT_VALUE") & (pl.col("year") == 2021)
    ).row(0, named=True)
    assert imports["value"] == 2_972_770_000.0 and imports["unit"] == "USD"
    assert imports["publisher_id"] == "NBS" and imports["via"] == "github.com"
    assert imports["source_url"].startswith("https://github.com/zhuang1234/National-Data/blob/")
    assert imports["quote"] == 'row 2021年 col "船舶进口金额" = 2972.77'
    # never two vintages of one series in the figures the metrics read
    assert official.group_by("series_id", "year").len()["len"].max() == 1


def test_the_recorded_answer_with_raw_newlines_parses():
    """A real easyquery answer (recorded 2019): memo strings hold raw newlines."""
    text = (FIXTURES / "recorded_hgyd_A010101_cpi.json").read_text()
    with pytest.raises(ValueError):
        json.loads(text)
    indicators, cells = nbs.parse_query_answer(json.loads(text, strict=False), "cpi")
    assert indicators["A01010101"]["cname"] == "居民消费价格指数(上年同月=100)"
    first = [c for c in cells if c["zb"] == "A01010101"][0]
    # 2019-09 has hasdata=false (left out); 2019-08 is the first real cell
    assert first["sj"] == "201908" and first["strdata"] == "102.8"


@pytest.fixture
def easyquery(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_NBS_URL", httpserver.url_for("/easyquery.htm"))
    monkeypatch.setattr(http, "pause", lambda s: None)
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "2")

    def answer(request):
        args = request.args
        if args["m"] == "getTree":
            body = ANSWERS["trees"].get(f"{args['dbcode']}:{args['id']}", [])
        else:
            table = json.loads(args["dfwds"])[0]["valuecode"]
            body = ANSWERS["query"][f"{args['dbcode']}:{table}"]
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")

    httpserver.expect_request("/easyquery.htm").respond_with_handler(answer)
    return httpserver


def live_rows(payload) -> list[dict]:
    return pl.read_csv(payload.files[nbs.FILE], infer_schema_length=0).to_dicts()


def test_live_walks_the_tree_by_name_and_reads_names_and_units_from_the_answer(easyquery):
    payload = nbs.fetch(catalogue=[IMPORTS, SHIPS])
    rows = live_rows(payload)
    imports = [r for r in rows if r["series_id"] == "NBS_DB_SHIP_IMPORT_VALUE"]
    # 2019 has hasdata=false: no row; the other indicator of the table is not catalogued
    assert [(r["period"], r["value"], r["unit"]) for r in imports] == [
        ("2021", "2972.77", "百万美元"),
        ("2020", "1456.208393", "百万美元"),
    ]
    assert imports[0]["indicator_code"] == "A060A0X"
    assert imports[0]["unit_source"] == "NBS answer (wdnodes unit)"
    ships = [r for r in rows if r["series_id"] == "NBS_DB_SHIP_OUTPUT"]
    assert [(r["period"], r["value"]) for r in ships] == [
        ("2022-12", "3001.4"),
        ("2022-11", "2700.1"),
        ("2021-12", "3354.3"),
    ]
    queries = [r for r, _ in easyquery.log if r.args["m"] == "QueryData"]
    assert [json.loads(q.args["dfwds"])[0]["valuecode"] for q in queries] == ["A060A02", "A020929"]
    assert payload.origin.method == "live"
    # the live snapshot goes through the same raw model and core as the bundled one
    raw = pl.read_csv(payload.files[nbs.FILE], infer_schema_length=0).with_columns(
        pl.lit("L").alias("load_id"), pl.lit("0" * 64).alias("snapshot_sha256")
    )
    good, bad = split_valid(raw, raw_schema(nbs.NAME), source=nbs.NAME, table=nbs.NAME, load_id="L")
    assert bad.height == 0, bad.select("column", "check", "failing_value").to_dicts()
    core = conform.national_series(good, nbs.read_catalogue())
    assert core.filter(pl.col("series_id") == "NBS_DB_SHIP_OUTPUT")["year"].to_list() == [
        2021,
        2022,
    ]


def test_an_indicator_missing_from_the_answer_is_schema_drift_naming_it(easyquery):
    renamed = nbs.CatalogueEntry(**{**IMPORTS.__dict__, "indicator": "船舶及浮动结构体进口金额"})
    with pytest.raises(FetchError, match="no indicator '船舶及浮动结构体进口金额'.*船舶进口金额"):
        nbs.fetch(catalogue=[renamed])


def test_a_table_missing_from_the_tree_says_where_it_looked(easyquery):
    moved = nbs.CatalogueEntry(
        **{**IMPORTS.__dict__, "table": "对外经济贸易/海关统计/主要货物进口金额"}
    )
    with pytest.raises(FetchError, match="no table '海关统计' under 对外经济贸易"):
        nbs.fetch(catalogue=[moved])


def test_server_errors_are_retried_and_an_error_answer_is_an_error(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_NBS_URL", httpserver.url_for("/easyquery.htm"))
    monkeypatch.setattr(http, "pause", lambda s: None)
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "2")
    calls = []

    def flaky(request):
        calls.append(request.args["m"])
        if len(calls) == 1:
            return Response("busy", status=503)
        if request.args["m"] == "getTree":
            key = f"{request.args['dbcode']}:{request.args['id']}"
            return Response(json.dumps(ANSWERS["trees"].get(key, []), ensure_ascii=False))
        return Response(json.dumps({"returncode": 501, "returndata": "参数错误"}))

    httpserver.expect_request("/easyquery.htm").respond_with_handler(flaky)
    with pytest.raises(FetchError, match="returncode 501"):
        nbs.fetch(catalogue=[IMPORTS])
    assert calls[:2] == ["getTree", "getTree"]  # the 503 was retried


def test_an_html_page_instead_of_json_is_one_clear_error(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_NBS_URL", httpserver.url_for("/easyquery.htm"))
    httpserver.expect_request("/easyquery.htm").respond_with_data(
        "<html>访问验证</html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="getTree: the answer is not JSON"):
        nbs.fetch(catalogue=[IMPORTS])


def test_a_zero_cell_is_quarantined_by_the_range_rule():
    raw = bundled_raw().head(3).with_columns(pl.Series("value", ["0", "5501.904", "-1"]))
    raw = raw.with_columns(pl.lit("L").alias("load_id"), pl.lit("0" * 64).alias("snapshot_sha256"))
    good, bad = split_valid(raw, raw_schema(nbs.NAME), source=nbs.NAME, table=nbs.NAME, load_id="L")
    assert good.height == 1 and set(bad["column"].to_list()) == {"value"}
    assert set(bad["check"].to_list()) >= {
        "greater than 0 (NBS and its mirrors write a missing cell as 0; no catalogued "
        "series is really zero)"
    }
