"""The answer site's pages from Jinja templates (warehouse/templates/): the layout lives in the
templates, the data code hands them plain values, and every value is HTML-escaped unless it is
markup the site made itself (a chart's SVG, the methodology rendered from Markdown), which is
passed as :class:`markupsafe.Markup`.

Why Jinja: the layout of eight page kinds can change without touching the code that reads the
warehouse, and autoescaping makes escaping the default instead of a call to remember.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).with_name("templates")

#: The pages every page links to, in the top navigation (index.html adds its own anchors).
NAV = [
    ("index.html", "All sectors"),
    ("places.html", "Places"),
    ("claims.html", "Claims"),
    ("sources.html", "Sources"),
    ("methodology.html", "Methodology"),
]


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=lambda value: "" if value is None else value,  # None shows as nothing
    )
    env.globals["nav"] = NAV
    return env


def render(template: str, **context) -> str:
    """One template rendered with ``context`` (a missing name is an error, not a blank)."""
    return environment().get_template(template).render(**context)


def write_page(path: Path, template: str, **context) -> Path:
    """Render ``template`` into ``path`` (written whole: a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(template, **context), encoding="utf-8")
    tmp.replace(path)
    return path
