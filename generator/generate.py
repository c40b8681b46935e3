"""Catalog -> Markdown pages in the docs folder MkDocs builds from.

Pages are produced as values first, then written; a file is rewritten only
when its bytes change, and files no page produced any more are removed, so
the docs folder always equals the catalog.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .export import bibtex
from .pages import listings
from .pages.author import author_page
from .pages.common import Context, Page
from .pages.paper import paper_page
from .writer import write_if_changed

# Add-ons (search, feeds, exports, ...) register page producers here; each is
# called with the context and yields Pages or (path, bytes) side files.
EXTRA_PRODUCERS: list[Callable[[Context], Iterable[Page | tuple[str, str | bytes]]]] = []
# Add-ons that need values shared by many pages fill ctx.extras here first.
PREPARERS: list[Callable[[Context], None]] = []
# Add-ons that add <head> tags (feed links, scholarly meta tags, JSON-LD):
# called for every Page; return escaped HTML (made with generator.safe) or "".
HEAD_HOOKS: list[Callable[[Context, Page], str]] = []


def register(*, producers: Iterable[Callable] = (), preparers: Iterable[Callable] = (),
             head_hooks: Iterable[Callable] = ()) -> None:
    """Add an add-on's callables to the registries, each once, in the order given.

    Add-ons call this at import; importing one twice changes nothing."""
    for items, registry in ((producers, EXTRA_PRODUCERS), (preparers, PREPARERS), (head_hooks, HEAD_HOOKS)):
        for fn in items:
            if fn not in registry:
                registry.append(fn)  # type: ignore[arg-type]


@dataclass
class GenerateStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    pages: int = 0


def all_pages(ctx: Context) -> Iterator[Page | tuple[str, str | bytes]]:
    """Every page of the site, in a fixed order."""
    kinds = ctx.config.pages
    yield listings.home(ctx)
    if "papers" in kinds:
        yield from listings.all_papers(ctx)
        for p in ctx.catalog.papers.values():
            yield paper_page(ctx, p)
    if "authors" in kinds:
        yield from listings.authors_index(ctx)
        for a in ctx.catalog.authors.values():
            yield author_page(ctx, a)
    for kind in ("topics", "venues", "orgs"):
        if kind in kinds:
            yield from listings.facet_pages(ctx, kind)
    if "years" in kinds:
        yield from listings.year_pages(ctx)
    if "daily" in kinds:
        yield from listings.daily_pages(ctx)
    for producer in EXTRA_PRODUCERS:
        yield from producer(ctx)


def prepare(ctx: Context) -> None:
    """Compute what many pages share, once: BibTeX keys, then the add-ons' values."""
    from .addons import load_addons

    load_addons()
    ctx.extras["bibkeys"] = bibtex.assign_keys(ctx.catalog.papers)
    for prep in PREPARERS:
        prep(ctx)


def assets_dir() -> Path:
    return Path(str(resources.files("generator") / "assets"))


class _DocsIndex:
    """Size, mtime and hash of every file the last run wrote under ``docs``.

    A page whose new bytes hash to the recorded value, in a file whose size
    and mtime are as recorded, is unchanged without reading the file: at 10k
    papers that is 70,000 reads saved on every build.  Anything else goes
    through write_if_changed, which compares bytes.
    """

    def __init__(self, docs: Path):
        self.path = docs.parent / f".{docs.name}-index.pickle"
        self.docs = docs
        try:
            with open(self.path, "rb") as f:
                self.old: dict[str, tuple[int, int, bytes]] = pickle.load(f)
        except Exception:  # missing or unreadable: every file is compared by its bytes
            self.old = {}
        self.new: dict[str, tuple[int, int, bytes]] = {}

    def write(self, rel_path: str, content: str | bytes) -> bool:
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.blake2b(data, digest_size=16).digest()
        old = self.old.get(rel_path)
        path = self.docs / rel_path
        if old is not None and old[2] == digest:
            try:
                st = os.stat(path)
                if (st.st_size, st.st_mtime_ns) == old[:2]:
                    self.new[rel_path] = old
                    return False
            except OSError:
                pass
        written = write_if_changed(path, data)
        st = os.stat(path)
        self.new[rel_path] = (st.st_size, st.st_mtime_ns, digest)
        return written

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump(self.new, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)


def write_docs(ctx: Context, docs: Path, progress: Callable[[int], None] | None = None) -> GenerateStats:
    """Write every page under ``docs``; remove files that are no longer produced."""
    stats = GenerateStats()
    prepare(ctx)
    keep: set[str] = set()
    index = _DocsIndex(docs)
    for item in all_pages(ctx):
        data: str | bytes
        if isinstance(item, Page):
            for hook in HEAD_HOOKS:
                tag = hook(ctx, item)
                if tag:
                    item.head.append(tag)
            rel_path, data = item.path, item.render()
            stats.pages += 1
        else:
            rel_path, data = item
        if rel_path in keep:
            raise RuntimeError(f"two pages want the same file {rel_path}")  # a bug, not bad input
        keep.add(rel_path)
        if index.write(rel_path, data):
            stats.written += 1
        else:
            stats.unchanged += 1
        if progress:
            progress(1)
    # Static assets of the theme add-ons (CSS, JS), copied like pages.
    src = assets_dir()
    for path in sorted(src.rglob("*")):
        if path.is_file():
            rel_path = "assets/papershelf/" + path.relative_to(src).as_posix()
            keep.add(rel_path)
            if write_if_changed(docs / rel_path, path.read_bytes()):
                stats.written += 1
            else:
                stats.unchanged += 1
    site_assets = ctx.extras.get("site_assets")
    if site_assets and Path(site_assets).is_dir():
        for path in sorted(Path(site_assets).rglob("*")):
            if path.is_file():
                rel_path = "assets/site/" + path.relative_to(site_assets).as_posix()
                keep.add(rel_path)
                write_if_changed(docs / rel_path, path.read_bytes())
    stats.removed = _remove_stale(docs, keep)
    index.save()
    return stats


def _remove_stale(docs: Path, keep: set[str]) -> int:
    removed = 0
    for root, dirs, files in os.walk(docs, topdown=False):
        for name in files:
            full = Path(root) / name
            if full.relative_to(docs).as_posix() not in keep:
                full.unlink()
                removed += 1
        for d in dirs:
            full = Path(root) / d
            if not any(full.iterdir()):
                shutil.rmtree(full)
    return removed
