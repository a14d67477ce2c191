"""The one unit table: every published unit string -> factor to a base unit, and its dimension.

A published unit is read as ``[scale] base``: a scale word (万 = 10^4, 亿 = 10^8, 万亿 = 10^12,
thousand, million, billion, trillion, k, G ...) in front of a base unit (辆/vehicles, 块/pieces,
台/units, 吨/tonnes, 美元/USD, 元/CNY, W, Wh ...). ``value_in_base = value_as_published * factor``.

Examples (tested in tests/test_units.py)::

    "万辆 (10k vehicles)"        factor 1e4  -> vehicles  (count)
    "亿块 (100 million pieces)"  factor 1e8  -> pieces    (count)
    "GW"                          factor 1e9  -> W         (power)
    "亿美元 (100 million USD)"   factor 1e8  -> USD       (USD)
    "万亿元 (trillion CNY)"      factor 1e12 -> CNY       (CNY)

Percentages stay percentages here (as published); the marts turn shares into ratios.
Currencies are dimensions of their own: nothing here converts CNY to USD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mic2025.flows.base.errors import Mic2025Error


class UnknownUnit(Mic2025Error):
    """A unit string that the unit table cannot read."""


@dataclass(frozen=True)
class UnitSpec:
    factor: float
    base_unit: str
    dimension: str


#: Scale words, longest first so that 万亿 wins over 万 and 亿.
SCALES: list[tuple[str, float]] = [
    ("万亿", 1e12),
    ("百万", 1e6),
    ("trillion", 1e12),
    ("billion", 1e9),
    ("million", 1e6),
    ("thousand", 1e3),
    ("100 million", 1e8),
    ("10,000", 1e4),
    ("10k", 1e4),
    ("亿", 1e8),
    ("万", 1e4),
    ("萬", 1e4),
    ("千", 1e3),
    ("bn", 1e9),
    ("mn", 1e6),
]

#: Base units: (pattern, base unit, dimension, factor of the base itself).
BASES: list[tuple[str, str, str, float]] = [
    ("载重吨", "DWT", "deadweight", 1.0),
    ("dwt", "DWT", "deadweight", 1.0),
    ("美元/台", "USD per unit", "price", 1.0),
    ("usd per unit", "USD per unit", "price", 1.0),
    ("美元", "USD", "USD", 1.0),
    ("usd", "USD", "USD", 1.0),
    ("us$", "USD", "USD", 1.0),
    ("元", "CNY", "CNY", 1.0),
    ("cny", "CNY", "CNY", 1.0),
    ("yuan", "CNY", "CNY", 1.0),
    ("rmb", "CNY", "CNY", 1.0),
    ("eur", "EUR", "EUR", 1.0),
    ("辆", "vehicles", "count", 1.0),
    ("輛", "vehicles", "count", 1.0),
    ("vehicles", "vehicles", "count", 1.0),
    ("cars", "vehicles", "count", 1.0),
    ("块", "pieces", "count", 1.0),
    ("pieces", "pieces", "count", 1.0),
    ("台", "units", "count", 1.0),
    ("units", "units", "count", 1.0),
    ("robots", "units", "count", 1.0),
    ("套", "sets", "count", 1.0),
    ("sets", "sets", "count", 1.0),
    ("吨", "t", "mass", 1.0),
    ("tonnes", "t", "mass", 1.0),
    ("t", "t", "mass", 1.0),
    ("t reo", "t", "mass", 1.0),
    ("平方公里", "km2", "area", 1.0),
    ("km2", "km2", "area", 1.0),
    ("公里", "km", "length", 1.0),
    ("km", "km", "length", 1.0),
    ("架", "aircraft", "count", 1.0),
    ("艘", "vessels", "count", 1.0),
    ("aircraft", "aircraft", "count", 1.0),
    ("aircraft per year", "aircraft per year", "capacity", 1.0),
    ("drugs", "products", "count", 1.0),
    ("devices", "products", "count", 1.0),
    ("件", "items", "count", 1.0),
    ("panels", "panels", "count", 1.0),
    ("suppliers", "count", "count", 1.0),
    ("天", "days", "duration", 1.0),
    ("days", "days", "duration", 1.0),
    ("years", "years", "duration", 1.0),
    ("家", "count", "count", 1.0),
    ("人", "people", "count", 1.0),
    ("people", "people", "count", 1.0),
    ("gwh", "Wh", "energy", 1e9),
    ("mwh", "Wh", "energy", 1e6),
    ("kwh", "Wh", "energy", 1e3),
    ("twh", "Wh", "energy", 1e12),
    ("gw", "W", "power", 1e9),
    ("mw", "W", "power", 1e6),
    ("kw", "W", "power", 1e3),
    ("千瓦", "W", "power", 1e3),
]

#: Units that are not "[scale] base": kept as published.
SPECIAL: dict[str, UnitSpec] = {
    "percent": UnitSpec(1.0, "percent", "percent"),
    "%": UnitSpec(1.0, "percent", "percent"),
    "% change vs 2015": UnitSpec(1.0, "percent change vs 2015", "percent change"),
    "robots per 10,000 workers": UnitSpec(1.0, "robots per 10,000 employees", "density"),
    "robots per 10,000 employees": UnitSpec(1.0, "robots per 10,000 employees", "density"),
    "ratio": UnitSpec(1.0, "ratio", "ratio"),
    "index": UnitSpec(1.0, "index", "index"),
    "year": UnitSpec(1.0, "year", "calendar year"),
    "l/100km": UnitSpec(1.0, "L/100km", "fuel consumption"),
    "cny per usd": UnitSpec(1.0, "CNY per USD", "exchange rate"),
}


def _strip_gloss(unit: str) -> tuple[str, str]:
    """'万辆 (10k vehicles)' -> ('万辆', '10k vehicles')."""
    m = re.match(r"^\s*(.*?)\s*\((.*)\)\s*$", unit)
    return (m.group(1), m.group(2)) if m else (unit.strip(), "")


def _parse_plain(text: str) -> UnitSpec | None:
    s = text.strip().lower()
    if not s:
        return None
    factor = 1.0
    for word, scale in SCALES:
        if s.startswith(word.lower()):
            factor = scale
            s = s[len(word) :].strip()
            break
    for pattern, base, dim, base_factor in BASES:
        if s == pattern:
            return UnitSpec(factor * base_factor, base, dim)
    return None


def parse_unit(unit: str) -> UnitSpec:
    """Read a published unit string; raise :class:`UnknownUnit` when the table cannot."""
    key = unit.strip()
    if key.lower() in SPECIAL:
        return SPECIAL[key.lower()]
    head, gloss = _strip_gloss(key)
    spec = _parse_plain(head)
    if gloss:
        gloss_spec = _parse_plain(gloss)
        if spec is None:
            spec = gloss_spec
        elif gloss_spec is not None and (
            abs(gloss_spec.factor - spec.factor) > 1e-9 * spec.factor
            or gloss_spec.dimension != spec.dimension
        ):
            raise UnknownUnit(f"unit {unit!r}: the gloss contradicts the unit")
    if spec is None:
        raise UnknownUnit(f"unit {unit!r} is not in the unit table (warehouse/units.py)")
    return spec


def to_base(value: float, unit: str) -> tuple[float, str]:
    """Convert a published value to its base unit: ``(value * factor, base_unit)``."""
    spec = parse_unit(unit)
    return value * spec.factor, spec.base_unit


#: Count-like base units that a series may rename (e.g. IC "units" are pieces).
COUNT_UNITS = {
    "vehicles",
    "pieces",
    "units",
    "sets",
    "aircraft",
    "vessels",
    "products",
    "items",
    "count",
}


#: An evaluator's verdict as a number (marts.claim_checks, unit ``verdict``): 1 = strong (leader,
#: goals met), 0 = mixed, -1 = weak.
VERDICT_WORDS = {1: "strong", 0: "mixed", -1: "weak"}

#: Units whose name adds nothing after the number (a year, a count, a ratio shown as a %).
SILENT_UNITS = {"ratio", "year", "count"}


#: How a bound is shown in front of a value: the reader must never mistake a bound for a value.
BOUND_MARKS = {"lower": "≥ ", "upper": "≤ ", "approximate": "~", "exact": ""}


def format_value(
    value: float | None,
    unit: str | None = None,
    bound: str | None = None,
    show_unit: bool = False,
) -> str:
    """The one display format (CLI, artifacts, report): ratios as percentages (0.0468 -> 4.7%),
    large numbers with thousands separators, bounds marked (≥ 50.0%); ``show_unit`` appends any
    unit that says something after the number (5 L/100km; not '15 count', see SILENT_UNITS)."""
    if value is None:
        return "-"
    if unit == "ratio":
        text = f"{value:.1%}"
    elif abs(value) >= 1e5:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.4g}"
    return _marked(text, unit if show_unit else None, bound)


def _marked(text: str, unit: str | None, bound: str | None) -> str:
    """A shown number with its unit (unless silent, SILENT_UNITS) and its bound's mark."""
    if unit and unit not in SILENT_UNITS:
        text += f" {unit}"
    return BOUND_MARKS.get(bound or "exact", "") + text


def format_change(change: float | None, bound: str | None = None) -> str:
    """A change of a share in percentage points, its bound marked as every value's is:
    '+25.5 pts', '~-37.7 pts', '≥ +20.0 pts' (the change is at least 20 points up)."""
    if change is None:
        return "-"
    return f"{BOUND_MARKS.get(bound or 'exact', '')}{change * 100:+.1f} pts"


def change_words(change: float, bound: str | None = None) -> str:
    """The same change in words for a sentence: 'up 25.5 points', 'down about 37.7 points',
    'up at least 20.0 points' (a lower bound of a rise), 'down at least 12.0 points' (an upper
    bound of a fall: the change is at most -12)."""
    direction = "up" if change > 0 else "down"
    rising = change > 0
    qualifier = {
        "approximate": "about ",
        "lower": "at least " if rising else "at most ",
        "upper": "at most " if rising else "at least ",
    }.get(bound or "exact", "")
    return f"{direction} {qualifier}{abs(change) * 100:.1f} points"


def target_text(r: dict) -> str:
    """A marts.scorecard row's target as the plan sets it: '>= 40.0% by 2020', and, where the
    actual was compared with the target as a source restates it in the actual's definition,
    that value too: '<= 4 L/100km by 2025 (4.6 L/100km as restated for the measure)'. The one
    wording of a target (CLI, answer site)."""
    value = format_value(r["target_value"], r["unit"], show_unit=True)
    text = f"{r['comparator']} {value} by {r['target_year'] or '?'}"
    restated = r.get("compared_with")
    if restated is not None and restated != r["target_value"]:
        text += (
            f" ({format_value(restated, r['unit'], show_unit=True)} as restated for the measure)"
        )
    return text


def first_clause(text: str | None, limit: int = 120) -> str:
    """The head of a long note for a narrow place (a terminal cell): parentheticals that open
    with "searched" dropped (the search logs of a gap), then the text up to its first ': ',
    '; ' or '. ' outside parentheses, cut at a word to at most ``limit`` characters ('…' marks
    a cut). The whole note stays in the warehouse and on the answer site."""
    if not text:
        return ""
    kept, depth, skipping = [], 0, False
    for i, ch in enumerate(text):  # drop "(searched ...)" with whatever it nests
        if ch == "(":
            if depth == 0 and text[i + 1 : i + 9].lower() == "searched":
                skipping = True
            depth += 1
        if not skipping:
            kept.append(ch)
        if ch == ")" and depth:
            depth -= 1
            skipping = skipping and depth > 0
    plain = " ".join("".join(kept).split()).replace(" ;", ";").replace(" .", ".")
    depth = 0
    for i, ch in enumerate(plain):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and plain[i : i + 2] in (": ", "; ", ". "):
            plain = plain[:i]
            break
    plain = plain.rstrip(" .")
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1].rsplit(" ", 1)[0]
    still_open: list[int] = []  # a cut inside a parenthesis ends before it opened
    for i, ch in enumerate(cut):
        if ch == "(":
            still_open.append(i)
        elif ch == ")" and still_open:
            still_open.pop()
    if still_open:
        cut = cut[: still_open[0]]
    return cut.rstrip(" ,;:") + "…"


#: Scales of a compact number in a narrow place (a terminal cell), largest first.
COMPACT_SCALES = ((1e12, "trn"), (1e9, "bn"), (1e6, "mn"))


def format_compact(value: float | None, unit: str | None = None, bound: str | None = None) -> str:
    """A value for a terminal cell: large numbers to three significant figures (more above
    999 trn) with their scale (976,100,000,000 CNY -> '976 bn CNY', 4,984,310,000,000 ->
    '4.98 trn'), everything else as :func:`format_value` shows it, the bound marked either way.
    The exact value stays in the warehouse; only the display is rounded."""
    if value is None or abs(value) < 1e6 or unit == "ratio":
        return format_value(value, unit, bound, show_unit=True)
    scale, word = next((s, w) for s, w in COMPACT_SCALES if abs(value) >= s)
    scaled = value / scale
    decimals = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
    return _marked(f"{scaled:,.{decimals}f} {word}", unit, bound)


#: Words of a city metric's key, in the order they are tried: (key suffix, words after).
_METRIC_SUFFIXES = (
    ("_usd_multiple_since_base", " in US dollars, multiple of the base year"),
    ("_multiple_since_base", ", multiple of the base year"),
    ("_share_of_national", ", share of China's"),
    ("_usd", " in US dollars"),
)
_ACRONYMS = {"gdp": "GDP", "nev": "NEV", "byd": "BYD", "nio": "NIO", "rd": "R&D"}


def metric_words(metric: str) -> str:
    """A metric key of marts.city_metrics read as words for a terminal or a page:
    'gdp_usd_multiple_since_base' -> 'GDP in US dollars, multiple of the base year',
    'nev_output_share_of_national' -> "NEV output, share of China's"."""
    head, tail = metric, ""
    for suffix, words in _METRIC_SUFFIXES:
        if metric.endswith(suffix):
            head, tail = metric.removesuffix(suffix), words
            break
    return " ".join(_ACRONYMS.get(w, w) for w in head.split("_")) + tail
