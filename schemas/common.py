"""Pieces shared by the schema modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandera.polars as pa
import polars as pl

YEAR = {"ge": 1800, "le": 2100}

#: What a value is: exact, or a published lower/upper bound ('more than 80%'), or approximate
#: ('about 40%' stays a value, marked approximate).
BOUNDS = ["exact", "lower", "upper", "approximate"]


class Lineage(pa.DataFrameModel):
    """Columns that every raw row carries (dlt-style load id, plus the snapshot checksum)."""

    load_id: str = pa.Field(description="Load that wrote the row (meta.loads.load_id)")
    snapshot_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64},
        description="sha256 of the snapshot the row was read from (meta.snapshots.sha256)",
    )


def publisher_vocabulary() -> list[str]:
    """The publisher ids of facts/publishers.csv (the vocabulary every value's publisher uses)."""
    from mic2025.flows.base.facts_files import read_facts_csv
    from mic2025.flows.base.settings import facts_dir

    return read_facts_csv(facts_dir() / "publishers.csv")["publisher_id"].to_list()


def known_publishers(data: pa.PolarsData):
    """Check: every '; '-separated part of the publisher column is a facts/publishers.csv id."""
    ids = publisher_vocabulary()
    return data.lazyframe.select(
        pl.col(data.key).str.split("; ").list.eval(pl.element().is_in(ids)).list.all()
    )


def row_rule(column: str, rule: str, passes: Callable[[], pl.Expr]):
    """A row-level range rule on ``column``, written as a polars expression that is true for the
    rows that pass (nulls pass: nullability is the field's own rule). A failing row goes to
    meta.quarantine naming ``column`` and ``rule``; declare it as a model attribute."""

    def check(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(passes().fill_null(True))

    check.__name__ = "rule_" + re.sub(r"\W+", "_", f"{column} {rule}")
    return pa.dataframe_check(name=f"{column}: {rule}")(check)


def finite(column: str):
    """Rule: a number, not inf or NaN (a float column accepts both otherwise)."""
    return row_rule(column, "finite number", lambda: pl.col(column).is_finite())


def non_negative(column: str, unless: pl.Expr | None = None, why: str = ""):
    """Rule: >= 0 (counts, capacities, money), except rows where ``unless`` is true."""
    rule = "not negative" + (f" ({why})" if why else "")
    return row_rule(
        column,
        rule,
        lambda: (pl.col(column) >= 0) if unless is None else (unless | (pl.col(column) >= 0)),
    )


def percent_in_range(column: str = "value", unit_column: str = "unit"):
    """Rule: a share stated in percent lies in [0, 100]."""
    return row_rule(
        column,
        "percent within 0-100",
        lambda: ~pl.col(unit_column).is_in(["%", "percent"]) | pl.col(column).is_between(0, 100),
    )


def not_after_this_year(column: str = "year", unless: pl.Expr | None = None):
    """Rule: an observation's year is not in the future (projections are marked and exempt)."""

    def passes() -> pl.Expr:
        ok = pl.col(column) <= date.today().year
        return ok if unless is None else (unless | ok)

    return row_rule(column, "not after the current year unless a projection", passes)


def at_most_for_unit(ceilings: dict[str, float], column: str = "value", unit_column: str = "unit"):
    """Rule: a value is at most a ceiling that no real observation in that unit comes near (a
    typo or a hostile upstream writing 1e308 is finite, but no country has 1e308 GW of solar)."""
    limit = pl.col(unit_column).replace_strict(ceilings, default=None, return_dtype=pl.Float64)
    return row_rule(
        column,
        "at most the ceiling for its unit ("
        + ", ".join(f"{v:g} {k}" for k, v in ceilings.items())
        + ")",
        lambda: limit.is_null() | (pl.col(column) <= limit),
    )


def describe_failures(cases, limit: int = 5) -> str:
    """pandera failure cases (polars, or pandas from the ibis backend) as one line:
    ``column: check (found 'value', row N); ...``. The one formatter for every error message
    built from a pandera failure (load, build, bulk files, metric specs)."""
    records = cases.to_dicts() if hasattr(cases, "to_dicts") else cases.to_dict("records")
    parts = []
    for r in records[:limit]:
        row = r.get("index")
        where = "" if row is None or row != row else f", row {int(row)}"  # NaN from pandas
        parts.append(
            f"{r.get('column')}: {r.get('check')} (found {r.get('failure_case')!r}{where})"
        )
    more = len(records) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
