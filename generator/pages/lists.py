"""Reading list pages: ``lists/`` (the hub) and ``lists/<slug>/``, each with a feed and a .bib.

Registers an EXTRA_PRODUCER on import.  The lists are read from the
content folder the build names in ``ctx.extras["content_dir"]``; ids that
are not in the catalog are left out of the page (``papershelf check``
reports them with their position).  Each list gets:

* ``lists/<slug>.xml`` — an Atom feed of its papers, in list order.
  Written with xml.etree (no feed module existed in the project when this
  was written); entry times come from the data (the day the group read the
  paper, else the paper's date), never from the clock, so it is byte-stable;
* ``lists/<slug>.bib`` — the papers' BibTeX, with the catalog's keys.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from .. import generate, safe
from ..export import bibtex
from ..lists import ReadingList, load_lists
from ..notes import plain_text, render
from .common import Context, Page, paper_item, paper_url, rel, safe_slug
from .edit import edit_link

ATOM = "http://www.w3.org/2005/Atom"


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


def _timestamp(date: str | None) -> str | None:
    if not date:
        return None
    parts = (date.split("-") + ["01", "01"])[:3]
    return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z"


def atom_feed(ctx: Context, rl: ReadingList) -> bytes:
    """The list as an Atom feed (RFC 4287), entries in list order."""
    ET.register_namespace("", ATOM)
    base = ctx.config.url.rstrip("/") + "/" if ctx.config.url else ""
    feed = ET.Element(f"{{{ATOM}}}feed")
    ids = [e for e in rl.entries if e.id in ctx.catalog.papers]
    times = [t for t in (_timestamp(e.date or ctx.catalog.papers[e.id].date) for e in ids) if t]
    updated = _timestamp(rl.updated) or (max(times) if times else "1970-01-01T00:00:00Z")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{rl.title} — {ctx.config.name}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = (base + list_url(rl.slug)) if base else f"urn:papershelf:list:{rl.slug}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    if base:
        ET.SubElement(feed, f"{{{ATOM}}}link", href=base + list_url(rl.slug))
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base + f"lists/{rl.slug}.xml")
    if rl.description:
        ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = plain_text(rl.description)
    for e in ids:
        p = ctx.catalog.papers[e.id]
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = safe.plain(p.title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (base + paper_url(p.id)) if base else f"urn:papershelf:paper:{p.id}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(e.date or p.date) or updated
        if base:
            ET.SubElement(entry, f"{{{ATOM}}}link", href=base + paper_url(p.id))
        for a in p.authors:
            ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = a.name
        summary = e.note or p.abstract
        if summary:
            ET.SubElement(entry, f"{{{ATOM}}}summary").text = safe.truncate(safe.plain(summary), 1000)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


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
    body += (f'<p class="ps-count">{len(entries)} paper{"s" if len(entries) != 1 else ""} · '
             f'<a href="{rel(here, f"lists/{rl.slug}.xml")}" type="application/atom+xml">Atom feed</a> · '
             f'<a href="{rel(here, f"lists/{rl.slug}.bib")}">BibTeX</a></p>\n')
    body += '<ol class="ps-list ps-reading">\n' + "\n".join(items) + "\n</ol>\n"
    body += edit_link(ctx, rl.file)
    desc = safe.truncate(plain_text(rl.description) or rl.title, 200)
    page = Page(here, rl.title, body, {"description": safe.attr(desc)}, kind="list", record=rl)
    page.head.append(f'<link rel="alternate" type="application/atom+xml" title="{safe.attr(rl.title)}" '
                     f'href="{safe.attr(rel(here, f"lists/{rl.slug}.xml"))}">')
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
        yield f"lists/{rl.slug}.xml", atom_feed(ctx, rl)
        yield f"lists/{rl.slug}.bib", bib_file(ctx, rl)


if list_pages not in generate.EXTRA_PRODUCERS:
    generate.EXTRA_PRODUCERS.append(list_pages)
