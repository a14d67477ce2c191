"""Vega-Lite specs (written with altair) rendered to static SVG at build time by vl-convert: the
site's charts come from a charting library and still need no script, font or request.

Rendering is pure: the same spec, code and library versions give the same SVG, so renderings
are kept in the cache folder (flows/base/settings.py ``cache_dir``); starting vl-convert's
engine costs about a second and most publishes draw the same charts."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from mic2025.flows.base.settings import cache_dir

#: The base URL vl-convert puts in front of a relative link.
VEGA_BASE = "https://vega.github.io/vega-datasets/"


@functools.cache
def _code_and_versions() -> bytes:
    """This module and the library versions: read once per process, not once per chart."""
    from importlib.metadata import version

    versions = f"{version('altair')}/{version('vl-convert-python')}"
    return Path(__file__).read_bytes() + versions.encode()


def cache_key(*parts: bytes) -> str:
    """A rendering's key: its inputs, this module and the library versions (a change to any
    renders again)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    digest.update(_code_and_versions())
    return digest.hexdigest()[:32]


def render_svg(spec: dict, prefix: str, label: str) -> str:
    """``spec`` as SVG that scales with the page (its viewBox kept, its fixed size dropped),
    labelled for screen readers; cached as ``<prefix>-<key>.svg``."""
    key = cache_key(json.dumps(spec, sort_keys=True, default=str).encode())
    return render_cached(key, lambda: spec, prefix, label)


def render_cached(key: str, build: Callable[[], dict], prefix: str, label: str) -> str:
    """The SVG cached under ``key``, or ``build()``'s spec rendered and kept under it: a caller
    whose inputs name the chart (the answer chart's rows) skips building the spec when cached."""
    cached = cache_dir() / f"{prefix}-{key}.svg"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    import vl_convert

    # vl-convert resolves a mark's relative href against its own base (vega-datasets); the
    # site's links are relative to the page, so the base goes
    svg = vl_convert.vegalite_to_svg(build()).replace(f'xlink:href="{VEGA_BASE}', 'xlink:href="')
    head, rest = svg.split(">", 1)
    head = head.replace(' width="', ' data-width="').replace(' height="', ' data-height="')
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    svg = f'{head} role="img" aria-label="{label}">{rest}'
    try:  # written whole or not at all; a read-only home just renders every time
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(svg, encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass
    return svg
