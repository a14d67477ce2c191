"""Domestic shares of China's own demand, hand-computed; the summary answers in [0, 1] only."""

import polars as pl
import pytest

from mic2025.warehouse.domestic_shares import domestic_share_metrics, valued_domestic_share_metrics
from mic2025.warehouse.sector_summary import net_exporter_note, pick

SECTORS = pl.DataFrame({"sector_id": ["ships"], "sector": ["Ships"]})


def figure(series_id: str, year: int, value: float, unit: str) -> dict:
    return {
        "series_id": series_id,
        "year": year,
        "value": value,
        "unit": unit,
        "source_url": f"https://example.org/{series_id}",
    }


def test_ships_home_deliveries_valued_at_the_export_value_per_dwt():
    # 2021: NBS ship exports US$21,709.47 million, imports US$2,972.77 million; MIIT completions
    # 3970.3万 DWT, of which exported 3593万 DWT.
    # D = 21,709,470,000 x (39,703,000 - 35,930,000) / 35,930,000 = 2,279,705,825 USD
    # share = D / (D + 2,972,770,000) = 0.434025
    best = pl.DataFrame(
        [
            figure("NBS_DB_SHIP_EXPORT_VALUE", 2021, 21_709_470_000.0, "USD"),
            figure("NBS_DB_SHIP_IMPORT_VALUE", 2021, 2_972_770_000.0, "USD"),
            figure("MIIT_SHIP_COMPLETIONS", 2021, 39_703_000.0, "DWT"),
            figure("MIIT_SHIP_EXPORT_COMPLETIONS", 2021, 35_930_000.0, "DWT"),
            # a year without export completions gives no value (never zero-filled)
            figure("NBS_DB_SHIP_EXPORT_VALUE", 2020, 17_193_387_131.0, "USD"),
            figure("NBS_DB_SHIP_IMPORT_VALUE", 2020, 1_456_208_393.0, "USD"),
        ]
    )
    rows = valued_domestic_share_metrics(best, SECTORS)
    assert rows["year"].to_list() == [2021]
    row = rows.row(0, named=True)
    assert row["value"] == pytest.approx(0.434025, abs=1e-6)
    assert row["bound"] == "approximate" and row["basis"] == "value"
    assert row["inputs"].endswith("D=2279705825.494016 USD")


def test_ships_exported_tonnage_given_as_a_share_of_completions():
    # 2015: NBS customs, HS chapter 89 exports US$28,813.231 million, imports US$1,003.464
    # million; MIIT: 4184万 DWT completed, 88.6% of it exported.
    # D = X (100 - s) / s = 28,813,231,000 x 11.4 / 88.6 = 3,707,345,749 USD
    # share = D / (D + 1,003,464,000) = 0.78699
    best = pl.DataFrame(
        [
            figure("NBS_DB_HS89_EXPORT_VALUE", 2015, 28_813_231_000.0, "USD"),
            figure("NBS_DB_HS89_IMPORT_VALUE", 2015, 1_003_464_000.0, "USD"),
            figure("MIIT_SHIP_COMPLETIONS", 2015, 41_840_000.0, "DWT"),
            figure("MIIT_SHIP_EXPORT_SHARE_OF_COMPLETIONS", 2015, 88.6, "percent"),
        ]
    )
    rows = valued_domestic_share_metrics(best, SECTORS)
    row = rows.row(0, named=True)
    assert (row["year"], row["bound"]) == (2015, "approximate")
    assert row["value"] == pytest.approx(0.786987, abs=1e-6)
    assert "HS89" in row["definition_id"]


def test_domestic_share_is_one_minus_import_dependence_with_the_bound_flipped():
    rows = pl.DataFrame(
        {
            "metric": ["import_dependence", "import_dependence", "self_sufficiency_ratio"],
            "value": [0.14, 0.30, 1.2],
            "bound": ["exact", "upper", "upper"],
            "definition_id": ["MEDDEV:US_CHAMBER", "X:Y", "Z"],
            "inputs": ["a", "b", "c"],
            "year": [2023, 2021, 2021],
        }
    )
    shares = domestic_share_metrics(rows)
    assert shares["value"].to_list() == pytest.approx([0.86, 0.70])
    # imports at most 30% of use -> domestic makers supply at least 70%
    assert shares["bound"].to_list() == ["exact", "lower"]
    assert shares["definition_id"].to_list() == ["1-MEDDEV:US_CHAMBER", "1-X:Y"]


def summary_rows(values: list[tuple[str, float, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "metric": metric,
                "product": "New-energy vehicles",
                "period": "FY",
                "headline": True,
                "value": value,
                "year": 2024,
                "bound": bound,
                "definition_id": f"{metric}:CAAM",
                "basis": "quantity",
                "publisher": "CAAM",
                "sources": "https://example.org",
            }
            for metric, value, bound in values
        ]
    )


def test_a_ratio_above_one_is_never_the_domestic_supply_answer():
    # CAAM NEVs 2024: production / (production - exports) = 1.11, an upper bound: "net exporter"
    metrics = summary_rows([("self_sufficiency_ratio", 1.1107, "upper")])
    spec = {
        "metric": "self_sufficiency_ratio",
        "product": "New-energy vehicles",
        "publisher": "",
        "note": "",
        "role": "domestic_supply",
    }
    assert pick(metrics, [spec]) is None
    note = net_exporter_note(metrics)
    assert note.startswith("net exporter: New-energy vehicles production is at most 1.11 times")
    # the same ratio as a world-position spec is not filtered (the rule is the answer's)
    assert pick(metrics, [{**spec, "role": "world_position"}]) is not None
    both = summary_rows(
        [("self_sufficiency_ratio", 1.1107, "upper"), ("domestic_brand_share", 0.799, "exact")]
    )
    chosen = pick(both, [spec, {**spec, "metric": "domestic_brand_share"}])
    assert (chosen.metric, chosen.value) == ("domestic_brand_share", 0.799)
