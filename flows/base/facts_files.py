"""Reading the project's own CSV files (``facts/``, the curation): every row must have the
header's number of fields. A text field holding a comma that is not in double quotes splits into
one field more; polars would stop with a traceback that names neither the file nor the row, and
a plain ``csv.DictReader`` would keep the first half of the text as if it were the whole. Both
readers here refuse such a row in one line: the file, the row and the rule."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from mic2025.flows.base.errors import SourceFormatError
from mic2025.flows.base.settings import facts_dir

RULE = "a text field with a comma must be in double quotes"


def csv_rows(data: bytes | str, source: str, origin: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) of a CSV file whose rows all match its header; ``source`` names the
    source in the error, ``origin`` the file. Blank lines are skipped."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    for i, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            where = "" if origin == source else f"{origin}: "
            raise SourceFormatError(
                source,
                f"{where}{len(fields)} fields for the {len(header)} columns of the header ({RULE})",
                row=i,
            )
        yield i, dict(zip(header, fields, strict=True))


def facts_name(path: Path) -> str:
    """'facts/metrics/sector_measures.csv' for a file under facts/, else the path itself."""
    try:
        return f"facts/{path.resolve().relative_to(facts_dir().resolve()).as_posix()}"
    except ValueError:
        return str(path)


def read_facts_csv(path: Path) -> pl.DataFrame:
    """A CSV file of the curation as text columns (polars), after every row has been checked
    against the header (:func:`csv_rows`)."""
    text = path.read_text(encoding="utf-8")
    name = facts_name(path)
    for _ in csv_rows(text, name, name):
        pass
    return pl.read_csv(io.StringIO(text), infer_schema_length=0)
