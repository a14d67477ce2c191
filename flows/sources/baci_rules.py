"""The row rules of a BACI bulk file, written once: the pandera model (``baci_model.py``) checks
them, the bulk path (``baci.py``) selects the rows that break them for the quarantine. Plain
module with no ibis import, so both sides import it without a cycle."""

from __future__ import annotations

#: The row rules, written once: (min, max) per column, max None = no upper limit. Used by the
#: pandera check (baci_model.py) and, on failure, to select the rows to quarantine.
RULES: dict[str, tuple[float, float | None]] = {
    "t": (1988, 2100),
    "i": (0, 999),
    "j": (0, 999),
    "k": (10000, 999999),
    "v": (0, None),
    "q": (0, None),
}
NULLABLE = {"q"}


def rule_text(column: str) -> str:
    low, high = RULES[column]
    rule = f">= {low}" if high is None else f"in [{low}, {high}]"
    return rule + ("; null allowed" if column in NULLABLE else "; not null")


def row_ok(table):
    """ibis expression: True where a row satisfies every rule of :data:`RULES`."""
    expr = None
    for column, (low, high) in RULES.items():
        col = table[column]
        ok = (col >= low) if high is None else col.between(low, high)
        ok = (col.isnull() | ok) if column in NULLABLE else (col.notnull() & ok)
        expr = ok if expr is None else (expr & ok)
    return expr


def failing_sql(column: str) -> str:
    """SQL condition selecting the rows that break ``column``'s rule (quarantine)."""
    low, high = RULES[column]
    broken = f"{column} < {low}" if high is None else f"NOT ({column} BETWEEN {low} AND {high})"
    if column in NULLABLE:
        return broken
    return f"({column} IS NULL OR {broken})"
