"""China's National Bureau of Statistics (NBS) national database, data.stats.gov.cn.

NBS publishes its annual (``hgnd``) and monthly (``hgyd``) tables through the "easyquery"
interface of its data site. The series this project reads are declared in one catalogue,
``facts/nbs_catalogue.csv``: the database, the table (its path of names in NBS's indicator tree),
the indicator's name exactly as NBS writes it, and the series id it becomes.

Two ways to the same snapshot (one CSV, :data:`COLUMNS`):

* **live** (:func:`fetch`): walk NBS's indicator tree (``m=getTree``) by name to each declared
  table, ask for its data (``m=QueryData``), and keep the declared indicators. The indicator's
  name and unit are read from the answer's own metadata (``wdnodes``), never assumed; an
  indicator the answer does not carry is schema drift and fails the source, naming it.
* **bundled** (:func:`import_bundled`): the two public mirrors of the same database copied into
  ``shared/data/nbs_national_data_mirrors/`` (zhuang1234/National-Data, scraped 2023-08, and
  yiyuezhuo/National-Data, scraped 2018). NBS is the publisher; the mirror's repository, commit,
  path and table cell are where each value was read (``read_from``). The mirrors kept no unit
  column, so ``unit`` is the catalogue's ``mirror_unit`` (NBS's unit for that table, checked
  against known totals; see the mirrors' PROVENANCE.md) and ``unit_source`` says so.

Each scrape is a **vintage** (NBS revises history): a series is never spliced across vintages
(``warehouse/conform.py`` feeds the metrics one vintage per series). A monthly table's
December year-to-date value (``_累计值``) is the year's figure; the conformer says so.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import requests

from mic2025.flows.base.errors import FetchError, SourceFormatError
from mic2025.flows.base.facts_files import read_facts_csv
from mic2025.flows.base.settings import facts_dir
from mic2025.flows.fetch import http
from mic2025.flows.fetch.snapshots import Origin, Snapshot, today
from mic2025.flows.sources.base import (
    SnapshotPayload,
    Source,
    csv_bytes,
    read_csv_bytes,
    require_columns,
)
from mic2025.schemas import raw as raw_models

NAME = "nbs_national_data"
FILE = "nbs_national_data.csv"
CATALOGUE = "nbs_catalogue.csv"
COLUMNS = [
    "series_id",
    "dbcode",
    "table",
    "indicator_code",
    "indicator",
    "period",
    "value",
    "unit",
    "unit_source",
    "vintage",
    "read_from",
]
BASE_URL = "https://data.stats.gov.cn/easyquery.htm"
SITE = "https://data.stats.gov.cn/"

MIRROR_DIR = "data/nbs_national_data_mirrors"
TIDY_FILE = f"{MIRROR_DIR}/nbs_extract_tidy.csv"
#: The 2018 scrape's CSV tables (1998-2014), by table name in the catalogue.
OLD_MIRROR = {
    "对外经济贸易/出口主要货物数量和金额/主要货物出口金额": "yiyuezhuo_2018/主要货物出口金额.csv",
    "对外经济贸易/进口主要货物数量和金额/主要货物进口金额": "yiyuezhuo_2018/主要货物进口金额.csv",
    "对外经济贸易/进口主要货物数量和金额/主要货物进口数量": "yiyuezhuo_2018/主要货物进口数量.csv",
    "工业/工业产品产量": "yiyuezhuo_2018/工业产品产量.csv",
}
#: Tables of the 2023 scrape that the tidy extract does not carry, read from a copy of the
#: workbook (a row per period, a column per indicator): table -> (file, path in the repository).
#: A file under ``data/`` is in ../shared; one under ``upstream/`` was copied into this
#: repository's facts/ (facts/upstream/nbs/PROVENANCE.md) because ../shared lacks it.
RAW_2023 = {
    "工业/按行业分规模以上工业企业主要经济指标(2012-至今)/主营业务收入": (
        f"{MIRROR_DIR}/zhuang1234_2023/规上工业_按行业_主营业务收入.xlsx",
        "data_year/zb/工业/按行业分规模以上工业企业主要经济指标(2012-至今)/主营业务收入.xlsx",
    ),
    "科技/规模以上工业企业专利情况/按行业分规模以上工业企业有效发明专利数": (
        f"{MIRROR_DIR}/zhuang1234_2023/规上工业_按行业_有效发明专利数.xlsx",
        "data_year/zb/科技/规模以上工业企业专利情况/按行业分规模以上工业企业有效发明专利数.xlsx",
    ),
    "对外经济贸易/进出口货物分类金额/出口货物分类金额": (
        "upstream/nbs/出口货物分类金额.xlsx",
        "data_year/zb/对外经济贸易/进出口货物分类金额/出口货物分类金额.xlsx",
    ),
    "对外经济贸易/进出口货物分类金额/进口货物分类金额": (
        "upstream/nbs/进口货物分类金额.xlsx",
        "data_year/zb/对外经济贸易/进出口货物分类金额/进口货物分类金额.xlsx",
    ),
    "工业/按行业分工业企业主要经济指标(2018-至今)/工业企业营业收入": (
        "upstream/nbs/工业企业营业收入_2018-至今.xlsx",
        "data_month/zb/工业/按行业分工业企业主要经济指标(2018-至今)/工业企业营业收入.xlsx",
    ),
}
NEW_REPO = "zhuang1234/National-Data"
NEW_COMMIT = "4b467dda7a0fbef29f937a60f08db0e6420da6a6"
OLD_REPO = "yiyuezhuo/National-Data"
OLD_COMMIT = "60fd721359dae33b1a873b17eb4186316ae0e19b"
VINTAGE_2023 = "NBS database as scraped 2023-08 (zhuang1234/National-Data)"
VINTAGE_2018 = "NBS database as scraped 2018 (yiyuezhuo/National-Data)"
MIRROR_UNIT_NOTE = "mirror has no unit column: NBS's unit for this table (facts/nbs_catalogue.csv)"


@dataclass(frozen=True)
class CatalogueEntry:
    series_id: str
    dbcode: str
    table: str
    indicator: str
    frequency: str
    mirror_unit: str


def read_catalogue(root: Path | None = None) -> pl.DataFrame:
    """facts/nbs_catalogue.csv, checked against its pandera model when read."""
    from mic2025.schemas.specs import validate_spec

    path = (root or facts_dir()) / CATALOGUE
    frame = read_facts_csv(path)
    return validate_spec(CATALOGUE, frame, folder="facts")


def catalogue_entries(root: Path | None = None) -> list[CatalogueEntry]:
    frame = read_catalogue(root)
    return [
        CatalogueEntry(
            r["series_id"],
            r["dbcode"],
            r["table"],
            r["indicator"],
            r["frequency"],
            r["mirror_unit"],
        )
        for r in frame.iter_rows(named=True)
    ]


# --------------------------------------------------------------------------- bundled mirrors


def _origin(method: str, retrieved: str, upstream: str, vintage: str) -> Origin:
    return Origin(
        publisher="National Bureau of Statistics of China (国家统计局)",
        title="National data (国家数据): annual and monthly national tables",
        url=SITE,
        licence="official statistics published by NBS (no explicit licence); cite NBS",
        retrieved=retrieved,
        method=method,
        citation="National Bureau of Statistics of China, National data, data.stats.gov.cn",
        vintage=vintage,
        upstream=upstream,
        notes="a monthly table's December year-to-date value is the year's figure",
    )


def _cell_text(value: object) -> str | None:
    """A mirror cell (CSV text or a workbook number) as text, or None for an empty cell. The 2023
    scrape writes a missing year of some trade tables as 0 (ships 2014-2015): the tidy extract
    left those out, and a zero export or import of a traded good is refused by the raw model's
    range rule anyway."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = "" if value is None else str(value).strip()
    return text or None


def _row(
    entry: CatalogueEntry,
    table: str,
    indicator: str,
    period: str,
    value: str,
    vintage: str,
    read_from: str,
) -> dict:
    """One snapshot row (:data:`COLUMNS`) of a mirror cell."""
    return {
        "series_id": entry.series_id,
        "dbcode": entry.dbcode,
        "table": table,
        "indicator_code": "",
        "indicator": indicator,
        "period": period,
        "value": value,
        "unit": entry.mirror_unit,
        "unit_source": MIRROR_UNIT_NOTE,
        "vintage": vintage,
        "read_from": read_from,
    }


def _wide_rows(
    table: str, lines: list, wanted: dict[str, CatalogueEntry], vintage: str, where: str
) -> list[dict]:
    """A wide mirror table (a header, then a row per period: "2012年", or "2021-12" in a monthly
    table, of which only December is kept, the year to date being the year's figure), one column
    per indicator; ``where`` names the file the cell is cited from."""
    header, *body = lines
    rows: list[dict] = []
    for line in body:
        period = str(line[0]).removesuffix("年")
        for column, cell in zip(header[1:], line[1:], strict=False):
            entry = wanted.get(column)
            text = _cell_text(cell)
            if entry is None or text is None or float(text) == 0.0:
                continue
            if entry.dbcode == "hgyd" and not period.endswith("-12"):
                continue
            cited = f'{where} row {line[0]} col "{column}" = {text}'
            rows.append(_row(entry, table, column, period, text, vintage, cited))
    return rows


def _tidy_rows(shared: Path, wanted: dict[tuple[str, str], CatalogueEntry]) -> list[dict]:
    """The 2023 scrape, through the tidy extract (one row per series and year, with its cell)."""
    rows: list[dict] = []
    with (shared / TIDY_FILE).open(encoding="utf-8") as fh:
        for line in csv.DictReader(fh):
            name = line["series"].split(" (")[0]
            path = line["path"]
            monthly = path.startswith("data_month/")
            table = path.split("/zb/", 1)[1].rsplit(".", 1)[0]
            entry = wanted.get((table, name))
            if entry is None:
                continue
            value = _cell_text(line["value"])
            if value is None:
                continue
            year = line["year"]
            cited = f"github.com/{NEW_REPO}@{NEW_COMMIT}:{path} {line['table_row']}"
            period = f"{year}-12" if monthly else year
            rows.append(_row(entry, table, name, period, value, VINTAGE_2023, cited))
    return rows


def _old_mirror_rows(shared: Path, entries: list[CatalogueEntry]) -> list[dict]:
    """The 2018 scrape: wide CSV tables, a row per year ("2010年"), a column per indicator."""
    rows: list[dict] = []
    for table, file in OLD_MIRROR.items():
        wanted = {e.indicator: e for e in entries if e.table == table and e.dbcode == "hgnd"}
        with (shared / MIRROR_DIR / file).open(encoding="utf-8") as fh:
            lines = list(csv.reader(fh))
        where = f"github.com/{OLD_REPO}@{OLD_COMMIT}:{Path(file).name}"
        rows += _wide_rows(table, lines, wanted, VINTAGE_2018, where)
    return rows


def _raw_2023_rows(shared: Path, entries: list[CatalogueEntry], read: set[str]) -> list[dict]:
    """The 2023 scrape's workbooks for the tables in :data:`RAW_2023` (:func:`_wide_rows`);
    series already read from the tidy extract (``read``) are skipped."""
    from openpyxl import load_workbook

    rows: list[dict] = []
    for table, (file, repo_path) in RAW_2023.items():
        wanted = {e.indicator: e for e in entries if e.table == table and e.series_id not in read}
        if not wanted:
            continue
        path = facts_dir() / file if file.startswith("upstream/") else shared / file
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            lines = list(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
        where = f"github.com/{NEW_REPO}@{NEW_COMMIT}:{repo_path}"
        rows += _wide_rows(table, lines, wanted, VINTAGE_2023, where)
    return rows


def import_bundled(shared: Path) -> SnapshotPayload:
    entries = catalogue_entries()
    wanted = {(e.table, e.indicator): e for e in entries}
    tidy = _tidy_rows(shared, wanted)
    raw = _raw_2023_rows(shared, entries, {r["series_id"] for r in tidy})
    rows = tidy + raw + _old_mirror_rows(shared, entries)
    upstream = (
        f"github.com/{NEW_REPO}@{NEW_COMMIT} (scraped 2023-08) and "
        f"github.com/{OLD_REPO}@{OLD_COMMIT} (scraped 2018), copied unchanged into "
        f"shared/{MIRROR_DIR}"
    )
    return SnapshotPayload(
        "2023-08.3",
        {FILE: csv_bytes(rows, COLUMNS)},
        _origin("import", "2026-12-03", upstream, f"{VINTAGE_2023}; {VINTAGE_2018}"),
    )


# --------------------------------------------------------------------------- live easyquery


def base_url() -> str:
    return os.environ.get("MIC2025_NBS_URL", BASE_URL)


def _answer(response: requests.Response, what: str) -> object:
    """NBS answers JSON whose ``memo`` strings hold raw newlines: strict JSON parsers refuse it."""
    try:
        return json.loads(response.text, strict=False)
    except ValueError:
        head = response.text[:60].replace("\n", " ")
        raise FetchError(NAME, f"{what}: the answer is not JSON ({head!r})") from None


def _children(session: requests.Session, dbcode: str, node_id: str) -> list[dict]:
    params = {"m": "getTree", "dbcode": dbcode, "wdcode": "zb", "id": node_id}
    nodes = _answer(http.get(NAME, base_url(), session=session, params=params), "getTree")
    if not isinstance(nodes, list):
        raise FetchError(NAME, f"getTree {dbcode}/{node_id}: expected a list of nodes")
    return nodes


def resolve_table(session: requests.Session, dbcode: str, table: str, cache: dict) -> str:
    """The NBS code of a table, found by walking the indicator tree by its path of names."""
    key = (dbcode, table)
    if key in cache:
        return cache[key]
    node_id = "zb"
    walked: list[str] = []
    for name in table.split("/"):
        nodes = _children(session, dbcode, node_id)
        match = [n for n in nodes if n.get("name") == name]
        if not match:
            names = ", ".join(str(n.get("name")) for n in nodes[:12])
            raise FetchError(
                NAME,
                f"{dbcode}: no table {name!r} under {'/'.join(walked) or 'the root'} "
                f"(NBS lists: {names})",
            )
        node_id = str(match[0]["id"])
        walked.append(name)
    cache[key] = node_id
    return node_id


def parse_query_answer(answer: object, what: str) -> tuple[dict[str, dict], list[dict]]:
    """A QueryData answer -> ({indicator code: its node}, [data cells that have data])."""
    if not isinstance(answer, dict) or answer.get("returncode") != 200:
        code = answer.get("returncode") if isinstance(answer, dict) else None
        detail = answer.get("returndata") if isinstance(answer, dict) else answer
        raise FetchError(NAME, f"{what}: returncode {code} ({str(detail)[:80]})")
    data = answer.get("returndata") or {}
    indicators: dict[str, dict] = {}
    for dimension in data.get("wdnodes", []):
        if dimension.get("wdcode") == "zb":
            indicators = {n["code"]: n for n in dimension.get("nodes", [])}
    cells = []
    for node in data.get("datanodes", []):
        codes = {w["wdcode"]: w["valuecode"] for w in node.get("wds", [])}
        cell = node.get("data", {})
        if not cell.get("hasdata"):
            continue  # NBS marks a missing value hasdata=false, data=0
        cells.append({"zb": codes.get("zb"), "sj": codes.get("sj"), **cell})
    return indicators, cells


def _period(code: str, frequency: str) -> str:
    """NBS time codes: '2021' (annual), '202112' (monthly) -> '2021' / '2021-12'."""
    if frequency == "monthly":
        if len(code) != 6 or not code.isdigit():
            raise FetchError(NAME, f"unexpected monthly time code {code!r}")
        return f"{code[:4]}-{code[4:]}"
    return code


def fetch(session: requests.Session | None = None, catalogue=None, **_) -> SnapshotPayload:
    """Every catalogued series from NBS's easyquery interface (one query per table)."""
    session = session or http.new_session()
    entries = catalogue if catalogue is not None else catalogue_entries()
    first_year = os.environ.get("MIC2025_NBS_FIRST_YEAR", "2010")
    cache: dict = {}
    rows: list[dict] = []
    tables: dict[tuple[str, str], list[CatalogueEntry]] = {}
    for entry in entries:
        tables.setdefault((entry.dbcode, entry.table), []).append(entry)
    for (dbcode, table), wanted in tables.items():
        code = resolve_table(session, dbcode, table, cache)
        params = {
            "m": "QueryData",
            "dbcode": dbcode,
            "rowcode": "zb",
            "colcode": "sj",
            "wds": "[]",
            "dfwds": json.dumps(
                [
                    {"wdcode": "zb", "valuecode": code},
                    {"wdcode": "sj", "valuecode": f"{first_year}-"},
                ]
            ),
        }
        response = http.get(NAME, base_url(), session=session, params=params)
        indicators, cells = parse_query_answer(_answer(response, table), f"{dbcode} {table}")
        by_name = {node.get("cname"): node for node in indicators.values()}
        for entry in wanted:
            node = by_name.get(entry.indicator)
            if node is None:
                names = ", ".join(sorted(str(n) for n in by_name)[:12])
                raise FetchError(
                    NAME,
                    f"{dbcode} {table}: the answer has no indicator {entry.indicator!r} "
                    f"(it has: {names})",
                )
            for cell in cells:
                if cell["zb"] != node["code"]:
                    continue
                rows.append(
                    {
                        "series_id": entry.series_id,
                        "dbcode": dbcode,
                        "table": table,
                        "indicator_code": node["code"],
                        "indicator": node.get("cname"),
                        "period": _period(str(cell["sj"]), entry.frequency),
                        "value": cell.get("strdata") or str(cell.get("data")),
                        "unit": node.get("unit") or "",
                        "unit_source": "NBS answer (wdnodes unit)",
                        "vintage": f"NBS database as fetched {today()}",
                        "read_from": f"{base_url()} {dbcode} {code} {node['code']}.{cell['sj']}",
                    }
                )
    if not rows:
        raise FetchError(NAME, "NBS answered no data for any catalogued series")
    return SnapshotPayload(
        today(),
        {FILE: csv_bytes(rows, COLUMNS)},
        _origin("live", today(), base_url(), f"NBS database as fetched {today()}"),
    )


def parse(snapshot: Snapshot) -> pl.DataFrame:
    frame = read_csv_bytes(NAME, snapshot.file(FILE).read_bytes(), infer_schema_length=0)
    require_columns(NAME, frame, COLUMNS)
    if frame.is_empty():
        raise SourceFormatError(NAME, "no data rows")
    return frame.select(COLUMNS).with_columns(pl.col("indicator_code").fill_null(""))


SOURCE = Source(
    name=NAME,
    raw_table=NAME,
    description="NBS national database: output of ships, tractors, rolling stock, machine tools, "
    "robots, ICs, solar cells; trade in ships, aircraft, machine tools, medical instruments",
    fmt="csv: series_id,dbcode,table,indicator_code,indicator,period,value,unit,unit_source,"
    "vintage,read_from",
    parse=parse,
    raw_model=raw_models.NbsNationalData,
    core="national_series",
    publisher="NBS",
    import_bundled=import_bundled,
    fetch=fetch,
    live_url=SITE,
)
