"""Registry of sources: name -> :class:`~mic2025.flows.sources.base.Source`.

A source is one module in this folder that declares ``SOURCE`` (or a list, ``SOURCES``); the
registry finds it, so adding a source is adding a file. Loader, builder and docs read everything
else they need from the declaration (flows/sources/base.py).
"""

from __future__ import annotations

import importlib
import pkgutil

from mic2025.flows.sources.base import Source


def _discover() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        declared = getattr(module, "SOURCES", None) or [getattr(module, "SOURCE", None)]
        for source in declared:
            if not isinstance(source, Source):
                continue
            if source.name in found:
                raise ValueError(f"source {source.name!r} is declared twice")
            found[source.name] = source
    return found


SOURCES: dict[str, Source] = _discover()


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
