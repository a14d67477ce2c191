"""Metric changes between the published warehouse and a new build."""

import duckdb
import polars as pl

from mic2025.warehouse.changes import metric_changes


def test_an_unchanged_build_reports_no_change(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        metrics = con.sql("select * from marts.sector_metrics").pl()
    finally:
        con.close()
    assert metric_changes(metrics, metrics)["changed"] == 0  # 40 before the key was the table's


def test_a_changed_value_is_counted_once_per_definition():
    base = {
        "sector": "S",
        "product": "P",
        "year": 2021,
        "period": "FY",
        "metric": "self_sufficiency_ratio",
        "basis": "value",
        "publisher": "X",
    }
    before = pl.DataFrame(
        [
            {**base, "definition_id": "a", "value": 0.2},
            {**base, "definition_id": "b", "value": 0.3},
        ]
    )
    after = before.with_columns(
        pl.when(pl.col("definition_id") == "b").then(0.35).otherwise(pl.col("value")).alias("value")
    )
    out = metric_changes(before, after)
    assert (out["changed"], out["added"], out["removed"]) == (1, 0, 0)
    assert out["examples"][0]["definition_id"] == "b"
    assert (out["examples"][0]["before"], out["examples"][0]["after"]) == (0.3, 0.35)
