"""Benchmarks (not tests): print one table per run, with the machine described.

    python -m bench.run                       # everything, trade ingest at 1M, 10M and 50M rows
    python -m bench.run --sizes 1000000       # a quicker run
    python -m bench.run --skip-server         # no `prefect server start` comparison

1. Offline full refresh: wall time of `mic2025 refresh` with Prefect's temporary API and with a
   running server (PREFECT_API_URL), and per stage (snapshot check, parse, validate, load,
   transform, publish) timed on the same step functions the flow calls.
2. No-op refresh (`--incremental`, nothing changed) against the full refresh.
3. Trade ingest of SYNTHETIC BACI-format files (seeded; see bench/synthetic_baci.py): rows/s and
   peak memory of the project's path (stage + pandera validation + load + metrics) next to
   DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv(...)`, in the same run.
4. Query latency (p50, p95) of the main mart queries from a read-only connection.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
    from flows import ingest
    from flows.snapshots import read_snapshot
    from flows.sources import SOURCES, get_source
    from warehouse import build as wh
    from warehouse.load import raw_schema, split_valid

    times = dict.fromkeys(
        ["snapshot check", "parse", "validate", "load", "transform", "publish"], 0.0
    )
    t = time.perf_counter()
    choices = [ingest.local_choice(n) for n in sorted(SOURCES)]
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
            {
                "source": snap.source,
                "table": source.raw_table,
                "raw_path": str(path),
                "snapshot_version": snap.version,
                "snapshot_sha256": snap.sha256,
                "rows_read": frame.height,
                "rows_loaded": good.height,
                "rows_quarantined": 0,
                "status": "loaded",
                "message": None,
                "started_at": "2026-01-01T00:00:00+00:00",
                "finished_at": "2026-01-01T00:00:00+00:00",
                "quarantine_path": None,
            }
        )
    from datetime import UTC, datetime

    run = {
        "load_id": "bench",
        "flow_run_id": None,
        "mode": "full",
        "live": False,
        "inputs_fingerprint": "bench",
        "started_at": datetime.now(UTC),
    }
    tmp = work / "bench.duckdb.tmp"
    t = time.perf_counter()
    wh.build_warehouse(
        tmp, run=run, reports=reports, snapshots=[ingest.snapshot_record(c.path) for c in choices]
    )
    times["transform"] = time.perf_counter() - t
    t = time.perf_counter()
    wh.publish(tmp, work / "bench.duckdb")
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
from flows.refresh import refresh, RefreshMode
t = time.perf_counter(); refresh(); full = time.perf_counter() - t
t = time.perf_counter(); refresh(mode=RefreshMode.incremental); noop = time.perf_counter() - t
print(json.dumps([full, noop]))
"""


# --------------------------------------------------------------------------- 3: trade ingest

PROJECT_PATH = """
import json, resource, sys, time
from pathlib import Path
import duckdb, polars as pl
from flows.sources import baci, get_source
from flows.snapshots import latest_snapshot
from warehouse import conform
from warehouse.build import read_sectors
folder, work = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
rows = 0
for f in baci.baci_files(folder):
    rows += baci.ingest_file(f, work).rows_loaded        # stream + pandera validation
con = duckdb.connect(str(work / "w.duckdb"))
baci.load_into(con, work, table="baci_trade")            # into the warehouse file
raw = get_source("sector_hs_map").parse(latest_snapshot("sector_hs_map")).with_columns(
    pl.lit("b").alias("load_id"), pl.lit("0" * 64).alias("snapshot_sha256"))
m = baci.china_trade_metrics(con, conform.sector_hs_map(raw, read_sectors()), table="baci_trade")
con.close()
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"rows": rows, "seconds": seconds, "peak_gib": peak, "metrics": m.height}))
"""

DUCKDB_RAW = """
import json, resource, sys, time
from pathlib import Path
import duckdb
folder, work = Path(sys.argv[1]), Path(sys.argv[2])
con = duckdb.connect(str(work / "ref.duckdb"))
t = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{folder}/*.csv')")
rows = con.sql("SELECT count(*) FROM t").fetchall()[0][0]
seconds = time.perf_counter() - t
con.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"rows": rows, "seconds": seconds, "peak_gib": peak}))
"""


def trade_bench(work: Path, sizes: list[int]) -> str:
    from bench.synthetic_baci import generate

    rows_out = []
    for size in sizes:
        folder = work / f"baci-{size}"
        years = max(1, size // 10_000_000)
        t = time.perf_counter()
        generate(folder, size, years)
        gen = time.perf_counter() - t
        results = {}
        for name, script in (("duckdb", DUCKDB_RAW), ("project", PROJECT_PATH)):
            out = work / f"out-{name}-{size}"
            out.mkdir()
            done = subprocess.run(
                [sys.executable, "-c", script, str(folder), str(out)],
                env={**ENV, "PYTHONPATH": str(ROOT)},
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr[-3000:])
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            shutil.rmtree(out)
        p, d = results["project"], results["duckdb"]
        p_rate, d_rate = p["rows"] / p["seconds"], d["rows"] / d["seconds"]
        rows_out.append(
            [
                f"{size:,}",
                f"{years}",
                f"{gen:.0f}",
                f"{d['seconds']:.1f}",
                f"{d_rate / 1e6:.2f}M",
                f"{d['peak_gib']:.2f}",
                f"{p['seconds']:.1f}",
                f"{p_rate / 1e6:.2f}M",
                f"{p['peak_gib']:.2f}",
                f"{p_rate / d_rate:.0%}",
            ]
        )
        shutil.rmtree(folder)
    return table(
        "3. Trade ingest, SYNTHETIC BACI-format rows (project path = stream to Parquet + pandera "
        "+ load + China metrics)",
        [
            "rows",
            "files",
            "generate s",
            "DuckDB raw s",
            "DuckDB rows/s",
            "DuckDB peak GiB",
            "project s",
            "project rows/s",
            "project peak GiB",
            "project / DuckDB",
        ],
        rows_out,
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000000,10000000,50000000")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mic2025-bench-"))
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    print(f"## mic2025 benchmarks\n\nMachine: {machine()}")
    print(refresh_bench(work, with_server=not args.skip_server))
    print(query_bench(work))
    print(trade_bench(work, sizes), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
