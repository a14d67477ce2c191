"""Scorecard statuses evaluated by hand, and the artifacts of a real flow run."""

import os
import subprocess
import sys

import polars as pl
import pytest

from mic2025.warehouse.scorecard import Actual, Measure, decide, evaluate, linear_fit
from mic2025.warehouse.site import target_text

AS_OF = 2026  # 2020 and 2025 deadlines have passed


def measure(points: dict[int, float], definition: str = "SERIES:PUB", bound: str = "exact"):
    actuals = [Actual(y, v, bound, definition, "https://example.org") for y, v in points.items()]
    return [Measure("test series", "test measure", actuals)]


def test_met_when_the_target_year_has_an_actual():
    # T16: robot output >= 100,000 by 2020; NBS/MIIT 2020 = 212,000 -> met, gap +112,000
    r = evaluate(100_000, ">=", 2020, measure({2016: 72_000, 2020: 212_000}), AS_OF)
    assert r["status"] == "met" and r["gap"] == 112_000 and r["actual_year"] == 2020


def test_missed_with_about_comparator():
    # T33: about 2,000,000 NEV sales in 2020; CAAM 1,367,000 < 95% x 2,000,000 -> missed
    r = evaluate(2_000_000, "~", 2020, measure({2019: 1_206_000, 2020: 1_367_000}), AS_OF)
    assert r["status"] == "missed"


def test_a_past_deadline_is_never_on_track_and_never_interpolated():
    # T19: >= 5% by 2020; CAAM 2019 4.68%, 2022 25.6%: no 2020 actual -> no_data naming both
    # (main once interpolated 11.65% and said on_track)
    r = evaluate(0.05, ">=", 2020, measure({2019: 0.0468, 2022: 0.256}), AS_OF, "ratio")
    assert r["status"] == "no_data" and r["projected_value"] is None
    assert "nearest before: 2019 = 4.7%" in r["rule"]
    assert "nearest after: 2022 = 25.6%" in r["rule"]


def test_past_deadline_uses_the_next_matching_measure_for_the_target_year():
    # T19 again, with IEA's 2020 EV share of new car sales (5.7%) as the second measure -> met
    caam = measure({2019: 0.0468, 2022: 0.256}, "CAAM_NEV_SALES_SHARE:CAAM")
    iea = measure({2019: 0.048, 2020: 0.057}, "iea_global_ev_data:ev_sales_share_cars_ev")
    r = evaluate(0.05, ">=", 2020, caam + iea, AS_OF, "ratio")
    assert r["status"] == "met" and r["actual_value"] == pytest.approx(0.057)
    assert r["definition_id"] == "iea_global_ev_data:ev_sales_share_cars_ev"


def test_trend_projection_only_for_a_future_target_year():
    # T15 as if judged in 2024: >= 70% by 2025; 2020 35%, 2023 48.4%, 2024 58.5% (one definition)
    # least squares: mean year 2022.333, mean share 0.473; sum dx*dy = 0.481, sum dx^2 = 8.667
    # slope = 0.481 / 8.667 = 0.0555 per year; 2025: 0.473 + 0.0555 * 2.667 = 0.621
    points = {2020: 0.35, 2023: 0.484, 2024: 0.585}
    a, b = linear_fit(list(points), list(points.values()))
    assert b == pytest.approx(0.0555, abs=1e-4)
    r = evaluate(0.70, ">=", 2025, measure(points), as_of=2024)
    assert r["projected_value"] == pytest.approx(a + b * 2025)
    assert r["projected_value"] == pytest.approx(0.6213, abs=1e-3)
    assert r["status"] == "off_track" and r["actual_year"] == 2024
    assert "linear trend of 2020, 2023, 2024" in r["rule"]
    # judged in 2026 the same target is no_data: no 2025 actual
    assert evaluate(0.70, ">=", 2025, measure(points), AS_OF)["status"] == "no_data"


def test_a_trend_never_mixes_definitions():
    # two publishers' robot shares: the trend uses the definition with most points only
    mixed = [
        Measure(
            "robots",
            "note",
            [
                Actual(2020, 0.35, "exact", "ROBOT:MIIT", ""),
                Actual(2023, 0.484, "exact", "ROBOT:CMIF", ""),
                Actual(2024, 0.585, "exact", "ROBOT:MIIT", ""),
            ],
        )
    ]
    r = evaluate(0.70, ">=", 2030, mixed, as_of=2026)
    assert r["definition_id"] == "ROBOT:MIIT" and "2020, 2024" in r["rule"]


@pytest.mark.parametrize(
    ("value", "bound", "comparator", "target", "expected"),
    [
        (0.55, "lower", ">=", 0.5, True),  # at least 55% >= 50%: met
        (0.45, "lower", ">=", 0.5, None),  # at least 45%: could be above 50%
        (0.45, "upper", ">=", 0.5, False),  # at most 45% < 50%: missed
        (0.55, "upper", ">=", 0.5, None),
        (4.5, "upper", "<=", 5.0, True),  # at most 4.5 L/100km <= 5: met
        (0.4, "approximate", "~", 0.4, True),
    ],
)
def test_bounds_decide_only_when_they_can(value, bound, comparator, target, expected):
    assert decide(value, bound, comparator, target) is expected


def test_an_undecided_bound_is_no_data():
    r = evaluate(0.5, ">=", 2020, measure({2020: 0.45}, bound="lower"), AS_OF, "ratio")
    assert r["status"] == "no_data" and "bounds do not decide" in r["rule"]


def test_no_data_cases():
    assert evaluate(0.7, ">", 2020, [], AS_OF)["status"] == "no_data"
    assert evaluate(0.7, ">", None, measure({2022: 0.8}), AS_OF)["status"] == "no_data"
    # T22: > 70% by 2020 but the first actual is 2022
    r = evaluate(0.7, ">", 2020, measure({2022: 0.799}), AS_OF, "ratio")
    assert r["status"] == "no_data" and "nearest after: 2022 = 79.9%" in r["rule"]


def test_published_scorecard_evaluates_nev_robot_and_ic_targets(published_warehouse):
    import duckdb

    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        card = con.sql("select * from marts.scorecard").pl()
        n_targets = con.sql("select count(*) from core.targets").fetchall()[0][0]
    finally:
        con.close()
    assert card.height == n_targets == 39
    status = dict(zip(card["target_id"], card["status"], strict=True))
    assert status["T09"] == "missed"  # IC Insights 2020: 15.9% < 40%
    assert status["T13"] == "missed"  # robots 2020: 35% < 50%
    # T16: 'annual industrial-robot output of 100,000 by 2020' is also reported as domestic
    # brands' output: met as compiled (212,000), no 2020 value under the other reading
    assert status["T16"] == "disputed"
    assert status["T33"] == "missed"  # NEV sales 2020: 1,367,000 vs about 2,000,000
    # CAAM 2020: 1,367,000 NEVs / 25,311,000 vehicles = 5.40% >= 5%: CAAM's all-vehicle
    # definition first (IEA's cars-only 5.7% is the second measure)
    assert status["T19"] == "met"
    assert status["T20"] == "met" and status["T34"] == "met"  # CAAM 2025: 1649 / 3440 = 47.9%
    assert status["T24"] == "met"  # CAAM 2025 NEV sales 16,490,000 vs about 3,000,000
    assert status["T10"] == "no_data" and status["T15"] == "no_data"  # no 2025 actual
    # T23: Chinese brands > 80% of China's NEV passenger-car market by 2025: CAAM's data as MIIT
    # stated it, 79.9% in 2022 (not > 80%), 80.6% in 2023 -> met in 2023
    t23 = card.filter(pl.col("target_id") == "T23").row(0, named=True)
    assert (t23["status"], t23["actual_year"]) == ("met", 2023)
    assert t23["actual_value"] == pytest.approx(0.806)
    # T32: <= 4.0 L/100km (NEDC) by 2025; MIIT's WLTC average 3.78 (2023) against the Phase V
    # standard's WLTC statement of the same target, 4.6: met, gap 3.78 - 4.6 = -0.82
    t32 = card.filter(pl.col("target_id") == "T32").row(0, named=True)
    assert (t32["status"], t32["actual_year"]) == ("met", 2023)
    assert t32["actual_value"] == pytest.approx(3.78) and t32["gap"] == pytest.approx(-0.82)
    assert t32["target_value"] == 4.0 and t32["compared_with"] == pytest.approx(4.6)
    assert t23["compared_with"] == pytest.approx(0.8)  # as written: no restatement
    assert t32["definition_id"].startswith("MIIT_PC_FLEET_FUEL_CONSUMPTION_WLTC")
    assert "restated in this measure's definition" in t32["rule"]
    assert status["T31"] == "missed"  # NEDC 2020: 5.61 > 5.0, no WLTC restatement of 2020's
    # T01/T02: 0.70 / 1.10 invention patents per 100 million yuan of manufacturing revenue by
    # 2020 / 2025. NBS: the 20 divisions' 1,169,324 patents over 941,794 亿元 of manufacturing
    # operating revenue in 2020 = at least 1.242; 1,367,899 / 1,127,885.1 = at least 1.213 in
    # 2021: both met from lower bounds
    t01 = card.filter(pl.col("target_id") == "T01").row(0, named=True)
    assert (t01["status"], t01["actual_year"], t01["actual_bound"]) == ("met", 2020, "lower")
    assert t01["actual_value"] == pytest.approx(1_169_324 / 941_794)
    t02 = card.filter(pl.col("target_id") == "T02").row(0, named=True)
    assert (t02["status"], t02["actual_year"], t02["actual_bound"]) == ("met", 2021, "lower")
    assert t02["actual_value"] == pytest.approx(1_367_899 / 1_127_885.1)
    assert not {"on_track", "off_track"} & set(status.values())  # every deadline has passed
    t19 = card.filter(pl.col("target_id") == "T19").row(0, named=True)
    assert t19["actual_value"] == pytest.approx(1_367_000 / 25_311_000)
    assert t19["actual_year"] == 2020 and t19["definition_id"].startswith("CAAM_NEV_SALES_SHARE")
    t16 = card.filter(pl.col("target_id") == "T16").row(0, named=True)
    assert "as compiled, met" in t16["rule"] and "Other reading, no_data" in t16["rule"]
    # T34 restates T20 (the 2017 plan and the 2015 roadmap): scored, counted once
    t34 = card.filter(pl.col("target_id") == "T34").row(0, named=True)
    assert t34["same_goal_as"] == "T20" and "counted once" in t34["rule"]
    t20 = card.filter(pl.col("target_id") == "T20").row(0, named=True)
    assert t20["actual_value"] == pytest.approx(1649 / 3440)
    t10 = card.filter(pl.col("target_id") == "T10").row(0, named=True)
    assert "nearest before: 2021 = 16.7%" in t10["rule"] and "forecast" in t10["rule"]
    t09 = card.filter(pl.col("target_id") == "T09").row(0, named=True)
    assert t09["target_value"] == pytest.approx(0.40) and t09["actual_value"] == pytest.approx(
        0.159
    )
    assert t09["unit"] == "ratio" and t09["sources"]
    assert card.filter(pl.col("status") == "no_data")["rule"].str.len_chars().min() > 20
    # T25: power batteries, drive motors etc. at 80% of China's market by 2020, read as each
    # key system: EVTank's 2020 top ten leaves Chinese drive-motor makers at most
    # 100 - (9.9 + 5.2 + 5.1 + 4.0) = 75.8%, an upper bound below 80%: missed
    t25 = card.filter(pl.col("target_id") == "T25").row(0, named=True)
    assert (t25["status"], t25["actual_year"], t25["actual_bound"]) == ("missed", 2020, "upper")
    assert t25["actual_value"] == pytest.approx(0.758)
    # T05/T06: the measure (CFIE's Li Yizhong: 20% in 2015, about 1/3 at end-2019) has no 2020
    # or 2025 value, so no verdict; the rule names the nearest and says what was searched
    for target in ("T05", "T06"):
        r = card.filter(pl.col("target_id") == target).row(0, named=True)
        assert r["status"] == "no_data" and r["actual_year"] == 2019
        assert "nearest before: 2019 = ~33.3%" in r["rule"] and "searched" in r["rule"]


def test_flow_run_publishes_scorecard_and_summary_artifacts(published_warehouse):
    import duckdb
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    con = duckdb.connect(str(published_warehouse), read_only=True)
    run_id = con.sql("select distinct flow_run_id from meta.loads").fetchall()[0][0]
    con.close()
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    by_key = {a.key: a for a in arts}
    assert {
        "mic2025-scorecard",
        "mic2025-run-summary",
        "mic2025-scorecard-summary",
        "mic2025-report",
    } <= set(by_key)
    assert (
        "(file://" in by_key["mic2025-report"].data
        and "index.html" in by_key["mic2025-report"].data
    )
    assert by_key["mic2025-scorecard"].type == "table"
    assert "T16" in str(by_key["mic2025-scorecard"].data)
    assert "china_official_stats" in by_key["mic2025-run-summary"].data


def test_met_when_an_earlier_year_already_reached_the_target():
    # T03: quality competitiveness index about 84.5 by 2020; SAMR stated 84.78 (read as 2019)
    # and no 2020 value -> met, the row saying the year that reached it
    r = evaluate(84.5, ">=", 2020, measure({2019: 84.78}), AS_OF)
    assert r["status"] == "met" and r["actual_year"] == 2019
    assert "2019 = 84.78" in r["rule"] and "reached before the 2020 deadline" in r["rule"]
    assert r["gap"] == pytest.approx(0.28)


def test_an_earlier_reach_is_met_and_a_miss_needs_the_target_years_value():
    # reached 52% in 2018, fell to 35% in 2020: "reach 50% by 2020" was reached -> met (2018)
    r = evaluate(0.50, ">=", 2020, measure({2018: 0.52, 2020: 0.35}), AS_OF, "ratio")
    assert r["status"] == "met" and r["actual_year"] == 2018
    # never reached, and the 2020 value misses -> missed from 2020's own value
    r = evaluate(0.50, ">=", 2020, measure({2018: 0.31, 2020: 0.35}), AS_OF, "ratio")
    assert r["status"] == "missed" and r["actual_year"] == 2020
    # never reached and no 2020 value -> no_data, not missed
    r = evaluate(0.50, ">=", 2020, measure({2018: 0.31}), AS_OF, "ratio")
    assert r["status"] == "no_data"
    # a lower bound that already meets it earlier decides too; an upper bound does not
    assert evaluate(0.5, ">=", 2020, measure({2019: 0.6}, bound="lower"), AS_OF)["status"] == "met"
    assert evaluate(0.5, ">=", 2020, measure({2019: 0.6}, bound="upper"), AS_OF)["status"] == (
        "no_data"
    )


def test_a_target_restated_in_another_definition_is_compared_only_as_restated():
    # T32: <= 4.0 L/100km by 2025 on the NEDC cycle; MIIT publishes WLTC averages after 2020
    # (2022 4.11, 2023 3.78); the Phase V standard states the same target as 4.6 on WLTC
    nedc = measure({2020: 5.61}, "NEDC:MIIT")
    wltc = Measure(
        "wltc",
        "WLTC average",
        [Actual(2022, 4.11, "exact", "WLTC:MIIT", "https://example.org")],
        target=4.6,
        restatement="the Phase V standard",
    )
    r = evaluate(4.0, "<=", 2025, nedc + [wltc], AS_OF, "L/100km")
    # 2022's 4.11 <= 4.6 (WLTC) -> met; gap 4.11 - 4.6 = -0.49, against the restated target
    assert (r["status"], r["actual_year"]) == ("met", 2022)
    assert r["gap"] == pytest.approx(-0.49)
    assert "<= 4.6 L/100km (the target of 4 L/100km restated" in r["rule"]
    assert "the Phase V standard" in r["rule"]
    assert r["compared_with"] == pytest.approx(4.6)
    # the site and the CLI show both: the plan's target and the value it was compared with
    row = {"comparator": "<=", "target_value": 4.0, "unit": "L/100km", "target_year": 2025}
    assert target_text({**row, "compared_with": 4.6}) == (
        "<= 4 L/100km by 2025 (4.6 L/100km as restated for the measure)"
    )
    assert target_text({**row, "compared_with": 4.0}) == "<= 4 L/100km by 2025"
    assert target_text({**row, "compared_with": None}) == "<= 4 L/100km by 2025"
    # without the restatement the WLTC 4.11 is never set against 4.0 as if it were NEDC:
    # 4.11 > 4.0 and no 2025 value -> no_data, not missed
    unstated = Measure("wltc", "WLTC average", wltc.actuals)
    assert evaluate(4.0, "<=", 2025, nedc + [unstated], AS_OF, "L/100km")["status"] == "no_data"
    # a restated target misses only from the target year's own value
    wltc_2025 = Measure(
        "wltc", "WLTC average", [Actual(2025, 4.9, "exact", "WLTC:MIIT", "")], target=4.6
    )
    r = evaluate(4.0, "<=", 2025, [wltc_2025], AS_OF, "L/100km")
    assert r["status"] == "missed" and r["gap"] == pytest.approx(0.3)


def test_the_terminal_scorecard_never_shows_a_nearest_value_as_the_actual(published_warehouse):
    """`mic2025 scorecard`: a target without the deadline year's actual reads 'no data' with
    its nearest actual marked as such (T05: CFIE's ~1/3 of 2019 against >= 40% by 2020, 33.3%);
    with every deadline passed there is no projection column."""
    done = subprocess.run(  # its own process: Rich reads COLUMNS when it starts
        [sys.executable, "-m", "mic2025.flows.cli", "scorecard"]
        + ["--warehouse", str(published_warehouse)],
        env={**os.environ, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if "│ T" in line}
    assert "nearest: ~33.3% (2019)" in rows["T05"] and "no data" in rows["T05"]
    assert "nearest" not in rows["T13"] and "31.4% (2020)" in rows["T13"]  # missed: its own year
    assert "missed" in rows["T13"]
    assert "projected" not in done.stdout
    assert "disputed: 1, met: 12, missed: 5, no data: 21" in done.stdout
