"""Hand-computed metric values (each expected number is worked out in the comment)."""

import polars as pl
import pytest

from mic2025.flows.fetch.snapshots import latest_snapshot
from mic2025.warehouse import conform, metrics
from mic2025.warehouse.build import read_official_series, read_sectors
from mic2025.warehouse.load import read_raw


@pytest.fixture(scope="module")
def official() -> pl.DataFrame:
    snap = latest_snapshot("china_official_stats")
    raw = read_raw("china_official_stats", snap, "test")
    return conform.official_stats(raw, read_official_series())


@pytest.fixture(scope="module")
def wide(official) -> pl.DataFrame:
    return metrics.self_sufficiency(official, read_sectors(), "test")


def row(wide, product, year, basis="quantity"):
    rows = wide.filter(
        (pl.col("product") == product) & (pl.col("year") == year) & (pl.col("basis") == basis)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_integrated_circuits_2022(wide):
    # NBS output 3,241.9 x10^8, customs imports 5,384 x10^8, exports 2,734 x10^8 pieces:
    # apparent consumption = 3241.9 + 5384 - 2734 = 5891.9 x10^8 pieces
    # SSR = 3241.9 / 5891.9 = 0.5502; import dependence = 5384 / 5891.9 = 0.9138
    r = row(wide, "Integrated circuits", 2022)
    assert r["basis"] == "quantity" and r["unit"] == "pieces"
    assert r["apparent_consumption"] == pytest.approx(5891.9e8)
    assert r["self_sufficiency_ratio"] == pytest.approx(0.5502, abs=5e-5)
    assert r["import_dependence"] == pytest.approx(0.9138, abs=5e-5)
    assert r["ratio_bound"] == "exact"
    assert "NBS_IC_OUTPUT:2022" in r["inputs"]


def test_nev_2024_is_an_upper_bound_because_imports_are_missing(wide):
    # CAAM production 1,288.8万 = 12,888,000; CAAM exports 128.4万 = 1,284,000; imports: none.
    # apparent consumption (imports assumed 0) = 12,888,000 - 1,284,000 = 11,604,000
    # SSR <= 12,888,000 / 11,604,000 = 1.1107
    r = row(wide, "New-energy vehicles", 2024)
    assert r["production"] == 12_888_000
    assert r["exports"] == 1_284_000
    assert r["imports"] is None
    assert r["apparent_consumption"] == 11_604_000
    assert r["self_sufficiency_ratio"] == pytest.approx(1.1107, abs=5e-5)
    assert r["import_dependence"] is None
    assert r["ratio_bound"] == "upper"
    assert r["missing_inputs"] == "imports"
    assert "upper bound" in r["assumptions"]


def test_nev_years_without_trade_data_say_so(wide):
    r = row(wide, "New-energy vehicles", 2016)
    assert r["production"] == 517_000
    assert r["self_sufficiency_ratio"] is None and r["apparent_consumption"] is None
    assert r["missing_inputs"] == "imports, exports"
    assert "no ratio computed" in r["assumptions"]


def test_machine_tools_2006_matches_the_published_consumption(wide, official):
    # CMTBA: production 70.6, imports 72.4, exports 11.9 (100 million USD)
    # consumption = 70.6 + 72.4 - 11.9 = 131.1, equal to CMTBA's own published 131.1
    # SSR = 70.6 / 131.1 = 0.5385; import dependence = 72.4 / 131.1 = 0.5523
    r = row(wide, "Metal-working machine tools", 2006, basis="value")
    published = official.filter(pl.col("series_id") == "CMTBA_MWMT_CONSUMPTION_USD")["value"][0]
    assert r["basis"] == "value" and r["unit"] == "USD"
    assert r["apparent_consumption"] == pytest.approx(published)
    assert r["self_sufficiency_ratio"] == pytest.approx(0.5385, abs=5e-5)
    assert r["import_dependence"] == pytest.approx(0.5523, abs=5e-5)


def test_more_precise_publication_wins(official):
    # CAAM 2024 production: 1,289万 (reference table) vs 1,288.8万 (CAAM release): keep 1,288.8万
    best = metrics.best_figures(official)
    value = best.filter((pl.col("series_id") == "CAAM_NEV_PRODUCTION") & (pl.col("year") == 2024))
    assert value["value"].to_list() == [12_888_000]


def test_of_two_equally_precise_copies_the_better_page_wins(official):
    # MIIT's 2023 polysilicon output, 143万吨 read on a bare IP address (pages file, first by
    # file order) and 1.43 million t on TaiyangNews (a major trade host): three significant
    # digits each, so the page decides: TaiyangNews
    best = metrics.best_figures(official)
    value = best.filter((pl.col("series_id") == "POLYSILICON_OUTPUT") & (pl.col("year") == 2023))
    assert value.select("value", "read_on", "via").rows() == [
        (1_430_000, "major", "taiyangnews.info")
    ]


def test_partial_years_and_forecasts_are_never_actuals(official):
    best = metrics.best_figures(official)
    assert best.filter(pl.col("is_forecast") | (pl.col("period") != "FY")).height == 0


@pytest.mark.parametrize(("value", "digits"), [(1288.8, 5), (12890000, 4), (0.3, 1), (3241.9, 5)])
def test_significant_digits(value, digits):
    assert metrics.significant_digits(value) == digits


def synthetic(production, imports, exports, production_bound="exact"):
    rows = []
    for series, value in (("P", production), ("M", imports), ("X", exports)):
        if value is not None:
            rows.append(
                {
                    "series_id": series,
                    "year": 2020,
                    "value": value,
                    "qualifier": production_bound if series == "P" else "exact",
                    "unit": "units",
                    "source_url": f"https://example.org/{series}",
                }
            )
    return pl.DataFrame(rows)


def test_negative_apparent_consumption_is_flagged_not_published():
    balance = metrics.Balance("x", "Widgets", "quantity", "P", "M", "X", "test")
    r = metrics.supply_balance(synthetic(10.0, 1.0, 20.0), balance).row(0, named=True)
    assert r["apparent_consumption"] == -9.0
    assert r["self_sufficiency_ratio"] is None and r["import_dependence"] is None
    assert r["flags"] == "negative_apparent_consumption"


def test_missing_exports_give_lower_bounds():
    balance = metrics.Balance("x", "Widgets", "quantity", "P", "M", "X", "test")
    r = metrics.supply_balance(synthetic(60.0, 40.0, None), balance).row(0, named=True)
    # exports assumed 0: SSR >= 60 / 100 = 0.6, import dependence >= 40 / 100 = 0.4
    assert r["self_sufficiency_ratio"] == pytest.approx(0.6)
    assert r["import_dependence"] == pytest.approx(0.4)
    assert r["ratio_bound"] == "lower" and r["import_dependence_bound"] == "lower"


def test_a_lower_bound_production_bounds_every_ratio_by_the_formula_direction():
    balance = metrics.Balance("x", "Widgets", "quantity", "P", "M", "X", "test")
    # "more than 100" produced, 10 imported, 40 exported (a net exporter):
    # SSR = 100 / 70 = 1.4286, falls as production rises -> an upper bound
    # import dependence = 10 / 70 = 0.1429, falls as production rises -> an upper bound
    r = metrics.supply_balance(synthetic(100.0, 10.0, 40.0, "lower"), balance).row(0, named=True)
    assert r["self_sufficiency_ratio"] == pytest.approx(100 / 70)
    assert (r["ratio_bound"], r["import_dependence_bound"]) == ("upper", "upper")
    # a net importer (60 imported, 20 exported): SSR = 100 / 140 rises with production -> lower
    r = metrics.supply_balance(synthetic(100.0, 60.0, 20.0, "lower"), balance).row(0, named=True)
    assert (r["ratio_bound"], r["import_dependence_bound"]) == ("lower", "upper")


def test_solar_export_ratios_over_more_than_production_are_upper_bounds(wide):
    # CPIA/MIIT 2023: modules "超过499GW" produced, 211.7 GW exported: 0.4242 at most
    long = metrics.balance_metrics(wide)
    ratios = long.filter((pl.col("metric") == "export_ratio") & (pl.col("year") == 2023)).filter(
        pl.col("product").is_in(["Solar PV modules", "Solar cells", "Silicon wafers"])
    )
    assert set(ratios["bound"].to_list()) == {"upper"}
    modules = ratios.filter(pl.col("product") == "Solar PV modules").row(0, named=True)
    assert modules["value"] == pytest.approx(0.4242, abs=5e-5)


def test_trade_balance_index_and_export_ratio(wide):
    long = metrics.balance_metrics(wide)
    ic = long.filter(
        (pl.col("product") == "Integrated circuits")
        & (pl.col("year") == 2022)
        & (pl.col("basis") == "quantity")
    )
    values = dict(zip(ic["metric"], ic["value"], strict=True))
    # (2734 - 5384) / (2734 + 5384) = -0.3264; 2734 / 3241.9 = 0.8433
    assert values["trade_balance_index"] == pytest.approx(-0.3264, abs=5e-5)
    assert values["export_ratio"] == pytest.approx(0.8433, abs=5e-5)
    assert set(long["unit"]) == {"ratio"}


def test_a_balance_with_no_production_still_gives_trade_metrics(wide):
    # China customs 2014, metal-working machine tools: exports 33.95, imports 108.26 (10^8 USD)
    # trade balance index = (33.95 - 108.26) / (33.95 + 108.26) = -0.5225
    r = row(wide, "Metal-working machine tools", 2014, basis="value")
    assert r["production"] is None and r["self_sufficiency_ratio"] is None
    assert r["missing_inputs"] == "production"
    long = metrics.balance_metrics(wide)
    tbi = long.filter(
        (pl.col("product") == "Metal-working machine tools")
        & (pl.col("year") == 2014)
        & (pl.col("basis") == "value")
        & (pl.col("metric") == "trade_balance_index")
    )
    assert tbi["value"].to_list() == [pytest.approx(-0.5225, abs=5e-5)]


def test_published_shares_become_ratios(official, wide):
    from mic2025.warehouse.build import read_sectors

    shares = metrics.published_share_metrics(official, read_sectors())
    nev = shares.filter(
        (pl.col("metric") == "domestic_brand_share") & (pl.col("product") == "New-energy vehicles")
    )
    # CAAM 2022: Chinese brands 79.9% of the domestic NEV passenger market -> 0.799
    assert dict(zip(nev["year"], nev["value"], strict=True))[2022] == pytest.approx(0.799)
    # the 2024 figure is first-half only, and says so
    assert "period Jan-Jun" in nev.filter(pl.col("year") == 2024)["method"][0]
    assert set(shares["unit"]) == {"ratio"}


def test_a_signed_sum_flips_the_bound_of_what_it_subtracts():
    from mic2025.warehouse.metrics.series_ratios import _series_sum

    best = pl.DataFrame(
        {
            "series_id": ["TOTAL", "MINING", "UTILITIES"],
            "year": [2017, 2017, 2017],
            "value": [100.0, 10.0, 5.0],
            "qualifier": ["exact", "lower", "exact"],
            "value_as_published": ["100", "10", "5"],
            "unit_as_published": ["件"] * 3,
            "source_url": ["u"] * 3,
            "publisher_id": ["NBS"] * 3,
        }
    )
    out = _series_sum(best, "TOTAL-MINING-UTILITIES").row(0, named=True)
    # 100 - 10 - 5 = 85; at least 10 subtracted, so the remainder is at most 85
    assert out["value"] == pytest.approx(85.0) and out["qualifier"] == "upper"


def test_a_term_times_a_rate_converts_and_keeps_both_bounds():
    from mic2025.warehouse.metrics.series_ratios import _series_sum

    best = pl.DataFrame(
        {
            "series_id": ["HOME", "IMPORTS_USD", "CNY_PER_USD", "IMPORTS_USD"],
            "year": [2021, 2021, 2021, 2020],
            "value": [70.0e9, 587.0e6, 6.4508, 700.0e6],
            "qualifier": ["exact", "upper", "exact", "exact"],
            "value_as_published": ["700", "587", "6.4508", "700"],
            "unit_as_published": ["亿元", "百万美元", "CNY per USD", "百万美元"],
            "source_url": ["a", "b", "c", "b"],
            "publisher_id": ["CRRC", "NBS", "FED", "NBS"],
        }
    )
    out = _series_sum(best, "HOME+IMPORTS_USD*CNY_PER_USD")
    # only 2021 has a rate; 70e9 + 587e6 x 6.4508 = 73.7866e9 yuan, an upper bound as the
    # imports are; the input names the rate it was converted at
    assert out["year"].to_list() == [2021]
    row = out.row(0, named=True)
    assert row["value"] == pytest.approx(70.0e9 + 587.0e6 * 6.4508)
    assert row["qualifier"] == "upper"
    assert "IMPORTS_USD:2021=587 百万美元 x CNY_PER_USD:2021=6.4508" in row["inputs"]
    assert row["publisher"] == "CRRC; NBS; FED"


def test_a_whole_less_the_foreign_makers_is_an_upper_bound_of_the_domestic_share():
    from mic2025.warehouse.metrics.series_ratios import _series_sum

    best = pl.DataFrame(
        {
            "series_id": ["TESLA", "NIDEC", "TESLA"],
            "year": [2020, 2020, 2019],
            "value": [9.9, 5.1, 8.0],
            "qualifier": ["exact", "exact", "exact"],
            "value_as_published": ["9.9", "5.1", "8.0"],
            "unit_as_published": ["%"] * 3,
            "source_url": ["u", "u", "u"],
            "publisher_id": ["EVTANK"] * 3,
        }
    )
    left = _series_sum(best, "100-TESLA-NIDEC")
    # 100 - 9.9 - 5.1 = 85.0, only where every maker has a share (2020); the whole is exact
    # and is named in the inputs
    assert left["year"].to_list() == [2020]
    row = left.row(0, named=True)
    assert row["value"] == pytest.approx(85.0) and row["qualifier"] == "exact"
    assert row["inputs"].startswith("100 (the whole); TESLA:2020=9.9 %")
    whole = _series_sum(best, "100", years=left["year"])  # a whole alone: the other side's years
    assert whole.select("year", "value").rows() == [(2020, 100.0)]


def test_domestic_drive_motor_makers_held_at_most_three_quarters_in_2020(official):
    motors = metrics.series_ratio_metrics(official, read_sectors()).filter(
        pl.col("product") == "NEV drive motors"
    )
    row = motors.row(0, named=True)
    # EVTank 2020, foreign makers in the top ten: Tesla 9.9% + Volkswagen 5.2% + Nidec 5.1% +
    # BorgWarner 4.0% = 24.2%, so Chinese makers held at most 100 - 24.2 = 75.8%
    assert (row["year"], row["metric"], row["bound"]) == (2020, "domestic_maker_share", "upper")
    assert row["value"] == pytest.approx(0.758)
    assert row["publisher"] == "EVTANK" and "my67778.com" in row["sources"]


def test_patents_per_100_million_yuan_of_manufacturing_revenue_is_bracketed():
    from mic2025.flows.sources import nbs

    raw = read_raw(nbs.NAME, latest_snapshot(nbs.NAME))
    catalogue = nbs.read_catalogue()
    official = conform.official_from_national(conform.national_series(raw, catalogue), catalogue)
    rates = metrics.series_ratio_metrics(official, read_sectors()).filter(
        pl.col("metric") == "invention_patents_per_100m_revenue"
    )
    by = {(r["year"], r["bound"]): r["value"] for r in rates.iter_rows(named=True)}
    # 2017, NBS by-division tables: patents of the 20 manufacturing divisions NBS publishes
    # (764,121) over the revenue of all 31 (1,133,160.76 - 47,443.43 mining - 66,119.81
    # utilities = 1,019,597.52 亿元) = 0.7494 per 100 million yuan, a lower bound; all-industry
    # patents 933,990 less 6,746 mining and 16,456 utility patents = 910,788 -> 0.8933, an
    # upper bound (two mining divisions publish no count)
    assert by[(2017, "lower")] == pytest.approx(764_121 / 1_019_597.52, rel=1e-6)
    assert by[(2017, "upper")] == pytest.approx(910_788 / 1_019_597.52, rel=1e-6)
    # 2013: the upper bound is 328,678 / 909,452.7 = 0.361, the plan's own 2013 baseline (0.36)
    assert by[(2013, "upper")] == pytest.approx(0.3614, abs=1e-4)
    # from 2018 NBS reports operating revenue (营业收入, December year to date): 2021 =
    # 1,367,899 patents / 1,127,885.1 亿元 = 1.213, a lower bound of the plan's indicator
    assert by[(2021, "lower")] == pytest.approx(1_367_899 / 1_127_885.1)
    assert set(rates["unit"]) == {"patents per 100 million CNY"}


def test_a_spec_file_is_checked_again_when_it_changes(tmp_path, monkeypatch):
    import os
    import shutil

    from mic2025.flows.base.errors import ValidationFailed
    from mic2025.flows.base.settings import facts_dir
    from mic2025.warehouse.metrics.common import metric_spec

    facts = tmp_path / "facts"
    shutil.copytree(facts_dir(), facts)
    monkeypatch.setenv("MIC2025_FACTS_DIR", str(facts))
    spec = facts / "metrics" / "series_ratios.csv"
    assert metric_spec("series_ratios.csv").height > 0
    with spec.open("a", encoding="utf-8") as fh:  # a basis that is neither quantity nor value
        fh.write("export_ratio,nev,X,CAAM_AUTO_EXPORTS,CAAM_AUTO_PRODUCTION,weight,D,,,n\n")
    os.utime(spec, ns=(spec.stat().st_atime_ns, spec.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(ValidationFailed, match="series_ratios.csv"):
        metric_spec("series_ratios.csv")
