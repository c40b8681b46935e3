"""Reading list pages: ``lists/`` (the hub) and ``lists/<slug>/``, each with a feed and a .bib.

Registers an EXTRA_PRODUCER on import.  The lists are read from the
content folder the build names in ``ctx.extras["content_dir"]``; ids that
are not in the catalog are left out of the page (``papershelf check``
reports them with their position).  Each list gets:

* ``lists/<slug>.atom``, ``.rss`` and ``.json`` — its papers as feeds, in
  list order, written by the site's feed writer (``generator.feeds``), so
  list feeds and the site's feeds share one format and one set of tests;
* ``lists/<slug>.bib`` — the papers' BibTeX, with the catalog's keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .. import feeds, generate, safe
from ..export import bibtex
from ..lists import ReadingList, load_lists
from ..notes import plain_text, render
from .common import Context, Page, paper_item, rel, safe_slug
from .edit import edit_link


def list_url(slug: str) -> str:
    return f"lists/{safe_slug(slug)}/"


def reading_lists(ctx: Context) -> list[ReadingList]:
    """The content folder's lists (read once per build)."""
    cached = ctx.extras.get("reading_lists")
    if cached is None:
        content = ctx.extras.get("content_dir")
        cached = load_lists(Path(content))[0] if content else []
        ctx.extras["reading_lists"] = cached
    return cached


def feed_files(ctx: Context, rl: ReadingList) -> dict[str, str]:
    """The list's Atom, RSS and JSON feeds (``feeds.render``), papers in list order."""
    ids = [e.id for e in rl.entries if e.id in ctx.catalog.papers]
    return feeds.render(ctx, feed_stem(rl), f"{ctx.config.name}: {rl.title}", list_url(rl.slug), ids)


def feed_stem(rl: ReadingList) -> str:
    return f"lists/{rl.slug}"


def bib_file(ctx: Context, rl: ReadingList) -> str:
    """The list's papers as BibTeX, in list order, with the catalog's keys."""
    keys = ctx.extras.get("bibkeys") or bibtex.assign_keys(ctx.catalog.papers)
    return "\n".join(bibtex.entry(ctx.catalog.papers[e.id], keys[e.id])
                     for e in rl.entries if e.id in ctx.catalog.papers)


def list_page(ctx: Context, rl: ReadingList) -> Page:
    here = f"{list_url(rl.slug)[:-1]}.md"
    entries = [e for e in rl.entries if e.id in ctx.catalog.papers]
    items = []
    for e in entries:
        item = paper_item(ctx, e.id, here)
        extra = ""
        if e.date:
            extra += f'<p class="ps-meta">Read on {safe.text(e.date)}</p>'
        if e.note:
            extra += f'<div class="ps-notes ps-entry-note">{render(e.note).strip()}</div>'
        items.append(item[: -len("</li>")] + extra + "</li>")
    body = f"<h1>{safe.text(rl.title)}</h1>\n\n"
    if rl.description:
        body += f'<div class="ps-lead">{render(rl.description).strip()}</div>\n'
    subscribe = " ".join(f'<a href="{safe.attr(rel(here, f"{feed_stem(rl)}.{ext}"))}" type="{mime}">{label}</a>'
                         for ext, mime, label in feeds.FORMATS)
    body += (f'<p class="ps-count">{len(entries)} paper{"s" if len(entries) != 1 else ""} · '
             f'<a href="{safe.attr(rel(here, f"lists/{rl.slug}.bib"))}">BibTeX</a> · '
             f'Subscribe: {subscribe}</p>\n')
    body += '<ol class="ps-list ps-reading">\n' + "\n".join(items) + "\n</ol>\n"
    body += edit_link(ctx, rl.file)
    desc = safe.truncate(plain_text(rl.description) or rl.title, 200)
    page = Page(here, rl.title, body, {"description": safe.attr(desc)}, kind="list", record=rl)
    for ext, mime, label in feeds.FORMATS:
        page.head.append(f'<link rel="alternate" type="{mime}" title="{safe.attr(f"{rl.title} ({label})")}" '
                         f'href="{safe.attr(rel(here, f"{feed_stem(rl)}.{ext}"))}">')
    return page


def hub(ctx: Context, lists: list[ReadingList]) -> Page:
    here = "lists/index.md"
    items = "".join(
        f'<li><a class="ps-title" href="{rel(here, list_url(rl.slug))}">{safe.text(rl.title)}</a>'
        f' <span class="ps-count">({sum(1 for e in rl.entries if e.id in ctx.catalog.papers)} papers)</span>'
        + (f'<br><span class="ps-meta">{safe.text(safe.truncate(plain_text(rl.description), 200))}</span>'
           if rl.description else "")
        + "</li>"
        for rl in lists)
    body = f'<h1>Reading lists</h1>\n<ul class="ps-list">{items}</ul>\n'
    return Page(here, "Reading lists", body, {"description": "Reading lists of this catalog"})


def list_pages(ctx: Context) -> Iterator[Page | tuple[str, str | bytes]]:
    """The hub, one page per list, and each list's feed and .bib."""
    if "lists" not in ctx.config.pages:
        return
    lists = reading_lists(ctx)
    if not lists:
        return
    yield hub(ctx, lists)
    for rl in lists:
        yield list_page(ctx, rl)
        yield from feed_files(ctx, rl).items()
        yield f"lists/{rl.slug}.bib", bib_file(ctx, rl)


generate.register(producers=[list_pages])
