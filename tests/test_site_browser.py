"""The answer site in a real browser (Debian's Chromium driven by Playwright), served over HTTP by
the project's web server: follow a sector link, click a chart point and a table cell and see their
sources, download a CSV and parse it; no request to another host and no console error."""

import csv
import io
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed")


@pytest.fixture(scope="module")
def site(published_warehouse, tmp_path_factory):
    from mic2025.warehouse.report import build_report
    from mic2025.warehouse.web import make_server

    root = tmp_path_factory.mktemp("site")
    build_report(published_warehouse, root)
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def test_reader_clicks_through_to_the_sources(site, browser, tmp_path):
    root, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    hosts, errors = set(), []
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{base}/index.html")
    assert "sector by sector" in page.title() or page.locator("h1").inner_text()
    # the scorecard reads in another order without a script: "status" shows the copy of the
    # table sorted by status (met first), and only that copy
    first_ids = page.locator(".sortview:visible tbody tr td:first-child")
    assert first_ids.first.inner_text() == "T01" and page.locator(".sortview:visible").count() == 1
    page.click("a[href='#sc-by-status']")
    # the status column is the one before the last ('how'), whether or not 'projected' shows
    statuses = page.locator("#sc-by-status tbody td:nth-last-child(2)").all_inner_texts()
    assert statuses == sorted(statuses, key=["met", "missed", "disputed"].index)
    assert page.locator(".sortview:visible").count() == 1
    assert page.locator(".sortview:visible").get_attribute("id") == "sc-by-status"
    # a target of the scorecard opens the plan's words and where they were read
    page.click("a[href='#t-T19']")
    panel = page.locator("section#t-T19")
    panel.wait_for(state="visible")
    assert panel.locator("blockquote").inner_text().strip() and "met" in panel.inner_text()
    # the summary's domestic-supply value opens its lineage on the sector page
    page.locator("table.summary a.v").first.click()
    page.locator("section.lineage:target").wait_for(state="visible")
    page.goto(f"{base}/index.html")
    page.click("a[href='sectors/cnc_machine_tools_robots.html']")
    page.wait_for_url("**/sectors/cnc_machine_tools_robots.html")

    # a table cell: the first value of the first measure opens its lineage, with the quote
    cell = page.locator("figure table a.v").first
    key = cell.get_attribute("href")
    cell.click()
    panel = page.locator(f"section{key}")
    panel.wait_for(state="visible")
    assert "Formula" in panel.inner_text() and panel.locator("blockquote").count() >= 1

    # a chart point: an SVG link around the point
    point = page.locator("figure svg a").first
    target = point.get_attribute("xlink:href") or point.get_attribute("href")
    point.click(force=True)
    panel = page.locator(f"section{target[target.index('#') :]}")
    panel.wait_for(state="visible")
    assert "Publisher" in panel.inner_text()

    # a CSV download, parsed
    with page.expect_download() as download:
        page.locator("a[download]").first.click()
    saved = tmp_path / "data.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows and {"year", "value", "unit", "bound", "definition_id", "sources"} <= set(rows[0])

    page.goto(f"{base}/claims.html")
    assert page.locator("table:visible blockquote").count() >= 38
    # the claims read by article without a script: one table shown, its first row the first
    # claim of the first article
    page.click("a[href='#cl-by-article']")
    assert page.locator(".sortview:visible").count() == 1
    first = page.locator("#cl-by-article tbody tr td").first.inner_text()
    assert first.startswith("bloomberg-economics-2024-mic2025-scorecard")
    page.goto(f"{base}/claims.html")
    page.locator("a[href='#c-nature-2024-mic2025-science-cities-c13']:visible").first.click()
    panel = page.locator("section#c-nature-2024-mic2025-science-cities-c13")
    panel.wait_for(state="visible")
    assert "supported" in panel.inner_text() and "china_share_of_world_demand" in panel.inner_text()
    context.close()
    assert hosts == {urlparse(base).netloc}, hosts  # nothing from another host
    assert errors == [], errors


def test_site_is_small_and_readable_on_a_phone(site, browser):
    root, base = site
    size = sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())
    assert size < 5 * 2**20  # whole site under 5 MB
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/sectors/nev.html")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 400  # nothing wider than the phone: wide tables scroll inside their box


def test_index_and_lineage_fit_a_phone_and_the_scorecard_fits_a4(site, browser):
    """At 390 px the index is no wider than the phone (no unwrapped URL), the stacked answer
    chart is the one shown, and an open lineage panel starts inside the screen; printed to A4
    the scorecard's last column (rule) is inside the page."""
    root, base = site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert page.locator("figure.answer .narrow svg").is_visible()
    assert not page.locator("figure.answer .wide svg").is_visible()
    page.goto(f"{base}/sectors/nev.html")
    panel = page.evaluate(  # the fullest panel: the one that reaches its maximum width
        "[...document.querySelectorAll('section.lineage')]"
        ".sort((a, b) => b.textContent.length - a.textContent.length)[0].id"
    )
    page.goto(f"{base}/sectors/nev.html#{panel}")
    box = page.locator(f"#{panel}").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()
    # A4 at 96 dpi is 794 px wide; 12 mm margins leave about 703 px for the page
    context = browser.new_context(viewport={"width": 703, "height": 1000})
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(f"{base}/index.html")
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#scorecard ~ div table, table')]"
        ".map(t => t.getBoundingClientRect().right))"
    )
    pdf = page.pdf(format="A4")
    context.close()
    assert right <= 703 and pdf[:4] == b"%PDF"


TEXT_OUTSIDE_ITS_SVG = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 ||
          r.bottom > box.bottom + 1) out.push(t.textContent);
    }
  }
  return out;
}"""


def test_the_first_screen_holds_every_sector_and_no_chart_text_is_cut(site, browser):
    """At 1280 x 800 the answer chart is on the first screen with all ten sectors (a sector
    without a value keeps its row, 'no value yet'); no chart's text reaches outside its SVG on
    the index, a sector page with many charts, or the places map."""
    _, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/index.html")
    chart = page.locator("figure.answer .wide svg")
    box = chart.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800
    labels = set(chart.locator("text").all_text_contents())
    sectors = {"Rail", "Ships", "Aerospace", "Agricultural machinery", "Semiconductors & IT"}
    assert sectors <= labels and "no value yet" in labels
    assert page.evaluate(TEXT_OUTSIDE_ITS_SVG) == []
    for path in ("sectors/new_generation_it.html", "places.html"):
        page.goto(f"{base}/{path}")
        assert page.evaluate(TEXT_OUTSIDE_ITS_SVG) == [], path
    context.close()
