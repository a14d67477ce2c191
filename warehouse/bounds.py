"""Bounds of computed values: written once, from the inputs' bounds and the formula's direction.

Every published input is ``exact``, a ``lower`` bound (the truth is at least the value: "超过",
"more than"), an ``upper`` bound ("不足", "less than") or ``approximate`` ("约", "about"). A
computed value f(x1, ..., xn) rises with an input where df/dxi > 0 and falls where df/dxi < 0.
So a lower-bound input makes f a lower bound where f rises with it, and an upper bound where f
falls with it (a ratio over a lower-bound denominator is an upper bound); an upper-bound input
the other way round. An approximate input makes f approximate; inputs that push f both ways give
no bound, shown as approximate. A flow that is missing and taken as 0 (imports or exports of a
supply balance) is a lower bound of 0: the true flow is at least 0.

Directions used by the formulas (C = apparent consumption = P + M - X):

====================  =========================================  =================================
formula               value                                      sign of df/d(input)
====================  =========================================  =================================
self-sufficiency      P / C                                      P: sign(M - X), M: -, X: +
import dependence     M / C                                      P: -, M: sign(P - X), X: +
export ratio          X / P                                      X: +, P: -
trade balance index   (X - M) / (X + M)                          X: +, M: -
ratio                 n / d                                      n: +, d: -
sum                   a + b + ...                                every term: +
complement            1 - v                                      v: -
difference            a - b (a change since a baseline)          a: +, b: -
====================  =========================================  =================================
"""

from __future__ import annotations

from collections.abc import Iterable

FLIP = {"lower": "upper", "upper": "lower", "exact": "exact", "approximate": "approximate"}


def combine(terms: Iterable[tuple[str | None, float]]) -> str:
    """The bound of f from ``(input bound, sign of df/d input)`` pairs (None bound = exact)."""
    seen: set[str] = set()
    for bound, sign in terms:
        if bound in (None, "exact") or sign == 0:
            continue
        if bound == "approximate":
            return "approximate"
        seen.add(bound if sign > 0 else FLIP[bound])
    if len(seen) > 1:
        return "approximate"
    return seen.pop() if seen else "exact"


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def ratio_bound(numerator: str | None, denominator: str | None) -> str:
    """n / d: rises with n, falls with d."""
    return combine([(numerator, 1), (denominator, -1)])


def sum_bound(bounds: Iterable[str | None]) -> str:
    """a + b + ...: rises with every term."""
    return combine((b, 1) for b in bounds)


def complement_bound(bound: str | None) -> str:
    """1 - v: falls with v."""
    return combine([(bound, -1)])


def difference_bound(minuend: str | None, subtrahend: str | None) -> str:
    """a - b (the change of a share since its baseline): rises with a, falls with b. A lower-bound
    latest value over an exact baseline is a change of at least the difference; an approximate
    input makes it approximate."""
    return combine([(minuend, 1), (subtrahend, -1)])


def self_sufficiency_bound(
    production: float, imports: float, exports: float, bp: str, bm: str, bx: str
) -> str:
    """P / (P + M - X) (a missing flow is passed as 0 with bound 'lower')."""
    return combine([(bp, _sign(imports - exports)), (bm, -1), (bx, 1)])


def import_dependence_bound(
    production: float, imports: float, exports: float, bp: str, bm: str, bx: str
) -> str:
    """M / (P + M - X)."""
    return combine([(bp, -1), (bm, _sign(production - exports)), (bx, 1)])


def export_ratio_bound(bx: str, bp: str) -> str:
    """X / P."""
    return combine([(bx, 1), (bp, -1)])


def trade_balance_bound(bx: str, bm: str) -> str:
    """(X - M) / (X + M)."""
    return combine([(bx, 1), (bm, -1)])
