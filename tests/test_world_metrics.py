"""Shares of world totals, trade metrics and RCA, with hand-computed values."""

import polars as pl
import pytest

from mic2025.flows.fetch.snapshots import latest_snapshot
from mic2025.warehouse import conform, metrics
from mic2025.warehouse.build import read_sectors
from mic2025.warehouse.load import read_raw


def raw(name):
    return read_raw(name, latest_snapshot(name), "test")


@pytest.fixture(scope="module")
def observations():
    return pl.concat(
        [
            conform.owid_observations("owid_electric_car_sales", raw("owid_electric_car_sales")),
            conform.owid_observations("owid_robot_installations", raw("owid_robot_installations")),
            conform.owid_observations("owid_solar_capacity", raw("owid_solar_capacity")),
            conform.iea_observations(raw("iea_global_ev_data")),
            conform.wdi_observations(
                "wdi_gb_xpd_rsdv_gd_zs", raw("wdi_gb_xpd_rsdv_gd_zs"), "percent"
            ),
        ]
    )


def value(frame, **where):
    rows = frame
    for k, v in where.items():
        rows = rows.filter(pl.col(k) == v)
    assert rows.height == 1, rows
    return rows["value"][0]


def test_china_share_of_world_ev_sales(observations):
    shares = metrics.world_share_metrics(observations, read_sectors())
    # OWID 2023: China 8,200,000 / World 13,700,000 = 0.5985
    assert value(shares, year=2023, publisher="IEA via Our World in Data") == pytest.approx(
        8_200_000 / 13_700_000
    )
    # IEA GEVO 2024, cars 2023: (5,400,000 BEV + 2,700,000 PHEV + FCEV) / World; > 0.5
    iea = value(shares, year=2023, publisher="International Energy Agency")
    assert 0.5 < iea < 0.65


def test_china_share_of_world_robot_installations(observations):
    shares = metrics.world_share_metrics(observations, read_sectors())
    # IFR via OWID 2023: 276,000 / 541,000 = 0.5102 (IFR itself rounds to 51%)
    assert value(shares, product="Industrial robots", year=2023) == pytest.approx(0.5102, abs=5e-5)


def test_solar_demand_share_uses_annual_additions(observations):
    shares = metrics.world_share_metrics(observations, read_sectors())
    solar = observations.filter(pl.col("source") == "owid_solar_capacity")

    def cap(iso3, year):
        return solar.filter((pl.col("iso3") == iso3) & (pl.col("year") == year))["value"][0]

    expected = (cap("CHN", 2023) - cap("CHN", 2022)) / (cap("WLD", 2023) - cap("WLD", 2022))
    assert value(shares, product="Solar PV modules", year=2023) == pytest.approx(expected)


def test_world_export_share_and_trade_balance_from_comtrade():
    trade = conform.trade(raw("comtrade_trade"))
    hs_map = conform.sector_hs_map(raw("sector_hs_map"), read_sectors())
    m = metrics.trade_share_metrics(trade, hs_map)
    # China 8542, 2017: exports 67,201,901,492 vs imports 261,161,384,489 USD
    # (67.20 - 261.16) / (67.20 + 261.16) = -0.5907
    tbi = value(m, metric="trade_balance_index", product="Integrated circuits (all)", year=2017)
    assert tbi == pytest.approx(-0.5907, abs=5e-5)
    share = m.filter(pl.col("metric") == "world_export_share")
    assert share.height > 0 and share["value"].is_between(0, 1).all()
    assert share["method"].str.contains("reporters").all()


def test_rca_formula_on_a_small_frame():
    # Formula check only (made-up round numbers, never published):
    # China exports 10 of product p out of 100 total; world 50 of p out of 1000 total
    # RCA = (10/100) / (50/1000) = 2.0
    rows = [
        (156, "8542", 10.0),
        (156, "TOTAL", 100.0),
        (276, "8542", 40.0),
        (276, "TOTAL", 900.0),
    ]
    trade = pl.DataFrame(
        [
            {
                "year": 2020,
                "reporter_code": r,
                "partner_code": 0,
                "flow": "exports",
                "hs_code": c,
                "value_usd": v,
            }
            for r, c, v in rows
        ]
    )
    hs_map = pl.DataFrame({"sector": ["IT"], "product": ["ICs"], "hs_code": ["8542"]})
    rca = metrics.revealed_comparative_advantage(trade, hs_map)
    assert rca["value"].to_list() == [pytest.approx(2.0)]


def test_rca_needs_totals():
    trade = pl.DataFrame(
        {
            "year": [2020],
            "reporter_code": [156],
            "partner_code": [0],
            "flow": ["exports"],
            "hs_code": ["8542"],
            "value_usd": [1.0],
        }
    )
    hs_map = pl.DataFrame({"sector": ["IT"], "product": ["ICs"], "hs_code": ["8542"]})
    assert metrics.revealed_comparative_advantage(trade, hs_map).height == 0


def test_wdi_rd_intensity_is_a_ratio(observations):
    m = metrics.china_series_metrics(observations, read_sectors())
    # WDI (last updated 2026-07-13): China R&D 2023 = 2.57729 % of GDP -> 0.0257729
    assert value(m, metric="rd_intensity", year=2023) == pytest.approx(0.0257729)


def test_china_ev_share_of_new_car_sales(observations):
    share = conform.owid_observations(
        "owid_electric_car_sales_share", raw("owid_electric_car_sales_share")
    )
    m = metrics.china_series_metrics(pl.concat([observations, share]), read_sectors())
    rows = m.filter((pl.col("metric") == "share_of_new_car_sales") & (pl.col("year") == 2023))
    by_publisher = dict(zip(rows["publisher"], rows["value"], strict=True))
    # OWID (from IEA): 38 % of new cars sold in China in 2023 were electric -> 0.38
    assert by_publisher["IEA via Our World in Data"] == pytest.approx(0.38)
    assert set(rows["unit"]) == {"ratio"}


def test_the_trade_formulas_are_written_once_and_used_by_both_paths():
    """flows/base/formulas.py holds each formula; the Comtrade path (warehouse/metrics/trade.py) and the
    bulk path (flows/sources/baci.py) both use it. Hand-computed: China exports 10 of the
    world's 50 (share 0.2); China's all-goods exports 100 of the world's 2,000, so
    RCA = (10 / 100) / (50 / 2000) = 0.1 / 0.025 = 4.0; exports 30, imports 10 give
    TBI = (30 - 10) / (30 + 10) = 0.5."""
    from pathlib import Path

    from mic2025.flows.base import formulas

    frame = pl.DataFrame(
        {
            "china": [10.0],
            "world": [50.0],
            "china_all": [100.0],
            "world_all": [2000.0],
            "exports": [30.0],
            "imports": [10.0],
        }
    )
    got = frame.select(
        formulas.world_export_share().alias("share"),
        formulas.revealed_comparative_advantage().alias("rca"),
        formulas.trade_balance_index().alias("tbi"),
    ).row(0)
    assert got == pytest.approx((0.2, 4.0, 0.5))
    root = Path(__file__).resolve().parents[1]
    for path in ("warehouse/metrics/trade.py", "flows/sources/baci.py"):
        text = (root / path).read_text()
        assert "from mic2025.flows.base import formulas" in text or (
            "from mic2025.flows.base.formulas import" in text
        ), path
        assert '/ pl.col("world")' not in text and '/ pl.col("w_total")' not in text, path


def _trade_rows(rows):
    """core.trade rows from (reporter, flow, hs_code, year, value_usd) tuples, partner World."""
    return pl.DataFrame(
        [
            {
                "year": year,
                "reporter_code": reporter,
                "partner_code": 0,
                "flow": flow,
                "hs_code": code,
                "hs_revision": "HS2017",
                "value_usd": value,
            }
            for reporter, flow, code, year, value in rows
        ]
    )


def test_a_sector_basket_counts_each_good_once_and_only_when_whole():
    hs_map = pl.DataFrame(
        {
            "sector": ["Ships"] * 3,
            "product": ["Cargo ships", "Floating structures", "Drilling platforms"],
            "hs_code": ["8901", "8905", "890520"],
            "hs_revision": ["HS2017"] * 3,
        }
    )
    basket = metrics.sector_basket_codes(hs_map)
    assert sorted(basket["hs_code"]) == ["8901", "8905"]  # 890520 lies within 8905
    trade = _trade_rows(
        [
            (156, "exports", "8901", 2022, 20.0),
            (156, "imports", "8901", 2022, 2.0),
            (156, "exports", "8905", 2022, 5.0),
            (156, "imports", "8905", 2022, 3.0),
            (156, "exports", "890520", 2022, 4.0),  # already inside 8905: not added again
            (410, "exports", "8901", 2022, 30.0),
            (392, "exports", "8905", 2022, 15.0),
            (156, "exports", "8901", 2023, 25.0),  # 2023: no 8905 row -> no basket that year
            (156, "imports", "8901", 2023, 1.0),
            (410, "exports", "8901", 2023, 30.0),
        ]
    )
    m = metrics.sector_trade_metrics(trade, hs_map, min_reporters=2)
    # world exports: 8901 = 20 + 30 = 50, 8905 = 5 + 15 = 20; China 20 + 5 = 25
    # share = 25 / 70 = 0.357142...; TBI = (25 - 5) / (25 + 5) = 0.6667
    share = value(m, metric="world_export_share", year=2022)
    assert share == pytest.approx(25 / 70)
    assert value(m, metric="trade_balance_index", year=2022) == pytest.approx(20 / 30)
    assert set(m["product"]) == {metrics.SECTOR_BASKET} and set(m["year"]) == {2022}
    assert "8901 8905" in m["method"][0]
    # a world total of fewer reporters than asked for is no world total: no share, TBI stays
    thin = metrics.sector_trade_metrics(trade, hs_map, min_reporters=3)
    assert thin.filter(pl.col("metric") == "world_export_share").is_empty()
    assert thin.filter(pl.col("metric") == "trade_balance_index").height == 1


def test_the_bundled_comtrade_snapshot_completes_no_sector_basket():
    """Offline the snapshot holds the semiconductor codes only: no basket is whole, so no
    sector figure is made up from part of a sector."""
    trade = conform.trade(raw("comtrade_trade"))
    hs_map = conform.sector_hs_map(raw("sector_hs_map"), read_sectors())
    assert metrics.sector_trade_metrics(trade, hs_map).is_empty()
