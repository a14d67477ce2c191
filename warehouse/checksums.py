"""Content checksums of warehouse tables, leaving out what differs between identical refreshes
(load ids, flow run ids, timestamps). Used for idempotency tests and the no-op refresh check."""

from __future__ import annotations

from pathlib import Path

from mic2025.warehouse.query import open_reader

VOLATILE = {"load_id", "flow_run_id", "started_at", "finished_at", "created"}


def table_checksums(path: Path, schemas: tuple[str, ...] = ("core", "marts")) -> dict[str, str]:
    """{schema.table: md5 of its rows (sorted), volatile columns left out}."""
    con = open_reader(path)
    try:
        tables = con.sql(
            "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            if schema not in schemas:
                continue
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                    "table_name = ? ORDER BY column_index",
                    [schema, table],
                ).fetchall()
                if c not in VOLATILE
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            digest = con.sql(
                f"SELECT md5(coalesce(string_agg(r, '\n' ORDER BY r), '')) FROM "
                f"(SELECT CAST(ROW({cols}) AS VARCHAR) AS r FROM {schema}.{table})"
            ).fetchall()[0][0]
            out[f"{schema}.{table}"] = digest
        return out
    finally:
        con.close()
