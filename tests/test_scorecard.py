"""Scorecard statuses evaluated by hand, and the artifacts of a real flow run."""

import polars as pl
import pytest

from warehouse.scorecard import Actuals, evaluate, linear_fit


def actuals(points: dict[int, float]) -> Actuals:
    return Actuals(list(points), list(points.values()), "test series", "https://example.org")


def test_met_when_the_target_year_has_an_actual():
    # T16: robot output >= 100,000 by 2020; NBS/MIIT 2020 = 212,000 -> met, gap +112,000
    r = evaluate(100_000, ">=", 2020, actuals({2016: 72_000, 2020: 212_000}))
    assert r["status"] == "met" and r["gap"] == 112_000 and r["actual_year"] == 2020


def test_missed_with_about_comparator():
    # T33: about 2,000,000 NEV sales in 2020; CAAM 1,367,000 < 95% x 2,000,000 -> missed
    r = evaluate(2_000_000, "~", 2020, actuals({2019: 1_206_000, 2020: 1_367_000}))
    assert r["status"] == "missed"


def test_trend_projection_after_the_last_actual():
    # T15: >= 70% by 2025; 2020 35%, 2023 48.4%, 2024 58.5% (CMIF/MIIT)
    # least squares: mean year 2022.333, mean share 0.473; sum dx*dy = 0.481, sum dx^2 = 8.667
    # slope = 0.481 / 8.667 = 0.0555 per year; 2025: 0.473 + 0.0555 * 2.667 = 0.621
    points = {2020: 0.35, 2023: 0.484, 2024: 0.585}
    a, b = linear_fit(list(points), list(points.values()))
    assert b == pytest.approx(0.0555, abs=1e-4)
    r = evaluate(0.70, ">=", 2025, actuals(points))
    assert r["projected_value"] == pytest.approx(a + b * 2025)
    assert r["projected_value"] == pytest.approx(0.6213, abs=1e-3)
    assert r["status"] == "off_track" and r["actual_year"] == 2024
    assert "linear trend of 2020, 2023, 2024" in r["rule"]


def test_interpolation_for_a_past_target_year():
    # T19: >= 5% by 2020; CAAM 2019 4.68%, 2022 25.6% -> 2020 interpolated 11.65% -> on_track
    r = evaluate(0.05, ">=", 2020, actuals({2019: 0.0468, 2022: 0.256}))
    assert r["projected_value"] == pytest.approx(0.0468 + (0.256 - 0.0468) / 3)
    assert r["status"] == "on_track" and "interpolation" in r["rule"]


def test_no_data_cases():
    assert evaluate(0.7, ">", 2020, None)["status"] == "no_data"
    assert evaluate(0.7, ">", None, actuals({2022: 0.8}))["status"] == "no_data"
    # T22: > 70% by 2020 but the first actual is 2022
    r = evaluate(0.7, ">", 2020, actuals({2022: 0.799}))
    assert r["status"] == "no_data" and "first actual 2022" in r["rule"]


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
    assert status["T16"] == "met"  # robot output 2020: 212,000 >= 100,000
    assert status["T33"] == "missed"  # NEV sales 2020: 1,367,000 vs about 2,000,000
    assert status["T10"] == "off_track" and status["T15"] == "off_track"
    assert status["T20"] == "on_track" and status["T24"] == "on_track"
    t09 = card.filter(pl.col("target_id") == "T09").row(0, named=True)
    assert t09["target_value"] == pytest.approx(0.40) and t09["actual_value"] == pytest.approx(
        0.159
    )
    assert t09["unit"] == "ratio" and t09["sources"]
    assert card.filter(pl.col("status") == "no_data")["rule"].str.len_chars().min() > 20


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
