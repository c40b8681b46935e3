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
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from .export import bibtex
from .forking import Background, can_fork, fork_map
from .pagememo import Entry, PageMemo
from .pages import listings
from .pages.author import author_page
from .pages.common import Context, Group, Page
from .pages.paper import paper_page
from .writer import save_pickle, write_file, write_if_changed

# Add-ons (search, feeds, exports, ...) register page producers here; each is
# called with the context and yields Pages, (path, bytes) side files, or Units
# of side files an incremental build makes again only when their inputs changed.
EXTRA_PRODUCERS: list[Callable[[Context], Iterable[Page | Unit | tuple[str, str | bytes]]]] = []
# Add-ons that need values shared by many pages fill ctx.extras here first.
PREPARERS: list[Callable[[Context], None]] = []
# Add-ons that add <head> tags (feed links, scholarly meta tags, JSON-LD):
# called for every Page; return escaped HTML (made with generator.safe) or "".
HEAD_HOOKS: list[Callable[[Context, Page], str]] = []


# Preparers that read only the papers' own records (their text), not the catalog built from
# them: ``name -> fn(papers in catalog order, extras)``, whose value becomes ctx.extras[name].
# On a large catalog they start in a worker of their own while the catalog is being built
# (start_record_preparers), when the machine's second core would otherwise wait.
RECORD_PREPARERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {}

# Producers that read the catalog and the settings only, never a prepared value:
# on a large catalog they start in a worker of their own before the preparers run.
EARLY: list[Callable[[Context], Iterable[Any]]] = []


def register(*, producers: Iterable[Callable] = (), preparers: Iterable[Callable] = (),
             head_hooks: Iterable[Callable] = (), early: bool = False,
             record_preparers: dict[str, Callable] | None = None) -> None:
    """Add an add-on's callables to the registries, each once, in the order given.

    ``early``: the producers read no prepared value (see EARLY).
    Add-ons call this at import; importing one twice changes nothing."""
    RECORD_PREPARERS.update(record_preparers or {})
    for items, registry in ((producers, EXTRA_PRODUCERS), (preparers, PREPARERS), (head_hooks, HEAD_HOOKS),
                            (producers if early else (), EARLY)):
        for fn in items:
            if fn not in registry:
                registry.append(fn)  # type: ignore[arg-type]


@dataclass
class GenerateStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    pages: int = 0
    reused: int = 0  # record and listing pages not made again: nothing they show changed
    reused_files: int = 0  # side files (feeds, exports) not made again, likewise
    jobs: int = 1
    # Seconds spent in each kind of task (summed over worker processes): "papers",
    # "authors", "listings", and each add-on producer by its module name; and
    # before the tasks, in "prepare" (shared values) and "memo" (record versions).
    seconds: dict[str, float] = field(default_factory=dict)
    # What the docs folder and the side-files folder now hold, file by file: {relative path:
    # (size, mtime_ns, blake2b-128 of the bytes)}.  The MkDocs stage takes its file list and
    # page hashes from here instead of walking and reading the folders again.
    docs_index: dict[str, tuple[int, int, bytes]] = field(default_factory=dict, repr=False)
    files_index: dict[str, tuple[int, int, bytes]] = field(default_factory=dict, repr=False)


@dataclass
class Reused:
    """A record page left as the last build wrote it (see generator/pagememo.py)."""

    kind: str
    rid: str
    entry: Entry
    state: tuple[int, int, bytes]  # the file's docs index entry


@dataclass
class Unit:
    """Side files made together, from inputs hashed into ``fingerprint`` (see ``unit``)."""

    key: tuple[str, str]
    fingerprint: bytes | None
    make: Callable[[], Iterable[tuple[str, str | bytes]]]


def unit(ctx: Context, key: tuple[str, str], inputs: Any, refs: Callable[[], Iterable[tuple[str, str]]],
         make: Callable[[], Iterable[tuple[str, str | bytes]]]) -> Unit:
    """Side files that an incremental build makes again only when their inputs changed.

    For producers: ``make`` gives the files; they depend on nothing but the
    site-wide inputs, ``inputs`` (a repr-able value) and the records ``refs``
    names (("p", paper id): a paper as listed; ("P", paper id): with what was
    prepared for it; ("a", author id)) - see generator/pagememo.py.
    """
    memo: PageMemo | None = ctx.extras.get("_memo")
    return Unit(key, memo.digest(inputs, refs()) if memo is not None else None, make)


Item = Page | Reused | Unit | Group | tuple[str, str | bytes]


class Task(NamedTuple):
    kind: str  # "papers", "authors", "listings", or an add-on producer's module name
    make: Callable[[], Iterable[Item]]
    early: bool = False  # may run before the preparers (see EARLY)


CHUNK = 400  # record pages per task: small enough to balance two workers, large enough to be cheap


def tasks(ctx: Context) -> list[Task]:
    """Every page of the site as independent tasks ``(kind, make_items)``, in a fixed order.

    Pages depend on the catalog and the prepared values only, never on each
    other, so the tasks can run in any order and in any process.
    """
    kinds = ctx.config.pages
    out: list[Task] = [Task("listings", lambda: [listings.home(ctx)])]

    def chunked(kind: str, records: list[Any], page: Callable[[Context, Any], Page]) -> None:
        for i in range(0, len(records), CHUNK):
            part = records[i:i + CHUNK]
            out.append(Task(kind, lambda part=part: record_pages(ctx, kind, part, page)))  # type: ignore[misc]

    if "papers" in kinds:
        out.append(Task("listings", lambda: listings.all_papers(ctx)))
        chunked("papers", list(ctx.catalog.papers.values()), paper_page)
    if "authors" in kinds:
        out.append(Task("listings", lambda: listings.authors_index(ctx)))
        chunked("authors", list(ctx.catalog.authors.values()), author_page)
    for kind in ("topics", "venues", "orgs"):
        if kind in kinds:
            out.append(Task("listings", lambda kind=kind: listings.facet_pages(ctx, kind)))  # type: ignore[misc]
    if "years" in kinds:
        out.append(Task("listings", lambda: listings.year_pages(ctx)))
    if "daily" in kinds:
        out.append(Task("listings", lambda: listings.daily_pages(ctx)))
    for producer in EXTRA_PRODUCERS:
        out.append(Task(producer.__module__.rpartition(".")[2], lambda producer=producer: producer(ctx),  # type: ignore[misc]
                        producer in EARLY))
    return out


def record_pages(ctx: Context, kind: str, records: list[Any], page: Callable[[Context, Any], Page]) -> Iterator[Item]:
    """The pages of ``records``; with a memo, those whose inputs are unchanged are Reused instead."""
    memo: PageMemo | None = ctx.extras.get("_memo")
    for r in records:
        hit = memo.lookup(kind, r.id) if memo is not None else None
        yield Reused(kind, r.id, *hit) if hit else page(ctx, r)


def all_pages(ctx: Context) -> Iterator[Page | tuple[str, str | bytes]]:
    """Every page and side file of the site, in a fixed order."""
    for task in tasks(ctx):
        yield from expand(task.make())


def expand(items: Iterable[Item]) -> Iterator[Page | tuple[str, str | bytes]]:
    """``items`` with each Unit replaced by the files it makes (Reused pages are left out)."""
    for item in items:
        if isinstance(item, Unit | Group):
            yield from item.make()
        elif not isinstance(item, Reused):
            yield item


def collect(ctx: Context, key: str, value: Any) -> None:
    """Append ``value`` to the list ``ctx.extras[key]``, from any page-writing process.

    For head hooks that gather something from every page (the sitemap's
    URLs).  While a task runs, values go to that task's own list, which
    write_docs appends in task order whichever process ran it, so the list is
    the same as in a one-process run.
    """
    pending = ctx.extras.get("_collected")
    (pending if pending is not None else ctx.extras).setdefault(key, []).append(value)


class RecordPrepared:
    """The values of the record preparers: being computed in a worker, or computed here when asked."""

    def __init__(self, papers: dict[str, Any], extras: dict[str, Any], jobs: int, background: bool):
        self._papers, self._extras = papers, dict(extras, jobs=jobs)
        self._names = sorted(RECORD_PREPARERS)
        self._worker: Background | None = None
        # Not for the largest catalogs, where memory is the limit (see _start_early).
        if background and self._names and can_fork(jobs) and PARALLEL_MIN <= len(papers) < EARLY_MAX:
            _WORK["record_prepared"] = self
            try:
                # One process: a forked pool's worker cannot fork pools of its own.
                self._extras["jobs"] = 1
                self._worker = Background(_record_preparer, self._names)
            finally:
                _WORK.clear()

    def values(self) -> dict[str, Any]:
        if self._worker is not None:
            return dict(zip(self._names, self._worker.wait(), strict=True))
        return {name: RECORD_PREPARERS[name](self._papers, self._extras) for name in self._names}

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()


def _record_preparer(name: str) -> Any:
    mine: RecordPrepared = _WORK["record_prepared"]
    return RECORD_PREPARERS[name](mine._papers, mine._extras)


def start_record_preparers(papers: dict[str, Any], extras: dict[str, Any], jobs: int) -> RecordPrepared:
    """Start the record preparers on ``papers`` (in catalog order: sorted by id); on a large
    catalog in a forked worker, so they run while the catalog is built."""
    from .addons import load_addons

    load_addons()
    return RecordPrepared(papers, extras, jobs, background=True)


def prepare(ctx: Context, meanwhile: Callable[[], None] | None = None) -> None:
    """Compute what many pages share, once: BibTeX keys, the record preparers' values (started
    early by the build, see start_record_preparers, or made here), then the add-ons' values.

    ``meanwhile`` runs after the keys, while a record preparer's worker may still run.
    Preparers add values to ``ctx.extras``; none changes the catalog."""
    ctx.extras["bibkeys"] = bibtex.assign_keys(ctx.catalog.papers)
    if meanwhile is not None:
        meanwhile()
    started: RecordPrepared | None = ctx.extras.pop("_record_prepared", None)
    if started is None:
        started = RecordPrepared(ctx.catalog.papers, ctx.extras, ctx.extras.get("jobs", 1), background=False)
    ctx.extras.update(started.values())
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
        self._base = str(docs) + os.sep  # string joins: a pathlib join per file was half a second at 10k
        try:
            with open(self.path, "rb") as f:
                self.old: dict[str, tuple[int, int, bytes]] = pickle.load(f)
        except Exception:  # missing or unreadable: every file is compared by its bytes
            self.old = {}
        # Gone until save(): a run that stops half way leaves files no index lists, and the
        # next run must then look at every file (see _remove_stale).
        self.path.unlink(missing_ok=True)
        self.new: dict[str, tuple[int, int, bytes]] = {}

    def as_left(self, rel_path: str) -> tuple[int, int, bytes] | None:
        """The last run's entry for a file, while the file's size and mtime are as that run left them."""
        old = self.old.get(rel_path)
        if old is None:
            return None
        try:
            st = os.stat(self._base + rel_path)
        except OSError:
            return None
        return old if (st.st_size, st.st_mtime_ns) == old[:2] else None

    def put(self, rel_path: str, content: str | bytes) -> tuple[tuple[int, int, bytes], bool]:
        """Write one file unless unchanged; its index entry and whether it was written.

        Reads ``old`` only, so worker processes can call it side by side."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.blake2b(data, digest_size=16).digest()
        left = self.as_left(rel_path)
        if left is not None and left[2] == digest:
            return left, False
        path = Path(self._base + rel_path)
        if left is not None:  # the file holds what its hash says, and these bytes hash otherwise: no need to read it
            write_file(path, data)
            written = True
        else:
            written = write_if_changed(path, data)
        st = os.stat(self._base + rel_path)
        return (st.st_size, st.st_mtime_ns, digest), written

    def save(self) -> None:
        save_pickle(self.path, self.new)


@dataclass
class _Done:
    """What one task wrote, sent back from a worker to the parent."""

    kind: str
    files: list[tuple[str, tuple[int, int, bytes], bool, bool]]  # path, index entry, written, is a page
    pages: int
    seconds: float
    collected: dict[str, list[Any]]
    memo: dict[tuple[str, str], Entry | None]  # entries of the record pages made; None: reused
    reused: int  # of which reused
    units: dict[tuple[str, str], tuple[bytes, tuple[str, ...]] | None]  # side-file units made; None: reused
    reused_files: int  # side files of reused units
    items: dict[tuple[str, int, bool], tuple[bytes, str]]  # listing items made (PageMemo.item)
    # listing groups made (fingerprint, paths, gathered); None: reused
    groups: dict[tuple[str, str], tuple[bytes, tuple[str, ...], dict[str, list[Any]]] | None]


# Set in the parent right before forking the workers, which inherit it.
_WORK: dict[str, Any] = {}
PARALLEL_MIN = 2000  # papers + authors below which one process is faster than two
EARLY_MAX = 50_000  # papers from which early producers wait for the preparers like the rest


def _run_task(i: int) -> tuple[int, _Done]:
    ctx: Context = _WORK["ctx"]
    pages_index: _DocsIndex = _WORK["index"]
    files_index: _DocsIndex = _WORK["files_index"]
    kind, make, _early = _WORK["tasks"][i]
    memo: PageMemo | None = ctx.extras.get("_memo")
    collected: dict[str, list[Any]] = {}
    ctx.extras["_collected"] = collected
    start = time.perf_counter()
    files = []
    pages = 0
    remembered: dict[tuple[str, str], Entry | None] = {}
    units: dict[tuple[str, str], tuple[bytes, tuple[str, ...]] | None] = {}
    reused = reused_files = 0
    groups: dict[tuple[str, str], tuple[bytes, tuple[str, ...], dict[str, list[Any]]] | None] = {}

    def page_file(page: Page) -> str:
        """Run the head hooks, render, write: the page's path."""
        before = {key: len(values) for key, values in collected.items()}
        for hook in HEAD_HOOKS:
            tag = hook(ctx, page)
            if tag:
                page.head.append(tag)
        data = page.render()
        if memo is not None and kind in _RECORD_KINDS:
            gathered = {key: values[before.get(key, 0):] for key, values in collected.items()
                        if len(values) > before.get(key, 0)}
            remembered[(kind, page.record.id)] = memo.remember(ctx, kind, page.record.id, page.path, data, gathered)
        entry, written = pages_index.put(page.path, data)
        files.append((page.path, entry, written, True))
        return page.path

    for item in make():
        data: str | bytes
        if isinstance(item, Group):
            fp = memo.digest((item.key, item.inputs, item.ids), (("p", i) for i in item.ids)) if memo else None
            got = memo.group_pages(item.key, fp, pages_index.as_left) if memo and fp else None
            if got is not None:
                kept, gathered = got
                files.extend((rel_path, entry, False, True) for rel_path, entry in kept)
                pages += len(kept)
                reused += len(kept)
                for key, values in gathered.items():
                    collected.setdefault(key, []).extend(values)
                groups[item.key] = None  # the parent has it: not sent back
                continue
            before = {key: len(values) for key, values in collected.items()}
            paths = tuple(page_file(page) for page in item.make())
            pages += len(paths)
            if fp is not None:
                groups[item.key] = (fp, paths, {key: values[before.get(key, 0):] for key, values in collected.items()
                                               if len(values) > before.get(key, 0)})
            continue
        if isinstance(item, Unit):
            fp = item.fingerprint
            hit = memo.unit_files(item.key, fp, files_index.as_left) if memo and fp else None
            if hit is None:
                hit = []
                for rel_path, data in item.make():
                    entry, written = files_index.put(rel_path, data)
                    files.append((rel_path, entry, written, False))
                    hit.append((rel_path, entry))
                if fp is not None:
                    units[item.key] = (fp, tuple(rel_path for rel_path, _ in hit))
            else:
                files.extend((rel_path, entry, False, False) for rel_path, entry in hit)
                reused_files += len(hit)
                units[item.key] = None  # the parent has it: not sent back
            continue
        if isinstance(item, Reused):
            files.append((item.entry.path, item.state, False, True))
            pages += 1
            for key, values in item.entry.collected.items():
                collected.setdefault(key, []).extend(values)
            # The parent has the entry, unless it was kept under a new fingerprint (PageMemo.lookup).
            same = memo is not None and memo.old.get((item.kind, item.rid)) is item.entry
            remembered[(item.kind, item.rid)] = None if same else item.entry
            reused += 1
            continue
        if isinstance(item, Page):
            page_file(item)
            pages += 1
            continue
        rel_path, data = item
        entry, written = files_index.put(rel_path, data)
        files.append((rel_path, entry, written, False))
    del ctx.extras["_collected"]
    return i, _Done(kind, files, pages, time.perf_counter() - start, collected, remembered, reused, units,
                  reused_files, memo.take_items() if memo is not None else {}, groups)


def _parallel(ctx: Context, jobs: int) -> bool:
    return len(ctx.catalog.papers) + len(ctx.catalog.authors) >= PARALLEL_MIN and can_fork(jobs)


def _start_early(ctx: Context, todo: list[Task], index: _DocsIndex, files_index: _DocsIndex,
                 jobs: int) -> tuple[list[int], Background | None]:
    """Start the early tasks in a worker of their own (large catalogs only): their indices, and the wait."""
    # Not for the largest catalogs, where memory is the limit rather than an edit's seconds: with
    # the search worker beside related papers' two (and the page memo), the 100k build peaked at
    # 4.8 GB summed PSS, against 3.8 GB for the same build before both.
    wanted = _parallel(ctx, jobs) and len(ctx.catalog.papers) < EARLY_MAX
    early = [i for i, t in enumerate(todo) if t.early] if wanted else []
    if not early:
        return [], None
    _WORK.update(ctx=ctx, index=index, files_index=files_index, tasks=todo)
    try:
        return early, Background(_run_task, early)
    finally:
        _WORK.clear()


def _run_tasks(ctx: Context, todo: list[Task], index: _DocsIndex, files_index: _DocsIndex, jobs: int,
               progress: Callable[[int], None] | None, started: list[int],
               early: Background | None) -> tuple[list[_Done], int]:
    """Run every task but those ``started`` early, on ``jobs`` forked processes when the catalog is
    large; then wait for the early ones.  Results in task order."""
    _WORK.update(ctx=ctx, index=index, files_index=files_index, tasks=todo)
    done: list[_Done | None] = [None] * len(todo)
    skip = set(started)
    order: list[int] = [i for i in range(len(todo)) if i not in skip]
    if not _parallel(ctx, jobs):
        jobs = 1
    else:
        # Add-on producers are few and long (feeds, search index): hand them out first so
        # the many short page chunks fill in around them and both workers end together.
        order.sort(key=lambda i: (todo[i][0] in _CORE, i))
    try:
        for i, result in fork_map(_run_task, order, jobs, ordered=False):
            done[i] = result
            if progress:
                progress(len(result.files))
        for i, result in early.wait() if early is not None else ():
            done[i] = result
            if progress:
                progress(len(result.files))
    finally:
        _WORK.clear()
    return [d for d in done if d is not None], jobs


_CORE = frozenset({"papers", "authors", "listings"})
_RECORD_KINDS = frozenset({"papers", "authors"})


def write_docs(ctx: Context, docs: Path, progress: Callable[[int], None] | None = None,
               jobs: int = 1, files: Path | None = None, memo_path: Path | None = None,
               config_dir: Path | None = None) -> GenerateStats:
    """Write every page under ``docs``; remove files that are no longer produced.

    Side files (search index, feeds, exports: everything that is not a
    Markdown page) go under ``files`` when given, else beside the pages.  The
    build gives a separate folder and links its files into the site after
    MkDocs ran: MkDocs would otherwise list, track and copy every one of them
    (three side files per page at 10k papers).  With ``jobs`` > 1 a large
    catalog's pages are made by that many forked processes; the files are
    the same either way.  With ``memo_path``, record pages whose inputs did
    not change since the last build are not made again (generator/pagememo.py;
    ``config_dir`` is part of every page's inputs).
    """
    stats = GenerateStats()
    from .addons import load_addons

    load_addons()
    keep: set[str] = set()
    index = _DocsIndex(docs)
    files_index = _DocsIndex(files) if files is not None else index
    keep_files: set[str] = set() if files is not None else keep
    todo = tasks(ctx)
    # Producers that need no prepared value (the search index) start now, beside the preparers.
    started, early = _start_early(ctx, todo, index, files_index, jobs)
    try:
        ctx.extras["jobs"] = jobs  # preparers may share out their work too (related papers)
        begun: list[PageMemo] = []

        def begin_memo() -> None:  # while related papers are computed in their worker
            start = time.perf_counter()
            begun.append(PageMemo.begin(memo_path, ctx))  # type: ignore[arg-type]
            stats.seconds["memo"] = time.perf_counter() - start

        start = time.perf_counter()
        prepare(ctx, begin_memo if memo_path is not None else None)
        stats.seconds["prepare"] = time.perf_counter() - start - stats.seconds.get("memo", 0.0)
        memo = None
        if begun:
            start = time.perf_counter()
            memo = begun[0].finish(ctx, config_dir)
            memo.page_left = index.as_left
            ctx.extras["_memo"] = memo
            stats.seconds["memo"] += time.perf_counter() - start
        results, stats.jobs = _run_tasks(ctx, todo, index, files_index, jobs, progress, started, early)
    finally:
        if early is not None:  # (already ended when all went well)
            early.cancel()
        if "_record_prepared" in ctx.extras:  # the run stopped before prepare() took it
            ctx.extras.pop("_record_prepared").cancel()
    for result in results:
        for rel_path, entry, written, is_page in result.files:
            if rel_path in keep or rel_path in keep_files:
                raise RuntimeError(f"two pages want the same file {rel_path}")  # a bug, not bad input
            (keep if is_page else keep_files).add(rel_path)
            (index if is_page else files_index).new[rel_path] = entry
            if written:
                stats.written += 1
            else:
                stats.unchanged += 1
        stats.pages += result.pages
        stats.seconds[result.kind] = stats.seconds.get(result.kind, 0.0) + result.seconds
        for key, values in result.collected.items():  # what head hooks gathered (generate.collect)
            ctx.extras.setdefault(key, []).extend(values)
        if memo is not None:
            for page_key, remembered in result.memo.items():
                memo.new[page_key] = memo.old[page_key] if remembered is None else remembered
            for unit_key, made in result.units.items():
                memo.new_units[unit_key] = memo.old_units[unit_key] if made is None else made
            memo.new_items.update(result.items)
            for group_key, group in result.groups.items():
                memo.new_groups[group_key] = memo.old_groups[group_key] if group is None else group
        stats.reused += result.reused
        stats.reused_files += result.reused_files
    # Static assets of the theme add-ons (CSS, JS), copied like pages.
    src = assets_dir()
    for path in sorted(src.rglob("*")):
        if path.is_file():
            rel_path = "assets/papershelf/" + path.relative_to(src).as_posix()
            keep.add(rel_path)
            index.new[rel_path], written = index.put(rel_path, path.read_bytes())
            if written:
                stats.written += 1
            else:
                stats.unchanged += 1
    site_assets = ctx.extras.get("site_assets")
    if site_assets and Path(site_assets).is_dir():
        for path in sorted(Path(site_assets).rglob("*")):
            if path.is_file():
                rel_path = "assets/site/" + path.relative_to(site_assets).as_posix()
                keep.add(rel_path)
                index.new[rel_path], _ = index.put(rel_path, path.read_bytes())
    stats.removed = _remove_stale(index, keep)
    index.save()
    if memo is not None:
        ctx.extras.pop("_memo")
        memo.save(memo_path)  # type: ignore[arg-type]
    if files is not None:
        stats.removed += _remove_stale(files_index, keep_files)
        files_index.save()
        stats.files_index = files_index.new
    stats.docs_index = index.new
    return stats


def _remove_stale(index: _DocsIndex, keep: set[str]) -> int:
    """Delete files under ``index.docs`` that are not in ``keep`` (relative paths), then empty folders.

    With the last run's index only the files it recorded can be stale (every
    file this code writes is recorded): walking 70,000 files to find a few
    took a second at 10k papers.  Without one, every file is looked at.
    """
    if not index.old:
        return _remove_unlisted(index.docs, keep)
    removed = 0
    for rel_path in sorted(index.old.keys() - keep):
        path = index.docs / rel_path
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
        folder = path.parent
        while folder != index.docs and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed


def _remove_unlisted(docs: Path, keep: set[str]) -> int:
    """Delete every file under ``docs`` that is not in ``keep``, then empty folders."""
    removed = 0
    base = str(docs)
    cut = len(base) + 1
    for root, dirs, names in os.walk(base, topdown=False):
        for name in names:
            full = os.path.join(root, name)
            if full[cut:].replace(os.sep, "/") not in keep:
                os.unlink(full)
                removed += 1
        for d in dirs:
            full = os.path.join(root, d)
            if not os.listdir(full):
                shutil.rmtree(full)
    return removed
