"""Record pages made again only when something they show changed.

Paper and author pages are most of a catalog's pages (20,000 of 23,000 at
10k papers) and making them was most of an incremental build's time, though
an edit changes a handful.  Each record page is remembered with a
*fingerprint* of everything it was made from, and is made again only when
that fingerprint changes; otherwise the file the last build wrote stands.

A fingerprint hashes:

* the site-wide inputs (the *key*): the generator's own code, the site
  settings and site_config files, and every prepared value that is not
  kept per record.  Any change there and every page is made again;
* the record's *version*: its fields after the catalog was built, which of
  its authors resolve, what the catalog derived for it (works, co-authors,
  citations) and every prepared value kept per record (related papers,
  BibTeX key, citation count, ...);
* the versions of the records the page *refers to*: every paper its
  Markdown links to, plus what a page picks from without
  linking all of it (a paper page's "more by these authors" chooses among
  all its authors' works; an author page ranks all co-authors by name).

The referred records come from the page as it was last made: a page can
only start to show a new record if its own version or a referred record's
version changed (an author's works, the related-papers list, ...), and then
the page is made again and its references read anew.

A paper page has a second fingerprint, for when the first changed only with a
record it chooses from (a topic gained a newest paper): its own version, the
versions of the papers it links to, and what its sections would choose now
(pages.paper.SELECTIONS).  If that one holds, the page would be made the same,
and it is kept.

A memoised page is trusted only while its file is as the last build left
it (size and mtime in the docs index); a full fresh build must give the
same bytes, which tests/test_pagememo.py checks after each kind of edit,
addition and removal of papers and authors.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .ids import slug
from .pages.common import Context, safe_slug
from .pages.paper import CHOSEN, MORE_BY, SELECTIONS
from .writer import save_pickle

MEMO_VERSION = 9

# A relative link from one page to a paper page: ``../../papers/<slug>/``.  (Links to authors
# need no ref: a page shows the name a paper gives, and whether it links is in the paper's version.)
_LINK = re.compile(r'href="(?:\.\./)*papers/([^/"#?]+)/"')


_GONE = bytes(12)  # the version of a record no longer in the catalog


def _ref(key: str) -> tuple[str, str]:
    """A version key as (kind, id): "p\tsome-id" -> ("p", "some-id")."""
    kind, _, rid = key.partition("\t")
    return kind, rid


class _Versions(dict[tuple[str, str], bytes]):
    """Versions by (kind, id); a record not in the catalog is _GONE."""

    def __missing__(self, key: tuple[str, str]) -> bytes:
        return _GONE


def _h(*parts: Any) -> bytes:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).digest()


def _hr(record: Any, *parts: Any) -> bytes:
    """_h for a record and more: the record's repr is hashed as it is, not quoted again inside a tuple's."""
    h = hashlib.blake2b(repr(record).encode("utf-8", "surrogatepass"), digest_size=12)
    h.update(repr(parts).encode("utf-8", "surrogatepass"))
    return h.digest()


def _tree_state(root: Path) -> list[tuple[str, bytes]]:
    # Bytes, not mtimes: a checkout that touches every file changes nothing here.
    out = []
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                out.append((p.relative_to(root).as_posix(), hashlib.blake2b(p.read_bytes(), digest_size=12).digest()))
    return out


def _record_maps(ctx: Context) -> tuple[list[str], list[str]]:
    """Prepared values kept per record (dicts keyed mostly by paper or author ids), and the rest."""
    per_record, shared = [], []
    known = ctx.catalog.papers.keys() | ctx.catalog.authors.keys()
    for name, value in ctx.extras.items():
        if name.startswith("_") or name == "jobs":  # caches, and how many processes run (not an input)
            continue
        if isinstance(value, dict) and value and sum(k in known for k in value) * 2 >= len(value):
            per_record.append(name)
        else:
            shared.append(name)
    return sorted(per_record), sorted(shared)


def site_key(ctx: Context, config_dir: Path | None) -> bytes:
    """What every page depends on: code, settings, and the prepared values not kept per record."""
    pkg = Path(__file__).parent
    try:
        markdown = version("markdown")
    except PackageNotFoundError:
        markdown = "-"
    _per, shared = _record_maps(ctx)
    return _h(MEMO_VERSION, markdown, _tree_state(pkg), _tree_state(config_dir) if config_dir else None,
              repr(ctx.config), [(n, ctx.extras[n]) for n in shared])


@dataclass(slots=True)
class Entry:
    """One remembered page: its fingerprint, the records it refers to, what its hooks gathered."""

    path: str  # the page's file under docs/
    fingerprint: bytes
    # The records it refers to: positions in the memo's table of version keys, as an array of
    # 32-bit integers (200,000 pages of some 40 refs each at 100k papers: strings took 800 MB).
    refs: bytes
    collected: dict[str, list[Any]]
    # A paper page's second fingerprint (see PageMemo.choosing): checked when the first one
    # changed with a record it chooses from.
    chose: bytes | None = None


@dataclass
class PageMemo:
    """Fingerprints of the record pages of the last build, and this build's versions of every record."""

    key: bytes
    old: dict[tuple[str, str], Entry] = field(default_factory=dict)
    new: dict[tuple[str, str], Entry] = field(default_factory=dict)
    # Side files made together (a feed's three files, a paper's JSON): (fingerprint, their paths).
    old_units: dict[tuple[str, str], tuple[bytes, tuple[str, ...]]] = field(default_factory=dict)
    new_units: dict[tuple[str, str], tuple[bytes, tuple[str, ...]]] = field(default_factory=dict)
    # A paper as listings show it, by (paper id, page depth, upvotes shown): (its "p" version,
    # the HTML) - see item().  ``made_items``: made by this process since the last take_items().
    old_items: dict[tuple[str, int, bool], tuple[bytes, str]] = field(default_factory=dict)
    new_items: dict[tuple[str, int, bool], tuple[bytes, str]] = field(default_factory=dict)
    made_items: dict[tuple[str, int, bool], tuple[bytes, str]] = field(default_factory=dict)
    # Listing pages made together (pages.common.Group): (fingerprint, their paths, what their
    # head hooks gathered).
    old_groups: dict[tuple[str, str], tuple[bytes, tuple[str, ...], dict[str, list[Any]]]] = field(default_factory=dict)
    new_groups: dict[tuple[str, str], tuple[bytes, tuple[str, ...], dict[str, list[Any]]]] = field(default_factory=dict)
    versions: dict[str, bytes] = field(default_factory=dict)  # see record_versions
    # The same by (kind, id), as side files name their records: no key string is made per
    # reference (a 10k catalog's side files name 400,000).
    by_ref: _Versions = field(default_factory=_Versions)
    # Every version key a page may refer to, in a fixed order that only grows while the key
    # holds (so remembered positions stay valid); where each is; its version in this build.
    table: list[str] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    current: list[bytes] = field(default_factory=list)
    slugs: dict[str, str] = field(default_factory=dict)  # paper slug -> id
    # The docs index's as_left: a page is reused only while its file is as the last build left it.
    page_left: Callable[[str], tuple[int, int, bytes] | None] | None = None
    ctx: Context | None = None  # this build's, from finish()

    # Between begin() and finish(): what the last build stored, and the unfinished versions.
    stored: tuple[Any, ...] | None = None
    partial: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, ctx: Context, config_dir: Path | None) -> PageMemo:
        return cls.begin(path, ctx).finish(ctx, config_dir)

    @classmethod
    def begin(cls, path: Path, ctx: Context) -> PageMemo:
        """Read the last build's memo and take the versions that need no prepared value.

        The build calls this while the record preparers (related papers) still run in their
        worker: after an edit that wait was most of a second, and so was this."""
        memo = cls(key=b"")
        try:
            with open(path, "rb") as f:
                memo.stored = pickle.load(f)
        except Exception:  # missing, unreadable or from another version: every page is made
            memo.stored = None
        memo.versions, memo.partial = catalog_versions(ctx)
        return memo

    def finish(self, ctx: Context, config_dir: Path | None) -> PageMemo:
        """Complete the versions with the prepared values; keep the last build's pages if the site key holds."""
        self.key = site_key(ctx, config_dir)
        table: list[str] = []
        try:
            key, table, old, old_units, old_items, old_groups = self.stored  # type: ignore[misc]
            if key == self.key:
                old = {k: Entry(*e) for k, e in old.items()}
                self.old, self.old_units, self.old_items, self.old_groups = old, old_units, old_items, old_groups
            else:
                table = []
        except Exception:
            table = []
        self.stored = None
        prepared_versions(ctx, self.versions, self.partial)
        self.partial = {}
        self.position = {k: n for n, k in enumerate(table)}
        for k in self.versions:
            if k not in self.position:
                self.position[k] = len(table)
                table.append(k)
        self.table = table
        self.current = [self.versions.get(k, _GONE) for k in table]
        self.by_ref = _Versions((_ref(k), v) for k, v in self.versions.items())
        self.slugs = {safe_slug(i): i for i in ctx.catalog.papers}
        self.ctx = ctx
        return self

    def save(self, path: Path) -> None:
        v = self.versions
        items = {k: got for k, got in self.old_items.items() if v.get(f"p\t{k[0]}") == got[0]}
        items.update(self.new_items)
        # Entries as plain tuples: a dataclass pickles through Python code, five times slower.
        entries = {k: (e.path, e.fingerprint, e.refs, e.collected, e.chose) for k, e in self.new.items()}
        save_pickle(path, (self.key, self.table, entries, self.new_units, items, self.new_groups))

    def item(self, key: tuple[str, int, bool], make: Callable[[], str]) -> str:
        """A listing item of paper ``key[0]``: as the last build made it while the paper's "p"
        version is the same (listings show hundreds of thousands of items at 100k papers, an
        edit changes a few), else ``make()``."""
        version = self.versions.get(f"p\t{key[0]}")
        old = self.old_items.get(key)
        if old is not None and old[0] == version:
            return old[1]
        html = make()
        if version is not None:
            self.made_items[key] = (version, html)
        return html

    def take_items(self) -> dict[tuple[str, int, bool], tuple[bytes, str]]:
        """The items this process made since the last call (sent to the parent, which saves them)."""
        made, self.made_items = self.made_items, {}
        return made

    def fingerprint(self, kind: str, rid: str, refs: bytes) -> bytes:
        """Of the ``kind`` ("papers" | "authors") page of record ``rid`` referring to ``refs``."""
        h = hashlib.blake2b(self.key, digest_size=12)
        h.update(f"{kind}\0{rid}\0".encode("utf-8", "surrogatepass"))
        h.update(self.versions.get(f"{'P' if kind == 'papers' else 'a'}\t{rid}", _GONE))
        # The refs are the same positions as when the fingerprint was taken, so versions alone tell.
        h.update(b"".join(map(self.current.__getitem__, array("I", refs))))
        return h.digest()

    def choosing(self, rid: str, refs: bytes) -> bytes | None:
        """A paper page's second fingerprint: its own version, the papers it links to, and what
        its sections choose to show (pages.paper.SELECTIONS), in place of the versions of the
        records they choose from (an author's newest works, a topic's newest papers).

        A new paper is the newest of its topics and of its authors' works: the first
        fingerprint of every page of those topics and authors changes (1,500 pages at 10k
        papers), though only a fifth of them show it.  Working out what a page would choose
        costs a tenth of making it."""
        ctx = self.ctx
        p = ctx.catalog.papers.get(rid) if ctx is not None else None
        if ctx is None or p is None:
            return None
        h = hashlib.blake2b(self.key, digest_size=12)
        h.update(f"papers\0{rid}\0".encode("utf-8", "surrogatepass"))
        h.update(self.versions.get(f"P\t{rid}", _GONE))
        table, current = self.table, self.current
        h.update(b"".join(current[n] for n in array("I", refs) if table[n][0] == "p"))
        # Right after the page was made its sections' choices are at hand (pages.paper.chosen).
        made = CHOSEN
        h.update(repr([made[(choose, rid)] if (choose, rid) in made else choose(ctx, p)
                       for choose in SELECTIONS]).encode("utf-8", "surrogatepass"))
        return h.digest()

    def lookup(self, kind: str, rid: str) -> tuple[Entry, tuple[int, int, bytes]] | None:
        """The remembered entry of a page and its file's index entry, if nothing it was made from changed."""
        old = self.old.get((kind, rid))
        if old is None or self.page_left is None:
            return None
        fingerprint = self.fingerprint(kind, rid, old.refs)
        if fingerprint != old.fingerprint:
            if old.chose is None or self.choosing(rid, old.refs) != old.chose:
                return None
            # It would show what it shows: kept, under this build's fingerprint.
            old = Entry(old.path, fingerprint, old.refs, old.collected, old.chose)
        state = self.page_left(old.path)  # None: changed or removed since, so made again
        return (old, state) if state is not None else None

    def digest(self, inputs: Any, refs: Iterable[tuple[str, str]]) -> bytes:
        """The fingerprint of side files made from ``inputs`` (any repr-able value) and the records ``refs``."""
        h = hashlib.blake2b(self.key, digest_size=12)
        h.update(repr(inputs).encode("utf-8", "surrogatepass"))
        h.update(b"".join(map(self.by_ref.__getitem__, refs)))
        return h.digest()

    def unit_files(self, key: tuple[str, str], fingerprint: bytes,
                   as_left: Callable[[str], tuple[int, int, bytes] | None]) -> list[tuple[str, tuple[int, int, bytes]]] | None:
        """The files of a unit and their index entries, if its fingerprint and its files
        (``as_left``: the side-file index's) are as last time."""
        old = self.old_units.get(key)
        if old is None or old[0] != fingerprint:
            return None
        out = []
        for path in old[1]:
            state = as_left(path)
            if state is None:
                return None
            out.append((path, state))
        return out

    def group_pages(self, key: tuple[str, str], fingerprint: bytes, as_left: Callable[[str], tuple[int, int, bytes] | None]
                    ) -> tuple[list[tuple[str, tuple[int, int, bytes]]], dict[str, list[Any]]] | None:
        """The pages of a listing group, their index entries and what their hooks gathered, if its
        fingerprint and its files (``as_left``: the docs index's) are as last time."""
        old = self.old_groups.get(key)
        if old is None or old[0] != fingerprint:
            return None
        out = []
        for path in old[1]:
            state = as_left(path)
            if state is None:
                return None
            out.append((path, state))
        return out, old[2]

    def remember(self, ctx: Context, kind: str, rid: str, path: str, text: str,
                 collected: dict[str, list[Any]]) -> Entry:
        """The entry of the page at ``path`` just made as ``text`` (its Markdown)."""
        keys = {f"p\t{pid}" for slug in _LINK.findall(text) if (pid := self.slugs.get(slug))}
        keys.update(f"{k}\t{i}" for k, i in _picked_from(ctx, kind, rid))
        keys.discard(f"{kind[0]}\t{rid}")
        # A key with no position names no record of this build (an author id no record has):
        # whether the page links it is in the page's own version already.
        refs = array("I", sorted(n for k in keys if (n := self.position.get(k)) is not None)).tobytes()
        return Entry(path, self.fingerprint(kind, rid, refs), refs, collected,
                     self.choosing(rid, refs) if kind == "papers" else None)


def _picked_from(ctx: Context, kind: str, rid: str) -> list[tuple[str, str]]:  # kind: "papers" | "authors"
    """What a page chooses among without showing it all."""
    cat = ctx.catalog
    if kind == "papers":
        p = cat.papers[rid]
        # "More by these authors": the newest of all its authors' works, and which of them are
        # its authors' at all; "On the same topic" (generator/related.py): the first candidates
        # of each of its topics.
        return [("n", ref.id) for ref in p.authors if ref.id] + [("t", slug(t) or "topic") for t in p.topics]
    # an author page ranks every co-author by count, then name
    return [("a", cid) for cid in cat.coauthors.get(rid, ())]


def record_versions(ctx: Context) -> dict[str, bytes]:
    """Hashes of what pages can show of each record, by kind:

    (keyed "<kind>\t<id>")

    * ``("p", id)``: a paper as other pages show it (an item: its fields, its
      authors linked or not; in BibTeX, its key);
    * ``("P", id)``: a paper as its own page shows it: also what was prepared
      for it (related papers, BibTeX key, ...) and its citations.  Keeping the
      two apart means a paper whose related list moved does not make every
      page listing it again;
    * ``("a", id)``: an author: its fields, works (in date order) and co-authors;
    * ``("n", id)``: an author's newest works, as far as a paper page's "More by these
      authors" can show them: a paper by a prolific author makes again only the pages it
      appears on, not every page of that author's papers;
    * ``("t", slug)``: the candidates of a topic's "same topic" lists, with who wrote them.

    Paper pages also leave out of their "similar" and "same topic" lists the papers of their
    own authors.  Whether a candidate is one is in the "t" version (for topic candidates) or
    the page's own "P" version (for similar papers): both hold the candidates' author ids.
    """
    versions, partial = catalog_versions(ctx)
    return prepared_versions(ctx, versions, partial)


def catalog_versions(ctx: Context) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The versions that depend on the catalog and the BibTeX keys only ("p", "n", "t"), and
    the catalog's part of the others ("P", "a"), which prepared_versions completes.

    Taken while the preparers run: they add values to ``ctx.extras`` and change no record."""
    from .related import TOPIC_CANDIDATES  # here: related.py registers itself with generate at import

    cat = ctx.catalog
    graph = cat.citations
    out: dict[str, bytes] = {}
    partial: dict[str, bytes] = {}
    authors = cat.authors
    keys = ctx.extras.get("bibkeys", {})  # shown with a paper wherever BibTeX is (an author's works)
    for pid, p in cat.papers.items():
        out[f"p\t{pid}"] = item = _hr(p, [ref.id in authors for ref in p.authors], keys.get(pid))
        partial[f"P\t{pid}"] = _h(item, ctx.paper_files.get(pid), cat.cited_by.get(pid),
                                  graph.references.get(pid), graph.cited_by.get(pid),
                                  graph.external_references.get(pid), graph.external_citations.get(pid),
                                  graph.titles.get(pid))
    # Pages choose the newest of an author's works (Catalog.newest_first: by date, then title):
    # each paper's date and its place among the papers of that date decide, not its whole text.
    same_day: dict[str, list[str]] = {}
    for pid, p in cat.papers.items():
        same_day.setdefault(p.date or "", []).append(pid)
    place = {pid: n for ids in same_day.values()
             for n, pid in enumerate(sorted(ids, key=lambda i: (cat.papers[i].title.lower(), i)))}
    for aid, a in authors.items():
        works = cat.papers_of.get(aid, [])
        order = [(cat.papers[w].date, place[w]) for w in works if w in place]
        partial[f"a\t{aid}"] = _hr(a, ctx.author_files.get(aid), works, order,
                                   sorted(cat.coauthors.get(aid, {}).items()))
        # papers_of is newest first.  The union of a page's authors' works, less the page's
        # own paper, has its newest MORE_BY among each author's newest MORE_BY + 1.
        out[f"n\t{aid}"] = _h(order[:MORE_BY + 1], works[:MORE_BY + 1])
    writers = _writers(cat)
    for key, ids in cat.by_topic.items():
        out[f"t\t{key}"] = _h([(c, writers[c]) for c in ids[:TOPIC_CANDIDATES]])
    return out, partial


def prepared_versions(ctx: Context, out: dict[str, bytes], partial: dict[str, bytes]) -> dict[str, bytes]:
    """Complete ``out`` with the "P" and "a" versions: ``partial`` and the values prepared per record."""
    cat = ctx.catalog
    per_record, _shared = _record_maps(ctx)
    maps = [ctx.extras[n] for n in per_record]
    related = ctx.extras.get("related", {})
    writers = _writers(cat)
    for key, base in partial.items():
        rid = key[2:]
        if key[0] == "P":
            out[key] = _h(base, [m.get(rid) for m in maps], [writers.get(r) for r in related.get(rid, ())])
        else:
            out[key] = _h(base, [m.get(rid) for m in maps])
    return out


def _writers(cat: Any) -> dict[str, list[str | None]]:
    """Each paper's author ids."""
    return {pid: [ref.id for ref in p.authors] for pid, p in cat.papers.items()}
