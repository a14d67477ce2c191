"""Plain-text renderings shared by the CLI and the Prefect artifacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's read commands import this without polars
    import polars as pl


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:.6g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pl.DataFrame) -> str:
    """A frame as a GitHub-flavoured markdown table."""
    return markdown_rows(frame.columns, frame.iter_rows())


def markdown_rows(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Columns and rows as a GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def run_summary_markdown(summary: dict) -> str:
    """Markdown summary of one refresh: sources, rows, metric changes, publish."""
    lines = [
        f"# Refresh {summary['load_id']}",
        "",
        f"Warehouse: `{summary['warehouse']}`",
        "",
        "| source | snapshot | status | rows read | loaded | quarantined | note |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for s in summary["sources"]:
        lines.append(
            f"| {s['source']} | {s['snapshot_version']} | {s['status']} | {s['rows_read']} | "
            f"{s['rows_loaded']} | {s['rows_quarantined']} | {_cell(s.get('message'))} |"
        )
    changes = summary.get("metric_changes") or {}
    lines += [
        "",
        "## Metrics changed since the last publish",
        "",
        f"{changes.get('changed', 0)} changed, {changes.get('added', 0)} added, "
        f"{changes.get('removed', 0)} removed.",
    ]
    if changes.get("examples"):
        lines += [
            "",
            "| sector | product | metric | year | before | after |",
            "|---|---|---|---|---:|---:|",
        ]
        for e in changes["examples"]:
            lines.append(
                f"| {e['sector']} | {e['product']} | {e['metric']} | {e['year']} | "
                f"{_cell(e['before'])} | {_cell(e['after'])} |"
            )
    tables = summary.get("tables", {})
    lines += ["", "## Published tables", ""]
    lines += [f"- `{t}`: {n} rows" for t, n in tables.items() if not t.startswith("raw.")]
    return "\n".join(lines) + "\n"
