"""The refresh flow: snapshots -> raw -> core -> marts -> publish, as coarse Prefect tasks.

One task per source for the snapshot and the raw load, one for the build, one for the publish.
Tasks pass paths and small typed records (flows/base/payloads.py), never data frames. The steps
themselves are plain functions in flows/ingest/snapshot_choice.py and warehouse/ (they do not import Prefect).
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, Field, model_validator

from mic2025.flows.base.errors import (
    FetchError,
    Mic2025Error,
    SourcesStale,
    ValuesRemoved,
    WarehouseIOError,
)
from mic2025.flows.base.failpoints import failpoint
from mic2025.flows.base.payloads import (
    BuildResult,
    LoadReport,
    RefreshSummary,
    RunInfo,
    SnapshotChoice,
)
from mic2025.flows.base.settings import (
    debug_enabled,
    fetch_concurrency,
    fetch_deadline,
    source_deadline,
    stale_fail_share,
    task_retries,
    task_retry_delays,
    warehouse_path,
)
from mic2025.flows.fetch.snapshots import read_snapshot
from mic2025.flows.ingest import snapshot_choice
from mic2025.flows.sources import SOURCES, baci
from mic2025.warehouse import build as wh
from mic2025.warehouse import publish as pub
from mic2025.warehouse import scorecard
from mic2025.warehouse.load import keep_published, load_source
from mic2025.warehouse.query import run_query
from mic2025.warehouse.report import build_report
from mic2025.warehouse.report_text import run_summary_markdown


def new_load_id() -> str:
    """Sortable, unique refresh id: UTC timestamp plus 6 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def _retry_fetch(task, task_run, state) -> bool:
    """Retry a fetch task only for transient failures (429, 5xx, timeouts, broken bodies), and
    only while the retry can start before the source's deadline (``MIC2025_SOURCE_DEADLINE``)."""
    try:
        state.result()
    except FetchError as exc:
        if not exc.retryable:
            return False
    except Exception:
        return False
    else:
        return False
    started = task_run.start_time or datetime.now(UTC)
    delays = task_retry_delays()
    delay = delays[min(task_run.run_count - 1, len(delays) - 1)] if delays else 0
    return (datetime.now(UTC) - started).total_seconds() + delay < source_deadline()


@task(name="fetch", retry_condition_fn=_retry_fetch)
def fetch_task(source: str, years: tuple[int, int] | None = None) -> SnapshotChoice:
    choice = snapshot_choice.fetched_choice(source, years=years)
    get_run_logger().info("%s: %s snapshot %s", source, choice.status, choice.version)
    return choice


def choose_snapshots(
    names: list[str], live_sources: set[str], years: tuple[int, int] | None = None
) -> list[SnapshotChoice]:
    """Live sources are fetched concurrently (``MIC2025_FETCH_CONCURRENCY`` at once, one task
    each, retried on transient errors within ``MIC2025_SOURCE_DEADLINE``; all within
    ``MIC2025_FETCH_DEADLINE``); a source whose fetch fails or is not done in time falls back to
    its last good snapshot, marked stale. Other sources load their latest local snapshot.
    Fetching writes new snapshots only, so it runs before the writer lock is taken."""
    logger = get_run_logger()
    fetch = fetch_task.with_options(
        retries=task_retries(),
        retry_delay_seconds=task_retry_delays(),
        timeout_seconds=source_deadline(),
    )
    live = [n for n in names if n in live_sources and snapshot_choice.has_live_endpoint(n)]
    futures = {name: fetch.submit(name, years) for name in live}
    deadline = fetch_deadline()
    done = wait(list(futures.values()), timeout=deadline).done
    choices = []
    for name in names:
        if name not in futures:
            choices.append(snapshot_choice.local_choice(name))
            continue
        if futures[name] in done:
            try:
                choices.append(futures[name].result())
                continue
            except Exception as exc:  # the failure is recorded; the refresh goes on
                error = str(exc)
        else:
            error = f"{name}: not fetched within the run's fetch deadline ({deadline:g} s)"
        stale = snapshot_choice.stale_choice(name, error)
        choices.append(stale)  # one line per source: name, status, snapshot kept, short reason
        logger.warning("%s: stale snapshot %s (%s)", name, stale.version, stale.message)
    return choices


@task(name="load-raw")
def load_task(
    choice: SnapshotChoice, staging: str, load_id: str, previous_rows: int | None = None
) -> LoadReport:
    snap = read_snapshot(Path(choice.path), verify=True)
    report = load_source(
        choice.source,
        snap,
        Path(staging),
        load_id,
        status=choice.status,
        message=choice.message,
        previous_rows=previous_rows,
    )
    get_run_logger().info(
        "%s: %d rows read, %d loaded, %d quarantined",
        report.source,
        report.rows_read,
        report.rows_loaded,
        report.rows_quarantined,
    )
    return report


def load_all(
    choices: list[SnapshotChoice], staging: str, load_id: str, target: Path
) -> tuple[list[LoadReport], list[SnapshotChoice]]:
    """Load every source. A source whose load fails (too many bad rows, a duplicate key, schema
    drift, a truncated or tampered snapshot) keeps the snapshot the published warehouse was built
    from, or when that is the one failing, the published raw rows themselves: its previous good
    data stays published, and meta.loads records status 'failed' with the error. Only a source
    with nothing published fails the refresh."""
    reports, used = [], []
    published = pub.published_snapshots(target)
    # submitted together: they run in parallel on the flow's task runner (threads, or Dask)
    futures = [
        load_task.submit(choice, staging, load_id, pub.previous_rows(choice, published))
        for choice in choices
    ]
    for choice, future in zip(choices, futures, strict=True):
        future.wait()
        state = future.state
        if state.is_completed():
            reports.append(state.result())
            used.append(choice)
            continue
        try:
            state.result()
        except Exception as exc:  # noqa: BLE001 - reported below, or re-raised
            error = exc
        record = published.get(choice.source)
        previous = snapshot_choice.recorded_choice(record) if record else None
        if previous is None or previous.path == choice.path:
            kept = keep_published(target, record, Path(staging), str(error)) if record else None
            if kept is None:
                raise error
            get_run_logger().error("%s: %s", choice.source, kept.message)
            reports.append(kept)
            used.append(replace(choice, record=record))
            continue
        previous = replace(
            previous,
            status="failed",
            message=f"load failed: {error}; kept the published snapshot {previous.version}",
        )
        get_run_logger().error("%s: %s", choice.source, previous.message)
        reports.append(load_task(previous, staging, load_id))
        used.append(previous)
    return reports, used


def bulk_files() -> list[Path]:
    """BACI-format files of MIC2025_BACI_DIR (none when unset); the build parses them into the
    new warehouse with DuckDB's parallel CSV reader (flows/sources/baci.py)."""
    folder = baci.baci_dir()
    return baci.baci_files(folder) if folder else []


@task(name="build-warehouse")
def build_task(
    tmp: str,
    run: RunInfo,
    reports: list[LoadReport],
    snapshots: list[dict],
    target: str,
    staging: str,
) -> BuildResult:
    """Build the new warehouse in ``tmp``. An expected failure (DuckDB's I/O error on a full
    disk, a source that broke the build) ends the task Failed with one log line, not a
    traceback; the caller gets the error (as :class:`WarehouseIOError` for DuckDB's)."""
    try:
        result = wh.build_warehouse(
            Path(tmp),
            run=run,
            reports=reports,
            snapshots=snapshots,
            previous=Path(target),
            staging=Path(staging),
            bulk_files=bulk_files(),
        )
        failpoint("transform")
        pub.check_built(Path(tmp), list(result.tables))
    except (duckdb.Error, Mic2025Error, OSError) as exc:
        if debug_enabled():
            raise
        error = WarehouseIOError(tmp, _duckdb_reason(exc)) if isinstance(exc, duckdb.Error) else exc
        get_run_logger().error("%s", error)
        return Failed(message=str(error), data=error)
    return result


@task(name="publish")
def publish_task(tmp: str, target: str) -> str:
    aside = pub.publish(Path(tmp), Path(target))
    get_run_logger().info("published %s", target)
    if aside:
        get_run_logger().warning(
            "a read-write session wrote to the replaced warehouse during the publish: its "
            "changes are kept in %s (not replayed onto the new file)",
            aside,
        )
    return target


@task(name="publish-artifacts")
def artifacts_task(summary: RefreshSummary) -> None:
    """Run summary, scorecard artifacts and the answer site. After a publish nothing here may
    fail the run: a published warehouse that a read-write session locked a moment later leaves
    the artifacts for the next refresh (or `mic2025 report`), with one warning line."""
    try:
        _artifacts(summary)
    except (Mic2025Error, duckdb.Error, OSError) as exc:
        get_run_logger().warning(
            "published, but the artifacts and the report were not rebuilt (%s); run "
            "`mic2025 report` when the warehouse is free",
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )


def _artifacts(summary: RefreshSummary) -> None:
    """Run summary (markdown) and the scorecard (table + markdown) as Prefect artifacts."""
    create_markdown_artifact(
        key="mic2025-run-summary",
        markdown=run_summary_markdown(summary),
        description="Sources, rows loaded and quarantined, metric changes",
    )
    card = run_query("select * from marts.scorecard order by target_id", summary["warehouse"])
    create_table_artifact(
        key="mic2025-scorecard",
        table=scorecard.artifact_rows(card),
        description="MIC2025 targets against the latest actuals",
    )
    create_markdown_artifact(
        key="mic2025-scorecard-summary",
        markdown=scorecard.summary_markdown(card),
        description="Targets met / on track / off track / no data",
    )
    page = Path(summary["warehouse"]).parent / "report" / "index.html"
    if summary.get("published", True) or not page.exists():  # unchanged warehouse: same report
        page = build_report(Path(summary["warehouse"]), page.parent)
    web = os.environ.get("MIC2025_WEB_URL")  # where `mic2025 web` serves the site
    create_link_artifact(
        key="mic2025-report",
        link=f"{web.rstrip('/')}/index.html" if web else page.resolve().as_uri(),
        link_text="The answer site (sectors, scorecard, claims, sources)",
        description="Static site of the published warehouse; served by `mic2025 web`"
        + ("" if web else " (set MIC2025_WEB_URL to link its http address)"),
    )


class RefreshMode(StrEnum):
    full = "full"
    incremental = "incremental"


class YearRange(BaseModel):
    """Years asked of the live APIs that take a period (World Bank, UN Comtrade)."""

    first: int = Field(2015, ge=1960, le=2100, description="First year")
    last: int = Field(2025, ge=1960, le=2100, description="Last year")

    @model_validator(mode="after")
    def _ordered(self) -> YearRange:
        """The UI's Run form takes any two numbers: 2030 to 2020 is refused with this line."""
        if self.first > self.last:
            raise ValueError(f"first year {self.first} is after last year {self.last}")
        return self


SourceName = Literal[tuple(sorted(SOURCES))]  # type: ignore[valid-type]


@flow(
    name="mic2025-refresh",
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=fetch_concurrency()),
)
def refresh(
    sources: list[SourceName] | None = None,
    live: bool = False,
    years: YearRange | None = None,
    mode: RefreshMode = RefreshMode.full,
    warehouse: str | None = None,
    wait_seconds: float = 0.0,
    accept_removals: bool = False,
) -> dict:
    """Refresh the MIC2025 warehouse: snapshots -> raw -> core -> marts -> atomic publish.

    Args:
        sources: Sources to refresh (fetch when live). Empty: all. The others load their latest
            snapshot, so the warehouse is always complete.
        live: Fetch the live endpoints first (falling back per source to the last good
            snapshot); off: load the committed snapshots only.
        years: Years asked of the World Bank and UN Comtrade APIs when live.
        mode: full rebuilds the warehouse; incremental publishes nothing when no snapshot,
            curated fact or code changed since the published warehouse.
        warehouse: Warehouse file (default $MIC2025_WAREHOUSE or warehouse/mic2025.duckdb).
        wait_seconds: How long to wait for another refresh that holds the writer lock.
        accept_removals: Complete even when quarantined rows removed published mart values
            (otherwise the run ends Failed, named "ValuesRemoved", naming them).
    """
    try:
        return run_refresh(sources, live, years, mode, warehouse, wait_seconds, accept_removals)
    except (Mic2025Error, OSError) as exc:
        if debug_enabled():
            raise
        # an expected failure (the writer lock is held, a source broke the build, the disk is
        # full): one error line in the log, no traceback; the caller still gets the exception
        message = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
        get_run_logger().error("%s", message)
        return Failed(message=message, data=exc)


def run_refresh(
    sources: list[str] | None,
    live: bool,
    years: YearRange | None,
    mode: RefreshMode,
    warehouse: str | None,
    wait_seconds: float,
    accept_removals: bool = False,
) -> RefreshSummary | State:
    """The refresh flow's steps (called inside the flow; see :func:`refresh`)."""
    if years is not None and not (1960 <= years.first <= years.last <= date.today().year + 1):
        # the Prefect UI's Run form passes any two numbers: the flow checks them itself
        raise ValueError(
            f"years {years.first}:{years.last}: FIRST <= LAST, within 1960-{date.today().year + 1}"
        )
    target = warehouse_path(warehouse)
    pub.check_target(target)  # before fetching or building: a bad path is found in a second
    names = sorted(SOURCES)  # every source is loaded; `sources` chooses which are refreshed
    selected = sources or names
    unknown = sorted(set(selected) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {sorted(SOURCES)}")
    span = (years.first, years.last) if years else None
    load_id = new_load_id()
    run_id = str(flow_run.id) if flow_run.id else None
    started = datetime.now(UTC)
    logger = get_run_logger()
    # fetching only adds snapshots, so it holds no lock: an on-demand run is not blocked by a
    # nightly run waiting on the network, and only build + publish are serialised
    choices = choose_snapshots(names, set(selected) if live else set(), span)
    fetched = sum(c.status != "loaded" for c in choices)  # fetched live, or tried
    with pub.writer_lock(target, wait_seconds):
        leftovers = pub.clean_leftovers(target)
        if leftovers:
            logger.info("removed leftovers of an interrupted refresh: %s", leftovers)
        staging = pub.staging_dir(target, load_id)
        tmp = pub.temp_path(target, load_id)
        try:
            failpoint("snapshot")
            fingerprint = snapshot_choice.inputs_fingerprint(choices)
            if mode == RefreshMode.incremental and fingerprint == pub.published_fingerprint(target):
                logger.info("nothing changed since the published warehouse: not rebuilt")
                summary = unchanged_summary(load_id, run_id, target, choices)
                artifacts_task(summary)
                return final_state(summary, fetched, accept_removals)
            loaded = [c.path for c in choices]
            files = bulk_files()
            if files:  # parsed into the new warehouse while the sources load and the core builds
                baci.start_early(tmp, files)
            reports, choices = load_all(choices, str(staging), load_id, target)
            if [c.path for c in choices] != loaded:  # a failed load kept an older snapshot
                fingerprint = snapshot_choice.inputs_fingerprint(choices)
            failpoint("load")
            snapshots = [c.record or snapshot_choice.snapshot_record(c.path) for c in choices]
            run = RunInfo(
                load_id=load_id,
                inputs_fingerprint=fingerprint,
                started_at=started,
                flow_run_id=run_id,
                mode=str(mode),
                live=live,
            )
            built = build_task(str(tmp), run, reports, snapshots, str(target), str(staging))
            if isinstance(built, State):  # the build ended Failed on an expected error
                built.result()  # raises it: one line in the log and the CLI, no traceback
            try:
                failpoint("before-publish")
            except duckdb.Error as exc:  # disk full, permission: one line, the path, the reason
                raise WarehouseIOError(str(tmp), _duckdb_reason(exc)) from None
            publish_task(str(tmp), str(target))
            failpoint("after-publish")
        finally:
            baci.stop_early(tmp)  # a bulk load no build took (the refresh failed before it)
            shutil.rmtree(staging, ignore_errors=True)
            pub.remove_temp(tmp)
    summary: RefreshSummary = {
        "load_id": load_id,
        "flow_run_id": run_id,
        "warehouse": str(target),
        "published": True,
        "sources": [r.summary_row() for r in reports + built.bulk_reports],
        "tables": built.tables,
        "metric_changes": built.metric_changes,
    }
    artifacts_task(summary)
    return final_state(summary, fetched, accept_removals)


def removed_by_quarantine(summary: RefreshSummary) -> str | None:
    """A message when rows were quarantined and published mart values disappeared: the values
    (up to five) and the sources whose rows went to meta.quarantine."""
    changes = summary.get("metric_changes") or {}
    quarantined = [s for s in summary["sources"] if s.get("rows_quarantined")]
    if not changes.get("removed") or not quarantined:
        return None
    shown = "; ".join(
        f"{v['metric']} {v['product']} {v['year']} ({v['definition_id']}) = {v['before']:.4g}"
        for v in changes.get("removed_examples", [])[:5]
    )
    where = ", ".join(f"{s['source']} ({s['rows_quarantined']} rows)" for s in quarantined)
    return (
        f"{changes['removed']} published value(s) removed while rows were quarantined in "
        f"{where}: {shown}; see meta.quarantine, fix the source or pass --accept-removals"
    )


def _duckdb_reason(exc: Exception) -> str:
    """DuckDB's error without its type prefix and query echo: 'No space left on device'."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(": ", 1)[1] if text.startswith(("IO Error", "TransactionContext")) else text


def final_state(summary: RefreshSummary, fetched: int, accept_removals: bool = False) -> State:
    """What the run's state says. Every source refreshed or loaded: Completed. Some stale or
    failed (they keep their last good snapshot, so the warehouse is whole but not current):
    Completed named "Stale", message naming them; more than ``MIC2025_STALE_FAIL_SHARE`` of the
    live-fetched sources stale (a network outage): Failed named "Stale", so that the UI shows red
    and automations on failed runs fire. The summary is the state's data either way."""
    removed = None if accept_removals else removed_by_quarantine(summary)
    if removed:
        return Failed(name="ValuesRemoved", message=removed, data=ValuesRemoved(removed, summary))
    behind = [s for s in summary["sources"] if s["status"] in ("stale", "failed")]
    if not behind:
        return Completed(data=summary)
    stale = sum(s["status"] == "stale" for s in behind)
    names = ", ".join(f"{s['source']} ({s['status']})" for s in behind)
    message = f"{len(behind)} source(s) not refreshed, last good snapshot kept: {names}" + (
        f"; {stale} of {fetched} live source(s) stale" if fetched else ""
    )
    if fetched and stale / fetched > stale_fail_share():
        return Failed(name="Stale", message=message, data=SourcesStale(message, summary))
    return Completed(name="Stale", message=message, data=summary)


def unchanged_summary(
    load_id: str, run_id: str | None, target: Path, choices: list[SnapshotChoice]
) -> RefreshSummary:
    return {
        "load_id": load_id,
        "flow_run_id": run_id,
        "warehouse": str(target),
        "published": False,
        "sources": [
            {
                "source": c.source,
                "snapshot_version": c.version,
                "status": "unchanged" if c.status != "stale" else "stale",
                "rows_read": 0,
                "rows_loaded": 0,
                "rows_quarantined": 0,
                "message": c.message or "same snapshot as the published warehouse",
            }
            for c in choices
        ],
        "tables": {},
        "metric_changes": {"changed": 0, "added": 0, "removed": 0, "examples": []},
    }


def deployments_for_serve() -> list:
    """The two deployments of prefect.yaml, for ``mic2025 serve`` (one process, no worker)."""
    import yaml
    from prefect.schedules import Cron

    from mic2025.flows.base.settings import PROJECT_ROOT

    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    out = []
    for d in spec["deployments"]:
        schedules = [
            Cron(c["cron"], timezone=c.get("timezone"), active=c.get("active", True))
            for c in d.get("schedules") or []
        ]
        out.append(
            refresh.to_deployment(
                name=d["name"],
                description=d.get("description"),
                parameters=d.get("parameters") or {},
                schedules=schedules or None,
                tags=d.get("tags"),
                concurrency_limit=d.get("concurrency_limit"),
            )
        )
    return out


def with_task_runner(name: str = "threads", address: str | None = None, workers: int = 2):
    """The refresh flow on another task runner: ``dask`` fans the per-source (and per-file) load
    tasks out to a Dask cluster - the one at ``address`` (``tcp://host:8786``), or a local
    cluster of ``workers`` processes. Tasks exchange paths, so workers need the same file system.
    """
    if name == "threads":
        return refresh
    if name != "dask":
        raise ValueError(f"unknown task runner {name!r}: use threads or dask")
    from prefect_dask import DaskTaskRunner

    runner = (
        DaskTaskRunner(address=address)
        if address
        else DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    )
    return refresh.with_options(task_runner=runner)
