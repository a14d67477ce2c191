"""Benchmarks (not tests): print one table per run, with the machine described.

    python -m bench.run                       # everything, trade ingest at 1M, 10M and 50M rows
    python -m bench.run --sizes 1000000       # a quicker run
    python -m bench.run --skip-server         # no `prefect server start` comparison

1. Offline full refresh: wall time of `mic2025 refresh` with Prefect's temporary API and with a
   running server (PREFECT_API_URL), and per stage (snapshot check, parse, validate, load,
   transform, publish) timed on the same step functions the flow calls.
2. No-op refresh (`--incremental`, nothing changed) against the full refresh.
3. Bulk trade of SYNTHETIC BACI-format files (seeded; see bench/synthetic_baci.py): what the files
   add to a `mic2025 refresh` (refresh with MIC2025_BACI_DIR minus refresh without) against
   DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv(...)` of the same files, best of
   `--repeats` interleaved rounds, idle and with one core kept busy in the same run
   (`--machine idle|busy` for one), with the spread of the per-round ratio; then the time per
   stage.
4. Query latency (p50, p95) of the main mart queries from a read-only connection.
5. The transform stage on today's curated rows and on 10x as many (SYNTHETIC, never published).
6. Read commands and the answer site, start to exit, against a bare Python DuckDB query.
7. `mic2025 web` under load: 500 idle or trickling clients held open, then 2,000 requests 200
   at a time; latency, errors, and how many idle clients the server dropped.

    python -m bench.run --only trade --sizes 20000000,50000000     # issue 19's measurement
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    **os.environ,
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}
PREFECT = str(Path(sys.executable).with_name("prefect"))
MIC2025 = str(Path(sys.executable).with_name("mic2025"))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import pandera
    import polars
    import prefect

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, prefect {prefect.__version__}, "
        f"duckdb {duckdb.__version__}, polars {polars.__version__}, pandera {pandera.__version__}"
    )


def table(title: str, header: list[str], rows: list[list]) -> str:
    lines = [f"\n### {title}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - start


# --------------------------------------------------------------------------- 1 + 2: refresh


def stage_times(work: Path) -> dict[str, float]:
    """The refresh's steps, called directly (no Prefect), each timed."""
    from mic2025.flows.base.payloads import LoadReport, RunInfo
    from mic2025.flows.fetch.snapshots import read_snapshot
    from mic2025.flows.ingest import snapshot_choice
    from mic2025.flows.sources import SOURCES, get_source
    from mic2025.warehouse import build as wh
    from mic2025.warehouse.load import raw_schema, split_valid
    from mic2025.warehouse.publish import publish

    times = dict.fromkeys(
        ["snapshot check", "parse", "validate", "load", "transform", "publish"], 0.0
    )
    t = time.perf_counter()
    choices = [snapshot_choice.local_choice(n) for n in sorted(SOURCES)]
    snaps = [read_snapshot(Path(c.path), verify=True) for c in choices]
    times["snapshot check"] = time.perf_counter() - t
    reports = []
    staging = work / "stage"
    for snap in snaps:
        source = get_source(snap.source)
        t = time.perf_counter()
        import polars as pl

        frame = source.parse(snap).with_columns(
            pl.lit("bench").alias("load_id"), pl.lit(snap.sha256).alias("snapshot_sha256")
        )
        times["parse"] += time.perf_counter() - t
        t = time.perf_counter()
        good, _ = split_valid(
            frame,
            raw_schema(source.raw_table),
            source=snap.source,
            table=source.raw_table,
            load_id="bench",
        )
        times["validate"] += time.perf_counter() - t
        t = time.perf_counter()
        (staging / "raw").mkdir(parents=True, exist_ok=True)
        path = staging / "raw" / f"{snap.source}.parquet"
        good.write_parquet(path)
        times["load"] += time.perf_counter() - t
        reports.append(
            LoadReport(
                source=snap.source,
                table=source.raw_table,
                snapshot_version=snap.version,
                snapshot_sha256=snap.sha256,
                rows_read=frame.height,
                rows_loaded=good.height,
                rows_quarantined=0,
                status="loaded",
                message=None,
                started_at="2026-01-01T00:00:00+00:00",
                finished_at="2026-01-01T00:00:00+00:00",
                raw_path=str(path),
            )
        )
    from datetime import UTC, datetime

    run = RunInfo(load_id="bench", inputs_fingerprint="bench", started_at=datetime.now(UTC))
    tmp = work / "bench.duckdb.tmp"
    t = time.perf_counter()
    wh.build_warehouse(
        tmp,
        run=run,
        reports=reports,
        snapshots=[snapshot_choice.snapshot_record(c.path) for c in choices],
    )
    times["transform"] = time.perf_counter() - t
    t = time.perf_counter()
    publish(tmp, work / "bench.duckdb")
    times["publish"] = time.perf_counter() - t
    return times


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**ENV, "PREFECT_HOME": str(home)}
    proc = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    import requests

    for _ in range(120):
        try:
            if requests.get(f"{api}/health", timeout=1).ok:
                return proc, api
        except requests.ConnectionError:
            time.sleep(0.5)
    raise RuntimeError("prefect server did not start")


def refresh_bench(work: Path, with_server: bool) -> str:
    target = work / "wh" / "mic2025.duckdb"
    base = {**ENV, "PREFECT_HOME": str(work / "ph"), "MIC2025_WAREHOUSE": str(target)}
    base.pop("PREFECT_API_URL", None)
    base["MIC2025_TEMPORARY_PREFECT"] = "1"  # measure the temporary API even if :4200 runs
    timed([MIC2025, "refresh", "--quiet"], base)  # warm-up: first PREFECT_HOME use
    rows = []
    full = timed([MIC2025, "refresh", "--quiet"], base)
    noop = timed([MIC2025, "refresh", "--quiet", "--incremental"], base)
    rows.append(
        ["temporary API (no PREFECT_API_URL)", f"{full:.1f}", f"{noop:.1f}", f"{noop / full:.0%}"]
    )
    if with_server:
        proc, api = start_server(work / "server-home")
        try:
            env = {**base, "PREFECT_API_URL": api}
            timed([MIC2025, "refresh", "--quiet"], env)
            full = timed([MIC2025, "refresh", "--quiet"], env)
            noop = timed([MIC2025, "refresh", "--quiet", "--incremental"], env)
            rows.append(
                [
                    "running server (PREFECT_API_URL)",
                    f"{full:.1f}",
                    f"{noop:.1f}",
                    f"{noop / full:.0%}",
                ]
            )
            inflow = subprocess.run(
                [sys.executable, "-c", INFLOW],
                env={**env, "PYTHONPATH": str(ROOT)},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            f_s, n_s = json.loads(inflow.stdout.strip().splitlines()[-1])
            rows.append(
                [
                    "running server, flow call only (imports excluded)",
                    f"{f_s:.2f}",
                    f"{n_s:.2f}",
                    f"{n_s / f_s:.0%}",
                ]
            )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    stages = stage_times(work)
    out = table(
        "1-2. Offline refresh: full and no-op (seconds)",
        ["Prefect API", "full refresh", "no-op refresh", "no-op / full"],
        rows,
    )
    total = sum(stages.values())
    out += table(
        "1. Full refresh by stage (step functions, seconds)",
        ["stage", "seconds", "share"],
        [[k, f"{v:.2f}", f"{v / total:.0%}"] for k, v in stages.items()],
    )
    return out


INFLOW = """
import json, os, time, warnings
warnings.filterwarnings("ignore")
from mic2025.flows.refresh import refresh, RefreshMode
t = time.perf_counter(); refresh(); full = time.perf_counter() - t
t = time.perf_counter(); refresh(mode=RefreshMode.incremental); noop = time.perf_counter() - t
print(json.dumps([full, noop]))
"""


# --------------------------------------------------------------------------- 3: trade ingest

STAGES = """
import json, resource, sys, time
from pathlib import Path
import duckdb, polars as pl
from mic2025.flows.sources import baci, get_source
from mic2025.flows.fetch.snapshots import latest_snapshot
from mic2025.warehouse import conform
from mic2025.warehouse.build import read_sectors
from mic2025.warehouse.load import read_raw
folder, work = Path(sys.argv[1]), Path(sys.argv[2])
raw = read_raw("sector_hs_map", latest_snapshot("sector_hs_map"), "b")
hs_map = conform.sector_hs_map(raw, read_sectors())
con = duckdb.connect(str(work / "w.duckdb"))
con.execute("CREATE SCHEMA raw")
t0 = time.perf_counter()
reports = baci.load_files(con, baci.baci_files(folder))      # CSV parse into the warehouse
t1 = time.perf_counter()
quarantine, _, error = baci.validate_table(con, "b")         # pandera, every row, in DuckDB
t2 = time.perf_counter()
m = baci.china_trade_metrics(con, hs_map)                     # China's world shares and RCA
t3 = time.perf_counter()
con.execute("CHECKPOINT")
con.close()
t4 = time.perf_counter()
print(json.dumps({"parse_load": t1 - t0, "pandera": t2 - t1, "metrics": t3 - t2,
                  "checkpoint": t4 - t3, "rows": sum(r.rows_loaded for r in reports)}))
"""

DUCKDB_RAW = """
import json, resource, sys, time
from pathlib import Path
import duckdb
folder, work = Path(sys.argv[1]), Path(sys.argv[2])
con = duckdb.connect(str(work / "ref.duckdb"))
t = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{folder}/*.csv')")
con.execute("CHECKPOINT")
seconds = time.perf_counter() - t
rows = con.sql("SELECT count(*) FROM t").fetchall()[0][0]
con.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"rows": rows, "seconds": seconds, "peak_gib": peak}))
"""


def _python(script: str, *args: str, env: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**(env or ENV), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _refresh_seconds(env: dict) -> tuple[float, float]:
    """Wall time and peak RSS (GiB) of one `mic2025 refresh` in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = timed([MIC2025, "refresh", "--quiet"], env)
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak / 2**20


def _busy() -> subprocess.Popen:
    """A competing process that keeps one of the two cores busy (the 'busy machine' case)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)


def _trade_case(work: Path, folder: Path, size: int, repeats: int, api: str) -> dict:
    """One case (a size, idle or busy): ``repeats`` rounds, each round running the refresh
    without files, the refresh with files and DuckDB's raw load back to back (interleaved, so a
    slow minute of the machine falls on all three alike)."""
    target = work / f"trade-{size}" / "mic2025.duckdb"
    env = {
        **ENV,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(work / "ph-trade"),
        "MIC2025_WAREHOUSE": str(target),
    }
    with_files = {**env, "MIC2025_BACI_DIR": str(folder)}
    timed([MIC2025, "refresh", "--quiet"], env)  # warm-up
    without, with_rows, raw, peaks = [], [], [], []
    for n in range(repeats):
        without.append(_refresh_seconds(env)[0])
        seconds, peak = _refresh_seconds(with_files)
        with_rows.append(seconds)
        peaks.append(peak)
        out = work / f"raw-{size}-{n}"
        out.mkdir()
        raw.append(_python(DUCKDB_RAW, str(folder), str(out))["seconds"])
        shutil.rmtree(out)
    shutil.rmtree(target.parent, ignore_errors=True)
    # ratio = DuckDB raw load / what the files add to a refresh; best = best of each side;
    # spread = the ratio of each round (min and max)
    rounds = [r / max(w - o, 1e-9) for r, w, o in zip(raw, with_rows, without, strict=True)]
    return {
        "raw": min(raw),
        "without": min(without),
        "with": min(with_rows),
        "added": min(with_rows) - min(without),
        "ratio": min(raw) / max(min(with_rows) - min(without), 1e-9),
        "ratio_min": min(rounds),
        "ratio_max": max(rounds),
        "peak": max(peaks),
    }


def trade_bench(work: Path, sizes: list[int], repeats: int, busy: bool | None) -> str:
    """What bulk rows add to a refresh, against DuckDB's own load of the same files, idle and
    with one core kept busy, in one run.

    ratio = DuckDB raw load / (refresh with MIC2025_BACI_DIR - refresh without), best of
    ``repeats`` rounds each (interleaved), on a running Prefect server (so the temporary API's
    start-up does not blur the difference); the spread is the ratio of each round.
    ``busy``: None = both cases, True = busy only, False = idle only."""
    from bench.synthetic_baci import generate

    cases = [False, True] if busy is None else [busy]
    proc, api = start_server(work / "trade-server")
    rows_out, stage_rows = [], []
    try:
        for size in sizes:
            folder = work / f"baci-{size}"
            generate(folder, size, max(1, size // 10_000_000))
            for loaded in cases:
                hog = _busy() if loaded else None
                try:
                    c = _trade_case(work, folder, size, repeats, api)
                finally:
                    if hog:
                        os.killpg(hog.pid, signal.SIGTERM)
                rows_out.append(
                    [
                        f"{size:,}",
                        "one core busy" if loaded else "idle",
                        f"{c['raw']:.1f}",
                        f"{c['without']:.1f}",
                        f"{c['with']:.1f}",
                        f"{c['added']:.1f}",
                        f"{c['ratio']:.2f}",
                        f"{c['ratio_min']:.2f}-{c['ratio_max']:.2f}",
                        f"{c['peak']:.2f}",
                    ]
                )
            out = work / f"stages-{size}"
            out.mkdir()
            st = _python(STAGES, str(folder), str(out))
            shutil.rmtree(out)
            stage_rows.append(
                [f"{size:,}"]
                + [f"{st[k]:.2f}" for k in ("parse_load", "pandera", "metrics", "checkpoint")]
            )
            shutil.rmtree(folder)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return table(
        f"3. Bulk trade, SYNTHETIC BACI-format rows: seconds, best of {repeats} interleaved rounds",
        [
            "rows",
            "machine",
            "DuckDB raw load",
            "refresh without files",
            "refresh with files",
            "added by the files",
            "ratio (raw / added)",
            "ratio per round (min-max)",
            "refresh peak GiB",
        ],
        rows_out,
    ) + table(
        "3. Bulk trade by stage (same files, step functions, idle, seconds)",
        ["rows", "CSV parse + load", "pandera (every row)", "China metrics", "checkpoint"],
        stage_rows,
    )


GROWTH = """
import json, sys, time
import polars as pl
from mic2025.flows.refresh import refresh
from mic2025.warehouse import build
from mic2025.flows.base.settings import warehouse_path
import duckdb
factor = int(sys.argv[1])
con = duckdb.connect(str(warehouse_path()), read_only=True)
core = {t: con.sql(f"select * from {t}").pl() for t in build.TABLE_SCHEMAS if t.startswith("core.")}
con.close()
core = {t: f.drop("load_id", strict=False) for t, f in core.items()}
def grow(frame):
    # SYNTHETIC copies shifted back 100 years each: same shape, never published
    return pl.concat([frame.with_columns(pl.col("year") - 100 * n) for n in range(factor)])
for t in ("core.official_stats", "core.observations", "core.trade"):
    core[t] = grow(core[t])
best = None
for _ in range(3):
    t0 = time.perf_counter()
    build.mart_tables(core, "bench")
    best = min(best or 1e9, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "rows": sum(core[t].height for t in
      ("core.official_stats", "core.observations", "core.trade"))}))
"""


def growth_bench(work: Path) -> str:
    """The transform stage (core -> marts) on today's curated rows and on 10x as many
    (SYNTHETIC copies shifted back in time, built in memory, never published)."""
    target = work / "growth" / "mic2025.duckdb"
    env = {**ENV, "PREFECT_HOME": str(work / "ph-growth"), "MIC2025_WAREHOUSE": str(target)}
    timed([MIC2025, "refresh", "--quiet"], env)
    rows = []
    for factor in (1, 10):
        r = _python(GROWTH, str(factor), env=env)
        rows.append([f"{factor}x", f"{r['rows']:,}", f"{r['seconds']:.2f}"])
    return table(
        "5. Transform stage (core -> marts) as curated rows grow, best of 3",
        ["rows", "core rows (stats + observations + trade)", "seconds"],
        rows,
    )


# --------------------------------------------------------------------------- 4: queries

QUERIES = {
    "NEV self-sufficiency": "select * from marts.self_sufficiency where product ilike "
    "'%vehicle%' order by year",
    "metric coverage": "select sector, metric, min(year), max(year), count(*) from "
    "marts.sector_metrics group by all order by all",
    "scorecard": "select * from marts.scorecard order by target_id",
    "claim checks": "select * from marts.claim_checks",
    "China EV share": "select year, value from marts.sector_metrics where metric = "
    "'china_share_of_world_demand' and product = 'Electric cars' order by year",
}


def query_bench(work: Path, reps: int = 50) -> str:
    import duckdb

    target = work / "wh" / "mic2025.duckdb"
    rows = []
    for name, sql in QUERIES.items():
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            con = duckdb.connect(str(target), read_only=True)
            con.sql(sql).fetchall()
            con.close()
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        rows.append(
            [
                name,
                f"{statistics.median(samples):.1f}",
                f"{samples[int(0.95 * (len(samples) - 1))]:.1f}",
            ]
        )
    return table(
        f"4. Query latency, read-only connection opened per query ({reps} runs, ms)",
        ["query", "p50", "p95"],
        rows,
    )


BARE_QUERY = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
    "print(c.sql('select count(*) from marts.sector_metrics').fetchall())"
)


def cli_bench(work: Path, reps: int = 5) -> str:
    """Start-to-exit time of the read commands against a bare Python DuckDB query (issue 28:
    `mic2025 sql` at most 2.5x, each read command under 0.5 s), and of building the whole answer
    site (issue 26: under 2 s; the first of the runs may render charts into an empty cache)."""
    target = work / "wh" / "mic2025.duckdb"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "mic2025.flows.cli",
                "refresh",
                "--quiet",
                "--warehouse",
                str(target),
            ],
            check=True,
            capture_output=True,
        )
    commands = {
        "bare Python DuckDB query": [sys.executable, "-c", BARE_QUERY, str(target)],
        "mic2025 sql": [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "sql",
            "select count(*) from marts.sector_metrics",
            "--warehouse",
            str(target),
        ],
        "mic2025 sectors": [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "sectors",
            "--warehouse",
            str(target),
        ],
        "mic2025 scorecard": [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "scorecard",
            "--warehouse",
            str(target),
        ],
        "mic2025 tables": [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "tables",
            "--warehouse",
            str(target),
        ],
        # the whole answer site (issue 26: built in under 2 s), charts from the SVG cache
        "mic2025 report": [
            sys.executable,
            "-m",
            "mic2025.flows.cli",
            "report",
            "--warehouse",
            str(target),
            "--out",
            str(work / "site"),
        ],
    }
    medians = {}
    for name, cmd in commands.items():
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            samples.append(time.perf_counter() - t)
        medians[name] = statistics.median(samples)
    bare = medians["bare Python DuckDB query"]
    rows = [[n, f"{v:.2f}", f"{v / bare:.1f}x"] for n, v in medians.items()]
    return table(
        f"5. Read commands, start to exit (median of {reps}, s; ratio to the bare query)",
        ["command", "seconds", "ratio"],
        rows,
    )


def web_bench(work: Path, idle: int = 500, requests_: int = 2000, concurrency: int = 200) -> str:
    """Issue 28's probe of `mic2025 web`: ``idle`` clients that send half a request and never
    finish it, then a burst of ``requests_`` GETs ``concurrency`` at a time."""
    import concurrent.futures as cf
    import urllib.request

    from mic2025.warehouse.web import IDLE_TIMEOUT_S, make_server

    site = work / "web-site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>t</title>" + "x" * 100_000)
    server = make_server(site, "127.0.0.1", 0)
    port = server.server_address[1]
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    held = []
    for _ in range(idle):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
        held.append(s)
    opened = time.monotonic()

    def fetch(_):
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as r:
                r.read()
            return time.perf_counter() - t, None
        except OSError as exc:
            return time.perf_counter() - t, type(exc).__name__

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(fetch, range(requests_)))
    wall = time.perf_counter() - t0
    time.sleep(max(0.0, IDLE_TIMEOUT_S + 1 - (time.monotonic() - opened)))
    dropped = 0
    for s in held:
        try:
            s.settimeout(0.5)
            dropped += s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            dropped += 1
        except OSError:
            pass
        s.close()
    server.shutdown()
    server.server_close()
    lat = sorted(r[0] for r in results)
    errors = sum(1 for r in results if r[1])
    return table(
        f"7. `mic2025 web` with {idle} idle clients held open: {requests_} requests, "
        f"{concurrency} at a time",
        ["wall s", "p50 ms", "p95 ms", "max ms", "over 1 s", "errors", "idle dropped"],
        [
            [
                f"{wall:.1f}",
                f"{statistics.median(lat) * 1000:.0f}",
                f"{lat[int(0.95 * len(lat))] * 1000:.0f}",
                f"{lat[-1] * 1000:.0f}",
                str(sum(1 for x in lat if x > 1)),
                str(errors),
                f"{dropped} of {idle}",
            ]
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="20000000,50000000")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--machine",
        choices=["both", "idle", "busy"],
        default="both",
        help="3.: idle, one core kept busy, or both in one run (default)",
    )
    parser.add_argument(
        "--only", choices=["refresh", "queries", "trade", "growth", "cli", "web"], default=None
    )
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mic2025-bench-"))
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    print(f"## mic2025 benchmarks\n\nMachine: {machine()}")
    if args.only in (None, "refresh"):
        print(refresh_bench(work, with_server=not args.skip_server))
    if args.only in (None, "queries"):
        print(query_bench(work))
    if args.only in (None, "trade"):
        busy = {"both": None, "idle": False, "busy": True}[args.machine]
        print(trade_bench(work, sizes, args.repeats, busy), flush=True)
    if args.only in (None, "growth"):
        print(growth_bench(work), flush=True)
    if args.only in (None, "cli"):
        print(cli_bench(work), flush=True)
    if args.only in (None, "web"):
        print(web_bench(work), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
