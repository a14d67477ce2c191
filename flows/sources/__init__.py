"""Registry of sources: name -> :class:`~flows.sources.base.Source`."""

from __future__ import annotations

from mic2025.flows.sources import china_official, comtrade, iea, owid, reference, worldbank
from mic2025.flows.sources.base import Source

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        china_official.SOURCE,
        comtrade.SOURCE,
        iea.SOURCE,
        *owid.SOURCES,
        *reference.SOURCES,
        *worldbank.SOURCES,
    ]
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
