"""What the search index files need of each paper, made once and kept between builds.

Every index file depends on the whole catalog (BM25's global statistics,
papers numbered by position), so an edit rewrites most of them; but most of
the work behind them is per paper: splitting and stemming its words (a
second at 10k papers), its result row, abstract and facets as JSON, the hash
of its title.  ``PaperParts`` holds all of that for a list of papers, and
``prepare`` makes it for the catalog from the last build's parts, redoing
only the papers whose inputs changed.  The parts are kept in the work
folder, keyed by a digest of everything the index reads of a paper, and as
a whole by the code and settings they were made with: the files are the
same, byte for byte, as without them.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..model import Paper
from ..writer import save_pickle
from .index import Analysis, SearchDoc, analyse

PARTS_VERSION = 1
ROWS = ("d", "a", "f")  # result rows, abstracts, facets: one JSON value per paper in each


@dataclass
class PaperParts:
    """Per paper, in catalog order: a digest of its inputs, its analysis, its JSON rows and title hash."""

    key: bytes  # the code and settings the parts were made with
    digests: list[bytes]
    analysis: Analysis
    rows: dict[str, list[bytes]]  # ROWS kind -> one JSON value per paper
    title_hashes: list[int]  # -1: the title has no key (see producer.title_key)


@dataclass
class Made:
    """One paper's parts, made anew."""

    doc: SearchDoc
    rows: dict[str, bytes]
    title_hash: int


def parts_key(settings: object) -> bytes:
    """The code and settings the parts depend on: this package's sources, safe.py and page URLs,
    the stemmer's version, and ``settings`` (a repr-able value)."""
    here = Path(__file__).parent
    h = hashlib.blake2b(repr((PARTS_VERSION, settings)).encode("utf-8"), digest_size=16)
    for path in (*sorted(here.glob("*.py")), here.parent / "safe.py", here.parent / "pages" / "common.py",
                 here.parent / "model.py"):
        h.update(path.name.encode("utf-8"))
        h.update(path.read_bytes())
    try:
        h.update(version("lunr").encode("utf-8"))
    except PackageNotFoundError:
        pass
    return h.digest()


def paper_digest(p: Paper) -> bytes:
    """Everything the index files read of a paper, hashed."""
    value = (p.id, p.title, p.date, p.venue, p.arxiv, p.doi, p.url, list(p.ids.items()), p.topics, p.orgs,
             [a.name for a in p.authors], p.upvotes)
    h = hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16)
    # The abstract as it is (a repr is self-delimiting): half the time of escaping it for repr.
    h.update((p.abstract or "").encode("utf-8", "surrogatepass"))
    return h.digest()


def load(path: Path, key: bytes) -> PaperParts | None:
    """The parts the last build kept, when made with the same code and settings."""
    try:
        with open(path, "rb") as f:
            got = pickle.load(f)
    except Exception:  # missing or unreadable: every paper is made anew
        return None
    return got if isinstance(got, PaperParts) and got.key == key else None


def prepare(papers: Sequence[Paper], key: bytes, make: Callable[[Paper], Made],
            old: PaperParts | None) -> tuple[PaperParts, int]:
    """The parts of ``papers`` (in this order): the last build's where a paper's digest is unchanged,
    the rest made by ``make``.  Also how many were made."""
    digests = [paper_digest(p) for p in papers]
    if old is None:
        made = [make(p) for p in papers]
        return PaperParts(key, digests, analyse(m.doc for m in made),
                          {kind: [m.rows[kind] for m in made] for kind in ROWS},
                          [m.title_hash for m in made]), len(made)
    where = {d: i for i, d in enumerate(old.digests)}
    src = [where.get(d, -1) for d in digests]
    made = [make(p) for p, j in zip(papers, src, strict=True) if j < 0]
    if not made and src == list(range(len(old.digests))):
        return old, 0
    fresh = iter(made)
    rows: dict[str, list[bytes]] = {kind: [] for kind in ROWS}
    hashes: list[int] = []
    for j in src:
        if j >= 0:
            for kind in ROWS:
                rows[kind].append(old.rows[kind][j])
            hashes.append(old.title_hashes[j])
        else:
            m = next(fresh)
            for kind in ROWS:
                rows[kind].append(m.rows[kind])
            hashes.append(m.title_hash)
    return PaperParts(key, digests, old.analysis.take(src, (m.doc for m in made)), rows, hashes), len(made)


def save(path: Path, parts: PaperParts) -> None:
    """Keep ``parts`` for the next build (written whole or not at all)."""
    save_pickle(path, parts)


def joined(values: Iterable[bytes]) -> bytes:
    """JSON values -> the JSON array of them (as json.dumps with separators (",", ":") writes it)."""
    return b"[" + b",".join(values) + b"]"

