"""Figures an economist can cite: bounds, bases, definitions and publishers on every value.

Each test states the value expected from the published sources, computed by hand."""

import duckdb
import polars as pl
import pytest


@pytest.fixture(scope="module")
def wh(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    yield con
    con.close()


def rows(con, query: str) -> list[dict]:
    return con.sql(query).pl().to_dicts()


def test_ic_quantity_ratios_carry_their_bounds(wh):
    # NBS output / (output + customs imports - exports), pieces. 2021 and 2023 have no export
    # count: exports assumed 0, so both ratios are lower bounds; 2022 is exact (0.5502).
    got = {
        r["year"]: r
        for r in rows(
            wh,
            "select year, value, bound, caveat from marts.sector_metrics where "
            "metric = 'self_sufficiency_ratio' and product = 'Integrated circuits' "
            "and basis = 'quantity'",
        )
    }
    assert got[2021]["bound"] == "lower" and got[2023]["bound"] == "lower"
    assert got[2022]["bound"] == "exact" and got[2022]["value"] == pytest.approx(0.5502, abs=1e-4)
    assert got[2023]["value"] == pytest.approx(0.4229, abs=1e-4)
    assert all("by piece" in r["caveat"] for r in got.values())  # chips counted by piece


def test_value_basis_is_the_headline_where_it_exists(wh):
    # 2021: IC Insights' value-basis ratio (16.7%) is the headline; NBS/GACC by pieces is not
    got = rows(
        wh,
        "select basis, headline, value from marts.sector_metrics where metric = "
        "'self_sufficiency_ratio' and product = 'Integrated circuits' and year = 2021",
    )
    by_basis = {r["basis"]: r for r in got}
    assert by_basis["value"]["headline"] and by_basis["value"]["value"] == pytest.approx(0.167)
    assert not by_basis["quantity"]["headline"]


def test_counting_unlike_machines_is_not_published(wh):
    # customs units 2014-2015 net 8.3 million cheap exports against ~106,000 imported machines:
    # no quantity-basis ratio; the value basis (2014: -0.5225) stays
    tbi = rows(
        wh,
        "select year, basis, value from marts.sector_metrics where product = "
        "'Metal-working machine tools' and metric = 'trade_balance_index'",
    )
    assert {r["basis"] for r in tbi} == {"value"}
    assert {r["year"]: r["value"] for r in tbi}[2014] == pytest.approx(-0.5225, abs=1e-4)
    balance = rows(
        wh,
        "select assumptions, trade_balance_ratio from (select *, self_sufficiency_ratio as "
        "trade_balance_ratio from marts.self_sufficiency) where product = "
        "'Metal-working machine tools' and basis = 'quantity'",
    )
    assert balance and all("basis caveat" in r["assumptions"] for r in balance)


def test_definitions_are_kept_apart(wh):
    # CAAM's full-year brand share and MERICS' first-half share are two definitions; the half
    # year is stored with its period and never scored as 2024
    nev = rows(
        wh,
        "select year, period, publisher, definition_id from marts.sector_metrics where "
        "metric = 'domestic_brand_share' and product = 'New-energy vehicles'",
    )
    periods = {(r["year"], r["period"], r["publisher"]) for r in nev}
    assert (2024, "Jan-Jun", "MERICS") in periods and (2022, "FY", "CAAM") in periods
    assert len({r["definition_id"] for r in nev}) == 2
    t23 = rows(wh, "select status, actual_year, rule from marts.scorecard where target_id = 'T23'")[
        0
    ]
    # met from CAAM's full-year 2023 share (80.6% > 80%), not from MERICS' first half of 2024
    assert (t23["status"], t23["actual_year"]) == ("met", 2023)
    assert t23["rule"].split(". Measure:")[0].endswith("meets > 80.0%")
    assert "MERICS" not in t23["rule"].split(". Measure:")[0]
    # robot brand shares: MIIT and CMIF are separate definitions
    robots = rows(
        wh,
        "select distinct definition_id from marts.sector_metrics where "
        "metric = 'domestic_brand_share' and product = 'Industrial robots'",
    )
    ids = {r["definition_id"] for r in robots}
    assert {"ROBOT_DOMESTIC_BRAND_SHARE:MIIT", "ROBOT_DOMESTIC_BRAND_SHARE:CMIF"} <= ids


def test_publishers_are_the_original_bodies(wh):
    def publisher(metric, product, year):
        got = rows(
            wh,
            f"select publisher from marts.sector_metrics where metric = '{metric}' and "
            f"product = '{product}' and year = {year} and period = 'FY'",
        )
        return {r["publisher"] for r in got}

    assert publisher("share_of_vehicle_sales", "New-energy vehicles", 2019) == {"CAAM"}
    assert publisher("production", "Solar cells", 2021) == {"CPIA"}
    assert publisher("production", "Solar PV modules", 2024) == {"CPIA"}
    assert publisher("production", "Polysilicon", 2015) == {"SPIC"}
    # 2020: MIIT's 35% and CMIF's 31.4% are two publishers' definitions, both kept
    assert publisher("domestic_brand_share", "Industrial robots", 2020) == {"MIIT", "CMIF"}
    known = {r["publisher_id"] for r in rows(wh, "select publisher_id from core.publishers")}
    for r in rows(wh, "select distinct publisher from marts.sector_metrics"):
        assert set(r["publisher"].split("; ")) <= known


def test_reposts_are_named_in_their_own_column(wh):
    # CAAM's 2025 counts were read on a repost: the publisher is CAAM, the repost is named
    r = rows(
        wh,
        "select publisher_id, via from core.official_stats where series_id = 'CAAM_NEV_SALES' "
        "and year = 2025",
    )[0]
    assert r == {"publisher_id": "CAAM", "via": "mbgpa.com"}


def test_rd_intensity_is_one_measure(wh):
    # R&D / GDP (World Bank, NBS) apart from manufacturing R&D / revenue (MIIT 0.85%, 1.54%)
    mfg = rows(
        wh,
        "select year, value from marts.sector_metrics where metric = "
        "'manufacturing_rd_intensity' order by year",
    )
    assert [(r["year"], round(r["value"], 4)) for r in mfg] == [(2012, 0.0085), (2021, 0.0154)]
    gdp = rows(
        wh, "select distinct publisher from marts.sector_metrics where metric='rd_intensity'"
    )
    assert {r["publisher"] for r in gdp} == {"WORLD_BANK", "NBS"}


def test_trade_rows_have_iso3_codes(wh):
    got = rows(
        wh,
        "select distinct reporter_iso3, partner_iso3 from core.trade where hs_code = '8542' "
        "and reporter_code = 156 and partner_code = 842",
    )
    assert got == [{"reporter_iso3": "CHN", "partner_iso3": "USA"}]
    assert rows(wh, "select count(*) n from core.trade where reporter_iso3 is null")[0]["n"] == 0


def test_curator_notes_and_units(wh):
    t36 = rows(
        wh,
        "select indicator, curator_note, unit from marts.scorecard natural join "
        "(select target_id, curator_note from core.targets) where target_id = 'T36'",
    )[0]
    # the subject Reuters wrote as 'Chinese airlines' is confirmed from a page quoting MIIT's
    # civil aviation industry plan 2013-2020: the civil-aircraft industry's revenue
    assert "verify" not in t36["indicator"] and "Civil-aircraft industry" in t36["indicator"]
    assert "民用飞机产业年营业收入超过1000亿元" in t36["curator_note"]
    assert t36["unit"] == "billion CNY"


def test_unknown_publisher_fails_the_schema():
    import pandera.errors

    from mic2025.schemas.marts import SectorMetrics

    frame = pl.DataFrame(
        {
            "sector": ["s"],
            "product": ["p"],
            "year": [2020],
            "period": ["FY"],
            "metric": ["m"],
            "value": [0.5],
            "unit": ["ratio"],
            "basis": ["value"],
            "bound": ["exact"],
            "definition_id": ["d"],
            "headline": [True],
            "caveat": [None],
            "publisher": ["NEV share of new vehicle sales"],
            "method": ["x"],
            "inputs": ["x"],
            "sources": ["x"],
            "load_id": ["x"],
        }
    )
    with pytest.raises(pandera.errors.SchemaError, match="publisher_in_facts_publishers_csv"):
        SectorMetrics.validate(frame)


def test_artifact_and_cli_formats_agree():
    from mic2025.warehouse.scorecard import artifact_rows
    from mic2025.warehouse.units import format_value

    assert format_value(0.0468, "ratio") == "4.7%"
    assert format_value(0.5, "ratio", "lower") == "≥ 50.0%"
    assert format_value(5.0, "L/100km", show_unit=True) == "5 L/100km"
    card = pl.DataFrame(
        {
            "target_id": ["T19"],
            "status": ["met"],
            "comparator": [">="],
            "target_value": [0.05],
            "target_year": [2020],
            "unit": ["ratio"],
            "actual_value": [0.057],
            "actual_year": [2020],
            "actual_bound": ["exact"],
            "sector": ["NEV"],
            "indicator": ["NEV share"],
            "rule": ["r"],
        }
    )
    (row,) = artifact_rows(card)
    # Prefect renders each table-artifact cell as markdown: a leading '>' would be a quote block
    assert row["target"] == "\\>= 5.0% by 2020" and row["actual"] == "5.7% (2020)"
    assert list(row)[:2] == ["target_id", "status"]
    from mic2025.warehouse.scorecard import markdown_text

    assert markdown_text("-") == "\\-" and markdown_text("a | b") == "a \\| b"


def test_one_headline_per_publisher_and_year_the_original_before_its_copy(wh):
    # IEA's own EV data and OWID's copy of it give 58.7% and 59.9% for 2023: one headline, IEA's
    got = rows(
        wh,
        "select definition_id, headline from marts.sector_metrics where metric = "
        "'china_share_of_world_demand' and product = 'Electric cars' and year = 2023",
    )
    heads = [r["definition_id"] for r in got if r["headline"]]
    assert len(heads) == 1 and heads[0].startswith("iea_global_ev_data")
    dup = rows(
        wh,
        "select count(*) n from (select sector, product, metric, year, period, publisher from "
        "marts.sector_metrics where headline group by all having count(*) > 1)",
    )
    assert dup[0]["n"] == 0


def test_ic_insights_editions_are_definitions_of_their_own(wh):
    got = rows(
        wh,
        "select year, definition_id from marts.sector_metrics where metric = "
        "'self_sufficiency_ratio' and publisher = 'IC_INSIGHTS' and year in (2013, 2021)",
    )
    ids = {r["year"]: r["definition_id"] for r in got}
    assert ids[2013].endswith(":edition 2019") and ids[2021].endswith(":edition 2022")


def test_the_original_publisher_comes_first_and_the_copy_is_classified(wh):
    got = rows(
        wh,
        "select series_id, year, publisher_id, read_on, via, publisher_cited from "
        "core.official_stats where (series_id = 'NBS_INDUSTRIAL_ROBOT_OUTPUT' and year = 2020) "
        "or (series_id = 'CARBON_FIBER_DOMESTIC_SUPPLY_SHARE' and year = 2021)",
    )
    by = {r["series_id"]: r for r in got}
    # robot output is NBS's count, quoted by MIIT; carbon fibre is Saiao's (Lin Gang's report)
    assert by["NBS_INDUSTRIAL_ROBOT_OUTPUT"]["publisher_id"] == "NBS"
    assert "[original: NBS:" in by["NBS_INDUSTRIAL_ROBOT_OUTPUT"]["publisher_cited"]
    assert by["CARBON_FIBER_DOMESTIC_SUPPLY_SHARE"]["publisher_id"] == "LINGANG"
    kinds = {
        r["via"]: r["read_on"]
        for r in rows(wh, "select distinct via, read_on from core.official_stats")
    }
    assert kinds[None] == "official" and kinds["en.people.cn"] == "major"
    assert kinds["javascriptjump.com"] == "unrelated"  # a programming site reposting news
    assert kinds["58.221.163.238"] == "unrelated"  # a bare IP address
    assert kinds["github.com"] == "mirror"
