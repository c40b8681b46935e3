"""Citation pages: the paper page's references/cited-by section and "most cited".

Registers itself on import (see ``generator/addons.py``):

* adds ``citations_section`` to the paper page's SECTIONS: references and
  citations inside the catalog, and works outside it;
* a PREPARER puts ``ctx.extras["cited_count"]`` ({paper id: number of
  catalog papers citing it}, every paper, zeros included) for search and
  listings to rank by;
* an EXTRA_PRODUCER writes ``cited/index.md``, the papers of the catalog
  ranked by that count (only when the catalog has a citation at all).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import generate, safe
from ..citations import key_of
from . import paper as paper_page
from .common import Context, Page, paper_item, paper_list

MOST_CITED_PATH = "cited/index.md"  # not under papers/: cannot collide with a paper id
SHOW_EXTERNAL = 200  # external works listed by title on one page; the rest are counted
SHOW_LINKED = 200  # catalog papers listed under one heading of a paper page (a classic has thousands)
SHOW_RANKED = 500  # papers on the most-cited page


def cited_count(ctx: Context) -> dict[str, int]:
    """Paper id -> how many catalog papers cite it (computed once per build)."""
    counts = ctx.extras.get("cited_count")
    if counts is None:
        graph = ctx.catalog.citations
        counts = {pid: graph.cited_count(pid) for pid in ctx.catalog.papers}
        ctx.extras["cited_count"] = counts
    return counts


def most_cited_ids(ctx: Context) -> list[str]:
    """Papers cited at least once inside the catalog: most cited first, then newest."""
    counts = cited_count(ctx)
    cat = ctx.catalog
    cited = cat.newest_first([pid for pid, n in counts.items() if n > 0])
    return sorted(cited, key=lambda pid: -counts[pid])  # stable: ties stay newest first


def _external_url(ref: str) -> str | None:
    key = key_of(ref)
    if key is None:
        return None
    scheme, value = key
    if scheme == "doi":
        return f"https://doi.org/{value}"
    if scheme == "arxiv":
        return f"https://arxiv.org/abs/{value}"
    if scheme == "s2":
        return f"https://www.semanticscholar.org/paper/{value}"
    if scheme == "openalex":
        return f"https://openalex.org/{value.upper()}"
    if scheme == "acl":
        return f"https://aclanthology.org/{value.upper()}/"
    return None


def _external(title: str, refs: list[str], titles: dict[str, str]) -> str:
    """Works outside the catalog: counted; those with a known title listed as text."""
    known = [r for r in refs if r in titles]
    items = "".join(
        f'<li>{safe.text(titles[r])} <span class="ps-meta">({safe.link(_external_url(r), r)})</span></li>'
        for r in known[:SHOW_EXTERNAL]
    )
    rest = len(refs) - min(len(known), SHOW_EXTERNAL)
    more = f'<p class="ps-count">{rest:,} more without a known title.</p>' if rest and items else ""
    body = f'<ol class="ps-external">{items}</ol>{more}' if items else ""
    return (f'<details class="ps-external"><summary>{title} ({len(refs):,})</summary>{body}</details>\n'
            if body else f'<p class="ps-count">{title}: {len(refs):,}.</p>\n')


def _capped(ctx: Context, ids: list[str], here: str) -> str:
    more = len(ids) - SHOW_LINKED
    tail = f'<p class="ps-count">… and {more:,} more.</p>\n' if more > 0 else ""
    return paper_list(ctx, ids[:SHOW_LINKED], here) + tail


def citations_section(ctx: Context, p: object, here: str) -> str:
    """References and citations of a paper, inside the catalog and outside it."""
    graph = ctx.catalog.citations
    pid = getattr(p, "id", "")
    refs = graph.references.get(pid, [])
    cited = graph.cited_by.get(pid, [])
    ext_refs = graph.external_references.get(pid, [])
    ext_cits = graph.external_citations.get(pid, [])
    titles = graph.titles.get(pid, {})
    parts = []
    if refs:
        parts.append(f"## References in this catalog ({len(refs)})\n\n" + _capped(ctx, refs, here))
    if ext_refs:
        parts.append(_external("References outside this catalog", ext_refs, titles))
    if cited:
        parts.append(f"## Cited by in this catalog ({len(cited)})\n\n"
                     + _capped(ctx, ctx.catalog.newest_first(cited), here))
    if ext_cits:
        parts.append(_external("Cited by works outside this catalog", ext_cits, titles))
    # A blank line after each HTML block: a heading right under one would make Markdown
    # read the whole chunk with its slow HTML parser (generator/mdfast.py takes whole blocks only).
    return "\n".join(parts)


def most_cited(ctx: Context) -> Iterator[Page]:
    """``cited/index.md``: the catalog's papers ranked by citations from the catalog."""
    if "papers" not in ctx.config.pages:
        return
    ids = most_cited_ids(ctx)
    if not ids:
        return
    counts = cited_count(ctx)
    here = MOST_CITED_PATH
    items = "\n".join(
        paper_item(ctx, pid, here).replace(
            '<li class="ps-item">',
            f'<li class="ps-item"><span class="ps-cited" title="cited by papers in this catalog">'
            f'cited by {counts[pid]}</span> ', 1)
        for pid in ids[:SHOW_RANKED]
    )
    shown = f" (the first {SHOW_RANKED:,} shown)" if len(ids) > SHOW_RANKED else ""
    body = ("<h1>Most cited in this catalog</h1>\n"
            '<p class="ps-lead">Papers ranked by how many papers of this catalog cite them.</p>\n'
            f'<p class="ps-count">{len(ids):,} cited papers{shown}; '
            f"{ctx.catalog.citations.edges():,} citations between papers of this catalog</p>\n"
            f'<ul class="ps-list">\n{items}\n</ul>\n')
    yield Page(here, "Most cited", body, {"description": "Papers ranked by citations from this catalog"})


def _prepare(ctx: Context) -> None:
    cited_count(ctx)


def register() -> None:
    """Wire the section, preparer and page in (idempotent)."""
    paper_page.add_section(citations_section, 50)
    generate.register(preparers=[_prepare], producers=[most_cited])


register()
