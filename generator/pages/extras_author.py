"""Author-page sections: topics with counts, works per year, a co-author graph,
the whole list of works as one .bib, and the author's feeds.

The co-author graph is a static SVG drawn at build time: the author in the
middle, the closest co-authors (most joint papers) on a circle, ordered so
that co-authors who wrote together sit next to each other (a greedy walk,
ties by rank: the same catalog always gives the same picture).
"""

from __future__ import annotations

import math
from collections import Counter

from .. import charts, feeds, safe
from ..export.catalog_files import author_json_url, bib_of
from ..ids import slug
from ..model import Author
from . import author as author_pages
from .common import Context, author_url, facet_url, rel
from .extras_paper import export_block

GRAPH_NODES = 20
GW, GH, GR = 640, 440, 150


def topics(ctx: Context, a: Author, here: str) -> str:
    """Topics of the author's papers, with how many papers each."""
    counts: Counter[str] = Counter()
    for pid in ctx.catalog.papers_of.get(a.id, []):
        counts.update(ctx.catalog.papers[pid].topics)
    if not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    link = "topics" in ctx.config.pages
    tags = " ".join(
        (f'<a class="ps-tag" href="{safe.attr(rel(here, facet_url("topics", slug(t) or "topic")))}">' if link
         else '<span class="ps-tag">') + f'{safe.text(t)} <span class="ps-count">({n})</span>' + ("</a>" if link else "</span>")
        for t, n in ranked)
    return f"## Topics of their papers\n\n<p>{tags}</p>\n"


def timeline(ctx: Context, a: Author, here: str) -> str:
    """Works per year as a column chart."""
    ids = ctx.catalog.papers_of.get(a.id, [])
    data = charts.year_counts(ctx.catalog.papers[i].year for i in ids)
    if not data:
        return ""
    undated = sum(1 for i in ids if not ctx.catalog.papers[i].year)
    note = f'<p class="ps-note">{undated} work{"s" if undated != 1 else ""} without a date not shown.</p>\n' if undated else ""
    return "## Works per year\n\n" + charts.columns(f"Works of {a.name} per year", data, "works") + "\n" + note


def _ring_order(ctx: Context, ranked: list[str]) -> list[str]:
    """Co-authors in circle order: each next one the most connected to the last placed."""
    co = ctx.catalog.coauthors
    order = [ranked[0]]
    left = ranked[1:]
    while left:
        last = co.get(order[-1], Counter())
        best = max(left, key=lambda c: (last.get(c, 0), -left.index(c)))
        order.append(best)
        left.remove(best)
    return order


def graph_svg(ctx: Context, a: Author, here: str) -> str:
    """The co-author graph of ``a`` as SVG ("" without co-authors)."""
    counts = ctx.catalog.coauthors.get(a.id, Counter())
    if not counts:
        return ""
    names = ctx.catalog.authors
    ranked = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]].name.lower(), kv[0]))]
    shown = _ring_order(ctx, ranked[:GRAPH_NODES])
    cx, cy = GW / 2, GH / 2
    pos = {}
    for n, c in enumerate(shown):
        ang = -math.pi / 2 + 2 * math.pi * n / len(shown)
        pos[c] = (cx + GR * math.cos(ang), cy + GR * math.sin(ang), ang)
    top = max(counts.values())
    title = f"Co-authors of {a.name}"
    desc = (f"{a.name} and the {len(shown)} co-authors with the most joint papers"
            + (f" (of {len(counts)})" if len(counts) > len(shown) else "") + "; lines join people who wrote together.")
    parts = [f'<svg class="ps-graph" viewBox="0 0 {GW} {GH}" width="{GW}" height="{GH}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="ps-graph-t ps-graph-d">'
             f'<title id="ps-graph-t">{safe.text(title)}</title><desc id="ps-graph-d">{safe.text(desc)}</desc>']
    # Edges between co-authors first, then to the author, so nodes draw on top.
    co = ctx.catalog.coauthors
    for i, c1 in enumerate(shown):
        for c2 in shown[i + 1:]:
            k = co.get(c1, Counter()).get(c2, 0)
            if k:
                x1, y1, _ = pos[c1]
                x2, y2, _ = pos[c2]
                parts.append(f'<line class="ps-edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                             f'stroke="currentColor" stroke-opacity=".3" stroke-width="{1 + math.log2(k):.1f}">'
                             f'<title>{safe.text(names[c1].name)} and {safe.text(names[c2].name)}: '
                             f'{charts._label(k, "joint papers")}</title></line>')
    for c in shown:
        x, y, _ = pos[c]
        k = counts[c]
        parts.append(f'<line class="ps-edge" x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="currentColor" '
                     f'stroke-opacity=".3" stroke-width="{1 + 2 * k / top:.1f}"/>')
    for c in shown:
        x, y, ang = pos[c]
        k = counts[c]
        r = 5 + 7 * math.sqrt(k / top)
        lx, ly = x + (r + 5) * math.cos(ang), y + (r + 5) * math.sin(ang) + 4
        anchor = "middle" if abs(math.cos(ang)) < 0.3 else ("start" if math.cos(ang) > 0 else "end")
        name = names[c].name
        parts.append(
            f'<a href="{safe.attr(rel(here, author_url(c)))}"><circle class="ps-node" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="none" stroke="currentColor"><title>{safe.text(name)}: {charts._label(k, "joint papers")}</title></circle>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" fill="currentColor">'
            f'{safe.text(safe.truncate(name, 24))}</text></a>')
    parts.append(f'<circle class="ps-node ps-node-self" cx="{cx}" cy="{cy}" r="14" fill="currentColor">'
                 f'<title>{safe.text(a.name)}: {charts._label(len(ctx.catalog.papers_of.get(a.id, [])), "papers")}'
                 f'</title></circle><text x="{cx}" y="{cy + 30}" text-anchor="middle" fill="currentColor" '
                 f'font-weight="700">{safe.text(safe.truncate(a.name, 30))}</text></svg>')
    return "".join(parts)


def graph(ctx: Context, a: Author, here: str) -> str:
    """Section: the co-author graph."""
    svg = graph_svg(ctx, a, here)
    return f'## Co-author graph\n\n<figure class="ps-graph-figure">{svg}</figure>\n' if svg else ""


def cite_and_follow(ctx: Context, a: Author, here: str) -> str:
    """Section: all works as one .bib (built in the browser), the author's data and feeds."""
    ids = ctx.catalog.papers_of.get(a.id, [])
    out = ""
    if ids:
        out += export_block("ps-cite-works", f"BibTeX of all {len(ids)} works", bib_of(ctx, ids),
                            f"{a.id}.bib", "application/x-bibtex")
    stem = feeds.author_feed_stem(ctx, a.id)
    if stem:
        out += feeds.subscribe_html(ctx, here, stem)
    out += f'<p class="ps-data">Record as data: <a href="{safe.attr(rel(here, author_json_url(a.id)))}">JSON</a></p>\n'
    return "## Cite and follow\n\n" + out


def _register() -> None:
    secs = author_pages.SECTIONS
    if topics in secs:
        return
    after_profile = secs.index(author_pages.profile) + 1 if author_pages.profile in secs else 0
    secs[after_profile:after_profile] = [topics, timeline]
    at = secs.index(author_pages.coauthors) + 1 if author_pages.coauthors in secs else len(secs)
    secs.insert(at, graph)
    secs.append(cite_and_follow)


_register()
