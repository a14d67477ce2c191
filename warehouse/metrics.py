"""Sector self-sufficiency metrics (polars). Formulas are documented in docs/metrics.md.

Supply balance of a product in one year, all terms in one unit (never mixing bases):

    apparent_consumption   = production + imports - exports                [unit]
    self_sufficiency_ratio = production / apparent_consumption             [ratio]
    import_dependence      = imports / apparent_consumption                [ratio]
    trade_balance_index    = (exports - imports) / (exports + imports)     [ratio, -1..1]
    export_ratio           = exports / production                          [ratio]

Missing inputs are never silently zero. When one trade flow is missing the row says so and the
ratio is a bound: no imports -> imports assumed 0 -> self_sufficiency_ratio is an UPPER bound
(import_dependence is not computed); no exports -> exports assumed 0 -> both ratios are LOWER
bounds. With neither flow no ratio is computed. An apparent consumption <= 0 is flagged and no
ratio is published.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mic2025.flows import formulas
from mic2025.flows.errors import Mic2025Error
from mic2025.flows.formulas import SECTOR_BASKET, sector_basket_codes, trade_balance_index
from mic2025.flows.settings import facts_dir
from mic2025.schemas.specs import validate_spec
from mic2025.warehouse import bounds, domestic_shares
from mic2025.warehouse.bounds import ratio_bound, sum_bound
from mic2025.warehouse.conform import read_publishers, resolve_publisher

SELF_SUFFICIENCY_COLUMNS = [
    "sector",
    "product",
    "year",
    "basis",
    "publisher",
    "unit",
    "production",
    "imports",
    "exports",
    "apparent_consumption",
    "self_sufficiency_ratio",
    "import_dependence",
    "ratio_bound",
    "import_dependence_bound",
    "production_bound",
    "imports_bound",
    "exports_bound",
    "missing_inputs",
    "assumptions",
    "flags",
    "inputs",
    "sources",
    "load_id",
]
SECTOR_METRIC_COLUMNS = [
    "sector",
    "product",
    "year",
    "period",
    "metric",
    "value",
    "unit",
    "basis",
    "bound",
    "definition_id",
    "headline",
    "caveat",
    "publisher",
    "method",
    "inputs",
    "sources",
    "load_id",
]

#: Metrics that are ratios of a supply balance: only published on a basis declared meaningful.
BALANCE_RATIOS = [
    "self_sufficiency_ratio",
    "import_dependence",
    "trade_balance_index",
    "export_ratio",
]


def metric_spec(name: str) -> pl.DataFrame:
    """A metric spec file of facts/metrics/, checked against its model (schemas/specs.py)."""
    frame = pl.read_csv(facts_dir() / "metrics" / name, infer_schema_length=0)
    return validate_spec(name, frame)


def product_bases() -> pl.DataFrame:
    """facts/metrics/product_bases.csv: which (product, basis) pairs give meaningful ratios."""
    return metric_spec("product_bases.csv")


@dataclass(frozen=True)
class Balance:
    """Which official series make up one product's supply balance."""

    sector_id: str
    product: str
    basis: str  # "quantity" or "value"
    production: str | None
    imports: str | None
    exports: str | None
    publisher: str
    note: str = ""


def balances() -> list[Balance]:
    """The declared supply balances (facts/metrics/balances.csv; each series_id is in
    facts/official_series.csv)."""
    return [Balance(**row) for row in metric_spec("balances.csv").iter_rows(named=True)]


def significant_digits(value: float) -> int:
    """Significant digits of a published number: 1288.8 -> 5, 12890000 -> 4."""
    text = f"{abs(value):.10f}".rstrip("0").rstrip(".").replace(".", "").lstrip("0")
    return len(text.rstrip("0")) if text else 0


def best_figures(
    official: pl.DataFrame, *, allow_partial_year: bool = False, per_publisher: bool = False
) -> pl.DataFrame:
    """One figure per (series_id, year), forecasts never included; with ``per_publisher``, one
    per (series_id, publisher, year): where a series' definition is its publisher's (published
    shares), two publishers' figures for one year are two definitions, both kept.

    Full-year figures only, unless ``allow_partial_year`` (used for shares, where a first-half
    share is still a share; the period is then stated in the metric's ``method``): a full-year
    figure is always preferred. Where two transcriptions give the same figure, the more precise
    publication wins (more significant digits, e.g. 1288.8万 over 1289万); ties go to the first
    origin file and row.
    """
    rows = official.filter(~pl.col("is_forecast"))
    if not allow_partial_year:
        rows = rows.filter(pl.col("period") == "FY")
    key = ["series_id", "publisher_id", "year"] if per_publisher else ["series_id", "year"]
    return (
        rows.with_columns(
            (pl.col("period") != "FY").alias("_partial"),
            pl.col("value_as_published")
            .map_elements(significant_digits, return_dtype=pl.Int64)
            .alias("_digits"),
        )
        .sort(
            ["series_id", "year", "_partial", "_digits", "origin_file", "origin_row"],
            descending=[False, False, False, True, False, False],
        )
        .unique(key, keep="first", maintain_order=True)
        .drop("_partial", "_digits")
    )


def _term(best: pl.DataFrame, series_id: str | None, name: str) -> pl.DataFrame:
    schema = {
        "year": pl.Int64,
        name: pl.Float64,
        f"{name}_bound": pl.String,
        f"{name}_unit": pl.String,
        f"{name}_input": pl.String,
        f"{name}_source": pl.String,
    }
    if series_id is None:
        return pl.DataFrame(schema=schema)
    return best.filter(pl.col("series_id") == series_id).select(
        pl.col("year"),
        pl.col("value").alias(name),
        pl.col("qualifier").alias(f"{name}_bound"),
        pl.col("unit").alias(f"{name}_unit"),
        pl.format("{}:{}={} {}", "series_id", "year", "value", "unit").alias(f"{name}_input"),
        pl.col("source_url").alias(f"{name}_source"),
    )


def _balance_bounds(frame: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Bounds of self-sufficiency and import dependence per year (warehouse/bounds.py): each
    input's published bound, a missing flow as a lower bound of 0."""
    ssr, dep = [], []
    for r in frame.iter_rows(named=True):
        p, m, x = r["production"], r["imports"], r["exports"]
        bp = r["production_bound"]
        bm = r["imports_bound"] if m is not None else "lower"
        bx = r["exports_bound"] if x is not None else "lower"
        p, m, x = p or 0.0, m or 0.0, x or 0.0
        ssr.append(bounds.self_sufficiency_bound(p, m, x, bp, bm, bx))
        dep.append(bounds.import_dependence_bound(p, m, x, bp, bm, bx))
    return pl.Series(ssr, dtype=pl.String), pl.Series(dep, dtype=pl.String)


def supply_balance(best: pl.DataFrame, balance: Balance) -> pl.DataFrame:
    """Wide self-sufficiency rows for one declared balance: every year with any of its terms."""
    terms = [
        _term(best, balance.production, "production"),
        _term(best, balance.imports, "imports"),
        _term(best, balance.exports, "exports"),
    ]
    years = pl.concat([t.select("year") for t in terms]).unique()
    frame = years
    for t in terms:
        frame = frame.join(t, on="year", how="left")
    frame = frame.sort("year")
    units = frame.select(
        pl.concat_list(["production_unit", "imports_unit", "exports_unit"])
        .list.drop_nulls()
        .list.unique()
        .alias("units")
    )["units"]
    for year, found in zip(frame["year"], units, strict=True):
        if len(found) > 1:
            raise Mic2025Error(
                f"balance {balance.product} {year}: terms in {sorted(found)}; a balance must "
                "not mix units or bases"
            )
    has_p = pl.col("production").is_not_null()
    has_m = pl.col("imports").is_not_null()
    has_x = pl.col("exports").is_not_null()
    consumption = (
        pl.col("production") + pl.col("imports").fill_null(0) - pl.col("exports").fill_null(0)
    )
    consumption = pl.when(has_p & (has_m | has_x)).then(consumption)
    negative = (consumption <= 0).fill_null(False)
    ratio_ok = has_p & (has_m | has_x) & ~negative
    ssr_bounds, dep_bounds = _balance_bounds(frame)
    missing = pl.concat_str(
        [
            pl.when(~has_p).then(pl.lit("production")),
            pl.when(~has_m).then(pl.lit("imports")),
            pl.when(~has_x).then(pl.lit("exports")),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    assumption = (
        pl.when(~has_p)
        .then(pl.lit("production not available: no self-sufficiency ratio"))
        .when(has_m & has_x)
        .then(pl.lit("none: production, imports and exports all reported"))
        .when(has_x)
        .then(
            pl.lit(
                "imports not available: assumed 0, so self_sufficiency_ratio is an upper "
                "bound; import_dependence not computed"
            )
        )
        .when(has_m)
        .then(
            pl.lit(
                "exports not available: assumed 0, so self_sufficiency_ratio and "
                "import_dependence are lower bounds"
            )
        )
        .otherwise(pl.lit("imports and exports not available: no ratio computed"))
    )
    assumption = (
        pl.when(negative)
        .then(
            pl.concat_str([assumption, pl.lit("; apparent consumption <= 0: ratio not published")])
        )
        .otherwise(assumption)
    )
    if balance.note:
        assumption = pl.concat_str([assumption, pl.lit(f" ({balance.note})")])
    return frame.select(
        pl.lit(balance.sector_id).alias("sector_id"),
        pl.lit(balance.product).alias("product"),
        pl.col("year"),
        pl.lit(balance.basis).alias("basis"),
        pl.lit(balance.publisher).alias("publisher"),
        pl.coalesce("production_unit", "imports_unit", "exports_unit").alias("unit"),
        pl.col("production"),
        pl.col("imports"),
        pl.col("exports"),
        consumption.alias("apparent_consumption"),
        pl.when(ratio_ok).then(pl.col("production") / consumption).alias("self_sufficiency_ratio"),
        pl.when(ratio_ok & has_m).then(pl.col("imports") / consumption).alias("import_dependence"),
        pl.when(ratio_ok).then(ssr_bounds).alias("ratio_bound"),
        pl.when(ratio_ok & has_m).then(dep_bounds).alias("import_dependence_bound"),
        pl.col("production_bound"),
        pl.col("imports_bound"),
        pl.col("exports_bound"),
        pl.when(missing != "").then(missing).alias("missing_inputs"),
        assumption.alias("assumptions"),
        pl.when(negative).then(pl.lit("negative_apparent_consumption")).alias("flags"),
        pl.concat_str(
            ["production_input", "imports_input", "exports_input"],
            separator="; ",
            ignore_nulls=True,
        ).alias("inputs"),
        pl.concat_list(["production_source", "imports_source", "exports_source"])
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .list.join(" | ")
        .alias("sources"),
    )


def self_sufficiency(
    official: pl.DataFrame,
    sectors: pl.DataFrame,
    load_id: str,
    declared: list[Balance] | None = None,
) -> pl.DataFrame:
    """marts.self_sufficiency: every declared balance, every year with production.

    A balance on a basis declared ``invalid`` for its product (facts/metrics/product_bases.csv:
    counting unlike machines by piece) keeps its levels but publishes no ratio; a ``caveat`` basis
    (chips by piece) states its caveat in ``assumptions``.
    """
    best = best_figures(official)
    frames = [supply_balance(best, b) for b in (declared if declared is not None else balances())]
    bases = product_bases().select("product", "basis", "validity", "caveat")
    ratio_cols = [
        "self_sufficiency_ratio",
        "import_dependence",
        "ratio_bound",
        "import_dependence_bound",
    ]
    wide = (
        pl.concat(frames, how="vertical")
        .join(bases, on=["product", "basis"], how="left")
        .with_columns(
            [
                pl.when(pl.col("validity") == "invalid").then(None).otherwise(pl.col(c)).alias(c)
                for c in ratio_cols
            ]
        )
        .with_columns(
            pl.when(pl.col("validity").is_in(["caveat", "invalid"]))
            .then(pl.format("{}; basis caveat: {}", "assumptions", "caveat"))
            .otherwise(pl.col("assumptions"))
            .alias("assumptions")
        )
        .drop("validity", "caveat")
    )
    return (
        wide.join(sectors.select("sector_id", "sector"), on="sector_id", how="left")
        .with_columns(pl.lit(load_id).alias("load_id"))
        .select(SELF_SUFFICIENCY_COLUMNS)
        .sort("sector", "product", "year", "basis", "publisher")
    )


def balance_metrics(wide: pl.DataFrame) -> pl.DataFrame:
    """Long rows for marts.sector_metrics from the supply balances.

    self_sufficiency_ratio and import_dependence (``bound`` = the balance's ratio_bound),
    trade_balance_index = (X - M) / (X + M) where both flows exist,
    export_ratio = X / P where exports and production exist.
    Ratios on a basis declared ``invalid`` for the product are not published; a ``caveat``
    basis carries its caveat.
    """
    bound_note = (
        pl.when(pl.col("ratio_bound") == "exact")
        .then(pl.lit(""))
        .otherwise(pl.format(" [{} bound: {}]", "ratio_bound", "assumptions"))
    )
    dep_note = (
        pl.when(pl.col("import_dependence_bound") == "exact")
        .then(pl.lit(""))
        .otherwise(pl.format(" [{} bound: {}]", "import_dependence_bound", "assumptions"))
    )
    common = [pl.col("sector"), pl.col("product"), pl.col("year")]
    tail = [pl.col("basis"), pl.col("publisher"), pl.col("inputs"), pl.col("sources")]
    ssr = wide.filter(pl.col("self_sufficiency_ratio").is_not_null()).select(
        *common,
        pl.lit("self_sufficiency_ratio").alias("metric"),
        pl.col("self_sufficiency_ratio").alias("value"),
        pl.col("ratio_bound").alias("bound"),
        pl.concat_str([pl.lit("production / (production + imports - exports)"), bound_note]).alias(
            "method"
        ),
        *tail,
    )
    dep = wide.filter(pl.col("import_dependence").is_not_null()).select(
        *common,
        pl.lit("import_dependence").alias("metric"),
        pl.col("import_dependence").alias("value"),
        pl.col("import_dependence_bound").alias("bound"),
        pl.concat_str([pl.lit("imports / apparent consumption"), dep_note]).alias("method"),
        *tail,
    )
    both = pl.col("imports").is_not_null() & pl.col("exports").is_not_null()
    tbi = wide.filter(both & ((pl.col("imports") + pl.col("exports")) > 0)).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.struct("exports_bound", "imports_bound")
        .map_elements(
            lambda r: bounds.trade_balance_bound(r["exports_bound"], r["imports_bound"]),
            return_dtype=pl.String,
        )
        .alias("bound"),
        pl.lit("(exports - imports) / (exports + imports)").alias("method"),
        *tail,
    )
    exr = wide.filter(pl.col("exports").is_not_null() & (pl.col("production") > 0)).select(
        *common,
        pl.lit("export_ratio").alias("metric"),
        (pl.col("exports") / pl.col("production")).alias("value"),
        pl.struct("exports_bound", "production_bound")
        .map_elements(
            lambda r: bounds.export_ratio_bound(r["exports_bound"], r["production_bound"]),
            return_dtype=pl.String,
        )
        .alias("bound"),
        pl.lit("exports / production").alias("method"),
        *tail,
    )
    bases = product_bases().select("product", "basis", "validity", "caveat")
    return (
        pl.concat([ssr, dep, tbi, exr])
        .join(bases, on=["product", "basis"], how="left")
        .filter(pl.col("validity").fill_null("valid") != "invalid")
        .with_columns(
            pl.lit("ratio").alias("unit"),
            pl.lit("FY").alias("period"),
            pl.format("balance:{}|{}|{}|{}", "metric", "product", "basis", "publisher").alias(
                "definition_id"
            ),
            pl.when(pl.col("validity") == "caveat").then(pl.col("caveat")).alias("caveat"),
        )
        .drop("validity")
    )


def share_figures(official: pl.DataFrame) -> pl.DataFrame:
    """Best figures where a partial-year figure may stand in for a missing full year (its
    ``period`` says so; part-year values are shown, never trended or scored as years)."""
    return best_figures(official, allow_partial_year=True, per_publisher=True)


def published_share_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Published percentages -> ratios (value / 100), one row per series and year.

    Spec: facts/metrics/published_shares.csv (series_id, metric, basis). The definition is the
    series (one publisher's one measure); ``bound`` is the published qualifier ("more than 80%"
    is a lower bound)."""
    spec = metric_spec("published_shares.csv").select("series_id", "metric", "basis", "edition")
    figures = share_figures(official).join(spec, on="series_id", how="inner")
    # A series whose publisher redefines it between report editions is one definition per
    # edition: the report's year (of the page's date), or 'undated' where the page gives none.
    edition = pl.when(pl.col("edition") == "report_year").then(
        pl.format(
            ":edition {}",
            pl.col("source_date").str.slice(0, 4).fill_null("undated"),
        )
    )
    return figures.join(sectors.select("sector_id", "sector"), on="sector_id").select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.col("period"),
        pl.col("metric"),
        (pl.col("value") / 100).alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.col("basis"),
        pl.col("qualifier").alias("bound"),
        pl.concat_str(
            [pl.format("{}:{}", "series_id", "publisher_id"), edition.fill_null("")]
        ).alias("definition_id"),
        pl.lit(None, dtype=pl.String).alias("caveat"),
        pl.col("publisher_id").alias("publisher"),
        pl.format(
            "published share ({}, period {}): {} / 100", "series_id", "period", "value"
        ).alias("method"),
        pl.format(
            "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
        ).alias("inputs"),
        pl.col("source_url").alias("sources"),
    )


def _series_sum(best: pl.DataFrame, expression: str) -> pl.DataFrame:
    """One series, or the sum of several ('A+B+C'), per year where every term has a value."""
    terms = [t.strip() for t in expression.split("+")]
    frame = None
    for i, term in enumerate(terms):
        part = best.filter(pl.col("series_id") == term).select(
            "year",
            pl.col("value").alias(f"v{i}"),
            pl.col("qualifier").alias(f"q{i}"),
            pl.format(
                "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
            ).alias(f"i{i}"),
            pl.col("source_url").alias(f"s{i}"),
            pl.col("publisher_id").alias(f"p{i}"),
        )
        frame = part if frame is None else frame.join(part, on="year")
    n = len(terms)
    return frame.select(
        "year",
        pl.sum_horizontal([f"v{i}" for i in range(n)]).alias("value"),
        pl.Series(
            "qualifier",
            [sum_bound(list(r)) for r in frame.select([f"q{i}" for i in range(n)]).iter_rows()],
            dtype=pl.String,
        ),
        pl.concat_str([f"i{i}" for i in range(n)], separator="; ").alias("inputs"),
        pl.concat_list([f"s{i}" for i in range(n)])
        .list.unique(maintain_order=True)
        .list.join(" | ")
        .alias("sources"),
        pl.concat_list([f"p{i}" for i in range(n)])
        .list.unique(maintain_order=True)
        .list.join("; ")
        .alias("publisher"),
    )


def series_ratio_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Ratios of official series (facts/metrics/series_ratios.csv), full-year figures only:

        value = numerator / denominator        [ratio]

    Either side may be a sum of series ('ARJ21 + Airbus + Boeing deliveries'), taken only for
    years where every term is published. ``bound`` combines the inputs' qualifiers
    (:func:`ratio_bound`, :func:`sum_bound`); a spec whose note says 'upper bound' is one by
    definition (e.g. every ARJ21 delivered counted as delivered in China)."""
    spec = metric_spec("series_ratios.csv")
    best = best_figures(official)
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    frames = []
    for r in spec.iter_rows(named=True):
        num = _series_sum(best, r["numerator"])
        den = _series_sum(best, r["denominator"])
        joined = num.join(den, on="year", suffix="_d").filter(pl.col("value_d") > 0)
        if joined.is_empty():
            continue
        by_definition = "upper bound" in r["note"]
        bounds = []
        for n, d in joined.select("qualifier", "qualifier_d").iter_rows():
            b = ratio_bound(n, d)
            bounds.append("upper" if by_definition and b in ("exact", "upper") else b)
        frames.append(
            joined.select(
                pl.lit(names[r["sector_id"]]).alias("sector"),
                pl.lit(r["product"]).alias("product"),
                pl.col("year"),
                pl.lit("FY").alias("period"),
                pl.lit(r["metric"]).alias("metric"),
                (pl.col("value") / pl.col("value_d")).alias("value"),
                pl.lit("ratio").alias("unit"),
                pl.lit(r["basis"]).alias("basis"),
                pl.Series("bound", bounds, dtype=pl.String),
                pl.lit(r["definition_id"]).alias("definition_id"),
                pl.lit(None, dtype=pl.String).alias("caveat"),
                pl.concat_list(["publisher", "publisher_d"])
                .list.eval(pl.element().str.split("; ").explode())
                .list.unique(maintain_order=True)
                .list.join("; ")
                .alias("publisher"),
                pl.lit(f"({r['numerator']}) / ({r['denominator']}): {r['note']}").alias("method"),
                pl.concat_str(["inputs", "inputs_d"], separator="; ").alias("inputs"),
                pl.concat_str(["sources", "sources_d"], separator=" | ").alias("sources"),
            )
        )
    return pl.concat(frames) if frames else _empty_metrics()


def production_metrics(official: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """Production levels in base units, one row per production series and year."""
    best = best_figures(official).filter(pl.col("measure") == "production")
    return best.join(sectors.select("sector_id", "sector"), on="sector_id").select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.col("period"),
        pl.lit("production").alias("metric"),
        pl.col("value"),
        pl.col("unit"),
        pl.when(pl.col("unit").is_in(["USD", "CNY"]))
        .then(pl.lit("value"))
        .otherwise(pl.lit("quantity"))
        .alias("basis"),
        pl.col("qualifier").alias("bound"),
        pl.format("{}:{}", "series_id", "publisher_id").alias("definition_id"),
        pl.lit(None, dtype=pl.String).alias("caveat"),
        pl.col("publisher_id").alias("publisher"),
        pl.format("{} as published, in base units", "series_id").alias("method"),
        pl.format(
            "{}:{}={} {}", "series_id", "year", "value_as_published", "unit_as_published"
        ).alias("inputs"),
        pl.col("source_url").alias("sources"),
    )


@dataclass(frozen=True)
class WorldShare:
    """China's share of a world total from one observations series (same source, same unit).

    ``annual_from_cumulative``: the series is a stock (e.g. installed capacity); the share is
    computed on annual additions, stock[y] - stock[y-1], which is the year's demand.
    """

    sector_id: str
    product: str
    metric: str
    source: str
    indicators: tuple[str, ...]  # summed within the source (e.g. BEV + PHEV + FCEV)
    annual_from_cumulative: bool = False
    description: str = ""


def world_shares() -> list[WorldShare]:
    """The declared world shares (facts/metrics/world_shares.csv)."""
    return [
        WorldShare(
            **{
                **row,
                "indicators": tuple(row["indicators"].split(";")),
                "annual_from_cumulative": row["annual_from_cumulative"] == "true",
            }
        )
        for row in metric_spec("world_shares.csv").iter_rows(named=True)
    ]


def world_share_metrics(obs: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """china_share_of_world_demand from observations: CHN / WLD per year, same source.

    share = value(CHN) / value(WLD); with annual_from_cumulative, both are first turned into
    annual additions (stock[y] - stock[y-1]); a year whose world addition is <= 0 gets no share.
    """
    frames = []
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    for spec in world_shares():
        rows = obs.filter(
            (pl.col("source") == spec.source)
            & pl.col("indicator").is_in(spec.indicators)
            & (pl.col("scenario") == "historical")
            & pl.col("iso3").is_in(["CHN", "WLD"])
        )
        if rows.is_empty():
            continue
        totals = rows.group_by("iso3", "year").agg(
            pl.col("value").sum(), pl.col("unit").first(), pl.col("publisher").first()
        )
        if spec.annual_from_cumulative:
            totals = (
                totals.sort("iso3", "year")
                .with_columns(
                    (pl.col("value") - pl.col("value").shift(1).over("iso3")).alias("value"),
                    (pl.col("year") - pl.col("year").shift(1).over("iso3")).alias("_gap"),
                )
                .filter(pl.col("_gap") == 1)
                .drop("_gap")
            )
        wide = (
            totals.filter(pl.col("iso3") == "CHN")
            .select("year", pl.col("value").alias("china"), "unit", "publisher")
            .join(
                totals.filter(pl.col("iso3") == "WLD").select(
                    "year", pl.col("value").alias("world")
                ),
                on="year",
            )
            .filter(pl.col("world") > 0)
            .sort("year")
        )
        label = " + ".join(spec.indicators)
        frames.append(
            wide.select(
                pl.lit(names[spec.sector_id]).alias("sector"),
                pl.lit(spec.product).alias("product"),
                pl.col("year"),
                pl.lit(spec.metric).alias("metric"),
                formulas.share_of_world("china", "world").alias("value"),
                pl.lit("ratio").alias("unit"),
                pl.lit("quantity").alias("basis"),
                pl.lit(f"{spec.source}:{label}").alias("definition_id"),
                pl.col("publisher"),
                pl.lit(f"China / World: {spec.description}").alias("method"),
                pl.format(
                    "{}:{} CHN={} WLD={} {}", pl.lit(spec.source), "year", "china", "world", "unit"
                ).alias("inputs"),
                pl.lit(f"snapshot {spec.source} ({label})").alias("sources"),
            )
        )
    return pl.concat(frames) if frames else _empty_metrics()


def china_and_world_by_code(trade: pl.DataFrame) -> pl.DataFrame:
    """core.trade with the World, one row per HS code, year and map revision: China's
    ``exports`` and ``imports`` (USD, null when not reported), the ``world``'s exports (sum over
    reporters, every HS edition) and ``n``, the number of reporters in that sum.

    HS revisions: Comtrade H4/H5 codes are matched to the map's HS2017 rows and H6 to HS2022.
    """
    revision = (
        pl.when(pl.col("hs_revision") == "HS2022")
        .then(pl.lit("HS2022"))
        .otherwise(pl.lit("HS2017"))
    )
    world = trade.filter((pl.col("partner_code") == 0) & (pl.col("flow") == "exports"))
    totals = world.group_by("hs_code", "year").agg(
        pl.col("value_usd").sum().alias("world"), pl.col("reporter_code").n_unique().alias("n")
    )
    china = trade.filter((pl.col("reporter_code") == 156) & (pl.col("partner_code") == 0))
    china_wide = china.with_columns(revision.alias("map_revision")).pivot(
        on="flow",
        index=["hs_code", "year", "map_revision"],
        values="value_usd",
        aggregate_function="sum",
    )
    for flow in ("exports", "imports"):
        if flow not in china_wide.columns:
            china_wide = china_wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(flow))
    return china_wide.join(totals, on=["hs_code", "year"], how="left")


def trade_share_metrics(
    trade: pl.DataFrame, hs_map: pl.DataFrame, min_reporters: int = 30
) -> pl.DataFrame:
    """From core.trade (values in USD, partner World), for HS codes in the sector map:

    world_export_share  = China's exports / sum of all reporters' exports   [ratio]
        only where at least ``min_reporters`` reporters are present for that code and year
        (so that the sum is a world total; the count is stated in ``method``);
    trade_balance_index = (X - M) / (X + M) of China's exports and imports  [ratio].

    HS revisions: Comtrade H4/H5 codes are matched to the map's HS2017 rows and H6 to HS2022;
    the codes used here (8486, 848620, 903082, 8541, 8542) are unchanged across those revisions.
    """
    if trade.is_empty():
        return _empty_metrics()
    products = hs_map.select(
        "sector", "product", "hs_code", pl.col("hs_revision").alias("map_revision")
    ).unique(["hs_code", "map_revision"])
    joined = china_and_world_by_code(trade).join(products, on=["hs_code", "map_revision"])
    common = [pl.col("sector"), pl.col("product"), pl.col("year")]
    share = joined.filter(
        pl.col("exports").is_not_null() & (pl.col("n") >= min_reporters) & (pl.col("world") > 0)
    ).select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        formulas.world_export_share("exports", "world").alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:world_export_share:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "China exports / sum of {} reporters' exports to World (HS {})", "n", "hs_code"
        ).alias("method"),
        pl.format(
            "HS {}:{} CHN exports={} USD, world={} USD", "hs_code", "year", "exports", "world"
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    both = pl.col("exports").is_not_null() & pl.col("imports").is_not_null()
    tbi = joined.filter(both & ((pl.col("exports") + pl.col("imports")) > 0)).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:trade_balance_index:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format("(exports - imports) / (exports + imports), HS {}", "hs_code").alias("method"),
        pl.format(
            "HS {}:{} CHN exports={} imports={} USD", "hs_code", "year", "exports", "imports"
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    return pl.concat([share, tbi])


def sector_trade_metrics(
    trade: pl.DataFrame, hs_map: pl.DataFrame, min_reporters: int = 30
) -> pl.DataFrame:
    """Each sector's whole HS basket (every map code, none counted twice), from core.trade:

    world_export_share  = sum_p X_china,p / sum_p X_world,p                 [ratio]
    trade_balance_index = (sum_p X_china,p - sum_p M_china,p) / (sum_p X + sum_p M)  [ratio]

    p = the sector's basket codes (:func:`sector_basket_codes`) of the HS edition the year was
    reported in. A year counts only when China's value is there for **every** basket code (and,
    for the share, a world total of at least ``min_reporters`` reporters for every code): a
    basket with a missing code is never summed as if it were whole. The live Comtrade client
    asks for every map code (world totals with ``MIC2025_COMTRADE_WORLD_TOTALS=1``), so with
    network access every sector gets both measures for every year; the bundled snapshot holds
    the semiconductor codes only, so offline no basket is complete.
    """
    if trade.is_empty():
        return _empty_metrics()
    basket = sector_basket_codes(hs_map)
    size = basket.group_by("sector", "map_revision").agg(pl.len().alias("codes"))
    joined = basket.join(china_and_world_by_code(trade), on=["hs_code", "map_revision"])
    per_year = (
        joined.group_by("sector", "map_revision", "year")
        .agg(
            pl.col("exports").sum().alias("exports"),
            pl.col("imports").sum().alias("imports"),
            pl.col("world").sum().alias("world"),
            pl.col("exports").is_not_null().sum().alias("with_x"),
            (pl.col("exports").is_not_null() & pl.col("imports").is_not_null())
            .sum()
            .alias("with_xm"),
            ((pl.col("n") >= min_reporters) & (pl.col("world") > 0)).sum().alias("with_world"),
            pl.col("n").min().alias("min_n"),
            pl.col("hs_code").sort().str.join(" ").alias("codes_used"),
        )
        .join(size, on=["sector", "map_revision"])
    )
    common = [
        pl.col("sector"),
        pl.lit(SECTOR_BASKET).alias("product"),
        pl.col("year"),
    ]
    share = per_year.filter(
        (pl.col("with_x") == pl.col("codes")) & (pl.col("with_world") == pl.col("codes"))
    ).select(
        *common,
        pl.lit("world_export_share").alias("metric"),
        formulas.world_export_share("exports", "world").alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:world_export_share:basket:{}", "map_revision").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "China's exports / all reporters' exports to World (at least {} reporters a code), "
            "summed over the sector's {} map codes ({}: {})",
            "min_n",
            "codes",
            "map_revision",
            "codes_used",
        ).alias("method"),
        pl.format("basket:{} CHN exports={} USD, world={} USD", "year", "exports", "world").alias(
            "inputs"
        ),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    tbi = per_year.filter(
        (pl.col("with_xm") == pl.col("codes")) & ((pl.col("exports") + pl.col("imports")) > 0)
    ).select(
        *common,
        pl.lit("trade_balance_index").alias("metric"),
        trade_balance_index().alias("value"),
        pl.lit("ratio").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:trade_balance_index:basket:{}", "map_revision").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format(
            "(exports - imports) / (exports + imports) of China with the World, summed over the "
            "sector's {} map codes ({}: {})",
            "codes",
            "map_revision",
            "codes_used",
        ).alias("method"),
        pl.format("basket:{} CHN exports={} imports={} USD", "year", "exports", "imports").alias(
            "inputs"
        ),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )
    return pl.concat([share, tbi])


def revealed_comparative_advantage(trade: pl.DataFrame, hs_map: pl.DataFrame) -> pl.DataFrame:
    """Balassa RCA of China, for map products where the all-goods totals exist:

        RCA = (X_china,p / X_china,total) / (X_world,p / X_world,total)

    X = exports to the World in USD; 'total' = the ``TOTAL`` commodity row; world = sum over
    reporters. Years without China's and the world's TOTAL give no row (never a guess).
    """
    if trade.is_empty():
        return _empty_metrics()
    exports = trade.filter((pl.col("partner_code") == 0) & (pl.col("flow") == "exports"))
    totals = exports.filter(pl.col("hs_code") == "TOTAL")
    if totals.is_empty():
        return _empty_metrics()
    china_total = totals.filter(pl.col("reporter_code") == 156).select(
        "year", pl.col("value_usd").alias("cn_total")
    )
    world_total = totals.group_by("year").agg(pl.col("value_usd").sum().alias("w_total"))
    products = exports.filter(pl.col("hs_code") != "TOTAL")
    cn = products.filter(pl.col("reporter_code") == 156).select(
        "hs_code", "year", pl.col("value_usd").alias("cn")
    )
    world = products.group_by("hs_code", "year").agg(pl.col("value_usd").sum().alias("w"))
    names = hs_map.select("sector", "product", "hs_code").unique("hs_code")
    frame = (
        cn.join(world, on=["hs_code", "year"])
        .join(china_total, on="year")
        .join(world_total, on="year")
        .join(names, on="hs_code")
        .filter((pl.col("w") > 0) & (pl.col("cn_total") > 0) & (pl.col("w_total") > 0))
    )
    return frame.select(
        pl.col("sector"),
        pl.col("product"),
        pl.col("year"),
        pl.lit("revealed_comparative_advantage").alias("metric"),
        formulas.revealed_comparative_advantage("cn", "cn_total", "w", "w_total").alias("value"),
        pl.lit("index").alias("unit"),
        pl.lit("value").alias("basis"),
        pl.format("comtrade:revealed_comparative_advantage:HS{}", "hs_code").alias("definition_id"),
        pl.lit("UN Comtrade").alias("publisher"),
        pl.format("Balassa RCA, HS {}", "hs_code").alias("method"),
        pl.format(
            "HS {}:{} cn={} cn_total={} w={} w_total={}",
            "hs_code",
            "year",
            "cn",
            "cn_total",
            "w",
            "w_total",
        ).alias("inputs"),
        pl.lit("snapshot comtrade_trade (UN Comtrade)").alias("sources"),
    )


@dataclass(frozen=True)
class ChinaSeries:
    """A China series of core.observations published as a metric.

    value = observation / divisor (100 turns a percent into a ratio); unit as stated.
    """

    source: str
    indicator: str
    sector_id: str
    product: str
    metric: str
    description: str
    divisor: float
    unit: str
    basis: str = "value"
    source_url: str | None = None


def china_series() -> list[ChinaSeries]:
    """The declared China series (facts/metrics/china_series.csv)."""
    return [ChinaSeries(**row) for row in metric_spec("china_series.csv").iter_rows(named=True)]


def china_series_metrics(obs: pl.DataFrame, sectors: pl.DataFrame) -> pl.DataFrame:
    """China's values of the series declared in facts/metrics/china_series.csv (historical
    only)."""
    names = dict(sectors.select("sector_id", "sector").iter_rows())
    frames = []
    for spec in china_series():
        rows = obs.filter(
            (pl.col("source") == spec.source)
            & (pl.col("indicator") == spec.indicator)
            & (pl.col("iso3") == "CHN")
            & (pl.col("scenario") == "historical")
        )
        if rows.is_empty():
            continue
        frames.append(
            rows.select(
                pl.lit(names[spec.sector_id]).alias("sector"),
                pl.lit(spec.product).alias("product"),
                pl.col("year"),
                pl.lit(spec.metric).alias("metric"),
                (pl.col("value") / spec.divisor).alias("value"),
                pl.lit(spec.unit).alias("unit"),
                pl.lit(spec.basis).alias("basis"),
                pl.format("{}:{}", "source", pl.lit(spec.indicator)).alias("definition_id"),
                pl.col("publisher"),
                pl.lit(f"{spec.description} ({spec.indicator})").alias("method"),
                pl.format("{}:CHN:{}={} {}", pl.lit(spec.indicator), "year", "value", "unit").alias(
                    "inputs"
                ),
                (
                    pl.lit(spec.source_url)
                    if spec.source_url
                    else pl.format("snapshot {}", "source")
                ).alias("sources"),
            )
        )
    return pl.concat(frames) if frames else _empty_metrics()


def _empty_metrics() -> pl.DataFrame:
    schema = {c: pl.String for c in SECTOR_METRIC_COLUMNS if c not in ("load_id", "headline")}
    schema.update({"year": pl.Int64, "value": pl.Float64})
    return pl.DataFrame(schema=schema)


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the columns a part did not set: full-year, exact, no caveat, and a definition id
    made of metric, product and publisher (one publisher's one formula)."""
    defaults = {
        "period": pl.lit("FY"),
        "bound": pl.lit("exact"),
        "caveat": pl.lit(None, dtype=pl.String),
        "definition_id": pl.format("{}|{}|{}", "metric", "product", "publisher"),
    }
    return frame.with_columns(
        [expr.alias(name) for name, expr in defaults.items() if name not in frame.columns]
    )


def publisher_ids(frame: pl.DataFrame, publishers: pl.DataFrame) -> pl.Series:
    """Publisher text -> vocabulary ids, part by part: 'IEA via Our World in Data' -> 'IEA',
    'NBS; GACC' -> 'NBS; GACC' (the original publisher wins over the repost)."""
    cache: dict[str, str] = {}
    out = []
    for text in frame["publisher"].to_list():
        if text not in cache:
            cache[text] = "; ".join(
                resolve_publisher(part.strip(), "", publishers) for part in text.split(";")
            )
        out.append(cache[text])
    return pl.Series("publisher", out, dtype=pl.String)


def headline_flags(frame: pl.DataFrame) -> pl.Series:
    """headline = the one row to show for its sector, product, metric, year and publisher: the
    value basis wherever one exists (a quantity ratio of unlike goods is never the headline),
    then the first in spec order (a publisher's own data before a copy of it: IEA before OWID's
    copy of IEA). Two publishers' figures stay two definitions, each with its headline."""
    group = ["sector", "product", "metric", "year", "period"]
    has_value = (pl.col("basis") == "value").any().over(group)
    eligible = (pl.col("basis") == "value") | ~has_value
    ranked = frame.with_row_index("_i").with_columns(eligible.alias("_ok"))
    first = pl.col("_i").filter(pl.col("_ok")).min().over([*group, "publisher"])
    return ranked.select((pl.col("_ok") & (pl.col("_i") == first)).alias("headline")).to_series()


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
            _complete(p).select(columns).cast({"year": pl.Int64, "value": pl.Float64})
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
