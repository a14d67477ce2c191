"""The code's shape: one installed namespace, and imports that go one way (import-linter)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_imports_go_one_way():
    """flows/base <- schemas <- flows/fetch <- flows/sources <- flows/ingest <- warehouse <-
    flows/refresh <- flows/cli: the contract in pyproject.toml ([tool.importlinter]), one folder
    per layer; a module importing upwards breaks it."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a test dependency"
    done = subprocess.run(
        [lint, str(ROOT / "pyproject.toml")], cwd="/", capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def _module_imports() -> dict[str, list[tuple[str, str]]]:
    """Every project module -> the (module, name) pairs it imports from the project, including
    imports inside functions and attribute access of an imported module (``site._cite``)."""
    import ast

    modules: dict[str, Path] = {}
    for folder in ("flows", "schemas", "warehouse"):
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts]
            parts = [p for p in parts if p != "__init__"]
            modules[".".join(["mic2025", folder, *parts])] = path
    found: dict[str, list[tuple[str, str]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        aliases: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mic2025"):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    if full in modules:
                        aliases[a.asname or a.name] = full
                        pairs.append((full, ""))
                    else:
                        pairs.append((node.module, a.name))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                pairs.append((aliases[node.value.id], node.attr))
        found[name] = [(m, n) for m, n in pairs if m in modules]
    return found


def test_no_import_cycle_and_no_private_name_across_modules():
    """The module graph has no cycle (report <-> site, baci <-> baci_model were the last two),
    and no module reaches for another's private name (``_runs``, ``_cite``, ``_rule_text``)."""
    graph = _module_imports()
    private = [
        (m, t, n) for m, pairs in graph.items() for t, n in pairs if n.startswith("_") and t != m
    ]
    assert private == []
    edges = {m: {t for t, _ in pairs if t != m} for m, pairs in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])


def test_metric_families_are_small_modules():
    """warehouse/metrics/ is one module per family, each well under ~350 lines."""
    sizes = {
        p.name: len(p.read_text().splitlines())
        for p in (ROOT / "warehouse" / "metrics").glob("*.py")
    }
    assert {"balances.py", "published.py", "series_ratios.py", "trade.py", "common.py"} <= set(
        sizes
    )
    assert max(sizes.values()) <= 350, sizes


def test_the_installed_package_is_mic2025_only(tmp_path):
    """Outside the source tree, the code is importable as mic2025.* and the folder names of the
    design card (flows, schemas, warehouse) are not claimed as top-level packages."""
    probe = (
        "import importlib.util, mic2025.flows.cli, mic2025.schemas.raw, mic2025.warehouse.build\n"
        "print([n for n in ('flows', 'schemas', 'warehouse') if importlib.util.find_spec(n)])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_every_source_is_one_complete_declaration():
    """Each source declares its raw model, its raw -> core conformer and its publisher; the
    loader and the builder find all three through the registry (no name-based dispatch)."""
    import pandera.polars as pa

    from mic2025.flows.sources import SOURCES
    from mic2025.warehouse.conform import CONFORMERS
    from mic2025.warehouse.load import raw_schema

    assert len(SOURCES) == 18
    for source in SOURCES.values():
        assert issubclass(source.raw_model, pa.DataFrameModel), source.name
        assert source.core in CONFORMERS, source.name
        assert source.publisher, source.name
        assert raw_schema(source.raw_table) is source.raw_model
    shared = [
        "warehouse/load.py",
        "warehouse/build.py",
        "warehouse/conform.py",
        "warehouse/docs.py",
    ]
    for path in shared:
        text = (ROOT / path).read_text()
        assert 'startswith("owid' not in text and "OWID_PUBLISHER" not in text, path


def test_published_values_are_unchanged_by_code_changes(published_warehouse):
    """Every raw, core and mart table built from the committed snapshots has the content it had
    when tests/golden_checksums.json was written (load ids and times left out). A refactor must
    leave it green; a change that is meant to change published values rewrites the file:
    `python -c "import json, sys; from pathlib import Path; from mic2025.warehouse.checksums
    import table_checksums as t; print(json.dumps(t(Path(sys.argv[1]), ('raw', 'core',
    'marts')), indent=2, sort_keys=True))" warehouse/mic2025.duckdb > tests/golden_checksums.json`
    after an offline refresh, and the commit says which values changed and why."""
    import json

    from mic2025.warehouse.checksums import table_checksums

    golden = json.loads((ROOT / "tests" / "golden_checksums.json").read_text())
    built = table_checksums(published_warehouse, schemas=("raw", "core", "marts"))
    changed = sorted(t for t in set(golden) | set(built) if golden.get(t) != built.get(t))
    assert changed == [], f"tables whose published content changed: {changed}"


def test_tasks_hand_each_other_typed_records_not_dicts():
    """Every refresh task takes and returns the records of flows/base/payloads.py (or paths and
    plain values), never an untyped dict."""
    import dataclasses
    import typing

    from mic2025.flows import refresh
    from mic2025.flows.base import payloads

    tasks = {
        "fetch_task": payloads.SnapshotChoice,
        "load_task": payloads.LoadReport,
        "build_task": payloads.BuildResult,
    }
    for name, returned in tasks.items():
        hints = typing.get_type_hints(getattr(refresh, name).fn, vars(refresh))
        assert hints["return"] is returned, name
        assert dict not in hints.values(), f"{name} takes an untyped dict"
        assert dataclasses.is_dataclass(returned)
    build = typing.get_type_hints(refresh.build_task.fn, vars(refresh))
    assert build["run"] is payloads.RunInfo
    assert build["reports"] == list[payloads.LoadReport]
