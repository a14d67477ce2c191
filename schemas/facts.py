"""Curated facts: article claims (facts/articles/*.yaml) and their checks."""

from __future__ import annotations

import pandera.polars as pa

COMPARATORS = ["=", ">", ">=", "<", "<=", "~"]
#: supported / contradicted: decided by a measure of what the claim states; outdated: the figure
#: was superseded before the article's date (the later value is given); goal_met / goal_missed: the
#: claim states a goal, and a measure of the goal's quantity shows it reached or not (the
#: scorecard's rule); not_measurable: the claim restates a date, or a target no measure decides;
#: unverifiable: no measure, or the measures do not decide it. Evaluator verdicts also:
#: partly_agrees (one category apart), circular (our reading rests on the evaluator's own figure,
#: so it is not counted).
VERDICTS = [
    "supported",
    "contradicted",
    "outdated",
    "goal_met",
    "goal_missed",
    "not_measurable",
    "unverifiable",
    "partly_agrees",
    "circular",
]


class ArticleClaims(pa.DataFrameModel):
    """One row per quantitative claim of an article, with its exact quote."""

    article_id: str = pa.Field(str_matches=r"^[a-z0-9][a-z0-9_.-]*$", description="Article key")
    title: str = pa.Field(description="Article title")
    publisher: str = pa.Field(description="Publisher of the article")
    url: str = pa.Field(str_matches=r"^https?://", description="Where the text was retrieved")
    published: str = pa.Field(
        str_matches=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="Publication date (YYYY-MM-DD, or YYYY-MM / YYYY where the page gives no day)",
    )
    retrieved: str = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$", description="Retrieval date")
    claim_id: str = pa.Field(str_matches=r"^C\d{2,}$", description="Claim key within the article")
    quote: str = pa.Field(str_length={"min_value": 5, "max_value": 300}, description="Exact quote")
    subject: str = pa.Field(description="Who or where the claim is about (China, Hefei, world)")
    sector_id: str = pa.Field(nullable=True, description="MIC2025 sector (core.sectors)")
    metric: str = pa.Field(description="What is claimed")
    value: float = pa.Field(description="Claimed value, normalised (US$140 billion -> 1.4e11)")
    unit: str = pa.Field(description="Unit of value (percent, ratio, USD, vehicles, year ...)")
    comparator: str = pa.Field(isin=COMPARATORS, description="= > >= < <= ~ (from the hedge)")
    year: int = pa.Field(nullable=True, ge=1900, le=2100, description="Year the claim is about")
    period: str = pa.Field(nullable=True, description="Period within or across years")
    metric_key: str = pa.Field(
        nullable=True,
        str_matches=r"^(metric|series|target|goal|verdict|place):.+",
        description="Warehouse measure that can check the claim (metric:, series:, target:, "
        "goal:series:/goal:metric: for a goal that is not a scorecard target, "
        "place:<place_id>|<metric> of marts.city_metrics, verdict:<sector_id> for an "
        "evaluator's sector verdict)",
    )
    note: str = pa.Field(nullable=True, description="Reading notes")
    file_sha256: str = pa.Field(description="sha256 of the claims file")
    load_id: str = pa.Field(description="Refresh that loaded the row")

    class Config:
        strict = True
        coerce = True
        unique = ["article_id", "claim_id"]


class ClaimChecks(pa.DataFrameModel):
    """Each claim with a metric_key, checked against the warehouse."""

    article_id: str = pa.Field(description="Article key")
    claim_id: str = pa.Field(description="Claim key")
    quote: str = pa.Field(description="Exact quote")
    metric_key: str = pa.Field(description="Measure used")
    claim_value: float = pa.Field(description="Claimed value (ratio for percent claims)")
    claim_unit: str = pa.Field(description="Unit of claim_value")
    comparator: str = pa.Field(isin=COMPARATORS, description="Comparator of the claim")
    claim_year: int = pa.Field(nullable=True, description="Year stated in the claim")
    verdict: str = pa.Field(
        isin=VERDICTS,
        description="supported, contradicted, outdated, goal_met, goal_missed, not_measurable, "
        "unverifiable; for evaluator verdicts also partly_agrees, circular",
    )
    computed_value: float = pa.Field(nullable=True, description="Warehouse value compared")
    computed_unit: str = pa.Field(nullable=True, description="Unit of computed_value")
    metric_used: str = pa.Field(nullable=True, description="Metric / series / target compared")
    year_used: int = pa.Field(nullable=True, description="Year of computed_value")
    tolerance_rule: str = pa.Field(description="How the comparator was applied")
    reason: str = pa.Field(description="Why this verdict")
    evidence_sources: str = pa.Field(nullable=True, description="Sources of the evidence")
    load_id: str = pa.Field(description="Refresh that computed the row")

    class Config:
        strict = True
        coerce = True
        unique = ["article_id", "claim_id"]
