"""Charts on the home page (papers per year, top topics, top organisations) and
works per year on topic and organisation pages.

The pages belong to pages/listings.py; a head hook adds the charts to the
page body before it is rendered (and adds no head tag), so listings.py stays
untouched.  Charts come from generator.charts (static SVG).
"""

from __future__ import annotations

import re

from .. import charts, generate
from ..export.catalog_files import facet_key
from .common import Context, Page, facet_url, rel

TOP = 10
_FACET_PAGE = re.compile(r"^(topics|orgs|venues)/([^/]+)\.md$")  # first page only, not page-2...
INDEX = {"topics": ("by_topic", "topic"), "orgs": ("by_org", "org"), "venues": ("by_venue", "venue")}


def home_charts(ctx: Context, here: str) -> str:
    """The home page's "catalog in pictures" section."""
    cat = ctx.catalog
    out = []
    years = charts.year_counts(p.year for p in cat.papers.values())
    if years:
        out.append(charts.columns("Papers per year", years))
    for kind, title in (("topics", "Top topics"), ("orgs", "Top organisations")):
        attr, label = INDEX[kind]
        index: dict[str, list[str]] = getattr(cat, attr)
        if not index:
            continue
        ranked = sorted(index.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TOP]
        data = [(cat.names.get(f"{label}:{k}", k), len(v)) for k, v in ranked]
        hrefs = [rel(here, facet_url(kind, k)) for k, _ in ranked] if kind in ctx.config.pages else None
        out.append(charts.bars(f"{title} by number of papers", data, "papers", hrefs))
    if not out:
        return ""
    return "## The catalog in pictures\n\n" + "".join(f'<div class="ps-chart-box">{c}</div>' for c in out) + "\n\n"


def chart_hook(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: put charts into the home page and the first page of topic/org/venue listings."""
    if page.path == "index.md":
        section = home_charts(ctx, page.path)
        if section:
            # Before the newest papers when that heading is there, else at the end.
            at = page.body.find("## Newest papers")
            page.body = page.body[:at] + section + page.body[at:] if at >= 0 else page.body + "\n" + section
        return ""
    m = _FACET_PAGE.match(page.path)
    if not m or m.group(2) == "index":
        return ""
    kind, stem = m.groups()
    attr, label = INDEX[kind]
    index: dict[str, list[str]] = getattr(ctx.catalog, attr)
    key = facet_key(ctx, kind, stem)
    ids = index.get(key, []) if key is not None else []
    data = charts.year_counts(ctx.catalog.papers[i].year for i in ids)
    if data:
        name = ctx.catalog.names.get(f"{label}:{key}", key)
        svg = charts.columns(f"Papers on {name} per year" if kind == "topics" else f"Papers of {name} per year", data)
        page.insert_after_heading(svg + "\n")
    return ""


generate.register(head_hooks=[chart_hook])
