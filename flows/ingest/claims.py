"""Candidate quantitative claims from an article: every number, normalised, with its sentence.

``extract_claims(text)`` returns one :class:`Candidate` per number found: the normalised value,
its unit, the comparator implied by a hedge ("more than" -> ``>``, "around" -> ``~`` ...), the
sentence it stands in (the quote) and its character offsets in the text. It reads:

- digits with thousands separators or spaces ("300,000", "300 000"), decimals, negatives;
- scales: thousand, million, billion, trillion, bn, mn, k, 万, 亿, 万亿;
- percentages (%, percent, per cent, percentage points);
- currencies: US$, $, USD, €, EUR, £, GBP, ¥, yuan, RMB, CNY;
- words: "a dozen", "half", "one-quarter", "two-thirds", "four times", "a decade", "ten";
- years (1900-2099) as ``unit = 'year'``;
- the counted noun after a number as the unit ("3,000 life-science companies" -> companies).

``load_article(path_or_url)`` reads plain text or HTML from a file, or fetches an http(s) URL with
requests through flows/fetch/article_fetch.py (every connection's address checked, redirects included;
one time limit, a size cap, HTML or plain text only).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from mic2025.flows.base.errors import Mic2025Error
from mic2025.flows.fetch import article_fetch

MAX_ARTICLE_BYTES = 5 * 1024 * 1024


class ArticleError(Mic2025Error):
    """An article could not be read or fetched."""


@dataclass
class Candidate:
    value: float
    unit: str
    comparator: str
    quote: str
    start: int
    end: int
    text: str
    kind: str  # currency, percent, ratio, count, year, duration, multiplier, quantity

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- vocabulary

SCALE_WORDS = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
CJK_SCALES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
CJK_UNITS = {
    "辆": "vehicles",
    "块": "pieces",
    "台": "units",
    "套": "sets",
    "吨": "t",
    "美元": "USD",
    "元": "CNY",
    "人": "people",
    "家": "companies",
}
CURRENCY_PREFIX = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
}
CURRENCY_SUFFIX = {
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "dollars": "USD",
    "usd": "USD",
    "euros": "EUR",
    "eur": "EUR",
    "pounds": "GBP",
}
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "a dozen": 12,
    "dozen": 12,
    "a thousand": 1000,
}
FRACTION_WORDS = {
    "half": 0.5,
    "one-half": 0.5,
    "a third": 1 / 3,
    "one-third": 1 / 3,
    "two-thirds": 2 / 3,
    "a quarter": 0.25,
    "one-quarter": 0.25,
    "three-quarters": 0.75,
    "one-fifth": 0.2,
    "a fifth": 0.2,
    "one-tenth": 0.1,
    "a tenth": 0.1,
}
DURATION_WORDS = {"a decade": (10, "years"), "a century": (100, "years")}
MULTIPLIER_WORDS = {
    "double": 2,
    "doubled": 2,
    "doubling": 2,
    "triple": 3,
    "tripled": 3,
    "tripling": 3,
    "quadrupled": 4,
}
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
#: hedge -> comparator; longest phrases first when matching.
HEDGES = {
    "more than": ">",
    "over": ">",
    "above": ">",
    "exceeding": ">",
    "in excess of": ">",
    "at least": ">=",
    "no less than": ">=",
    "up to": "<=",
    "as many as": "<=",
    "as much as": "<=",
    "at most": "<=",
    "no more than": "<=",
    "less than": "<",
    "fewer than": "<",
    "under": "<",
    "below": "<",
    "almost": "~",
    "nearly": "~",
    "around": "~",
    "about": "~",
    "approximately": "~",
    "roughly": "~",
    "some": "~",
    "close to": "~",
    "an estimated": "~",
    "约": "~",
    "超过": ">",
    "近": "~",
}
STOP_WORDS = {
    "of",
    "in",
    "to",
    "that",
    "and",
    "or",
    "for",
    "on",
    "at",
    "by",
    "from",
    "with",
    "the",
    "a",
    "an",
    "than",
    "as",
    "is",
    "are",
    "was",
    "were",
    "which",
    "who",
    "per",
    "this",
    "its",
    "their",
    "more",
    "into",
    "over",
    "across",
    "since",
    "according",
    "alone",
    "ago",
}
DURATION_UNITS = {
    "year",
    "years",
    "month",
    "months",
    "day",
    "days",
    "week",
    "weeks",
    "decade",
    "decades",
    "hour",
    "hours",
}
MEASURE_UNITS = {
    "gw": "GW",
    "gwh": "GWh",
    "mw": "MW",
    "kw": "kW",
    "twh": "TWh",
    "km": "km",
    "square kilometres": "km2",
    "square kilometers": "km2",
    "tonnes": "t",
    "tons": "t",
}

NUM = r"\d{1,3}(?:(?:,|\u00a0| |\u202f)\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER_RE = re.compile(
    r"(?P<cur>US\$|USD\s?|\$|€|£|¥|RMB\s?|CNY\s?|EUR\s?)?"
    r"(?<![A-Za-z0-9_.,])(?P<num>" + NUM + r")"
    r"(?P<suffix>bn|mn|tn|k|m|b)?(?![A-Za-z0-9_]|\.\d)"
    r"(?:\s?(?P<cjk>万亿|亿|万|千))?"
)
WORD_RE = re.compile(
    r"\b(?P<word>"
    + "|".join(
        sorted(
            (
                re.escape(w)
                for w in [*NUMBER_WORDS, *FRACTION_WORDS, *DURATION_WORDS, *MULTIPLIER_WORDS]
            ),
            key=len,
            reverse=True,
        )
    )
    + r")\b",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(
    r"(?<=[.!?。])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9\u4e00-\u9fff])"  # end of sentence
    r"|\n\s*\n"  # blank line
    r"|(?<![a-z,;\-])[ \t]*\n(?=\s*[\"'“‘(]?[A-Z0-9\u4e00-\u9fff])"  # line break, not a wrap
    r"|(?<=。)"
)
ABBREVIATIONS = re.compile(r"\b(?:U\.S|U\.K|Dr|Mr|Mrs|Ms|Prof|Inc|Ltd|Co|St|vs|e\.g|i\.e|No)\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations such as 'U.S.' do not end one."""
    spans = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        if ABBREVIATIONS.search(text[start : m.start()]):
            continue
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _parse_number(text: str) -> float:
    return float(re.sub(r"[,\u00a0 \u202f]", "", text))


def _hedge(before: str) -> str:
    """Comparator from the words just before a number ('more than', 'around' ...)."""
    tail = before[-40:].lower().rstrip()
    for phrase in sorted(HEDGES, key=len, reverse=True):
        if re.search(r"(?:^|[\s(])" + re.escape(phrase) + r"$", tail):
            return HEDGES[phrase]
    return "="


def _following_words(after: str, limit: int = 3) -> list[str]:
    words = []
    for token in re.findall(r"[A-Za-z][A-Za-z&\-']*|[,;:.!?()—–]", after[:80]):
        if not token[0].isalpha() or token.lower() in STOP_WORDS:
            break
        words.append(token)
        if len(words) == limit:
            break
    return words


def _noun(after: str) -> str:
    """The counted noun after a number: the last plural-looking word of the next few."""
    words = _following_words(after)
    if not words:
        return ""
    plural = [w for w in words if w.lower().endswith("s") and len(w) > 2]
    return (plural[-1] if plural else words[0]).lower().strip("'")


def _classify(value: float, after: str, currency: str | None) -> tuple[float, str, str, int]:
    """(value, unit, kind, characters of `after` consumed) for a numeric token."""
    low = after.lower()
    m = re.match(r"\s?-?\s?(thousand|million|billion|trillion|bn|mn|tn|k|m|b)\b", low)
    consumed = 0
    if m and not (m.group(1) in ("m", "b", "k") and not currency):
        value = float(f"{value * SCALE_WORDS[m.group(1)]:.12g}")
        consumed = m.end()
        low = low[consumed:]
    m = re.match(r"\s?(%|percent\b|per cent\b|percentage points?\b)", low)
    if m:
        if "point" in m.group(1):
            return value, "percentage points", "percent", consumed + m.end()
        # shares are stored as ratios in the registry and the warehouse: 70% -> 0.7, printed at
        # the precision written (47.1% -> 0.471, not 0.47100000000000003)
        return float(f"{value / 100:.12g}"), "ratio", "percent", consumed + m.end()
    if currency:
        return value, currency, "currency", consumed
    m = re.match(
        r"\s?(?:u\.\s?s\.|us|american|chinese)?\s?(yuan|renminbi|rmb|cny|dollars|usd|euros|eur|pounds)\b",
        low,
    )
    if m:
        return value, CURRENCY_SUFFIX[m.group(1)], "currency", consumed + m.end()
    m = re.match(r"\s?(times|fold)\b", low) or re.match(r"-fold\b", low)
    if m:
        return value, "times", "multiplier", consumed + m.end()
    for word, unit in sorted(MEASURE_UNITS.items(), key=lambda kv: -len(kv[0])):
        m = re.match(r"\s?" + re.escape(word) + r"\b", low)
        if m:
            return value, unit, "quantity", consumed + m.end()
    noun = _noun(after[consumed:])
    if noun in DURATION_UNITS:
        unit = noun if noun.endswith("s") else noun + "s"
        if unit == "decades":
            return value * 10, "years", "duration", consumed
        return value, unit, "duration", consumed
    return value, noun or "count", "count", consumed


def _is_year(token: str, before: str, after: str) -> bool:
    if not re.fullmatch(r"(19|20)\d{2}", token):
        return False
    if re.search(
        r"\b(in|since|by|from|until|till|to|during|before|after|of|year|end)\s+$", before.lower()
    ):
        return True  # "in 2023 exports grew": a date, whatever noun follows
    if re.match(r"\s?(%|percent|per cent|million|billion|thousand|[a-z]+s\b)", after.lower()):
        # "2000 companies" is a count, but "2022 study" / "in 2022," are years
        noun = _noun(after)
        return noun in ("", "study", "studies", "report", "reports") or not noun.endswith("s")
    return True


DATELINE_RE = re.compile(
    r"\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    r"(?:" + MONTHS + r")\.?\s+\d{1,2},?\s+\d{4}\s*"
    r"|\s*\d{4}-\d{2}-\d{2}\s*",
    flags=re.IGNORECASE,
)


def _in_dateline(text: str, position: int) -> bool:
    """True when the line around ``position`` is only a date ("Thursday, November 21, 2024"):
    a page's dateline, not a claim."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)]
    return bool(DATELINE_RE.fullmatch(line))


def extract_claims(text: str) -> list[Candidate]:
    """Every number in ``text`` as a candidate claim (see the module docstring). Percentages come
    out as ratios (70% -> 0.7, unit 'ratio'), as the registry stores them; datelines are skipped."""
    found: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    for s_start, s_end in sentences(text):
        quote = text[s_start:s_end].strip()
        sentence = text[s_start:s_end]
        for m in NUMBER_RE.finditer(sentence):
            start, end = s_start + m.start(), s_start + m.end()
            token = m.group("num")
            before = text[max(0, start - 60) : start]
            after = text[end : end + 80]
            if re.search(r"[A-Za-z]$", text[max(0, start - 1) : start]) and not m.group("cur"):
                continue  # part of a name such as MIC2025 or COVID-19
            if _in_dateline(text, start):
                continue
            if re.match(r"(st|nd|rd|th)\b", after):
                continue  # ordinals
            if re.search(r"\b(?:" + MONTHS + r")\.?\s$", before.lower()) and len(token) <= 2:
                continue  # the day in a date such as "November 21, 2024"
            if re.match(r"\s(?:" + MONTHS + r")\b", after.lower()) and len(token) <= 2:
                continue  # the day in a date such as "3 March 2024"
            value = _parse_number(token)
            currency = None
            if m.group("cur"):
                currency = CURRENCY_PREFIX[m.group("cur").strip().lower()]
            suffix = m.group("suffix")
            if suffix and (currency or suffix in ("bn", "mn", "tn")):
                value *= SCALE_WORDS[suffix]
            elif suffix:
                continue  # "5m", "10k" without a currency: a measure we do not read
            if m.group("cjk"):
                value *= CJK_SCALES[m.group("cjk")]
                unit_match = re.match("|".join(sorted(CJK_UNITS, key=len, reverse=True)), after)
                unit = CJK_UNITS[unit_match.group(0)] if unit_match else "count"
                if unit_match:
                    end += unit_match.end()
                kind = "currency" if unit in ("USD", "CNY") else "count"
            elif not currency and (
                _is_year(token, before, after)
                or (
                    len(token) == 4
                    and re.search(r"\b(?:" + MONTHS + r")\.?,?\s$", before.lower()) is not None
                )
            ):
                unit, kind = "year", "year"  # "3 March 2024": a year, whatever follows
            else:
                value, unit, kind, consumed = _classify(value, after, currency)
                end += consumed
            found.append(
                Candidate(value, unit, _hedge(before), quote, start, end, text[start:end], kind)
            )
            taken.append((start, end))
        for m in WORD_RE.finditer(sentence):
            start, end = s_start + m.start(), s_start + m.end()
            if any(a <= start < b for a, b in taken):
                continue
            word = m.group("word").lower()
            after = text[end : end + 80]
            before = text[max(0, start - 60) : start]
            if re.match(r"-[A-Z]", after):
                continue  # part of a name such as "Five-Year Plan"
            if word == "half" and re.search(r"\b(first|second)\s$", before.lower()):
                continue  # "the first half of 2024" is a period, not a share
            if word in MULTIPLIER_WORDS:
                found.append(
                    Candidate(
                        float(MULTIPLIER_WORDS[word]),
                        "times",
                        _hedge(before),
                        quote,
                        start,
                        end,
                        text[start:end],
                        "multiplier",
                    )
                )
                continue
            if word in FRACTION_WORDS:
                value, unit, kind = FRACTION_WORDS[word], "ratio", "ratio"
            elif word in DURATION_WORDS:
                value, unit = DURATION_WORDS[word]
                kind = "duration"
            else:
                base = float(NUMBER_WORDS[word])
                scaled = re.match(r"\s(thousand|million|billion|trillion)\b", after.lower())
                if scaled:
                    base *= SCALE_WORDS[scaled.group(1)]
                value, unit, kind, consumed = _classify(base, after, None)
                end += consumed
                if kind == "count" and unit == "count" and not scaled:
                    continue  # a bare "one" or "two" is rarely a quantity claim
            found.append(
                Candidate(value, unit, _hedge(before), quote, start, end, text[start:end], kind)
            )
    return sorted(found, key=lambda c: c.start)


# --------------------------------------------------------------------------- reading articles


class _TextOfHtml(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The article text of an HTML page: trafilatura (a maintained main-text extractor) drops
    navigation, breadcrumbs, datelines, related links and footers; for pages too small for it to
    judge, a plain parser that drops scripts, styles, navigation and footers."""
    import trafilatura

    extracted = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_precision=True
    )
    if extracted and extracted.strip():
        return extracted.strip()
    parser = _TextOfHtml()
    parser.feed(html)
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip()


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<body" in head or "<p>" in head or "<!doctype html" in head


def check_url(url: str) -> None:
    """http(s) only, and a host whose every address is public (flows/fetch/article_fetch.py); the
    fetch checks again at each connection, redirects included."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ArticleError(f"only http(s) URLs can be fetched, not {url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        article_fetch.checked_address(parsed.hostname, port)
    except article_fetch.Refused as exc:
        raise ArticleError(f"{url}: {exc}") from None


def fetch_article(url: str, max_bytes: int | None = None) -> str:
    """An article's text over http(s), with every guard of flows/fetch/article_fetch.py."""
    try:
        return article_fetch.fetch_text(url, max_bytes or MAX_ARTICLE_BYTES)
    except article_fetch.Refused as exc:
        raise ArticleError(f"{url}: {exc}") from None


def load_article(path_or_url: str) -> str:
    """Plain text of an article from a file (text or HTML) or an http(s) URL."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path_or_url):
        raw = fetch_article(path_or_url)
    else:
        path = Path(path_or_url)
        if not path.is_file():
            raise ArticleError(f"no such file: {path_or_url}")
        if path.stat().st_size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{path_or_url} is larger than {MAX_ARTICLE_BYTES} bytes")
        raw = path.read_text(encoding="utf-8", errors="replace")
    return html_to_text(raw) if _looks_like_html(raw) else raw
