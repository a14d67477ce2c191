"""Places (cities, provinces, regions the articles name): their figures in marts.city_metrics,
hand-computed, and the article's city claims decided by them."""

import csv
import io

import duckdb
import pytest
from typer.testing import CliRunner

from mic2025.flows.cli import app


@pytest.fixture(scope="module")
def city(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        rows = con.sql("select * from marts.city_metrics").pl()
        checks = con.sql(
            "select claim_id, verdict, computed_value, year_used from marts.claim_checks "
            "where article_id = 'nature-2024-mic2025-science-cities'"
        ).pl()
        places = con.sql("select * from core.places").pl()
    finally:
        con.close()
    return rows, checks, places


def value(rows, place, metric, year, period="FY"):
    hit = rows.filter(
        (rows["place_id"] == place)
        & (rows["metric"] == metric)
        & (rows["year"] == year)
        & (rows["period"] == period)
    )
    assert hit.height == 1, (place, metric, year, hit)
    return hit.row(0, named=True)


def test_six_places_with_gdp_near_2015_and_in_2023_or_2024(city):
    rows, _, places = city
    gdp = rows.filter((rows["metric"] == "gdp") & (rows["period"] == "FY"))
    covered = [
        p
        for p in places["place_id"].to_list()
        if set(gdp.filter(gdp["place_id"] == p)["year"]) & {2014, 2015}
        and set(gdp.filter(gdp["place_id"] == p)["year"]) & {2023, 2024}
    ]
    assert len(covered) >= 6, covered
    assert set(places["iso_3166_2"]) >= {"CN-AH", "CN-SH", "CN-BJ", "CN-ZJ", "CN-SC", "CN-XJ"}


def test_hefei_in_dollars_as_a_share_and_as_a_multiple(city):
    rows, _, _ = city
    # Hefei 2023: 12,673.8 亿元 at 7.0809 CNY/USD (Fed H.10) = US$178.99 bn; 2014: 5,158 亿元
    # at 6.1620 = US$83.71 bn; multiple in dollars 178.99 / 83.71 = 2.138; in yuan 2.457
    usd = value(rows, "hefei", "gdp_usd", 2023)
    assert usd["value"] == pytest.approx(12673.8e8 / 7.0809)
    assert usd["unit"] == "USD" and "FED_CNY_PER_USD:2023=7.0809" in usd["inputs"]
    multiple = value(rows, "hefei", "gdp_usd_multiple_since_base", 2023)
    assert multiple["value"] == pytest.approx((12673.8e8 / 7.0809) / (5158e8 / 6.1620))
    assert value(rows, "hefei", "gdp_multiple_since_base", 2023)["value"] == pytest.approx(
        12673.8 / 5158
    )
    # share of China's GDP: 12,673.8 亿 / 126.06 trillion = 1.005%
    share = value(rows, "hefei", "gdp_share_of_national", 2023)
    assert share["value"] == pytest.approx(12673.8e8 / 126.06e12)


def test_each_place_has_its_specialism_measured(city):
    rows, _, _ = city
    # Xinjiang (the article's Urumqi solar farm): 326万 kW of PV at the end of 2014 (the
    # region's development commission, Xinhua on www.gov.cn), 5666万 kW at the end of 2024
    # (State Grid Xinjiang): x17.4
    solar = value(rows, "xinjiang", "solar_capacity_multiple_since_base", 2024)
    assert solar["value"] == pytest.approx(5666 / 326)
    # Beijing's medicine and health industry: 4028亿元 (2014) -> 9761亿元 (2023), x2.42 in yuan,
    # x2.11 in dollars (6.1620 and 7.0809 yuan per dollar)
    beijing = value(rows, "beijing", "biomedicine_industry_scale_usd_multiple_since_base", 2023)
    assert beijing["value"] == pytest.approx((9761 / 7.0809) / (4028 / 6.1620))
    # Shanghai's biomedicine industry 2024: 9847.02亿元; Zhejiang's biomedicine output 2022
    assert value(rows, "shanghai", "biomedicine_industry_scale", 2024)["value"] == 9847.02e8
    assert value(rows, "zhejiang", "biomedicine_output", 2022)["value"] == 2959e8


def test_bounds_follow_the_inputs_and_part_years_stay_as_published(city):
    rows, _, _ = city
    # "超74万辆" over CAAM's 9,587,000: at least 7.72% of China's NEV output
    nev = value(rows, "hefei", "nev_output_share_of_national", 2023)
    assert nev["value"] == pytest.approx(740_000 / 9_587_000) and nev["bound"] == "lower"
    # Jan-Jun and Jan-Sep 2024 are each shown (neither stands for the other), never shared or
    # converted
    assert value(rows, "hefei", "nev_output", 2024, "Jan-Jun")["value"] == 515_000
    assert value(rows, "hefei", "nev_output", 2024, "Jan-Sep")["value"] == 927_500
    assert rows.filter(
        (rows["period"] != "FY") & rows["metric"].str.contains("share|usd|multiple")
    ).is_empty()
    # Xinjiang 2024 "突破2万亿元": a lower bound, so its growth is a lower bound too
    xj = value(rows, "xinjiang", "gdp_multiple_since_base", 2024)
    assert xj["bound"] == "lower" and xj["value"] == pytest.approx(2e12 / 9273.46e8)


def test_the_article_city_claims_are_decided_by_a_measure(city):
    _, checks, _ = city
    verdicts = dict(checks.select("claim_id", "verdict").iter_rows())
    # "double its economic output": x2.14 in US dollars 2014-2023, within 10% of 2
    assert verdicts["C01"] == "supported"
    # "to around US$140 billion": US$179.0 bn in 2023, 28% above
    assert verdicts["C02"] == "contradicted"
    # Shanghai "invested $15 billion in R&D" in 2022: 1,981.6 亿元 / 6.7290 = US$29.4 bn
    c24 = checks.filter(checks["claim_id"] == "C24").row(0, named=True)
    assert c24["verdict"] == "contradicted"
    assert c24["computed_value"] == pytest.approx(1981.6e8 / 6.7290)
    # "more than 500,000 NEVs" in the first half of 2024, "a jump of around 67%": Hefei's
    # statistics bureau published 51.5万 (515,000) and +67.3% for January-June (not
    # January-September's 927,500)
    c09 = checks.filter(checks["claim_id"] == "C09").row(0, named=True)
    assert c09["verdict"] == "supported" and c09["computed_value"] == 515_000
    c10 = checks.filter(checks["claim_id"] == "C10").row(0, named=True)
    assert c10["verdict"] == "supported" and c10["computed_value"] == pytest.approx(0.673)
    # "23 days to negotiate with BYD" (2021): 23 days from negotiation to signing
    assert verdicts["C12"] == "supported"
    # "more than 5 million photovoltaic panels" (Urumqi's Midong plant, 2024): "more than
    # 5.26 million", a lower bound already above 5 million
    c19 = checks.filter(checks["claim_id"] == "C19").row(0, named=True)
    assert c19["verdict"] == "supported" and c19["computed_value"] == pytest.approx(5.26e6)
    # Zhangjiang "hosts more than 400 biomedicine companies": over 1,400 (2021)
    assert verdicts["C26"] == "supported"
    # "around $4 billion in subsidies": the 2024 opinions' largest amount is 30 million yuan for
    # one trial = 30e6 / 7.1957 = US$4.17 million, a thousandth of the claim
    c29 = checks.filter(checks["claim_id"] == "C29").row(0, named=True)
    assert c29["verdict"] == "contradicted"
    assert c29["computed_value"] == pytest.approx(30e6 / 7.1957)
    # "almost $1 billion ... into NIO" in 2020: 70亿元 / 6.9042 = US$1.014 bn, within 10%
    c11 = checks.filter(checks["claim_id"] == "C11").row(0, named=True)
    assert c11["verdict"] == "supported"
    assert c11["computed_value"] == pytest.approx(70e8 / 6.9042)
    # "more than 3,000 life-science companies": 6,066 biomedicine-related enterprises (2021)
    assert verdicts["C21"] == "supported"
    # "at least 270,000 people": the 2022 talent white paper counts 278,000 (2021: "more than
    # 240,000", a lower bound that could not decide it)
    c22 = checks.filter(checks["claim_id"] == "C22").row(0, named=True)
    assert c22["verdict"] == "supported" and c22["computed_value"] == 278_000
    assert c22["year_used"] == 2022


def test_places_on_the_command_line(published_warehouse):
    result = CliRunner().invoke(
        app, ["places", "--format", "csv", "--warehouse", str(published_warehouse)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    hefei = {r["metric"]: r for r in rows if r["place_id"] == "hefei"}
    assert hefei["gdp_usd"]["year"] == "2023"
    assert float(hefei["gdp_usd"]["value"]) == pytest.approx(12673.8e8 / 7.0809)
    # the terminal table: the metric in words, the value to three figures with its scale
    # (Hefei's 2023 GDP 1,267.38 bn yuan / 7.0809 yuan per dollar = 178.985 bn USD)
    table = CliRunner().invoke(app, ["places", "--warehouse", str(published_warehouse)])
    assert table.exit_code == 0, table.output
    flat = " ".join(line.strip("│ ") for line in table.output.splitlines())
    assert "GDP in US dollars: 179 bn USD (2023)" in " ".join(flat.split())
