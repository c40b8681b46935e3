"""Whole-catalog and per-record data files: the site's read-only API.

* ``catalog.bib``, ``catalog.json`` (``{"papers": [...], "authors": [...]}``, native
  records as ``Paper.to_dict``/``Author.to_dict`` write them), ``catalog.jsonl``
  (one native paper record per line) and ``authors.jsonl``;
* ``papers/<id>.json`` and ``authors/<id>.json``: one record plus what the catalog
  knows about it (page URL, BibTeX key, related papers, co-authors);
* ``<facet>/<key>.bib`` for every topic, venue, organisation, year and listing
  day, linked from the listing's pages.

Record JSON sits beside the page folder (``papers/x.json`` next to
``papers/x/index.html``), never inside it, so no record id can collide with a
page; ids ending in ``.json`` are the one clash and get ``-1`` like reserved names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import generate, safe
from ..pages.common import Context, Page, author_url, facet_url, paper_url, rel, safe_slug
from ..writer import load_keyed_pickle, save_pickle
from . import bibtex

FACET_INDEXES = {"topics": "by_topic", "venues": "by_venue", "orgs": "by_org", "years": "by_year",
                 "daily": "by_day"}
_LISTING = re.compile(r"^(topics|venues|orgs|years|daily)/([^/]+?)(?:/page-\d+)?\.md$")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def data_slug(record_id: str) -> str:
    """The file stem of a record's JSON: the page slug, kept off names ending in .json."""
    s = safe_slug(record_id)
    return s + "-1" if s.endswith(".json") else s


def paper_json_url(pid: str) -> str:
    return f"papers/{data_slug(pid)}.json"


def author_json_url(aid: str) -> str:
    return f"authors/{data_slug(aid)}.json"


def site_url_of(ctx: Context, url: str) -> str | None:
    """Absolute URL of a site path when the site's public URL is configured."""
    return ctx.config.url.rstrip("/") + "/" + url if ctx.config.url else None


def keys(ctx: Context) -> dict[str, str]:
    got = ctx.extras.get("bibkeys")
    if got is None:
        got = ctx.extras["bibkeys"] = bibtex.assign_keys(ctx.catalog.papers)
    return got


def bib_of(ctx: Context, ids: list[str]) -> str:
    """One .bib text with an entry per paper id, in the order given."""
    k = keys(ctx)
    papers = ctx.catalog.papers
    # A paper is in many listings (topic, venue, year, day, author): one entry text each.
    cache: dict[str, str] = ctx.extras.setdefault("_bib_entries", {})
    out = []
    for i in ids:
        entry = cache.get(i)
        if entry is None:
            entry = cache[i] = bibtex.entry(papers[i], k[i], site_url_of(ctx, paper_url(i)))
        out.append(entry)
    return "\n".join(out)


def paper_data(ctx: Context, pid: str) -> dict[str, Any]:
    cat = ctx.catalog
    return {
        "paper": cat.papers[pid].to_dict(),
        "page": paper_url(pid),
        "bibtex_key": keys(ctx)[pid],
        "related": ctx.extras.get("related", {}).get(pid, []),
        "cited_by": cat.cited_by.get(pid, []),
    }


def author_data(ctx: Context, aid: str) -> dict[str, Any]:
    cat = ctx.catalog
    co = sorted(cat.coauthors.get(aid, {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "author": cat.authors[aid].to_dict(),
        "page": author_url(aid),
        "papers": cat.papers_of.get(aid, []),
        "coauthors": [{"id": c, "name": cat.authors[c].name, "papers": n} for c, n in co],
    }


def record_texts(ctx: Context, name: str, kind: str, ids: list[str], make: Callable[[str], str]) -> list[str]:
    """``make(id)`` for every id, in order; an incremental build reuses the last build's text of
    each record whose version (generator/pagememo.py, ``kind`` "p" or "a") did not change.

    The whole-catalog files change with every edit, but by one record: making
    every paper's JSON and BibTeX again was a second and a half at 10k papers.
    The texts are kept in the work folder (``export-<name>.pickle``), under the
    memo's site key, so new code or settings make every text again.
    """
    memo = ctx.extras.get("_memo")
    work = ctx.extras.get("_work_dir")
    if memo is None or work is None:
        return [make(i) for i in ids]
    path = Path(work) / f"export-{name}.pickle"
    # Missing, unreadable or under another site key: every text is made.
    old: dict[str, tuple[bytes, str]] = load_keyed_pickle(path, memo.key) or {}  # type: ignore[assignment]
    versions = memo.versions
    new: dict[str, tuple[bytes, str]] = {}
    out = []
    made = 0
    for i in ids:
        version = versions.get(f"{kind}\t{i}")
        got = old.get(i)
        if version is None or got is None or got[0] != version:
            got = (version or b"", make(i))
            made += 1
        if version is not None:
            new[i] = got
        out.append(got[1])
    if made or len(new) != len(old):
        save_pickle(path, (memo.key, new))
    return out


def whole_catalog(ctx: Context) -> Iterator[tuple[str, str]]:
    """The whole catalog as BibTeX, JSON and JSON Lines."""
    cat = ctx.catalog
    k = keys(ctx)
    pids = list(cat.papers)

    def bib_entry(pid: str) -> str:
        return bibtex.entry(cat.papers[pid], k[pid], site_url_of(ctx, paper_url(pid)))

    entries = record_texts(ctx, "bib", "p", pids, bib_entry)
    ctx.extras.setdefault("_bib_entries", {}).update(zip(pids, entries, strict=True))  # for the listings' .bib (bib_of)
    yield "catalog.bib", "\n".join(entries)
    # One record per line: an indented dump takes the json module's pure-Python encoder
    # (0.6 s at 10k papers), a compact one per record its C encoder.  Each line is made
    # once for the JSON and the JSON Lines file.
    papers = record_texts(ctx, "papers", "p", pids, lambda pid: _dumps(cat.papers[pid].to_dict()))
    authors = record_texts(ctx, "authors", "a", list(cat.authors), lambda aid: _dumps(cat.authors[aid].to_dict()))
    yield "catalog.json", ('{"authors":[\n' + ",\n".join(line[:-1] for line in authors)
                           + '\n],\n"papers":[\n' + ",\n".join(line[:-1] for line in papers) + "\n]}\n")
    yield "catalog.jsonl", "".join(papers)
    yield "authors.jsonl", "".join(authors)


def produce(ctx: Context) -> Iterator[generate.Unit]:
    """EXTRA_PRODUCER: catalog files, per-record JSON, per-listing .bib."""
    cat = ctx.catalog
    ids = list(cat.papers)
    every = [*(("p", i) for i in ids), *(("a", i) for i in cat.authors)]
    yield generate.unit(ctx, ("catalog", "catalog"), [keys(ctx)[i] for i in ids], lambda: every,
                        lambda: whole_catalog(ctx))
    # Per record and per listing, each file is made again only when what it holds changed.
    if "papers" in ctx.config.pages:
        for pid in ids:
            yield generate.unit(ctx, ("json", pid), (), lambda pid=pid: [("P", pid)],  # type: ignore[misc]
                       lambda pid=pid: [(paper_json_url(pid), _dumps(paper_data(ctx, pid)))])  # type: ignore[misc]
    if "authors" in ctx.config.pages:
        for aid in cat.authors:
            # The author, and the names of the co-authors listed.
            yield generate.unit(ctx, ("json", f"author:{aid}"), (),
                       lambda aid=aid: [("a", aid), *(("a", c) for c in cat.coauthors.get(aid, ()))],  # type: ignore[misc]
                       lambda aid=aid: [(author_json_url(aid), _dumps(author_data(ctx, aid)))])  # type: ignore[misc]
    k = keys(ctx)
    for kind, attr in FACET_INDEXES.items():
        if kind not in ctx.config.pages:
            continue
        for key, pids in sorted(getattr(cat, attr).items()):
            path = f"{facet_url(kind, key)[:-1]}.bib"
            yield generate.unit(ctx, ("bib", path), [k[i] for i in pids], lambda pids=pids: [("p", i) for i in pids],  # type: ignore[misc]
                       lambda path=path, pids=pids: [(path, bib_of(ctx, pids))])  # type: ignore[misc]


def facet_key(ctx: Context, kind: str, stem: str) -> Any:
    """The catalog key of the facet whose page file stem is ``stem`` (None if none).

    The reverse map is built once per build: hooks ask for every page, and a
    scan of the whole index per page would be quadratic in big catalogs.
    """
    maps = ctx.extras.setdefault("facet_slugs", {})
    if kind not in maps:
        index = getattr(ctx.catalog, FACET_INDEXES[kind])
        maps[kind] = {safe_slug(str(k)): k for k in index}
    return maps[kind].get(stem)


def listing_bib(ctx: Context, page: Page) -> tuple[str, int] | None:
    """(site URL of the .bib, number of papers) for a facet listing page, else None."""
    m = _LISTING.match(page.path)
    if not m or m.group(1) not in ctx.config.pages:
        return None
    kind, stem = m.groups()
    key = facet_key(ctx, kind, stem)
    if key is None:
        return None
    return f"{facet_url(kind, key)[:-1]}.bib", len(getattr(ctx.catalog, FACET_INDEXES[kind])[key])


def listing_hook(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: on facet listings, add a link to the listing's .bib under the heading.

    The listing pages belong to pages/listings.py; the hook appends to the body
    (before render) instead of editing that module, and adds no head tag.
    """
    got = listing_bib(ctx, page)
    if got is None:
        return ""
    url, n = got
    href = rel(page.path, url)
    name = url.rsplit("/", 1)[1]
    # The count on a listing's first page only, as the listing's own total (see pages.common.page_chunks).
    what = f'all {n:,} paper{"s" if n != 1 else ""}' if "/page-" not in page.path else "the whole listing"
    link = (f'<p class="ps-downloads"><a class="ps-download" href="{safe.attr(href)}" download="{safe.attr(name)}">'
            f'Download {what} as BibTeX (.bib)</a></p>\n')
    # Right under the listing's heading, where a reader looks for it.
    page.insert_after_heading(link)
    return ""


generate.register(producers=[produce], head_hooks=[listing_hook])
