"""The HTML report renders offline: well-formed, a chart per covered sector, no external assets."""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from mic2025.warehouse.report import build_report


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.assets, self.figures, self.svgs = [], [], [], [], 0
        self.void = {"meta", "br", "img", "link", "input", "hr", "path", "use", "rect", "circle"}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "link", "iframe", "source", "video", "audio"):
            self.assets.append((tag, attrs.get("src") or attrs.get("href")))
        if tag == "figure":
            self.figures.append(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag not in self.void:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.void:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.void:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()


@pytest.fixture(scope="module")
def report(published_warehouse, tmp_path_factory):
    return build_report(published_warehouse, tmp_path_factory.mktemp("report"))


def pages(report):
    return [report, *sorted((report.parent / "sectors").glob("*.html"))] + [
        report.parent / "claims.html",
        report.parent / "sources.html",
        report.parent / "methodology.html",
        report.parent / "places.html",
        *sorted((report.parent / "places").glob("*.html")),
    ]


def test_every_page_is_well_formed_and_self_contained(report):
    for path in pages(report):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        assert page.errors == [] and page.stack == [], path.name
        external = [a for a in page.assets if a[1] and "://" in a[1]]
        assert external == [], (path.name, external)  # nothing from another host
        assert not [a for a in page.assets if a[0] == "script"], path.name
        # a chart mark links within the site: vl-convert's own base URL is taken off
        text = path.read_text(encoding="utf-8")
        assert "vega.github.io" not in text, path.name
        marks = re.findall(r'xlink:href="([^"]*)"', text)
        assert all("://" not in m for m in marks), (path.name, marks[:3])


def test_a_page_with_charts_for_each_sector(report, published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    measures = con.sql(
        "select sector_id, count(*), count(*) filter (where years > 1) from ("
        " select s.sector_id, m.metric, m.product, m.unit, count(distinct m.year) as years"
        " from marts.sector_metrics m join core.sectors s using (sector)"
        " where m.period = 'FY' and m.headline and s.sector_id <> 'cross_cutting'"
        " group by all) group by 1"
    ).fetchall()
    con.close()
    for sector_id, count, with_trend in measures:
        page = Page()
        page.feed((report.parent / "sectors" / f"{sector_id}.html").read_text(encoding="utf-8"))
        charted = [f for f in page.figures if "data-measure" in f]
        # one figure per metric, product and unit (a unit belongs to the series' identity);
        # a chart only where there are two years or more, one year is shown as its value
        assert len(charted) == count and page.svgs == with_trend, sector_id
        for f in charted:  # each chart has its data and metadata beside it
            assert (report.parent / "data" / f"{f['data-measure']}.csv").exists()
            assert (report.parent / "data" / f"{f['data-measure']}.json").exists()


def test_every_figure_has_units_and_a_citation(report):
    for path in sorted((report.parent / "sectors").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for caption in text.split("<figcaption>")[1:]:
            assert "Unit:" in caption.split("</figcaption>")[0]
        assert text.count("class='cite'") == text.count("<figure"), path.name


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed")
def test_headless_chromium_screenshot(report, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2000",
            f"--screenshot={shot}",
            report.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists() and shot.stat().st_size > 20_000
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lineage_quotes_are_in_the_generated_html_without_a_browser(report):
    """The lineage promise checked in the HTML itself (the browser test clicks it): a sector
    page's lineage panels carry the exact quote, the series and year, and the snapshot."""
    nev = (report.parent / "sectors" / "nev.html").read_text()
    # CAAM 2025, read on a repost: the quote and the series it feeds
    assert "其中新能源汽車產銷分別完成1662.6萬輛和1649萬輛" in nev
    assert "<blockquote>" in nev and "<b>Snapshot" in nev
    robots = (report.parent / "sectors" / "cnc_machine_tools_robots.html").read_text()
    assert "rising from 31.4 percent in 2020 to 58.5 percent in 2024" in robots


def test_the_claims_page_says_what_each_verdict_means(report):
    """Every verdict on the claims page has its meaning in the legend: a goal claim's 'goal met'
    (C08, C20) is read as a measured outcome, not as a supported statement."""
    text = (report.parent / "claims.html").read_text()
    legend = text[text.index("<details class='legend'>") : text.index("</details>")]
    for words in ("supported", "goal met", "not measurable"):
        assert f">{words}</dt><dd>" in legend, words
    assert "reached it by its year" in legend


def test_no_chart_mixes_units(report):
    """IC production: IC Insights' US$ and NBS's pieces are two charts, never one axis."""
    page = (report.parent / "sectors" / "new_generation_it.html").read_text(encoding="utf-8")
    assert "Integrated circuits: output, USD" in page
    assert "Integrated circuits: output, pieces" in page


def test_the_index_opens_with_the_answer(report, published_warehouse):
    """The first thing under the title is one chart of every sector with a value (drawn by a
    charting library: Vega's SVG, no script), then a reading per sector in the chart's order
    (highest domestic share first), then one muted line per sector without a value; the
    detailed table comes after, and no paragraph of raw URLs."""
    text = report.read_text(encoding="utf-8")
    answer = text.split("<h2 id='answer'>")[1].split("<h2 id='details'>")[0]
    assert answer.index("<svg") < answer.index("<ol class='readings'>")
    assert 'class="marks"' in answer  # rendered by Vega (vl-convert), not hand-drawn
    con = duckdb.connect(str(published_warehouse), read_only=True)
    rows = con.sql(
        "select short_name, sector_id from marts.sector_summary "
        "where domestic_supply_value is not null order by domestic_supply_value desc"
    ).fetchall()
    gaps = con.sql(
        "select short_name from marts.sector_summary where domestic_supply_value is null"
    ).fetchall()
    con.close()
    readings = answer.split("<ol class='readings'>")[1].split("</ol>")[0]
    positions = [readings.index(f"sectors/{sector_id}.html") for _, sector_id in rows]
    assert positions == sorted(positions) and len(rows) >= 8
    # every sector with a value is a mark in the chart that links to its page
    chart = answer.split("<ol class='readings'>")[0]
    assert all(f"sectors/{sector_id}.html" in chart for _, sector_id in rows)
    for (name,) in gaps:
        assert f"{name}</a>: no domestic-supply value yet." in answer
    assert text.index("<h2 id='answer'>") < text.index("<table class='summary'>")
    assert "https://" not in text.split("<h2 id='scorecard'>")[0].split("<svg")[0]


def test_methodology_is_a_page_of_the_site(report):
    """docs/metrics.md rendered as the site's methodology page, linked from the index."""
    page = (report.parent / "methodology.html").read_text(encoding="utf-8")
    assert "<table>" in page and "self_sufficiency_ratio" in page
    assert "href='methodology.html'" in report.read_text(encoding="utf-8")


def test_place_pages_show_figures_lineage_and_claims(report):
    """places.html lists every place; a place page shows its figures with their lineage and
    the article's claims about it with their verdicts."""
    index = (report.parent / "places.html").read_text(encoding="utf-8")
    assert "places/hefei.html" in index and "places/xinjiang.html" in index
    hefei = (report.parent / "places" / "hefei.html").read_text(encoding="utf-8")
    assert "gdp_usd" in hefei and "FED_CNY_PER_USD:2023=7.0809" in hefei
    # each figure named in words, its key beneath for whoever queries marts.city_metrics
    assert "<td>GDP in US dollars<br><code class='key'>gdp_usd</code></td>" in hefei
    assert "double its economic output to around US$140 billion" in hefei
    assert "contradicted" in hefei
    assert (report.parent / "data" / "city_metrics.csv").exists()
    # a map of China drawn by Vega (no tiles, no request), each place's point a link to its page
    chart = index.split("<figure class='map'>")[1].split("</figure>")[0]
    assert 'class="marks"' in chart and "https://" not in chart.split("<figcaption>")[0]
    for place in ("beijing", "chengdu", "hefei", "shanghai", "xinjiang", "zhejiang"):
        assert f'xlink:href="places/{place}.html"' in chart, place


def test_place_points_are_checked(tmp_path):
    """facts/place_points.csv: one point per place, inside China, or one line naming the row."""
    import shutil

    from mic2025.flows.base.errors import SourceFormatError
    from mic2025.flows.base.settings import facts_dir
    from mic2025.warehouse.build import read_places
    from mic2025.warehouse.place_pages import read_place_points

    places = read_places()
    points = read_place_points(places)
    # Hefei (GeoNames 1808722) at 31.86 N, 117.28 E
    hefei = points.filter(points["place_id"] == "hefei").row(0, named=True)
    assert (hefei["latitude"], hefei["longitude"]) == (31.86, 117.28)
    text = (facts_dir() / "place_points.csv").read_text()
    shutil.copytree(facts_dir(), tmp_path / "facts")
    bad = tmp_path / "facts" / "place_points.csv"
    bad.write_text(text.replace("31.86,117.28", "31.86,17.28"))
    with pytest.raises(SourceFormatError, match=r"place_points.csv \(row 1\).*outside China"):
        read_place_points(places, tmp_path / "facts")
    bad.write_text("\n".join(text.splitlines()[:-1]) + "\n")  # Xinjiang without a point
    with pytest.raises(SourceFormatError, match="exactly one point"):
        read_place_points(places, tmp_path / "facts")


def test_the_answer_chart_cache_is_keyed_by_its_rows(published_warehouse, tmp_path, monkeypatch):
    """The answer chart is rendered once per content: the same summary reuses the cached SVG,
    a changed value renders anew (the key holds the rows, the layout, the code and versions)."""
    import polars as pl

    from mic2025.warehouse import answer_chart

    monkeypatch.setenv("MIC2025_CACHE_DIR", str(tmp_path))
    con = duckdb.connect(str(published_warehouse), read_only=True)
    summary = con.sql("select * from marts.sector_summary").pl()
    con.close()
    first = answer_chart.answer_chart_svg(summary)
    assert len(list(tmp_path.glob("answer-*.svg"))) == 1
    assert answer_chart.answer_chart_svg(summary) == first
    changed = summary.with_columns(
        pl.when(pl.col("sector_id") == "ships")
        .then(pl.lit(0.5))
        .otherwise(pl.col("domestic_supply_value"))
        .alias("domestic_supply_value")
    )
    assert answer_chart.answer_chart_svg(changed) != first
    assert len(list(tmp_path.glob("answer-*.svg"))) == 2


def test_a_sector_page_starts_with_its_answer(report):
    """The semiconductor page's first figure is its domestic-supply measure, then its world
    position (the headline chart was 8th of 16)."""
    page = Page()
    page.feed((report.parent / "sectors" / "new_generation_it.html").read_text(encoding="utf-8"))
    names = [f["data-measure"] for f in page.figures if "data-measure" in f]
    assert names[0].startswith("new_generation_it__self-sufficiency-ratio__integrated-circuits")
    assert names[1] == "new_generation_it__china-share-of-world-capacity__ic-wafer-fabrication"


def test_pages_escape_what_they_show_and_refuse_a_missing_value():
    """The site's templates escape every value by default and fail on a name the data code
    did not pass, instead of writing a blank."""
    import jinja2

    from mic2025.warehouse.pages import render

    row = {
        "source": "<script>alert(1)</script>",
        "version": "1",
        "publisher": "A & B",
        "licence": None,
        "sha256": "ab" * 32,
        "feeds": ">= 40%",
        "origin_url": "https://example.org/?a=1&b=2",
    }
    page = render("sources.html", title="Sources", cite="Cite: x", rows=[row])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "A &amp; B" in page and "&gt;= 40%" in page and "None" not in page
    assert page.count("<nav class='top'>") == 1 and "<style>" in page
    with pytest.raises(jinja2.UndefinedError):
        render("sources.html", title="Sources", rows=[row])  # no cite


def test_values_and_verdicts_read_as_a_reader_says_them(report):
    """The claims page shows the value a verdict rests on in the one display format, with its
    unit (C02: Wuhan's 2023 GDP, 178,985,722,154 USD, against the article's ~140 billion; the
    reason says the claimed value the same way), an evaluator's reading in words; each page
    lists the evaluators one per line; the scorecard has no empty 'projected' column once every
    deadline has passed."""
    claims = (report.parent / "claims.html").read_text(encoding="utf-8")
    assert "178,985,722,154 USD (2023)" in claims
    assert "fails ~ 140,000,000,000" in claims
    assert "e+11" not in claims
    assert ">strong (2023)</a>" in claims  # ITIF C03: our reading of biomedicine
    sector = (report.parent / "sectors" / "rail.html").read_text(encoding="utf-8")
    assert "<ul class='verdicts'><li>Bloomberg Economics" in sector
    assert " | " not in sector.split("Evaluators next to our numbers:")[1].split("</ul>")[0]
    index = report.read_text(encoding="utf-8")
    assert "<th>projected</th>" not in index
    cards = re.findall(r"<div class='card'><b>(\d+)</b>([a-z ]+)</div>", index)
    assert [words for _, words in cards] == ["met", "missed", "disputed", "no data"]
    assert sum(int(n) for n, _ in cards) == 39  # every target in one card
    assert "4 evaluators</summary>" in index  # rail: Bloomberg, European Chamber, MERICS, USCC


def test_a_claim_no_measure_checks_says_why(report):
    """A claim without a measure shows the curator's note as its reason, on the claims page and
    in its lineage panel: the Chinese Academy of Engineering's whole-manufacturing verdict (its
    own index, 2025-12-30) is loaded with its quote and not checked, and says so."""
    claims = (report.parent / "claims.html").read_text(encoding="utf-8")
    assert "<td>not checked: no target row for renewable equipment could be sourced</td>" in claims
    row = claims.split("cae-2025-manufacturing-power-index C01</td>")[1].split("</tr>")[0]
    assert "not checked" in row and "the warehouse computes no such index" in row
    panel = claims.split("id='c-cae-2025-manufacturing-power-index-c01'")[1].split("</section>")[0]
    assert "<b>Why</b>: not checked: a verdict on the whole of manufacturing" in panel


def test_the_sources_page_says_what_each_snapshot_feeds(report):
    """'feeds' follows the warehouse's lineage, not a name prefix: NBS's mirrors feed the ships'
    and rail's domestic supply (HS chapters 89 and 86), the patents per revenue and output
    series; one OWID or WDI file feeds only its own metric (the robots file never feeds car
    sales); an article feeds claims."""
    import polars as pl

    feeds = dict(
        pl.read_csv(report.parent / "data" / "sources.csv").select("source", "feeds").rows()
    )
    assert feeds["nbs_national_data"] == (
        "domestic_supply_share, invention_patents_per_100m_revenue, production"
    )
    assert feeds["owid_robot_installations"] == "china_share_of_world_demand"
    assert feeds["owid_electric_car_sales_share"] == "share_of_new_car_sales"
    assert feeds["wdi_ip_pat_resd"] == "resident_patent_applications"
    assert feeds["mic2025_targets"] == "marts.scorecard (the plan's targets)"
    assert feeds["article:cae-2025-manufacturing-power-index"].startswith("article claims")
