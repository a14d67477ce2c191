"""Sector metrics (polars), one module per family; formulas are documented in docs/metrics.md.

- :mod:`.balances`: supply balances (self-sufficiency, import dependence, trade balance index);
- :mod:`.published`: shares and series as published, and shares of observation tables;
- :mod:`.series_ratios`: ratios of two declared series;
- :mod:`.trade`: world export shares, trade balance and RCA from trade rows;
- :mod:`.common`: columns, spec reader, best figures, publisher ids, headline flags.

:func:`sector_metrics` assembles marts.sector_metrics from every family.
"""

from __future__ import annotations

import polars as pl

from mic2025.flows.base.formulas import SECTOR_BASKET, sector_basket_codes
from mic2025.warehouse import domestic_shares
from mic2025.warehouse.conform import read_publishers
from mic2025.warehouse.metrics.balances import (
    Balance,
    balance_metrics,
    balances,
    self_sufficiency,
    supply_balance,
)
from mic2025.warehouse.metrics.common import (
    SECTOR_METRIC_COLUMNS,
    SELF_SUFFICIENCY_COLUMNS,
    best_figures,
    complete,
    headline_flags,
    metric_spec,
    product_bases,
    publisher_ids,
    significant_digits,
)
from mic2025.warehouse.metrics.published import (
    china_series_metrics,
    production_metrics,
    published_share_metrics,
    world_share_metrics,
)
from mic2025.warehouse.metrics.series_ratios import series_ratio_metrics
from mic2025.warehouse.metrics.trade import (
    revealed_comparative_advantage,
    sector_trade_metrics,
    trade_share_metrics,
)

__all__ = [
    "SECTOR_BASKET",
    "SECTOR_METRIC_COLUMNS",
    "SELF_SUFFICIENCY_COLUMNS",
    "Balance",
    "balances",
    "best_figures",
    "china_series_metrics",
    "metric_spec",
    "product_bases",
    "revealed_comparative_advantage",
    "sector_basket_codes",
    "sector_metrics",
    "sector_trade_metrics",
    "self_sufficiency",
    "significant_digits",
    "supply_balance",
    "trade_share_metrics",
    "world_share_metrics",
]


def sector_metrics(
    wide: pl.DataFrame,
    *,
    official: pl.DataFrame,
    observations: pl.DataFrame,
    trade: pl.DataFrame,
    hs_map: pl.DataFrame,
    sectors: pl.DataFrame,
    load_id: str,
    extra: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """marts.sector_metrics (long): every metric of docs/metrics.md (``extra``: rows computed
    elsewhere, e.g. from bulk trade files)."""
    parts = [
        balance_metrics(wide),
        published_share_metrics(official, sectors),
        series_ratio_metrics(official, sectors),
        production_metrics(official, sectors),
        world_share_metrics(observations, sectors),
        trade_share_metrics(trade, hs_map),
        sector_trade_metrics(trade, hs_map),
        revealed_comparative_advantage(trade, hs_map),
        china_series_metrics(observations, sectors),
        domestic_shares.valued_domestic_share_metrics(best_figures(official), sectors),
        *([extra] if extra is not None and extra.height else []),
    ]
    columns = [c for c in SECTOR_METRIC_COLUMNS if c not in ("load_id", "headline")]
    long = pl.concat(
        [
            complete(p).select(columns).cast({"year": pl.Int64, "value": pl.Float64})
            for p in parts
            if p.width
        ]
    )
    long = pl.concat([long, domestic_shares.domestic_share_metrics(long)])
    long = long.with_columns(publisher_ids(long, read_publishers()))
    key = ["sector", "product", "year", "period", "metric", "basis", "publisher", "definition_id"]
    long = long.unique(key, keep="first", maintain_order=True)  # a published figure wins over
    # the same definition computed from its parts
    return (
        long.with_columns(headline_flags(long), pl.lit(load_id).alias("load_id"))
        .select(SECTOR_METRIC_COLUMNS)
        # ties keep the order of the parts and specs (deterministic: readers that take the
        # first of several definitions get the same one on every refresh)
        .sort(
            "sector",
            "product",
            "metric",
            "year",
            "period",
            "basis",
            "publisher",
            maintain_order=True,
        )
    )
