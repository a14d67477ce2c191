"""The ``mic2025`` command line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

# Offline by default: no telemetry calls from Prefect's client or its temporary server.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    help="MIC2025 tracker: China's industrial self-reliance, sector by sector.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # docstrings are wrapped at 100 columns: markdown joins their lines in the command list
    # (Rich markup keeps each line break there, mid-sentence)
    rich_markup_mode="markdown",
)
snapshot_app = typer.Typer(help="Build or fetch source snapshots.", no_args_is_help=True)
app.add_typer(snapshot_app, name="snapshot")
claims_app = typer.Typer(help="Quantitative claims in articles.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")

console = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        help="Warehouse file (default: $MIC2025_WAREHOUSE or warehouse/mic2025.duckdb)",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, csv, json or markdown")]


def _source_names() -> str:
    """The sources with a committed snapshot (a folder each under snapshots/): read from the
    tree, so that `--help` and every command start without importing the source registry
    (pandera, pandas, ibis: about 1.4 s); `refresh` checks names against the registry itself."""
    from mic2025.flows.base.settings import snapshots_dir

    root = snapshots_dir()
    names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return ", ".join(names)


def _check_warehouse_path(warehouse: str | None) -> None:
    """Fail at once, naming the path and the fix, instead of after the whole build."""
    from mic2025.flows.base.errors import WarehousePathError
    from mic2025.flows.base.settings import warehouse_path
    from mic2025.warehouse.publish import check_target

    try:
        check_target(warehouse_path(warehouse))
    except WarehousePathError as exc:
        _fail(str(exc))


def _local_server() -> str:
    """Where `mic2025 server` listens (``MIC2025_LOCAL_PREFECT_URL`` moves it)."""
    return os.environ.get("MIC2025_LOCAL_PREFECT_URL", "http://127.0.0.1:4200/api").rstrip("/")


def _use_local_server(quiet: bool) -> None:
    """Without PREFECT_API_URL, a Prefect server already answering on 127.0.0.1:4200 (started by
    `mic2025 server` or `prefect server start`) is used instead of starting a temporary one,
    which costs 6-16 s per command. ``MIC2025_TEMPORARY_PREFECT=1`` keeps the temporary one."""
    if os.environ.get("PREFECT_API_URL") or os.environ.get("MIC2025_TEMPORARY_PREFECT") == "1":
        return
    import httpx

    url = _local_server()
    try:
        healthy = httpx.get(f"{url}/health", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return
    if healthy:
        os.environ["PREFECT_API_URL"] = url
        if not quiet:
            err.print(f"using the Prefect server at {url}", style="dim", soft_wrap=True)


def _prepare_temporary_prefect() -> None:
    """Without PREFECT_API_URL, Prefect starts a temporary server on the database in
    PREFECT_HOME, migrating it and registering its block types first; commands starting at once
    on a fresh PREFECT_HOME race there ("index ... already exists", "UNIQUE constraint failed:
    block_schema") and one dies with a traceback. Both are done once here, under a file lock in
    PREFECT_HOME, and remembered per Prefect version, so concurrent commands find it ready."""
    if os.environ.get("PREFECT_API_URL"):
        return
    import fcntl
    from importlib.metadata import version

    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    ready = home / f".mic2025-database-ready-{version('prefect')}"
    if ready.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".mic2025-database.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also on a crash
        if ready.exists():
            return
        import asyncio

        from prefect.server.database import provide_database_interface
        from prefect.server.models.block_registration import run_block_auto_registration

        async def prepare() -> None:  # what each temporary server does on start, once
            db = provide_database_interface()
            await db.create_db()
            async with await db.session() as session:
                await run_block_auto_registration(session=session)

        asyncio.run(prepare())
        ready.touch()


def _rows_for_table(query: str, warehouse: str | None, fmt: OutputFormat):
    """A read command's rows for its rich table; None when another format was printed (csv,
    json, markdown print the rows as they are). A warehouse problem is one error line."""
    from mic2025.warehouse.query import QueryError, fetch_rows

    try:
        frame = fetch_rows(query, warehouse)
    except QueryError as exc:
        _fail(str(exc))
    if fmt != OutputFormat.table:
        print_frame(frame, fmt)
        return None
    return frame


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, never wrapped
    raise typer.Exit(code)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for expected errors too")
    ] = False,
) -> None:
    if debug:
        os.environ["MIC2025_DEBUG"] = "1"


HEARTBEAT_SETTINGS = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


def flow_heartbeat_off() -> contextlib.AbstractContextManager:
    """Prefect's flow-run heartbeats off for a run started from this command (unless one of
    ``HEARTBEAT_SETTINGS`` is set in the environment).

    Prefect 3.9 sends them by default, from a thread that sleeps in steps of 1 s and that the
    run joins when it ends, so each run ended 0-1 s late, waiting for that sleep, and a
    refresh's time was rounded up to a whole second after the run began. Heartbeats let a
    server automation find runs whose process died unseen; a deployment's runs (the nightly
    and on-demand refreshes of prefect.yaml) keep them, while this command's run has its
    terminal, which sees the process end."""
    if any(os.environ.get(name) for name in HEARTBEAT_SETTINGS):
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@app.command()
def refresh(
    live: Annotated[bool, typer.Option("--live", help="Fetch live endpoints first")] = False,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", help=f"Only refresh these (repeatable): {_source_names()}"),
    ] = None,
    years: Annotated[
        str | None, typer.Option("--years", help="FIRST:LAST years asked of the live APIs")
    ] = None,
    incremental: Annotated[
        bool, typer.Option("--incremental", help="Publish nothing when nothing changed")
    ] = False,
    warehouse: WarehouseOpt = None,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another refresh to finish")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors")] = False,
    task_runner: Annotated[
        str, typer.Option("--task-runner", help="threads (default) or dask")
    ] = "threads",
    dask_address: Annotated[
        str | None, typer.Option("--dask-address", help="tcp://HOST:8786 of a Dask scheduler")
    ] = None,
    accept_removals: Annotated[
        bool,
        typer.Option(
            "--accept-removals",
            help="Exit 0 even when quarantined rows removed published values",
        ),
    ] = False,
) -> None:
    """Run the whole pipeline as one Prefect flow and publish the warehouse."""
    if quiet or as_json:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
        # the terminal gets this command's own one `error:` line, not Prefect's copies of it;
        # the flow run's log in the Prefect API still records the error
        for handler in ("CONSOLE", "CONSOLE_FLOW_RUNS", "CONSOLE_TASK_RUNS"):
            os.environ.setdefault(f"PREFECT_LOGGING_HANDLERS_{handler}_LEVEL", "CRITICAL")
    _use_local_server(quiet or as_json)  # before Prefect is imported: it reads its settings once
    if not os.environ.get("PREFECT_API_URL"):  # Prefect starts a temporary server for this run:
        # nobody opens its UI, and preparing the UI's files costs ~1 s of every start
        os.environ.setdefault("PREFECT_UI_ENABLED", "false")
        # Prefect gives it 20 s to answer; three starting at once on a busy two-core machine
        # took longer ("Timed out while attempting to connect to ephemeral Prefect API server")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from mic2025.flows.base.errors import Mic2025Error, SourcesStale, ValuesRemoved
    from mic2025.flows.refresh import RefreshMode, YearRange, with_task_runner

    span = None
    if years:  # checked here, before Prefect starts: a typo costs no seconds
        try:
            first, last = (int(x) for x in years.split(":"))
        except ValueError:
            _fail(f"--years takes FIRST:LAST, e.g. 2015:2024, not {years!r}")
        if not (1960 <= first <= last <= 2100):
            _fail(f"--years {years}: FIRST <= LAST, both within 1960-2100")
        span = YearRange(first=first, last=last)
    if sources:
        from mic2025.flows.sources import SOURCES

        unknown = sorted(set(sources) - set(SOURCES))
        if unknown:
            _fail(f"unknown source(s) {', '.join(unknown)}; valid: {', '.join(sorted(SOURCES))}")
    _check_warehouse_path(warehouse)
    _prepare_temporary_prefect()
    try:
        refresh_flow = with_task_runner(task_runner, dask_address)
    except ValueError as exc:
        _fail(str(exc))
    stale, failed_as = None, "Stale"
    try:
        with (
            console.status("refreshing...", spinner="dots")
            if not (quiet or as_json)
            else (contextlib.nullcontext()),
            flow_heartbeat_off(),
        ):
            summary = refresh_flow(
                sources=sources or None,
                live=live,
                years=span,
                mode=RefreshMode.incremental if incremental else RefreshMode.full,
                warehouse=warehouse,
                wait_seconds=wait,
                accept_removals=accept_removals,
            )
    except SourcesStale as exc:  # published, but most live sources are stale: Failed "Stale"
        summary, stale = exc.summary, str(exc)
    except ValuesRemoved as exc:  # published, but quarantine took published values away
        summary, stale, failed_as = exc.summary, str(exc), "ValuesRemoved"
    except (Mic2025Error, ValueError) as exc:
        _fail(str(exc))
    except OSError as exc:  # read-only folder, disk full: the path and the reason
        _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    if as_json:
        print(json.dumps(summary, indent=2, default=str))
    elif not quiet:
        _print_refresh(summary)
    if stale:
        _fail(f"run ended Failed ({failed_as}): {stale}")


def _print_refresh(summary: dict) -> None:
    title = f"Refresh {summary['load_id']} -> {summary['warehouse']}"
    table = Table(title=title)
    # source names and versions are never cut ("owid_electric_ca…" named two sources): they keep
    # their width and the numbers give way on a narrow terminal
    longest = max((len(s["source"]) for s in summary["sources"]), default=6)
    table.add_column("source", no_wrap=True, min_width=longest)
    table.add_column("snapshot", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for col in ("rows read", "loaded", "quarantined"):
        table.add_column(col, justify="right")
    colours = {"fresh": "green", "stale": "yellow", "failed": "red"}
    for s in summary["sources"]:
        status = s["status"]
        table.add_row(
            s["source"],
            s["snapshot_version"],
            f"[{colours[status]}]{status}[/]" if status in colours else status,
            str(s["rows_read"]),
            str(s["rows_loaded"]),
            str(s["rows_quarantined"]),
        )
    console.print(table)
    for s in summary["sources"]:
        if s["status"] in ("stale", "failed"):
            err.print(f"[yellow]{s['source']}: {s['message']}[/]")
    if not summary.get("published", True):
        console.print("Nothing changed: the published warehouse was kept as it is.")
        return
    marts = {k: v for k, v in summary["tables"].items() if k.startswith("marts.")}
    console.print("Published: " + ", ".join(f"{k} ({v} rows)" for k, v in marts.items()))
    changes = summary["metric_changes"]
    console.print(
        f"Metrics since the last publish: {changes['changed']} changed, {changes['added']} added, "
        f"{changes['removed']} removed."
    )


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One SQL statement against the warehouse")],
    fmt: FormatOpt = OutputFormat.table,
    warehouse: WarehouseOpt = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds before the query is stopped (default 60)"),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 2GiB (default: RAM / 4)"),
    ] = None,
    max_rows: Annotated[
        int,
        typer.Option("--max-rows", help="Rows shown by --format table (csv and json: all)"),
    ] = 1000,
) -> None:
    """Query the published warehouse (read-only, one statement, time and memory limits)."""
    from mic2025.warehouse.query import QueryError, fetch_rows

    cap = max_rows if fmt in (OutputFormat.table, OutputFormat.markdown) else None
    try:
        frame = fetch_rows(
            query, warehouse, timeout=timeout, memory_limit=memory_limit, max_rows=cap
        )
    except QueryError as exc:
        _fail(str(exc))
    more = cap is not None and frame.height > cap
    print_frame(frame.head(cap) if more else frame, fmt)
    if more:
        err.print(
            f"showing the first {cap} rows; --max-rows N shows more, --format csv or json all",
            style="dim",
        )


def print_frame(frame, fmt: OutputFormat) -> None:
    """Print a result: ``Rows`` (warehouse/query.py) or a polars frame."""
    columns = list(frame.columns)
    values = list(frame.iter_rows())
    if fmt == OutputFormat.markdown:
        from mic2025.warehouse.report_text import markdown_rows

        sys.stdout.write(markdown_rows(columns, values))
    elif fmt == OutputFormat.csv:
        import csv

        def cell(v):  # as polars writes CSV: true/false, nulls empty
            return ("true" if v else "false") if isinstance(v, bool) else v

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(v) for v in row] for row in values)
    elif fmt == OutputFormat.json:
        dicts = [dict(zip(columns, v, strict=True)) for v in values]
        sys.stdout.write(json.dumps(dicts, indent=2, default=str, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        table = Table(show_lines=False)
        for name in columns:
            table.add_column(name, overflow="fold")
        for row in values:
            table.add_row(*("[dim]null[/]" if v is None else _fmt(v) for v in row))
        console.print(table)
        console.print(f"{len(values)} row(s)", style="dim")


def _fmt(value) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return f"{value:,.0f}"
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


@app.command()
def scorecard(
    fmt: FormatOpt = OutputFormat.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """MIC2025 targets against the latest actuals (from the published warehouse)."""
    from mic2025.warehouse.units import format_value, target_text

    query = (
        "select target_id, sector, indicator, comparator, target_year, target_value, unit, "
        "actual_value, actual_year, actual_bound, projected_value, gap, compared_with, status, "
        "rule, definition_id, sources "
        "from marts.scorecard order by target_id"
    )
    frame = _rows_for_table(query, warehouse, fmt)
    if frame is None:
        return
    colours = {"met": "green", "on_track": "green", "off_track": "yellow", "missed": "red"}
    rows = frame.dicts()
    # a projection exists only while a deadline is ahead: no column for it once all have passed
    projected = any(r["projected_value"] is not None for r in rows)
    table = Table(title="MIC2025 scorecard", show_lines=False)
    table.add_column("id")
    table.add_column("indicator", overflow="fold", ratio=3)
    table.add_column("target", overflow="fold", ratio=1)
    table.add_column("actual (year)", overflow="fold", ratio=1)
    if projected:
        table.add_column("projected", overflow="fold", ratio=1)
    table.add_column("status", no_wrap=True)
    for r in rows:

        def show(v, bound=None, r=r):
            return format_value(v, r["unit"], bound, show_unit=True)

        actual = (
            "-"
            if r["actual_value"] is None
            else f"{show(r['actual_value'], r.get('actual_bound'))} ({r['actual_year']})"
        )
        if r["status"] == "no_data" and r["actual_value"] is not None:
            actual = f"nearest: {actual}"  # not the deadline year's: no verdict rests on it
        cells = [r["target_id"], r["indicator"], target_text(r), actual]
        if projected:
            cells.append("" if r["projected_value"] is None else show(r["projected_value"]))
        status = r["status"]
        cells.append(f"[{colours.get(status, 'dim')}]{status.replace('_', ' ')}[/]")
        table.add_row(*cells)
    console.print(table)
    from collections import Counter

    counts = sorted(Counter(r["status"] for r in rows).items())
    console.print(", ".join(f"{s.replace('_', ' ')}: {n}" for s, n in counts))
    console.print(
        "A passed deadline is met or missed only on the deadline year's actual of the target's "
        "own definition; without one it has no data, and the nearest actual is shown. Each "
        "target's rule and sources: --format json, or the answer site (`mic2025 report`).",
        style="dim",
    )


@app.command()
def sectors(
    fmt: FormatOpt = OutputFormat.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """The sector-by-sector answer (marts.sector_summary): domestic supply, world position,
    change since the 2015 baseline, targets and evaluators' verdicts."""
    from mic2025.warehouse.units import first_clause, format_change, format_value

    frame = _rows_for_table("select * from marts.sector_summary order by sector_id", warehouse, fmt)
    if frame is None:
        return
    table = Table(title="MIC2025, sector by sector", show_lines=True)
    table.add_column("sector", overflow="fold", ratio=1)
    table.add_column("domestic supply", overflow="fold", ratio=2)
    table.add_column("since ~2015", overflow="fold", ratio=1)
    table.add_column("world position", overflow="fold", ratio=2)
    table.add_column("targets met/missed/no data", overflow="fold", ratio=1)
    for r in frame.dicts():

        def measure(role: str, r=r) -> str:
            """The value, its year and publisher, and what it measures (the head of the
            measure's note: a gap's note is its search log, kept whole in --format json)."""
            what = first_clause(r[f"{role}_note"]) or "no measure"
            if r[f"{role}_value"] is None:
                return f"- ({what})"
            value = format_value(r[f"{role}_value"], "ratio", r[f"{role}_bound"])
            return f"{value} ({r[f'{role}_year']}, {r[f'{role}_publisher']}): {what}"

        change = (
            f"{format_change(r['change_since_baseline'], r['change_since_baseline_bound'])} from "
            f"{format_value(r['baseline_value'], 'ratio', r['baseline_bound'])} "
            f"({r['baseline_year']})"
            if r["change_since_baseline"] is not None
            else "-"
        )
        table.add_row(
            r["short_name"],
            measure("domestic_supply"),
            change,
            measure("world_position"),
            f"{r['targets_met']}/{r['targets_missed']}/{r['targets_no_data']}",
        )
    console.print(table)
    console.print(
        "Ratios as percentages; ≥ / ≤ mark bounds, ~ approximate values. Each measure's whole "
        "note, metric and product: --format json, or the sector pages of `mic2025 report`.",
        style="dim",
    )


@app.command()
def places(
    fmt: FormatOpt = OutputFormat.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """The cities, provinces and regions the articles name (core.places) with their latest
    figures (marts.city_metrics): GDP in yuan and US dollars, share of China's GDP, growth since
    2014-2015, and each place's specialism."""
    from mic2025.warehouse.units import format_compact, metric_words

    query = """
        with latest as (
            select *, row_number() over (
                partition by place_id, metric order by year desc) as n
            from marts.city_metrics where period = 'FY')
        select p.place_id, p.name, p.kind, p.iso_3166_2, p.sectors, l.metric, l.year, l.value,
               l.unit, l.bound
        from core.places p left join latest l on l.place_id = p.place_id and l.n = 1
        order by p.place_id, l.metric
    """
    frame = _rows_for_table(query, warehouse, fmt)
    if frame is None:
        return
    table = Table(title="Places named for MIC2025 sectors (latest full year)", show_lines=True)
    table.add_column("place", overflow="fold", ratio=1)
    table.add_column("named for", overflow="fold", ratio=1)
    table.add_column("figures", overflow="fold", ratio=4)
    by_place: dict[str, list[dict]] = {}
    for r in frame.dicts():
        by_place.setdefault(r["place_id"], []).append(r)
    for rows in by_place.values():
        first = rows[0]
        figures = "; ".join(
            f"{metric_words(r['metric'])}: {format_compact(r['value'], r['unit'], r['bound'])} "
            f"({r['year']})"
            for r in rows
            if r["metric"] is not None
        )
        table.add_row(
            f"{first['name']} ({first['iso_3166_2']}, {first['kind']})",
            first["sectors"],
            figures or "-",
        )
    console.print(table)
    console.print(
        "USD at the year's average rate (Federal Reserve H.10); shares of China's national "
        "figure; multiples over 2014-2015; bn and trn rounded to three figures. Exact values "
        "and each one's lineage: marts.city_metrics (--format json).",
        style="dim",
    )


@app.command()
def tables(
    fmt: FormatOpt = OutputFormat.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """Every table of the warehouse: schema, table, rows and what it holds (the table's own
    comment, written at publish from its pandera model)."""
    from mic2025.warehouse.query import QueryError, Rows, connect_readonly

    try:
        with connect_readonly(warehouse) as con:
            found = con.sql(
                "select schema_name, table_name, comment from duckdb_tables() order by 1, 2"
            ).fetchall()
            values = [
                (
                    schema,
                    name,
                    con.sql(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0],
                    comment or "",
                )
                for schema, name, comment in found
            ]
    except QueryError as exc:
        _fail(str(exc))
    frame = Rows(["schema", "table", "rows", "description"], values)
    if fmt != OutputFormat.table:
        print_frame(frame, fmt)
        return
    table = Table(title="Warehouse tables")
    table.add_column("schema", no_wrap=True)
    table.add_column("table", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("description", overflow="fold")
    for schema, name, rows, description in values:
        table.add_row(schema, name, f"{rows:,}", description)
    console.print(table)


@app.command()
def describe(
    table: Annotated[str, typer.Argument(help="e.g. marts.self_sufficiency")],
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Columns of a table: type, nullable, checks and description (from the pandera schemas)."""
    from mic2025.warehouse.docs import describe_table

    try:
        frame = describe_table(table)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    print_frame(frame, fmt)


@app.command()
def docs(warehouse: WarehouseOpt = None) -> None:
    """Regenerate docs/data-dictionary.md and docs/coverage.md from the warehouse."""
    from mic2025.warehouse.docs import write_docs
    from mic2025.warehouse.query import QueryError, run_query

    try:
        metrics = run_query("select * from marts.sector_metrics", warehouse)
        sectors = run_query("select * from core.sectors", warehouse)
        official = run_query("select read_on from core.official_stats", warehouse)
    except QueryError as exc:
        _fail(str(exc))
    write_docs(metrics, sectors, official)
    console.print("wrote docs/data-dictionary.md, docs/metrics.md and docs/coverage.md")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="Folder for index.html")] = Path("report"),
    warehouse: WarehouseOpt = None,
) -> None:
    """Write a static HTML report (works offline): scorecard, charts, claims, sources."""
    from mic2025.flows.base.settings import warehouse_path
    from mic2025.warehouse.report import build_report

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"no published warehouse at {path}; run `mic2025 refresh` first")
    if out.exists() and not out.is_dir():
        _fail(f"--out {out} is a file: give a folder for the site (it is created if missing)")
    with console.status("drawing charts..."):
        page = build_report(path, out)
    console.print(f"wrote {page} ({page.stat().st_size // 1024} KiB); open it in a browser")


@app.command()
def serve() -> None:
    """Serve both deployments (nightly-refresh, on-demand-refresh) from this one process.

    Simple, but on SIGTERM Prefect's serve() pauses the deployments' schedules; for nightly use
    prefer the work pool and worker of docs/operations.md ("Run it as a service"), which keeps them.
    """
    from prefect import serve as prefect_serve

    from mic2025.flows.refresh import deployments_for_serve

    prefect_serve(*deployments_for_serve())


@app.command()
def server(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1")] = 4200,
) -> None:
    """Start a local Prefect server (API and UI) on loopback and keep it running: later
    `mic2025 refresh` calls find it on port 4200 instead of starting a temporary one each."""
    import subprocess

    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    prefect = str(Path(sys.executable).with_name("prefect"))
    console.print(f"Prefect UI and API on http://127.0.0.1:{port} (Ctrl+C to stop)")
    raise typer.Exit(
        subprocess.call(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env
        )
    )


@app.command()
def alerts(
    webhook: Annotated[
        str,
        typer.Option(
            "--webhook",
            envvar="MIC2025_ALERT_WEBHOOK",
            help="URL that receives a JSON POST (subject, body) for each alert",
        ),
    ],
    missing_after_hours: Annotated[
        float, typer.Option("--missing-after", help="Hours without a completed nightly run")
    ] = 26.0,
    allow_private_url: Annotated[
        bool, typer.Option("--allow-private-url", help="Allow a webhook on a private address")
    ] = False,
) -> None:
    """Create (or update) the Prefect automations that notify WEBHOOK when the nightly refresh
    fails, ends Stale, or does not complete (needs PREFECT_API_URL and the deployments)."""
    from urllib.parse import urlsplit

    if urlsplit(webhook).scheme not in ("http", "https"):
        _fail(f"--webhook takes an http(s) URL, not {webhook!r}")
    if not os.environ.get("PREFECT_API_URL"):
        _fail(
            "set PREFECT_API_URL to the Prefect server the deployments run on (docs/operations.md)"
        )
    from prefect.exceptions import ObjectNotFound

    from mic2025.flows.alerts import setup_alerts

    try:
        made = setup_alerts(
            webhook, missing_after_hours=missing_after_hours, allow_private_url=allow_private_url
        )
    except ObjectNotFound:
        _fail("no deployment mic2025-refresh/nightly-refresh: run `prefect deploy --all` first")
    for name, automation_id in made.items():
        console.print(f"{name}  ({automation_id})")


@app.command()
def web(
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8765,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Site folder (default: the report beside the warehouse)"),
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Serve the answer site over HTTP (read-only static files), for the Prefect UI's report
    link and for other people. MIC2025_WEB_URL tells refreshes the URL to link."""
    from mic2025.warehouse.web import make_server, run_server

    root = folder or _report_dir(warehouse)
    if not (root / "index.html").exists():
        _fail(f"no site at {root}; run `mic2025 refresh` or `mic2025 report --out {root}`")
    try:  # bind first: a busy port is one line, before anything says "serving"
        server = make_server(root, host, port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)")
    console.print(f"serving {root} on http://{host}:{port}/ (Ctrl+C to stop)")
    run_server(server)


def _report_dir(warehouse: str | None) -> Path:
    from mic2025.flows.base.settings import warehouse_path

    return warehouse_path(warehouse).parent / "report"


#: Most candidate claims `claims extract` prints (the output of a hostile page stays bounded).
MAX_CANDIDATES = 2000


class ClaimsFormat(StrEnum):
    json = "json"
    yaml = "yaml"


@claims_app.command("extract")
def claims_extract(
    source: Annotated[str, typer.Argument(help="A text or HTML file, or an http(s) URL")],
    fmt: Annotated[ClaimsFormat, typer.Option("--format", help="json or yaml")] = (
        ClaimsFormat.json
    ),
    years: Annotated[bool, typer.Option("--years", help="Also list bare years")] = False,
) -> None:
    """Propose candidate claims: every number with its value, unit, comparator and quote."""
    from mic2025.flows.ingest.claims import ArticleError, extract_claims, load_article

    try:
        text = load_article(source)
    except ArticleError as exc:
        _fail(str(exc))
    # a bare year ("in 2023") dates a claim but is not one: left out unless asked for
    found = [c.to_dict() for c in extract_claims(text) if years or c.kind != "year"]
    if len(found) > MAX_CANDIDATES:  # an article has dozens; thousands means it is not one
        err.print(
            f"note: {len(found)} numbers found; showing the first {MAX_CANDIDATES}", soft_wrap=True
        )
        found = found[:MAX_CANDIDATES]
    if fmt == ClaimsFormat.yaml:
        import yaml

        sys.stdout.write(yaml.safe_dump(found, allow_unicode=True, sort_keys=False))
    else:
        sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=False) + "\n")


@snapshot_app.command("import")
def snapshot_import(
    sources: Annotated[list[str] | None, typer.Option("--source", help="Only these")] = None,
    shared: Annotated[Path | None, typer.Option("--shared", help="The shared/ folder")] = None,
) -> None:
    """Build the committed snapshots from the bundled files in shared/."""
    from mic2025.flows.base.errors import Mic2025Error
    from mic2025.flows.ingest.snapshot_choice import import_bundled

    try:
        made = import_bundled(sources or None, shared)
    except Mic2025Error as exc:
        _fail(str(exc))
    for snap in made:
        console.print(f"{snap.source}/{snap.version}  {snap.rows} rows  sha256 {snap.sha256[:12]}")


@snapshot_app.command("fetch")
def snapshot_fetch(
    sources: Annotated[list[str], typer.Option("--source", help="Source(s) to fetch")],
) -> None:
    """Fetch sources from their live endpoints into new snapshots (no warehouse change)."""
    from mic2025.flows.base.errors import Mic2025Error
    from mic2025.flows.ingest.snapshot_choice import fetch_live

    failed = False
    for name in sources:
        try:
            snap, changed = fetch_live(name)
        except (Mic2025Error, KeyError) as exc:
            err.print(f"[red]{name}: {exc}[/]")
            failed = True
            continue
        state = "new snapshot" if changed else "unchanged"
        console.print(f"{name}: {state} {snap.version} ({snap.rows} rows)")
    if failed:
        raise typer.Exit(1)


def _exit_on_signal(signum: int, frame) -> None:
    """SIGTERM / SIGHUP unwind like Ctrl+C, so exit handlers run: the temporary Prefect server
    started for this command is stopped with it instead of being left orphaned."""
    raise SystemExit(128 + signum)


#: The read commands, run without typer's option parsing (which imports pydantic, ~0.2 s):
#: an analyst's `mic2025 sql` starts in a few tenths of a second. `--help` and anything
#: argparse cannot read go to typer, which defines the commands.
FAST_COMMANDS = {"sql", "sectors", "scorecard", "tables"}


def _fast_path(argv: list[str]) -> bool:
    """Run a read command straight from argparse; False to let typer handle the arguments."""
    import argparse

    if not argv or argv[0] not in FAST_COMMANDS or {"--help", "-h"} & set(argv):
        return False
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    if argv[0] == "sql":
        parser.add_argument("query")
        parser.add_argument("--timeout", type=float)
        parser.add_argument("--memory-limit")
        parser.add_argument("--max-rows", type=int, default=1000)
    parser.add_argument("--format", default="table", choices=[f.value for f in OutputFormat])
    parser.add_argument("--warehouse")
    try:
        known, unknown = parser.parse_known_args(argv[1:])
    except SystemExit:
        return False
    if unknown:
        return False
    options = {"fmt": OutputFormat(known.format), "warehouse": known.warehouse}
    command = {"sql": sql, "sectors": sectors, "scorecard": scorecard, "tables": tables}[argv[0]]
    if argv[0] == "sql":
        options.update(
            query=known.query,
            timeout=known.timeout,
            memory_limit=known.memory_limit,
            max_rows=known.max_rows,
        )
    try:
        command(**options)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    return True


def main() -> None:  # pragma: no cover - entry point
    import atexit
    import gc
    import signal

    from mic2025.flows.base.settings import debug_enabled

    # Registered first, so it runs after every other exit handler (Prefect's log and event
    # flushes among them): the interpreter's own collections at shutdown traverse every object
    # the imports made (Prefect, pandera, ibis) and cost 0.7-0.9 s of each `mic2025 refresh`;
    # frozen objects are still freed by their reference counts, only the cyclic collector
    # skips them. Every file and connection is closed before a command returns.
    atexit.register(gc.freeze)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        if _fast_path(sys.argv[1:]):
            return
        app()
    except BrokenPipeError:  # `mic2025 sql ... | head`: the reader left; stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as exc:  # a file-system fault in any command: one line unless --debug
        if debug_enabled():  # --debug sets it (the app callback)
            raise
        err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
