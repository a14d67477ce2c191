"""The trade formulas, each written once as a polars expression, and the one rule that makes a
sector's HS basket, for every path that computes them: the supply balances and UN Comtrade
(warehouse/metrics/) and the bulk BACI files (flows/sources/baci.py). Both sides of each ratio are in one currency; the result is a ratio
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


#: The product name of a sector's HS basket in marts.sector_metrics.
SECTOR_BASKET = "Sector HS basket"


def sector_basket_codes(hs_map: pl.DataFrame) -> pl.DataFrame:
    """(sector, map_revision, hs_code): each sector's map codes without their descendants, so
    that a basket sum counts every good once (8905 is kept, 890520 beneath it is dropped)."""
    codes = hs_map.select("sector", pl.col("hs_revision").alias("map_revision"), "hs_code").unique()
    keep = []
    for (sector, revision), group in codes.group_by("sector", "map_revision", maintain_order=True):
        listed = set(group["hs_code"].to_list())
        for code in sorted(listed):
            if not any(code != other and code.startswith(other) for other in listed):
                keep.append({"sector": sector, "map_revision": revision, "hs_code": code})
    return pl.DataFrame(
        keep, schema={"sector": pl.String, "map_revision": pl.String, "hs_code": pl.String}
    )
