"""The pandera model of a BACI row (pandera's ibis backend), in its own module so that importing
the bulk path does not import ibis (about 0.6 s) until a bulk file is loaded. No
``from __future__ import annotations`` here: pandera reads the dtypes from the annotations."""

import ibis.expr.datatypes as dt
import pandera.ibis as pa

from mic2025.flows.sources.baci_rules import row_ok, rule_text


class BaciTrade(pa.DataFrameModel):
    """One bilateral flow: exporter i to importer j of HS6 product k in year t.

    Every row is checked by one pandera check (``rows_meet_the_rules``), a single SQL pass over
    the table in DuckDB: the rules of each column are in its description."""

    t: dt.Int32 = pa.Field(nullable=True, description=f"Year ({rule_text('t')})")
    i: dt.Int32 = pa.Field(nullable=True, description=f"Exporter, ISO numeric ({rule_text('i')})")
    j: dt.Int32 = pa.Field(nullable=True, description=f"Importer, ISO numeric ({rule_text('j')})")
    k: dt.Int32 = pa.Field(
        nullable=True, description=f"HS6 product, leading zero dropped ({rule_text('k')})"
    )
    v: dt.Float64 = pa.Field(
        nullable=True, description=f"Value, thousand US dollars ({rule_text('v')})"
    )
    q: dt.Float64 = pa.Field(nullable=True, description=f"Quantity, tonnes ({rule_text('q')})")
    file_id: dt.Int16 = pa.Field(description="Bulk file of the row (raw.baci_files)")

    @pa.dataframe_check
    def rows_meet_the_rules(cls, data: pa.IbisData):
        return data.table.select(row_ok(data.table).name("ok"))

    class Config:
        strict = True
        coerce = False
