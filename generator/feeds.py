"""Feeds of new papers: Atom, RSS 2.0 and JSON Feed, site-wide, per topic, per author.

Atom and RSS are written by ``feedgen`` (a maintained feed writer on lxml:
it gets escaping, dates and the required elements right); JSON Feed 1.1 is
plain JSON.  Every timestamp comes from the papers (their date, else their
first listing day), never from the clock, so a rebuild of the same catalog
gives the same bytes.  Pages link their feeds with the autodiscovery tag
``<link rel="alternate">`` (a head hook) and a visible "Subscribe" line.

Files: ``feeds/all.{atom,rss,json}``, ``feeds/topics/<slug>.*``,
``feeds/authors/<id>.*``.  Settings (``site.yaml``, optional)::

    feeds:
      items: 50            # newest papers per feed
      author_min_papers: 1 # authors with fewer papers get no feed
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from . import generate, safe
from .catalog import Catalog
from .export.catalog_files import facet_key
from .model import Paper
from .pages.common import Context, Page, author_url, facet_url, paper_url, rel, safe_slug

FORMATS = (  # (extension, MIME type, label)
    ("atom", "application/atom+xml", "Atom"),
    ("rss", "application/rss+xml", "RSS"),
    ("json", "application/feed+json", "JSON Feed"),
)
ITEMS = 50
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TOPIC_PAGE = re.compile(r"^topics/([^/]+?)(?:/page-\d+)?\.md$")


def _clean(text: str) -> str:
    """Text XML can carry: control characters dropped, whitespace folded."""
    return " ".join(_XML_BAD.sub("", text).split())


def paper_day(p: Paper) -> str | None:
    """The day a paper counts as new: its date (YYYY -> Jan 1), else its first listing day."""
    if p.date:
        parts = p.date.split("-")
        return "-".join([parts[0], parts[1] if len(parts) > 1 else "01", parts[2] if len(parts) > 2 else "01"])
    return min(p.listed) if p.listed else None


def _when(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def newest(catalog: Catalog, ids: list[str], limit: int, days: dict[str, str | None] | None = None) -> list[str]:
    """Dated papers, newest first (ties: id), at most ``limit``; ``days``: paper_day by id, if known."""
    if days is None:
        days = {i: paper_day(catalog.papers[i]) for i in ids}
    ranked = sorted(((d, i) for i in ids if (d := days[i])), reverse=True)
    return [i for _, i in ranked[:limit]]


def _settings(ctx: Context) -> dict[str, Any]:
    got = ctx.config.extra.get("feeds")
    return got if isinstance(got, dict) else {}


def _abs(ctx: Context, url: str) -> str:
    """An absolute URL when the site URL is known; feeds need one, pages can do without."""
    return ctx.config.url.rstrip("/") + "/" + url if ctx.config.url else url


def feed_sets(ctx: Context) -> Iterator[tuple[str, str, str, list[str]]]:
    """(feed stem, title, page URL, paper ids) for every feed of the site."""
    cat = ctx.catalog
    cfg = _settings(ctx)
    limit = int(cfg.get("items", ITEMS))
    days = {i: paper_day(p) for i, p in cat.papers.items()}  # once: a paper is in several feeds
    yield "feeds/all", f"{ctx.config.name}: new papers", "", newest(cat, list(cat.papers), limit, days)
    if "topics" in ctx.config.pages:
        for key, ids in sorted(cat.by_topic.items()):
            name = cat.names.get(f"topic:{key}", key)
            yield (f"feeds/topics/{safe_slug(key)}", f"{ctx.config.name}: {name}", facet_url("topics", key),
                   newest(cat, ids, limit, days))
    if "authors" in ctx.config.pages:
        least = int(cfg.get("author_min_papers", 1))
        for aid, a in cat.authors.items():
            ids = cat.papers_of.get(aid, [])
            if len(ids) >= max(least, 1):
                yield (f"feeds/authors/{safe_slug(aid)}", f"{ctx.config.name}: papers by {a.name}",
                       author_url(aid), newest(cat, ids, limit, days))


def _entry_fields(ctx: Context, p: Paper) -> dict[str, Any]:
    day = paper_day(p) or "1970-01-01"
    return {
        "id": _abs(ctx, paper_url(p.id)) if ctx.config.url else f"urn:papershelf:paper:{p.id}",
        "url": _abs(ctx, paper_url(p.id)),
        "title": _clean(p.title),
        "summary": _clean(safe.truncate(p.abstract, 1000)) if p.abstract else "",
        "authors": [_clean(a.name) for a in p.authors if _clean(a.name)],
        "when": _when(day),
        "tags": [_clean(t) for t in p.topics if _clean(t)],
    }


def render(ctx: Context, stem: str, title: str, page_url: str, ids: list[str]) -> dict[str, str]:
    """The three feed files of one feed: {path: text}."""
    from feedgen.feed import FeedGenerator

    cat = ctx.catalog
    # A paper is in many feeds (site-wide, its topics', each author's): its fields are made once.
    made: dict[str, dict[str, Any]] = ctx.extras.setdefault("_feed_entries", {})
    entries = []
    for i in ids:
        e = made.get(i)
        if e is None:
            e = made[i] = _entry_fields(ctx, cat.papers[i])
        entries.append(e)
    # The feed's own time is its newest paper's; an empty feed takes the catalog's newest day.
    if entries:
        updated = entries[0]["when"]
    else:  # only then scan the catalog: once per feed it was quadratic in the catalog size
        updated = _when(max((d for d in (paper_day(p) for p in cat.papers.values()) if d), default="1970-01-01"))
    home = _abs(ctx, page_url) if ctx.config.url else (page_url or "./")
    fg = FeedGenerator()
    fg.id(_abs(ctx, f"{stem}.atom") if ctx.config.url else f"urn:papershelf:{stem}")
    fg.title(_clean(title))
    fg.link(href=home, rel="alternate")
    fg.link(href=_abs(ctx, f"{stem}.atom"), rel="self")
    fg.description(_clean(ctx.config.description or title))
    fg.language("en")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    described = []
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.id(e["id"])
        fe.guid(e["id"], permalink=bool(ctx.config.url))
        fe.title(e["title"])
        fe.link(href=e["url"])
        if e["summary"]:
            fe.summary(e["summary"])
            fe.description(e["summary"])
            described.append((fe, e["summary"]))
        for name in e["authors"]:
            fe.author({"name": name})
        for t in e["tags"]:
            fe.category(term=t)
        fe.published(e["when"])
        fe.updated(e["when"])
    atom = fg.atom_str(pretty=True).decode("utf-8")
    # RSS readers render <description> as HTML (Atom's untyped summary is text): escape the
    # record text once more for RSS, so "<script>" in an abstract shows as text there too.
    for fe, summary in described:
        fe.description(safe.text(summary))
    # RSS's <link> must be the page, and its self link the .rss file.
    fg.link(href=_abs(ctx, f"{stem}.rss"), rel="self", replace=True)
    fg.link(href=home, rel="alternate")
    rss = fg.rss_str(pretty=True).decode("utf-8")
    jf: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _clean(title),
        "home_page_url": home,
        "feed_url": _abs(ctx, f"{stem}.json"),
        "language": "en",
        "items": [
            {k: v for k, v in {
                "id": e["id"], "url": e["url"], "title": e["title"], "content_text": e["summary"] or e["title"],
                "date_published": e["when"].isoformat(), "authors": [{"name": n} for n in e["authors"]],
                "tags": e["tags"]}.items() if v}
            for e in entries
        ],
    }
    return {f"{stem}.atom": atom, f"{stem}.rss": rss,
            # Compact: an indented dump takes the json module's pure-Python path (8,000 feeds at 10k papers).
            f"{stem}.json": json.dumps(jf, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"}


# mkdocs-material reads every <link rel="alternate"> as another language of the
# site and fetches sitemap.xml beside it; an empty urlset in each feed folder
# answers that instead of a 404 on every page view.
EMPTY_SITEMAP = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n')


def produce(ctx: Context) -> Iterator[generate.Unit | tuple[str, str]]:
    """EXTRA_PRODUCER: every feed file; a feed is made again only when one of its papers changed."""
    folders = set()
    for stem, title, page_url, ids in feed_sets(ctx):
        folders.add(stem.rsplit("/", 1)[0])
        # An empty feed is dated by the catalog's newest day (see render).
        newest = None if ids else max((d for d in (paper_day(p) for p in ctx.catalog.papers.values()) if d),
                                      default=None)
        yield generate.unit(ctx, ("feed", stem), (title, page_url, ids, newest),
                            lambda ids=ids: [("p", i) for i in ids],  # type: ignore[misc]
                            lambda stem=stem, title=title, page_url=page_url, ids=ids:  # type: ignore[misc]
                            render(ctx, stem, title, page_url, ids).items())
    for folder in sorted(folders):
        yield f"{folder}/sitemap.xml", EMPTY_SITEMAP


def feeds_of_page(ctx: Context, page: Page) -> list[tuple[str, str]]:
    """(feed stem, title) of the feeds a page offers: site-wide on home, its own on topic and author pages."""
    out: list[tuple[str, str]] = []
    if page.kind == "home":
        out.append(("feeds/all", f"{ctx.config.name}: new papers"))
    elif page.kind == "author" and page.record is not None and "authors" in ctx.config.pages:
        least = max(int(_settings(ctx).get("author_min_papers", 1)), 1)
        if len(ctx.catalog.papers_of.get(page.record.id, [])) >= least:
            out.append((f"feeds/authors/{safe_slug(page.record.id)}", f"Papers by {page.record.name}"))
    else:
        m = _TOPIC_PAGE.match(page.path)
        if m and "topics" in ctx.config.pages:
            key = facet_key(ctx, "topics", m.group(1))
            if key is not None:
                out.append((f"feeds/topics/{m.group(1)}", ctx.catalog.names.get(f"topic:{key}", key)))
    return out


def subscribe_html(ctx: Context, here: str, stem: str) -> str:
    """The visible feed links of a page."""
    links = " ".join(f'<a href="{safe.attr(rel(here, f"{stem}.{ext}"))}" type="{mime}">{label}</a>'
                     for ext, mime, label in FORMATS)
    return f'<p class="ps-feeds">Subscribe to new papers: {links}</p>\n'


def head_hook(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: autodiscovery links; home and topic pages also get a visible Subscribe line."""
    feeds = feeds_of_page(ctx, page)
    if not feeds:
        return ""
    tags = []
    for stem, title in feeds:
        for ext, mime, label in FORMATS:
            tags.append(f'<link rel="alternate" type="{mime}" title="{safe.attr(f"{title} ({label})")}" '
                        f'href="{safe.attr(rel(page.path, f"{stem}.{ext}"))}">')
        if page.kind != "author":  # author pages show it in their own section (extras_author)
            page.insert_after_heading(subscribe_html(ctx, page.path, stem))
    return "\n".join(tags)


def author_feed_stem(ctx: Context, aid: str) -> str | None:
    """The author's feed stem, or None when the author gets no feed."""
    least = max(int(_settings(ctx).get("author_min_papers", 1)), 1)
    if "authors" not in ctx.config.pages or len(ctx.catalog.papers_of.get(aid, [])) < least:
        return None
    return f"feeds/authors/{safe_slug(aid)}"


generate.register(producers=[produce], head_hooks=[head_hook])
