"""The search add-on: index files, the worker and the search page, as side files of the build.

Everything lands under ``docs/search/``:

- ``idx/manifest.json`` -- paper count, the first term of every shard, file sizes.
- ``idx/s/<k>.json`` -- term-range shards in lunr.js's serialized format.
- ``idx/h/<k>.json`` -- exact titles: [hash, paper] pairs for the papers whose
  normalised title hashes to bucket k (``title_key``, ``title_hash``), so the
  paper whose title is the query ranks first however common its words are.
- ``idx/d/<k>.json`` -- what a result shows (link, title, authors, year, venue),
  ``DOC_CHUNK`` papers per file, fetched for the results on screen.
- ``idx/a/<k>.json`` -- the same papers' abstracts, fetched by the search page
  only (for snippets): the box in the header needs none.
- ``idx/f/<k>.json`` -- facet values (year, venue, topics, orgs, authors),
  ``FACET_BLOCK`` papers per file, fetched by the search page only.
- ``worker.js`` -- lunr.js, taken from the installed mkdocs package (not a
  committed copy), the manifest, and our worker code: the one file a page
  fetches for search before the first keystroke (three requests in a row
  would each wait for the page's own scripts and stylesheets).
- ``index.md`` -- the full search page (when "search" is among the page kinds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .. import safe
from ..generate import register
from ..model import Paper
from ..pages.common import Context, Page, paper_url
from . import papers
from .index import BuiltIndex, IndexOptions, SearchDoc, shard_files

DOC_CHUNK = 16
TITLE_BUCKET = 128  # papers per exact-title file, on average
FACET_BLOCK = 2048
ABSTRACT_CHARS = 1500
DIR = "search/idx"


def lunr_js() -> bytes:
    """lunr.js as shipped by the installed mkdocs package (its built-in search plugin), minified.

    The package's copy is the readable source, half of it comments and indentation: the worker starts
    on every page, and a new worker compiles its script whole (top-level worker scripts are not
    streamed).  rjsmin minifies it (100 KB -> 40 KB); the licence header stays as shipped.
    """
    import rjsmin

    path = resources.files("mkdocs") / "contrib" / "search" / "templates" / "search" / "lunr.js"
    source = path.read_text(encoding="utf-8")
    cut = source.index("*/") + 2 if source.lstrip().startswith("/*") else 0  # the licence comment
    return (source[:cut] + "\n" + rjsmin.jsmin(source[cut:]) + "\n").encode("utf-8")


def worker_js(manifest: bytes | None = None) -> bytes:
    """The web worker: lunr.js, the manifest (as ``PS_MANIFEST``; without it the worker fetches
    idx/manifest.json), then generator/search/worker.js (which uses both globals)."""
    own = (resources.files("generator") / "search" / "worker.js").read_bytes()
    inline = b"var PS_MANIFEST = " + manifest + b";\n\n" if manifest is not None else b""
    return lunr_js().rstrip() + b"\n\n" + inline + own


def search_doc(p: Paper) -> SearchDoc:
    """The indexed view of a paper: ids, venue, topics and orgs go into one 'meta' field."""
    meta = [v for v in (p.arxiv, p.doi, p.venue, *p.ids.values(), *p.topics, *p.orgs) if v]
    return SearchDoc(title=safe.plain(p.title), authors=[a.name for a in p.authors], meta=meta,
                     body=safe.plain(p.abstract), year=p.year, upvotes=p.upvotes)


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")


def title_key(title: str) -> str:
    """A title as the worker compares it with a query: lower case, runs of [a-z0-9_] joined by one space."""
    return " ".join(re.findall(r"[a-z0-9_]+", title.lower()))


def title_hash(key: str) -> int:
    """32-bit FNV-1a over the key's characters (titleHash in worker.js; a key is ASCII)."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def _authors_line(p: Paper) -> str:
    names = [a.name for a in p.authors[:6]]
    if len(p.authors) > 6:
        names.append("et al.")
    return ", ".join(names)


def _make(linked: bool) -> Callable[[Paper], papers.Made]:
    def make(p: Paper) -> papers.Made:
        title = safe.plain(p.title)
        row = [paper_url(p.id) if linked else (p.url or ""), title, _authors_line(p), p.year or 0, p.venue or ""]
        text = safe.truncate(safe.plain(p.abstract), ABSTRACT_CHARS) if p.abstract else ""
        facets = [p.year or 0, p.venue or "", sorted(set(p.topics)), sorted(set(p.orgs)),
                  [a.name for a in p.authors[:10]]]
        key = title_key(title)
        return papers.Made(search_doc(p), {"d": _dumps(row), "a": _dumps(text), "f": _dumps(facets)},
                           title_hash(key) if key else -1)
    return make


def search_files(ctx: Context, opts: IndexOptions | None = None,
                 cache: Path | None = None) -> Iterator[tuple[str, bytes]]:
    """The index side files for the whole catalog, in a fixed order.

    With ``cache`` (a file in the work folder), what each paper contributes
    is kept there for the next build, which makes it again only for the
    papers that changed (generator/search/papers.py)."""
    ids = sorted(ctx.catalog.papers)
    linked = "papers" in ctx.config.pages
    key = papers.parts_key(linked)
    old = papers.load(cache, key) if cache is not None else None
    parts, made = papers.prepare([ctx.catalog.papers[i] for i in ids], key, _make(linked), old)
    if cache is not None and (made or parts is not old):
        papers.save(cache, parts)
    n = len(ids)
    built = BuiltIndex()
    # Shards are handed on as they are made: the whole index is never in memory at once.
    for k, data in enumerate(shard_files(parts.analysis, opts, built)):
        yield f"{DIR}/s/{k}.json", data
    rows = parts.rows
    for k in range(0, n, DOC_CHUNK):
        yield f"{DIR}/d/{k // DOC_CHUNK}.json", papers.joined(rows["d"][k:k + DOC_CHUNK])
        yield f"{DIR}/a/{k // DOC_CHUNK}.json", papers.joined(rows["a"][k:k + DOC_CHUNK])
    for k in range(0, n, FACET_BLOCK):
        yield f"{DIR}/f/{k // FACET_BLOCK}.json", papers.joined(rows["f"][k:k + FACET_BLOCK])
    buckets = max(1, -(-n // TITLE_BUCKET))
    by_bucket: list[list[list[int]]] = [[] for _ in range(buckets)]
    for i, h in enumerate(parts.title_hashes):
        if h >= 0:
            by_bucket[h % buckets].append([h, i])
    for k, pairs in enumerate(by_bucket):
        yield f"{DIR}/h/{k}.json", _dumps(sorted(pairs))
    manifest = {
        "v": 1, "n": n, "bounds": built.bounds, "chunk": DOC_CHUNK, "block": FACET_BLOCK,
        "titles": buckets, "page": "search" in ctx.config.pages,
    }
    yield f"{DIR}/manifest.json", _dumps(manifest)


SEARCH_PAGE = """<div id="ps-search-page" class="ps-sp" data-ps-search-page>
<form class="ps-sp-form" role="search" action="./" method="get">
<label for="ps-sp-q" class="ps-sp-label">Search papers</label>
<input id="ps-sp-q" name="q" type="search" autocomplete="off" spellcheck="false"
 placeholder="e.g. diffusion transformer, author:zhang, title:&quot;neural tangent&quot;, year:2024">
</form>
<p class="ps-sp-help">Fields: <code>title:</code> <code>author:</code> <code>abstract:</code> <code>id:</code>
<code>year:2024</code> or <code>year:2020-2024</code>; quotes for phrases. Press <kbd>/</kbd> to search from any page.</p>
<div class="ps-sp-body">
<aside class="ps-facets" aria-label="Filters"></aside>
<section class="ps-sp-results" aria-live="polite"><p class="ps-sp-status">Type to search {n:,} papers.</p>
<ol class="ps-sp-list"></ol></section>
</div>
<noscript><p>Search needs JavaScript. Browse the <a href="../papers/">paper list</a> instead.</p></noscript>
</div>
"""


def produce(ctx: Context) -> Iterator[Page | tuple[str, str | bytes]]:
    """Producer registered with the generator: index files, the worker, the search page."""
    manifest: bytes | None = None  # search_files ends with it; without one the worker fetches it
    work = ctx.extras.get("_work_dir")  # set by incremental builds
    for rel, data in search_files(ctx, cache=Path(work) / "search-papers.pickle" if work else None):
        if rel == f"{DIR}/manifest.json":
            manifest = data
        yield rel, data
    yield "search/worker.js", worker_js(manifest)
    if "search" in ctx.config.pages:
        body = SEARCH_PAGE.replace("{n:,}", f"{len(ctx.catalog.papers):,}")
        yield Page("search/index.md", "Search", body, {"hide": ["toc"]}, kind="search")


register(producers=[produce], early=True)  # reads the catalog and settings only
