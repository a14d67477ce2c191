"""What changed in the marts between the published warehouse and a new build."""

from __future__ import annotations

import polars as pl

#: One marts.sector_metrics value: the table's own unique key (warehouse/metrics/). A shorter key
#: pairs two definitions of one metric (IC Insights' and NBS' ratio for the same year) with each
#: other and reports them as changed on every refresh.
KEY = ["sector", "product", "year", "period", "metric", "basis", "publisher", "definition_id"]


def metric_changes(before: pl.DataFrame | None, after: pl.DataFrame, limit: int = 20) -> dict:
    """Counts of changed / added / removed metric values, and up to ``limit`` examples.

    A value counts as changed when it differs by more than 1e-9 relative (or null-ness changes).
    """
    after = after.select(*KEY, "value")
    if before is None:
        return {"changed": 0, "added": after.height, "removed": 0, "examples": []}
    joined = before.select(*KEY, "value").join(
        after, on=KEY, how="full", coalesce=True, suffix="_after"
    )
    added = joined.filter(pl.col("value").is_null() & pl.col("value_after").is_not_null())
    removed = joined.filter(pl.col("value").is_not_null() & pl.col("value_after").is_null())
    both = joined.filter(pl.col("value").is_not_null() & pl.col("value_after").is_not_null())
    changed = both.filter(
        (pl.col("value") - pl.col("value_after")).abs()
        > 1e-9 * pl.max_horizontal(pl.col("value").abs(), pl.lit(1.0))
    )
    examples = changed.sort(KEY).head(limit).rename({"value": "before", "value_after": "after"})
    return {
        "changed": changed.height,
        "added": added.height,
        "removed": removed.height,
        "examples": examples.select(*KEY, "before", "after").to_dicts(),
        "removed_examples": removed.sort("year", *KEY, descending=[True] + [False] * len(KEY))
        .head(limit)
        .select(*KEY, pl.col("value").alias("before"))
        .to_dicts(),
    }
