"""Fetches that cannot be turned against us: article URLs (redirects, addresses, time, type,
size) and keyed API calls (https only, no redirect carries the key). Each against a local
server on 127.0.0.1; only that server's own host:port is allowed as a private address."""

import socket
import threading
import time

import pytest
from werkzeug import Response

from mic2025.flows.base.errors import FetchError
from mic2025.flows.fetch import article_fetch, http
from mic2025.flows.ingest.claims import ArticleError, check_url, fetch_article
from mic2025.flows.sources import comtrade

ARTICLE = "<html><body><p>Output rose to 3.5 million cars in 2024.</p></body></html>"


@pytest.fixture
def site(httpserver, monkeypatch):
    """The local server is allowed by its exact host:port, nothing else private."""
    port = httpserver.port
    monkeypatch.setenv("MIC2025_ALLOW_PRIVATE_URLS", f"localhost:{port},127.0.0.1:{port}")
    return httpserver


def test_the_allowed_server_is_fetched(site):
    site.expect_request("/story").respond_with_data(ARTICLE, content_type="text/html")
    assert "3.5 million cars" in fetch_article(site.url_for("/story"))


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://127.0.0.1:9/admin",  # loopback, another port
        "http://100.64.0.1/",  # CGNAT
        "http://[::ffff:10.0.0.1]/",  # private IPv4 inside IPv6
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(site, location):
    site.expect_request("/moved").respond_with_data("", status=302, headers={"Location": location})
    with pytest.raises(ArticleError, match="non-public address"):
        fetch_article(site.url_for("/moved"))


def test_a_redirect_to_another_scheme_is_refused(site):
    site.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(ArticleError, match="InvalidSchema"):
        fetch_article(site.url_for("/moved"))


def test_redirect_loops_stop(site):
    site.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": site.url_for("/loop")}
    )
    with pytest.raises(ArticleError, match="more than 5 redirects"):
        fetch_article(site.url_for("/loop"))


def test_special_ranges_are_refused(monkeypatch):
    monkeypatch.delenv("MIC2025_ALLOW_PRIVATE_URLS", raising=False)
    for url in [
        "http://100.64.12.1/x",  # CGNAT (100.64.0.0/10)
        "http://169.254.169.254/x",
        "http://192.0.2.1/x",  # documentation
        "http://[fd00::1]/x",  # unique local IPv6
        "http://0.0.0.0/x",
    ]:
        with pytest.raises(ArticleError, match="non-public address"):
            check_url(url)


def test_the_address_checked_is_the_address_connected_to(site, monkeypatch):
    """The host name is resolved once per connection, by the check; the socket then connects to
    that address (a second lookup could answer differently: DNS rebinding)."""
    looked_up = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        looked_up.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    site.expect_request("/story").respond_with_data(ARTICLE, content_type="text/html")
    article_fetch.fetch_text(site.url_for("/story"), 10_000)
    assert looked_up.count("localhost") == 1
    assert all(h == "localhost" or h[0].isdigit() or ":" in h for h in looked_up)


def test_a_trickling_server_is_cut_off_at_the_total_time_limit(site):
    release = threading.Event()

    def trickle(request):
        def body():
            yield b"<html><body><p>"
            while not release.wait(0.2):
                yield b"x"

        return Response(body(), content_type="text/html")

    site.expect_request("/slow").respond_with_handler(trickle)
    started = time.monotonic()
    try:
        with pytest.raises(article_fetch.Refused, match="took longer than 1 s"):
            article_fetch.fetch_text(site.url_for("/slow"), 10_000, max_seconds=1)
    finally:
        release.set()
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (b"%PDF-1.7 ...", "application/pdf", "application/pdf is not an article"),
        (b"\x00\x01\x02binary", "text/html", "binary"),
        (b"\x89PNG", "image/png", "image/png is not an article"),
    ],
)
def test_only_html_or_plain_text_is_read(site, body, kind, reason):
    site.expect_request("/file").respond_with_data(body, content_type=kind)
    with pytest.raises(ArticleError, match=reason):
        fetch_article(site.url_for("/file"))


def test_the_real_size_cap_applies(site):
    """The default cap (5 MiB), not one passed by the test."""
    site.expect_request("/huge").respond_with_data(
        b"a" * (5 * 1024 * 1024 + 1), content_type="text/plain"
    )
    with pytest.raises(ArticleError, match=f"larger than {5 * 1024 * 1024} bytes"):
        fetch_article(site.url_for("/huge"))


# --------------------------------------------------------------------------- keyed API calls


def test_a_redirect_never_carries_the_comtrade_key(httpserver, monkeypatch):
    monkeypatch.setenv("MIC2025_COMTRADE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("MIC2025_COMTRADE_RPS", "1000")
    monkeypatch.setenv("MIC2025_HTTP_RETRIES", "0")
    httpserver.expect_request("/data/v1/get/C/A/HS").respond_with_data(
        "", status=307, headers={"Location": "http://127.0.0.1:9/steal"}
    )
    with pytest.raises(FetchError, match="redirect to 127.0.0.1:9: not followed") as exc:
        comtrade.fetch_records(
            reporter="156", partner="0", years=[2022], cmd_codes=["TOTAL"], api_key="k-123456"
        )
    assert "k-123456" not in str(exc.value)
    assert len(httpserver.log) == 1  # one request, to the configured host only


@pytest.mark.parametrize("url", ["http://comtradeapi.un.org/data", "ftp://example.org/x"])
def test_a_key_is_only_sent_over_https(url):
    with pytest.raises(FetchError, match="keyed calls require https"):
        http.get("comtrade_trade", url, headers={"K": "k-1"}, secrets=["k-1"])


def test_claims_extract_output_is_bounded(tmp_path):
    from typer.testing import CliRunner

    from mic2025.flows.cli import MAX_CANDIDATES, app

    page = tmp_path / "numbers.txt"
    page.write_text(" ".join(f"{n} tonnes." for n in range(10, 6010)))
    result = CliRunner().invoke(app, ["claims", "extract", str(page)])
    assert result.exit_code == 0
    import json

    assert len(json.loads(result.stdout)) == MAX_CANDIDATES


def test_claims_extract_lists_claims_not_datelines_or_bare_years(tmp_path):
    from typer.testing import CliRunner

    from mic2025.flows.cli import app

    page = tmp_path / "a.txt"
    page.write_text(
        "Beijing, Nov 21 (Reuters) - China accounts for more than half of all new electric "
        "cars sold globally, but in 2023 exports grew.\n"
    )
    result = CliRunner().invoke(app, ["claims", "extract", str(page), "--format", "yaml"])
    import yaml

    found = yaml.safe_load(result.stdout)
    assert isinstance(found, list)  # the README's shape: a list of candidates
    assert [(c["value"], c["unit"], c["comparator"]) for c in found] == [(0.5, "ratio", ">")]
