"""Claims: extraction from texts written for these tests, the seed registry, and the checks."""

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mic2025.flows.ingest.claims import (
    ArticleError,
    check_url,
    extract_claims,
    html_to_text,
    load_article,
)
from mic2025.warehouse.claim_checks import check_one, load_articles
from mic2025.warehouse.units import to_base

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "article-mic2025-nature-2024.txt"

NEWS = (
    "Battery maker CATL said on Tuesday that its net profit rose 15.5 per cent to 44.1 billion "
    "yuan in 2023. The company shipped about 390 GWh of batteries, nearly double the volume of "
    "2021, and now supplies more than a third of the world's EV batteries. Its rival sold "
    "roughly 300 000 packs in Europe, where a new plant will cost up to €7.3bn. Analysts expect "
    "at least 12 new factories by 2030, and one-quarter of output to be exported. Over 1,200 "
    "engineers work at the site, which covers 2.5 square kilometres. The U.S. imposed tariffs "
    "of 25% on some parts in May, four times the previous rate."
)


def find(cands, text):
    hits = [c for c in cands if c.text == text]
    assert hits, f"{text!r} not found in {[c.text for c in cands]}"
    return hits[0]


def test_extracts_numbers_units_and_hedges_from_unseen_news():
    cands = extract_claims(NEWS)
    assert find(cands, "15.5 per cent").value == pytest.approx(0.155)
    assert find(cands, "15.5 per cent").unit == "ratio"  # as the registry stores shares
    money = find(cands, "44.1 billion yuan")
    assert (money.value, money.unit, money.kind) == (44.1e9, "CNY", "currency")
    energy = find(cands, "390 GWh")
    assert (energy.value, energy.unit, energy.comparator) == (390, "GWh", "~")
    assert find(cands, "double").comparator == "~" and find(cands, "double").value == 2
    third = find(cands, "a third")
    assert (third.value, third.unit, third.comparator) == (pytest.approx(1 / 3), "ratio", ">")
    packs = find(cands, "300 000")
    assert (packs.value, packs.unit, packs.comparator) == (300_000, "packs", "~")
    euros = find(cands, "€7.3bn")
    assert (euros.value, euros.unit, euros.comparator) == (7.3e9, "EUR", "<=")
    factories = find(cands, "12")
    assert (factories.unit, factories.comparator) == ("factories", ">=")
    assert find(cands, "one-quarter").value == 0.25
    assert find(cands, "1,200").unit == "engineers" and find(cands, "1,200").comparator == ">"
    assert find(cands, "2.5 square kilometres").unit == "km2"
    assert find(cands, "25%").value == pytest.approx(0.25)
    assert find(cands, "four times").unit == "times"
    assert {c.value for c in cands if c.kind == "year"} == {2023, 2021, 2030}


def test_offsets_and_quotes_point_into_the_text():
    for c in extract_claims(NEWS):
        assert NEWS[c.start : c.end] == c.text
        assert c.text in c.quote and c.quote in NEWS
    quotes = {c.quote for c in extract_claims(NEWS)}
    assert any(q.startswith("The U.S. imposed tariffs") for q in quotes)  # 'U.S.' not a break


def test_chinese_scales():
    cands = extract_claims("全年新能源汽车产量1288.8万辆，集成电路进口5384亿块，出口额4,500万元。")
    assert find(cands, "1288.8万辆").value == pytest.approx(12_888_000)
    assert find(cands, "1288.8万辆").unit == "vehicles"
    assert find(cands, "5384亿块").value == pytest.approx(538_400_000_000)
    assert find(cands, "4,500万元").unit == "CNY"


def test_dates_names_and_ordinals_are_not_claims():
    cands = extract_claims(
        "On November 21, 2024 the 15th Five-Year Plan and MIC2025 were discussed."
    )
    assert [c.text for c in cands] == ["2024"]


def test_us_dollars_datelines_and_breadcrumbs():
    text = (
        "Thursday, November 21, 2024\n"
        "China imported chips worth 430 billion U.S. dollars, about 70% of its needs."
    )
    cands = extract_claims(text)
    assert "2024" not in [c.text for c in cands]  # a dateline is not a claim
    money = find(cands, "430 billion U.S. dollars")
    assert (money.value, money.unit) == (430e9, "USD")
    share = find(cands, "70%")
    assert (share.value, share.unit, share.comparator) == (pytest.approx(0.7), "ratio", "~")


def test_html_boilerplate_is_left_out_by_the_article_extractor():
    body = " ".join(
        f"Sentence {i} of the article says that exports of the sector grew again."
        for i in range(30)
    )
    html = (
        "<html><body><nav><a href='/'>Home</a><a href='/n'>Nature</a></nav>"
        "<div class='breadcrumb'>Home › Nature › How</div><article><h1>How it happened</h1>"
        f"<p>{body}</p><p>China produced 1,288 units, a rise of 35%.</p></article>"
        "<aside><h3>Related articles</h3><ul><li>Most popular 2023</li></ul></aside>"
        "<footer>© 2024 Publisher</footer></body></html>"
    )
    text = html_to_text(html)
    assert "China produced 1,288 units" in text
    assert "Home › Nature" not in text and "© 2024" not in text


def test_html_articles_lose_scripts_and_navigation():
    html = (
        "<html><head><script>var x = 99;</script><style>p{}</style></head><body>"
        "<nav>Home 1 2 3</nav><article><h1>Title</h1><p>Exports grew by 12% in 2023.</p>"
        "<p>Sales reached US$3 billion.</p></article><footer>© 2024</footer></body></html>"
    )
    text = html_to_text(html)
    assert "99" not in text and "Home" not in text
    values = [(c.value, c.unit) for c in extract_claims(text)]
    assert (0.12, "ratio") in values and (3e9, "USD") in values


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1_000, max_value=999_999_999))
def test_thousands_separators_round_trip(n):
    text = f"The plant made {n:,} units last year."
    (c,) = [c for c in extract_claims(text) if c.kind == "count"]
    assert c.value == n


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(min_value=1, max_value=999, places=1, allow_nan=False),
    st.sampled_from([("million", 1e6), ("billion", 1e9), ("trillion", 1e12)]),
)
def test_scale_words_multiply(number, scale):
    text = f"Investment reached US${number} {scale[0]} in 2024."
    (c,) = [c for c in extract_claims(text) if c.kind == "currency"]
    assert c.value == pytest.approx(float(number) * scale[1])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_list_never_a_crash(text):
    for c in extract_claims(text):
        assert text[c.start : c.end] == c.text


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
    st.sampled_from(
        ["万辆 (10k vehicles)", "亿块 (100 million pieces)", "GW", "亿美元 (100 million USD)"]
    ),
)
def test_unit_conversion_is_linear(value, unit):
    base, _ = to_base(value, unit)
    double, _ = to_base(2 * value, unit)
    assert double == pytest.approx(2 * base)


# --------------------------------------------------------------------------- the registry


def test_seed_registry_loads_and_validates():
    from mic2025.schemas.facts import ArticleClaims

    claims = load_articles()
    assert claims.height >= 30
    ArticleClaims.validate(claims.with_columns(pl.lit("t").alias("load_id")), lazy=True)


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not present")
def test_every_quote_is_an_exact_substring_of_the_article():
    import hashlib

    import yaml

    text = SEED.read_text(encoding="utf-8")
    registry = Path(__file__).resolve().parents[1] / "facts" / "articles"
    doc = yaml.safe_load((registry / "nature-2024-mic2025-science-cities.yaml").read_text())
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == doc["text_sha256"]
    claims = load_articles().filter(pl.col("article_id") == doc["article_id"])
    assert claims.height == 38
    for quote in claims["quote"]:
        assert quote in text, quote


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not present")
def test_extractor_finds_the_numbers_of_the_seed_claims():
    text = SEED.read_text(encoding="utf-8")
    found = extract_claims(text)
    claims = load_articles().filter(
        (pl.col("article_id") == "nature-2024-mic2025-science-cities")
        & pl.col("quote").str.contains(r"\d|half|dozen|quarter|four")
    )
    hits = 0
    for claim in claims.iter_rows(named=True):
        start = text.index(claim["quote"])
        inside = [c for c in found if start <= c.start < start + len(claim["quote"])]
        value = claim["value"] / 100 if claim["unit"] == "percent" else claim["value"]
        if any(c.value == pytest.approx(value) for c in inside):
            hits += 1
    assert hits >= 0.9 * claims.height, (hits, claims.height)


# --------------------------------------------------------------------------- fetching


def test_article_fetched_from_a_local_server(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_ALLOW_PRIVATE_URLS", "1")
    httpserver.expect_request("/story").respond_with_data(
        "<html><body><p>Output rose to 3.5 million cars in 2024.</p></body></html>",
        content_type="text/html; charset=utf-8",
    )
    text = load_article(httpserver.url_for("/story"))
    assert "3.5 million cars" in text


def test_oversized_article_is_refused(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setattr("mic2025.flows.ingest.claims.MAX_ARTICLE_BYTES", 1000)
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    from mic2025.flows.ingest.claims import fetch_article

    with pytest.raises(ArticleError, match="larger than"):
        fetch_article(httpserver.url_for("/big"), max_bytes=1000)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a", "javascript:x"])
def test_only_http_urls(url):
    with pytest.raises(ArticleError, match="only http"):
        check_url(url)


def test_loopback_and_private_addresses_are_refused(monkeypatch):
    monkeypatch.delenv("MIC2025_ALLOW_PRIVATE_URLS", raising=False)
    for url in ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x"]:
        with pytest.raises(ArticleError, match="non-public address"):
            check_url(url)


# --------------------------------------------------------------------------- checks


def claim(**kw):
    base = {
        "value": 0.5,
        "unit": "ratio",
        "comparator": ">",
        "year": None,
        "published": "2024-11-21",
        "metric_key": "metric:share|Cars",
    }
    return {**base, **kw}


METRICS = pl.DataFrame(
    {
        "metric": ["share", "share", "share"],
        "product": ["Cars", "Cars", "Cars"],
        "year": [2022, 2023, 2024],
        "value": [0.45, 0.59, 0.64],
        "unit": ["ratio"] * 3,
        "publisher": ["P"] * 3,
        "sources": ["https://example.org"] * 3,
    }
)
EMPTY = pl.DataFrame()


def test_more_than_half_uses_the_last_full_year_before_publication():
    r = check_one(claim(), METRICS, EMPTY, EMPTY)
    assert (r["verdict"], r["year_used"], r["computed_value"]) == ("supported", 2023, 0.59)
    assert r["tolerance_rule"] == "computed > claimed"


def test_a_stated_year_is_used_and_can_contradict():
    r = check_one(claim(year=2022), METRICS, EMPTY, EMPTY)
    assert r["verdict"] == "contradicted" and r["year_used"] == 2022


def test_around_means_within_ten_percent():
    assert (
        check_one(
            claim(value=62, unit="percent", comparator="~", year=2024), METRICS, EMPTY, EMPTY
        )["verdict"]
        == "supported"
    )
    assert (
        check_one(
            claim(value=80, unit="percent", comparator="~", year=2024), METRICS, EMPTY, EMPTY
        )["verdict"]
        == "contradicted"
    )


def test_two_definitions_of_one_publisher_that_disagree_decide_nothing():
    """Two rows of one publisher (two definitions, e.g. IEA via two datasets) are two pieces of
    evidence: when one says 0.45 and the other 0.59 for '> 0.5', the claim is not decided."""
    two = pl.concat([METRICS, METRICS.filter(pl.col("year") == 2023).with_columns(value=0.45)])
    r = check_one(claim(), two, EMPTY, EMPTY)
    assert r["verdict"] == "unverifiable" and "disagree" in r["reason"]
    assert "P: 59.0%; P: 45.0%" in r["reason"]


def test_missing_data_is_unverifiable_with_a_reason():
    r = check_one(claim(year=2019), METRICS, EMPTY, EMPTY)
    assert r["verdict"] == "unverifiable" and "2019" in r["reason"]
    r = check_one(claim(metric_key="metric:share|Ships"), METRICS, EMPTY, EMPTY)
    assert r["verdict"] == "unverifiable" and "no data" in r["reason"]


#: sector_metrics rows as the scorecard reads them (full years, exact, one definition)
GOAL_METRICS = METRICS.with_columns(
    period=pl.lit("FY"), bound=pl.lit("exact"), definition_id=pl.lit("SHARE:P")
)


def goal(**kw):
    return claim(unit="percent", metric_key="goal:metric:share|Cars", **kw)


def test_a_goal_is_decided_by_the_scorecards_rule_on_its_own_measure():
    """A claim that states a goal is met when a value reached it in any year up to the goal's
    year, missed from the goal year's own value, and undecided while its year is ahead."""
    r = check_one(goal(value=60, comparator=">", year=2023), GOAL_METRICS, EMPTY, EMPTY)
    assert (r["verdict"], r["year_used"], r["computed_value"]) == ("goal_missed", 2023, 0.59)
    r = check_one(goal(value=60, comparator=">=", year=2025), GOAL_METRICS, EMPTY, EMPTY)
    assert (r["verdict"], r["year_used"], r["computed_value"]) == ("goal_met", 2024, 0.64)
    assert "reached before the 2025 deadline" in r["reason"]
    r = check_one(goal(value=90, comparator=">=", year=2100), GOAL_METRICS, EMPTY, EMPTY)
    assert r["verdict"] == "unverifiable" and "its year is ahead" in r["reason"]
    r = check_one(
        claim(
            value=3,
            unit="vehicles",
            comparator=">=",
            year=2023,
            metric_key="goal:metric:share|Cars",
        ),
        GOAL_METRICS,
        EMPTY,
        EMPTY,
    )
    assert r["verdict"] == "unverifiable" and "units differ" in r["reason"]


TARGETS = pl.DataFrame(
    {
        "target_id": ["T9"],
        "indicator": ["Cars' share"],
        "comparator": [">"],
        "target_value": [50.0],
        "unit": ["% of market"],
        "target_year": [2023],
        "confidence": ["stated_in_source"],
        "source_url": ["https://example.org/plan"],
    }
)


def test_a_stated_target_is_decided_only_by_its_scorecard_status():
    """That a target exists proves nothing: a claim stating it takes the scorecard's met / missed,
    and stays not_measurable when the scorecard has no decided status."""
    stated = claim(value=50, unit="percent", year=2023, metric_key="target:T9")
    card = pl.DataFrame(
        {
            "target_id": ["T9"],
            "status": ["met"],
            "actual_value": [0.59],
            "actual_year": [2023],
            "unit": ["ratio"],
            "measure": ["marts.sector_metrics share (Cars)"],
            "sources": ["https://example.org"],
            "rule": ["deadline 2023 has passed: actual 2023 = 59.0% meets > 50.0%"],
        }
    )
    r = check_one(stated, METRICS, EMPTY, TARGETS, card=card)
    assert (r["verdict"], r["computed_value"], r["year_used"]) == ("goal_met", 0.59, 2023)
    assert "target T9 is > 50.0" in r["reason"] and "59.0% meets" in r["reason"]
    r = check_one(stated, METRICS, EMPTY, TARGETS, card=card.with_columns(status=pl.lit("no_data")))
    assert r["verdict"] == "not_measurable"
    # a claim that misstates the target is not credited with the target's outcome
    r = check_one({**stated, "value": 60}, METRICS, EMPTY, TARGETS, card=card)
    assert r["verdict"] == "not_measurable" and "the claim says 60" in r["reason"]


def test_published_claim_checks(published_warehouse):
    import duckdb

    con = duckdb.connect(str(published_warehouse), read_only=True)
    checks = con.sql("select * from marts.claim_checks").pl()
    n_keyed = con.sql(
        "select count(*) from core.article_claims where metric_key is not null"
    ).fetchall()[0][0]
    con.close()
    assert checks.height == n_keyed
    c13 = checks.filter(pl.col("claim_id") == "C13").row(0, named=True)
    # IEA 2023: 0.5866 (its own data, shown first) and OWID's copy 8.2 / 13.7 million = 0.5985,
    # both > 0.5
    assert c13["verdict"] == "supported" and c13["year_used"] == 2023
    assert c13["computed_value"] == pytest.approx(0.5866, abs=5e-4)
    assert "59.9%" in c13["reason"] and "58.7%" in c13["reason"]
    assert (checks["reason"].str.len_chars() > 10).all()
    nature = {
        r["claim_id"]: r
        for r in checks.filter(
            pl.col("article_id") == "nature-2024-mic2025-science-cities"
        ).to_dicts()
    }
    # a restated date (C03 2015, C04 2025, C06 2018, C38 2026) proves nothing of what was
    # achieved, nor does a target's existence (C05 70%, whose target T06 the scorecard cannot
    # decide)
    for claim_id in ("C03", "C04", "C05", "C06", "C38"):
        assert nature[claim_id]["verdict"] == "not_measurable", claim_id
    # C08 states target T23 (Chinese brands > 80% of China's NEV market by 2025): decided by the
    # target's own measure, CAAM/MIIT's 80.6% in 2023 > 80% (reached before the deadline)
    c08 = nature["C08"]
    assert (c08["verdict"], c08["year_used"]) == ("goal_met", 2023)
    assert c08["computed_value"] == pytest.approx(0.806)
    assert "T23" in c08["metric_used"] and "reached before the 2025 deadline" in c08["reason"]
    # C20 "bringing as many as 30 new medications to market by 2025": NMPA approved 40 innovative
    # drugs in 2023 alone, >= 30 before the deadline
    c20 = nature["C20"]
    assert (c20["verdict"], c20["year_used"], c20["computed_value"]) == ("goal_met", 2023, 40)
    # C15 "a 37.6% tariff": the provisional duty, replaced on 2024-10-30 by definitive duties of
    # at most 35.3%, before the article (2024-11-21)
    c15 = nature["C15"]
    assert c15["verdict"] == "outdated" and c15["computed_value"] == pytest.approx(0.353)
    assert "superseded on 2024-10-30" in c15["reason"]
    # C25 Zhangjiang Science City "covers almost 100 square kilometres": the 2017 plan's ~94 km2
    # is within 10% of 100, but the science city was 220 km2 by 2022-07-31, before the article
    c25 = nature["C25"]
    assert c25["verdict"] == "outdated" and c25["computed_value"] == pytest.approx(220)
    assert "2017" in c25["reason"] and "superseded on 2022-07-31" in c25["reason"]
    # C18 "hosts the 10 leading suppliers of solar-cell manufacturing equipment": the IEA (2022)
    # counts all 10 of the world's top PV manufacturing-equipment suppliers in China
    c18 = nature["C18"]
    assert c18["verdict"] == "supported" and c18["computed_value"] == 10
    # C33 "trailing behind other countries by around 15 years" (the 2020 CAE study, not found):
    # China Review News states the same gap, about 15 years, as the 2009-2020 special project
    # left the industry
    c33 = nature["C33"]
    assert (c33["verdict"], c33["computed_value"], c33["year_used"]) == ("supported", 15, 2020)
    # C07 "picking up four times more AI-related patents than the United States in 2022": the AI
    # Index 2024 gives China 61.1% and the US 20.9% of the world's granted AI patents in 2022,
    # 61.1 / 20.9 = 2.923 times, outside 4 +- 2% (and 5, the other reading) -> contradicted
    c07 = nature["C07"]
    assert (c07["verdict"], c07["year_used"]) == ("contradicted", 2022)
    assert c07["computed_value"] == pytest.approx(61.1 / 20.9) and c07["computed_unit"] == "times"
    # the article's claims decided by a measure of what they state: 21 of 38
    decided = {"supported", "contradicted", "outdated", "goal_met", "goal_missed"}
    assert sum(r["verdict"] in decided for r in nature.values()) >= 21


def test_a_date_written_day_month_year_is_not_a_count_and_values_keep_their_precision():
    from mic2025.flows.ingest.claims import extract_claims

    found = extract_claims("About 47.1% of 3 March 2024 sales were 1.05 million units.")
    by_text = {c.text: c for c in found}
    assert "3" not in by_text  # the day of "3 March 2024"
    assert by_text["2024"].unit == "year"
    assert by_text["47.1%"].value == 0.471  # not 0.47100000000000003
    assert [c.value for c in found if c.unit == "units"] == [1_050_000.0]


def test_two_definitions_that_agree_both_count_as_evidence():
    """The same claim with a second definition that also says '> 0.5' (0.55): supported, and
    both definitions are named as its evidence (a second, independent test of the rule)."""
    two = pl.concat([METRICS, METRICS.filter(pl.col("year") == 2023).with_columns(value=0.55)])
    r = check_one(claim(), two, EMPTY, EMPTY)
    assert r["verdict"] == "supported"
    assert "P: 59.0%; P: 55.0%" in r["reason"]
