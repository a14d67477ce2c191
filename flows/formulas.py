"""The trade formulas, each written once as a polars expression, for every path that computes
them: the supply balances and UN Comtrade (warehouse/metrics.py) and the bulk BACI files
(flows/sources/baci.py). Both sides of each ratio are in one currency; the result is a ratio
(or, for RCA, an index where 1 = China's share of the product equals its share of all goods).
"""

from __future__ import annotations

import polars as pl


def trade_balance_index(exports: str = "exports", imports: str = "imports") -> pl.Expr:
    """(X - M) / (X + M): -1 = imports only, +1 = exports only [ratio]."""
    x, m = pl.col(exports), pl.col(imports)
    return (x - m) / (x + m)


def share_of_world(china: str = "china", world: str = "world") -> pl.Expr:
    """China's value / the world's value of the same quantity, source and year [ratio]."""
    return pl.col(china) / pl.col(world)


def world_export_share(china: str = "china", world: str = "world") -> pl.Expr:
    """X_china,p / X_world,p: China's share of the world's exports of product p [ratio]."""
    return share_of_world(china, world)


def revealed_comparative_advantage(
    china: str = "china",
    china_all: str = "china_all",
    world: str = "world",
    world_all: str = "world_all",
) -> pl.Expr:
    """Balassa RCA = (X_china,p / X_china,all) / (X_world,p / X_world,all) [index]."""
    return (pl.col(china) / pl.col(china_all)) / (pl.col(world) / pl.col(world_all))
