"""What every page generator shares: the Page value, URLs, and list items.

Pages are Markdown files for MkDocs.  Our own structure (headings) is
Markdown; every piece of record text is HTML made by ``safe`` inside raw
HTML blocks, and every link between pages is a relative URL computed here,
so the site works under any sub-path (``https://user.github.io/repo/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import safe
from ..catalog import Catalog
from ..config import SiteConfig
from ..content import dump_yaml
from ..model import Paper

RESERVED = {"index", "page"}


@dataclass
class Page:
    """One generated Markdown page: its path under docs/, front matter and body."""

    path: str
    title: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    # What the page shows, for add-ons that add head tags: "home", "paper",
    # "author", "listing", ...; and the Paper or Author for record pages.
    kind: str = "listing"
    record: Any = None
    # Extra <head> HTML, already escaped (made with safe.*), e.g. meta tags, feed links.
    head: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return url_of(self.path)

    def insert_after_heading(self, html: str) -> None:
        """Put ``html`` right under the page's <h1> (and its lead paragraph, if
        any): where add-ons place download, feed and trending links."""
        head, sep, rest = self.body.partition("</h1>\n")
        if not sep:
            self.body = html + self.body
            return
        if rest.lstrip("\n").startswith('<p class="ps-lead">'):
            lead, psep, rest = rest.partition("</p>\n")
            head, sep = head + sep + lead + psep, ""
        self.body = head + sep + html + rest

    def render(self) -> str:
        # Front matter goes through the YAML emitter; the title is HTML-escaped
        # because the theme prints page.meta.title into HTML unescaped.
        meta = {"title": safe.text(self.title), **self.meta}
        if self.head:
            meta["ps_head"] = "\n".join(self.head)
        return f"---\n{front_matter(meta)}---\n\n{self.body}"


# What a YAML double-quoted scalar cannot hold as it is: the escape character and the quote,
# line breaks (YAML also breaks lines at U+0085, U+2028 and U+2029), the byte order mark, and
# what YAML calls non-printable (the reader refuses it anywhere in a stream).
_UNQUOTABLE = re.compile('[\\\\"\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
# What a literal block (``|-``, for the head tags: one per line, as readable as written) cannot
# hold: the same breaks and marks, tabs, carriage returns.
_NOT_LITERAL = re.compile('[\t\r\u2028\u2029\ufeff]|[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Plain words YAML 1.1 reads as booleans or null, not as strings: such keys are quoted.
_NOT_STR = frozenset("yes no true false on off null".split())


def _key(key: str) -> str:
    return f'"{key}"' if key.lower() in _NOT_STR else key


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    if c in _ESCAPES:
        return _ESCAPES[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _scalar(value: str) -> str:
    if "\n" in value and value == value.strip("\n ") and "\n " not in value and not _NOT_LITERAL.search(value):
        return "|-\n" + "".join(f"  {line}\n" if line else "\n" for line in value.split("\n"))
    return f'"{_UNQUOTABLE.sub(_escape, value)}"\n'


def front_matter(meta: dict[str, Any]) -> str:
    """YAML for a page's front matter: a double-quoted line per value, or a literal block.

    A page's meta is a few strings; the general emitter took 90 µs a page, a tenth of
    the time to make one, and is kept for anything else (tests/test_properties.py checks
    that what is written reads back the same)."""
    if not all(isinstance(v, str) and _KEY.fullmatch(k) for k, v in meta.items()):
        return dump_yaml(meta)
    return "".join(f"{_key(k)}: {_scalar(v)}" for k, v in meta.items())


@dataclass
class Group:
    """Listing pages made together, from ``inputs`` (a repr-able value), the site-wide inputs
    and the papers ``ids`` as listings show them: an incremental build makes them again only
    when one of those changed (generator/generate.py ``_run_task``).

    ``inputs`` must hold everything else the pages and the head hooks show: the listing's
    name, its neighbours, ..."""

    key: tuple[str, str]
    inputs: Any
    ids: list[str]
    make: Callable[[], Iterable[Page]]


@dataclass
class Context:
    """Everything page generators read: the catalog and the site settings."""

    catalog: Catalog
    config: SiteConfig
    # Where each record was read from (for "Edit this record" links).
    paper_files: dict[str, str] = field(default_factory=dict)
    author_files: dict[str, str] = field(default_factory=dict)
    # Values computed once per build and shared by pages (BibTeX keys, related papers, ...).
    extras: dict[str, Any] = field(default_factory=dict)


def url_of(path: str) -> str:
    """Directory URL of a docs path: 'papers/x.md' -> 'papers/x/', 'index.md' -> ''."""
    stem = path[:-3]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def rel(from_path: str, to_url: str) -> str:
    """A relative link from the page at ``from_path`` to the site URL ``to_url``."""
    depth = url_of(from_path).count("/")
    return ("../" * depth + to_url) or "./"


def safe_slug(value: str) -> str:
    """A facet slug that cannot collide with a hub page's own file names.

    Every value in the reserved family (index, page, index-*, page-*) gets "-1";
    the results all start with "index-" or "page-", which no value left as it is
    does, so two different ids never share a page ("index" vs "index-1").
    """
    return f"{value}-1" if value in RESERVED or value.startswith(("page-", "index-")) else value


def paper_url(pid: str) -> str:
    return f"papers/{safe_slug(pid)}/"


def author_url(aid: str) -> str:
    return f"authors/{safe_slug(aid)}/"


def facet_url(kind: str, key: str | int) -> str:
    return f"{kind}/{safe_slug(str(key))}/"


def authors_html(ctx: Context, p: Paper, here: str, limit: int | None = 12) -> str:
    refs = p.authors if limit is None else p.authors[:limit]
    parts = []
    for ref in refs:
        if ref.id and ref.id in ctx.catalog.authors and "authors" in ctx.config.pages:
            parts.append(f'<a href="{rel(here, author_url(ref.id))}">{safe.text(ref.name)}</a>')
        else:
            parts.append(safe.text(ref.name))
    more = len(p.authors) - len(refs)
    if more > 0:
        parts.append(f"and {more} more")
    if not parts and p.author_count:
        parts.append(f"{p.author_count} author{'s' if p.author_count != 1 else ''}")
    return ", ".join(parts)


def paper_item(ctx: Context, pid: str, here: str, show_upvotes: bool = False) -> str:
    """One paper in a listing: linked title, authors, date, venue.

    A paper appears in many listings; its item depends only on how deep the
    listing page is (relative links), so it is rendered once per depth."""
    depth = url_of(here).count("/")
    cache: dict[tuple[str, int, bool], str] = ctx.extras.setdefault("_paper_items", {})
    key = (pid, depth, show_upvotes)
    item = cache.get(key)
    if item is None:
        memo = ctx.extras.get("_memo")  # an incremental build: the last build's item, if still right
        if memo is not None:
            item = cache[key] = memo.item(key, lambda: _paper_item(ctx, pid, here, show_upvotes))
        else:
            item = cache[key] = _paper_item(ctx, pid, here, show_upvotes)
    return item


def _paper_item(ctx: Context, pid: str, here: str, show_upvotes: bool) -> str:
    p = ctx.catalog.papers[pid]
    bits = []
    if p.date:
        bits.append(safe.text(p.date))
    if p.venue:
        bits.append(safe.text(p.venue))
    if p.orgs:
        bits.append(safe.text(", ".join(p.orgs)))
    up = ""
    if show_upvotes and p.upvotes is not None:
        up = f'<span class="ps-upvotes" title="upvotes">▲ {p.upvotes}</span> '
    return (
        f'<li class="ps-item">{up}<a class="ps-title" href="{rel(here, paper_url(pid))}">{safe.rich(p.title)}</a>'
        f'<br><span class="ps-authors">{authors_html(ctx, p, here, 6)}</span>'
        f'{" · " if bits else ""}<span class="ps-meta">{" · ".join(bits)}</span></li>'
    )


def paper_list(ctx: Context, ids: Iterable[str], here: str, show_upvotes: bool = False) -> str:
    items = "\n".join(paper_item(ctx, pid, here, show_upvotes) for pid in ids)
    return f'<ul class="ps-list">\n{items}\n</ul>\n'


PAGE_WINDOW = 3  # page links shown on each side of the current page in a long listing


def page_window(k: int, n: int) -> list[int]:
    """Page numbers a pager on page ``k`` of ``n`` links to, 0 for a gap ("…").

    Every page up to 2 * PAGE_WINDOW + 3 pages; beyond that the first, the
    last and PAGE_WINDOW around the current one.  Linking all of them would
    make a listing of P pages P * P links: 2,000 pages of "all papers" at
    100k papers is four million links, most of the site's HTML.
    """
    if n <= 2 * PAGE_WINDOW + 3:
        return list(range(1, n + 1))
    shown = sorted({1, n, *range(max(1, k - PAGE_WINDOW), min(n, k + PAGE_WINDOW) + 1)})
    out: list[int] = []
    for j in shown:
        if out and j == out[-1] + 2:
            out.append(j - 1)  # a gap of one page: its number takes no more room than "…"
        elif out and j > out[-1] + 2:
            out.append(0)
        out.append(j)
    return out


def page_chunks(ids: list[str], per: int) -> list[list[str]]:
    """A newest-first listing's pages, cut from the oldest end: every page holds ``per`` items
    but the first, which holds the rest (``per`` to ``2 * per - 1``; all, when fewer).

    A new paper comes first in most listings.  Cut from the top, it would move one item onto
    every next page, and an incremental build would render all of them again (200 pages of
    "all papers" at 10k papers); cut from the end, only the first page changes, until the
    listing gains a page."""
    n = max(1, len(ids) // per)
    first = len(ids) - (n - 1) * per
    return [ids[:first]] + [ids[i:i + per] for i in range(first, len(ids), per)]


def paginate(
    ctx: Context, base_path: str, title: str, ids: list[str], intro: str = "", show_upvotes: bool = False,
    meta: dict[str, Any] | None = None,
) -> list[Page]:
    """A listing split into numbered pages: base.md, base/page-2.md, ... (see page_chunks)."""
    chunks = page_chunks(ids, ctx.config.per_page)
    stem = base_path[:-3]
    if stem.endswith("/index"):
        stem = stem[: -len("/index")]
    pages = []
    n = len(chunks)
    for k, chunk in enumerate(chunks, 1):
        path = base_path if k == 1 else f"{stem}/page-{k}.md"
        nav = ""
        if n > 1:
            links = []
            for j in page_window(k, n):
                target = url_of(base_path) if j == 1 else f"{stem}/page-{j}/"
                if j == 0:
                    links.append('<span class="ps-gap">…</span>')
                elif j == k:
                    links.append(f'<span class="ps-current" aria-current="page">{j}</span>')
                else:
                    links.append(f'<a href="{rel(path, target)}">{j}</a>')
            nav = f'<nav class="ps-pages" aria-label="pages">Page {k} of {n}: {" ".join(links)}</nav>\n'
        # The total on the first page only: with it, every page would change with every paper added.
        count = f'<p class="ps-count">{len(ids):,} paper{"s" if len(ids) != 1 else ""}</p>\n' if k == 1 else ""
        body = intro + count + nav + paper_list(ctx, chunk, path, show_upvotes) + nav
        pages.append(Page(path, title if k == 1 else f"{title} (page {k})", body, dict(meta or {})))
    return pages
