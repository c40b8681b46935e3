"""The paper page: ``papers/<id>/``.

The page is a list of sections, each a function of (context, paper, path)
returning HTML (or "" to leave it out).  Add-ons append their own section
to ``SECTIONS`` rather than editing the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .. import safe
from ..ids import slug
from ..model import Paper
from .common import Context, Page, authors_html, facet_url, paper_list, paper_url, rel

Section = Callable[[Context, Paper, str], str]
T = TypeVar("T")
MORE_BY = 10  # papers in "More by these authors"


def header(ctx: Context, p: Paper, here: str) -> str:
    rows = []
    if p.authors or p.author_count:
        rows.append(("Authors", authors_html(ctx, p, here, limit=None)))
    if p.date:
        y = p.year
        date = safe.text(p.date)
        if y and "years" in ctx.config.pages:
            date = f'<a href="{rel(here, facet_url("years", y))}">{date}</a>'
        rows.append(("Date", date))
    if p.venue:
        v = safe.text(p.venue)
        if "venues" in ctx.config.pages:
            v = f'<a href="{rel(here, facet_url("venues", slug(p.venue) or "venue"))}">{v}</a>'
        rows.append(("Venue", v + (f" ({safe.text(p.type)})" if p.type else "")))
    elif p.type:
        rows.append(("Type", safe.text(p.type)))
    if p.orgs:
        orgs = [
            f'<a href="{rel(here, facet_url("orgs", slug(o) or "org"))}">{safe.text(o)}</a>'
            if "orgs" in ctx.config.pages else safe.text(o)
            for o in p.orgs
        ]
        rows.append(("Organisations", ", ".join(orgs)))
    if p.upvotes is not None:
        rows.append(("Upvotes", f"▲ {p.upvotes}"))
    if p.listed:
        days = [
            f'<a href="{rel(here, facet_url("daily", d))}">{d}</a>' if "daily" in ctx.config.pages else d
            for d in p.listed
        ]
        rows.append(("Listed", ", ".join(days)))
    if p.topics:
        topics = [
            f'<a class="ps-tag" href="{rel(here, facet_url("topics", slug(t) or "topic"))}">{safe.text(t)}</a>'
            if "topics" in ctx.config.pages else f'<span class="ps-tag">{safe.text(t)}</span>'
            for t in p.topics
        ]
        rows.append(("Topics", " ".join(topics)))
    cells = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ps-facts">\n{cells}\n</table>\n'


def links(ctx: Context, p: Paper, here: str) -> str:
    out = []
    if p.arxiv:
        out.append(safe.link(f"https://arxiv.org/abs/{p.arxiv}", f"arXiv:{p.arxiv}"))
    if p.pdf:
        out.append(safe.link(p.pdf, "PDF"))
    elif p.arxiv:
        out.append(safe.link(f"https://arxiv.org/pdf/{p.arxiv}", "PDF"))
    if p.doi:
        out.append(safe.link(f"https://doi.org/{p.doi}", f"DOI: {p.doi}"))
    if p.url:
        out.append(safe.link(p.url, "Web page"))
    if p.code:
        out.append(safe.link(p.code, "Code"))
    if not out:
        return ""
    return '<p class="ps-links">' + " · ".join(out) + "</p>\n"


def abstract(ctx: Context, p: Paper, here: str) -> str:
    if not p.abstract:
        return ""
    return f'## Abstract\n\n<div class="ps-abstract">{safe.paragraphs(p.abstract)}</div>\n'


def more_by(ctx: Context, p: Paper) -> list[str]:
    """The papers "More by these authors" shows: the newest of all its authors' works."""
    seen = {p.id}
    ids: list[str] = []
    for ref in p.authors:
        for other in ctx.catalog.papers_of.get(ref.id or "", []):
            if other not in seen:
                seen.add(other)
                ids.append(other)
    return ctx.catalog.newest_first(ids)[:MORE_BY] if ids else []


def by_same_authors(ctx: Context, p: Paper, here: str) -> str:
    ids = chosen(ctx, p, more_by)
    if not ids:
        return ""
    return "## More by these authors\n\n" + paper_list(ctx, ids, here)


def sources(ctx: Context, p: Paper, here: str) -> str:
    edit = ""
    f = ctx.paper_files.get(p.id)
    if f and ctx.config.repo_url:
        href = ctx.config.repo_url.rstrip("/") + "/" + ctx.config.edit_uri.strip("/") + "/" + f
        edit = f'<p class="ps-edit">{safe.link(href, "Edit this record")}</p>'
    if not p.sources:  # a hand-written record has no sources, but is edited all the same
        return edit + "\n" if edit else ""
    items = "".join(f"<li>{safe.text(s.format)}: {safe.text(s.file)}"
                    f"{' (' + safe.text(s.key) + ')' if s.key else ''}</li>" for s in p.sources)
    return f'<details class="ps-sources"><summary>Sources</summary><ul>{items}</ul></details>\n{edit}\n'


SECTIONS: list[Section] = [header, links, abstract, by_same_authors, sources]
# Where each section stands; add-ons place theirs between these with add_section
# (notes 35, citation texts 40, citation lists 50, related papers 80).
_RANK: dict[Section, int] = {header: 10, links: 20, abstract: 30, by_same_authors: 70, sources: 90}


# What the page chooses to show among many papers (a value per function): every list of
# papers a section picks by a rule over other records.  The page memo
# (generator/pagememo.py) compares these when a record it chooses from changed; a section
# that picks papers must register how, with add_selection.
SELECTIONS: list[Callable[[Context, Paper], object]] = [more_by]


# What the page being made chose, by selection: the page memo takes its second fingerprint
# right after the page is made, and choosing twice was a second of CPU at 10k papers.
CHOSEN: dict[tuple[Callable[[Context, Paper], object], str], object] = {}


def chosen(ctx: Context, p: Paper, selection: Callable[[Context, Paper], T]) -> T:
    """``selection(ctx, p)``, for a section of the page being made (kept until the next page)."""
    key = (selection, p.id)
    if key not in CHOSEN:
        CHOSEN[key] = selection(ctx, p)
    return CHOSEN[key]  # type: ignore[return-value]


def add_selection(selection: Callable[[Context, Paper], object]) -> None:
    """Register what a section chooses (see SELECTIONS); adding it twice changes nothing."""
    if selection not in SELECTIONS:
        SELECTIONS.append(selection)


def add_section(section: Section, rank: int) -> None:
    """Put an add-on's section on the paper page at ``rank`` (see _RANK); adding it twice changes nothing."""
    _RANK[section] = rank
    if section not in SECTIONS:
        SECTIONS.append(section)
    SECTIONS.sort(key=lambda s: _RANK.get(s, 1000))  # stable: unranked sections keep their order, last


def paper_page(ctx: Context, p: Paper) -> Page:
    CHOSEN.clear()
    here = f"{paper_url(p.id)[:-1]}.md"
    body = f'<h1 class="ps-paper-title">{safe.rich(p.title)}</h1>\n\n'
    body += "\n\n".join(s for s in (section(ctx, p, here) for section in SECTIONS) if s)
    meta = {"description": safe.attr(safe.truncate(safe.plain(p.abstract or p.title), 200))}
    return Page(here, p.title, body, meta, kind="paper", record=p)
