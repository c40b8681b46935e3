"""Related papers: most similar by text, and papers sharing a topic.

Method (for the README): each paper's title (counted twice) and abstract
become a TF-IDF vector, as scikit-learn's ``TfidfVectorizer`` makes it
(its English stop words, sub-linear term frequency, smoothed IDF, terms in
at least 2 and at most half of the papers, L2-normalised rows).  A term
found in one paper only cannot link two papers, so ``min_df=2`` loses
nothing and keeps the vocabulary small.  To stay fast on 100k papers the
query side keeps only each paper's ``QUERY_TERMS`` strongest terms (an
approximation: weak terms barely move a cosine), and the sparse product
``Q[block] @ X.T`` is computed in row blocks, keeping the top ``K`` per row.
The candidate side keeps, per term, only the ``TERM_POSTINGS`` papers where
the term weighs most: a common word's posting list grows with the catalog,
so without the cap every paper's product grows too and the whole step is
quadratic.  Such a word weighs little in the papers it is dropped from: at
10k synthetic papers 97% of the shown neighbours are the same as without
the cap.  Ties break on catalog order, so the result is deterministic.

The vectors are built here with numpy from each text's word counts rather
than by scikit-learn itself: importing scikit-learn took a second of every
build, more than the vectors, and an incremental build keeps the counts of
every text it saw (``TokenCache``), so an edit counts the words of one
abstract, not of ten thousand.  tests/test_related.py checks the vectors
against ``TfidfVectorizer``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from array import array
from collections import Counter
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from . import generate, safe
from .catalog import Catalog
from .forking import fork_map
from .model import Paper
from .pages import paper as paper_pages
from .pages.common import Context, paper_list
from .writer import load_keyed_pickle, save_pickle

K = 10  # neighbours kept per paper
QUERY_TERMS = 40  # strongest terms kept on the query side
TERM_POSTINGS = 1000  # papers kept per term on the candidate side (see the module docstring)
MIN_SCORE = 0.08  # below this cosine two papers are not "related"
BLOCK = 512  # query rows per sparse product
SHOWN = 6  # similar papers shown on a page
TOPIC_SHOWN = 6
TOPIC_CANDIDATES = 200  # newest papers per topic considered for "same topic"


def paper_text(p: Paper) -> str:
    """The text a paper is compared by: title twice (titles are dense), then abstract."""
    return f"{p.title}\n{p.title}\n{p.abstract or ''}"


def _top_per_row(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, keep: int) -> np.ndarray:
    """Indices of the entries among the ``keep`` largest of their row, ordered by (row, -value, column).

    ``rows`` must be ascending and ``cols`` ascending within a row (CSR order
    with sorted indices): one stable sort on a single float key (row, then
    value descending) is much cheaper than a three-key lexsort, and the stable
    sort leaves equal values in column order, so ties break on the lower column.
    """
    if len(vals) == 0:
        return np.zeros(0, dtype=np.int64)
    top = float(vals.max()) + 1.0
    key = rows.astype(np.float64) + (1.0 - vals.astype(np.float64) / top) * 0.5
    order = np.argsort(key, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(sorted_rows)]))
    rank = np.arange(len(sorted_rows)) - run_start
    return order[rank < keep]


def _prune_rows(x: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Keep only the ``keep`` largest entries of each row (ties: lower column first)."""
    x = x.tocsr()
    x.sort_indices()
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    pick = _top_per_row(rows, x.indices, x.data, keep)
    return sparse.csr_matrix((x.data[pick], (rows[pick], x.indices[pick])), shape=x.shape, dtype=x.dtype)


# scikit-learn's default token pattern but for a leading digit or underscore: words start with a letter.
TOKEN = re.compile(r"(?u)\b[^\W\d_][\w-]*[^\W_]\b")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from the one module that holds them.

    The list is plain data; importing scikit-learn to reach it would load
    scipy.stats and the rest of the package, a second of every build."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed")  # a declared dependency
    path = Path(next(iter(spec.submodule_search_locations))) / "feature_extraction" / "_stop_words.py"
    module_spec = importlib.util.spec_from_file_location("papershelf_sklearn_stop_words", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.ENGLISH_STOP_WORDS)


def count_words(text: str) -> Counter[str]:
    """A text's words as TfidfVectorizer counts them: lower-cased, TOKEN matches, stop words dropped."""
    got = Counter(TOKEN.findall(text.lower()))  # counted in C; then the few stop words go
    for w in got.keys() & stop_words():
        del got[w]
    return got


class TokenCache:
    """Every text's word counts, by the text's digest, kept in the work folder between builds.

    Counting the words of 10,000 abstracts takes most of a second; an
    incremental build changes a few.  Words are numbered in the order first
    seen (``words``); a text's entry packs its word numbers then its counts
    as 32-bit integers.
    """

    VERSION = 2  # 2: saved as (key, value) for writer.load_keyed_pickle

    def __init__(self, path: Path | None = None):
        self.path = path
        self.words: list[str] = []
        self.known: dict[bytes, bytes] = {}
        # Missing, unreadable or made with other stop words: every text is counted.
        kept = load_keyed_pickle(path, self._key()) if path is not None else None
        if isinstance(kept, tuple):
            self.words, self.known = kept
        self.number = {w: i for i, w in enumerate(self.words)}
        self.used: dict[bytes, bytes] = {}

    def counts(self, text: str) -> np.ndarray:
        """The text's (word numbers, counts), as one int32 array of both halves."""
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        packed = self.used.get(key) or self.known.get(key)
        if packed is None:
            got = count_words(text)
            ids = array("i")
            for w in got:
                i = self.number.get(w)
                if i is None:
                    i = self.number[w] = len(self.words)
                    self.words.append(w)
                ids.append(i)
            ids.extend(got.values())
            packed = ids.tobytes()
        self.used[key] = packed
        return np.frombuffer(packed, dtype=np.int32)

    def save(self) -> None:
        """Keep the entries of this build's texts (words of texts gone stay numbered: few)."""
        if self.path is not None and self.used != self.known:
            save_pickle(self.path, (self._key(), (self.words, self.used)))

    def _key(self) -> tuple[int, list[str]]:
        return self.VERSION, sorted(stop_words())


def tfidf(texts: list[str], cache: TokenCache | None = None) -> sparse.csr_matrix | None:
    """The TF-IDF rows of ``texts``, as TfidfVectorizer(stop_words="english", sublinear_tf=True,
    min_df=2, max_df=0.5 (1.0 below 20 texts), dtype=float32) gives them; None when no word is kept.

    Same vocabulary (sorted), same weights to float32 rounding: the row norms are summed in
    another order, which moves a weight by an ulp at most."""
    cache = cache or TokenCache()
    n = len(texts)
    per_text = [cache.counts(t) for t in texts]
    lengths = np.array([len(a) // 2 for a in per_text], dtype=np.int64)
    if not lengths.sum():
        return None
    word = np.concatenate([a[:len(a) // 2] for a in per_text])
    count = np.concatenate([a[len(a) // 2:] for a in per_text])
    row = np.repeat(np.arange(n, dtype=np.int32), lengths)
    df = np.bincount(word, minlength=len(cache.words))  # a text lists each word once
    high = 0.5 * n if n >= 20 else float(n)
    kept = np.flatnonzero((df >= 2) & (df <= high))
    if not len(kept):
        return None
    # The vocabulary in sorted order, as scikit-learn numbers it: column of each kept word.
    kept = kept[np.argsort(np.array([cache.words[i] for i in kept.tolist()]), kind="stable")]
    column = np.full(len(cache.words), -1, dtype=np.int32)
    column[kept] = np.arange(len(kept), dtype=np.int32)
    col = column[word]
    sel = col >= 0
    row, col, count = row[sel], col[sel], count[sel]
    order = np.lexsort((col, row))
    row, col = row[order], col[order]
    data = np.log(count[order].astype(np.float32)) + np.float32(1.0)  # sub-linear tf
    idf = np.full(len(kept), n + 1, dtype=np.float32)
    idf /= df[kept].astype(np.float32) + np.float32(1.0)  # smoothed, as if one text held every word
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    data *= idf[col]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    squares = (data * data).astype(np.float64)
    starts = indptr[:-1][np.diff(indptr) > 0]
    norms = np.zeros(n, dtype=np.float64)
    norms[np.diff(indptr) > 0] = np.sqrt(np.add.reduceat(squares, starts))
    data = (data.astype(np.float64) / norms[row]).astype(np.float32)
    return sparse.csr_matrix((data, col, indptr), shape=(n, len(kept)))


def similar(texts: list[str], k: int = K, min_score: float = MIN_SCORE,
            jobs: int = 1, cache: TokenCache | None = None) -> list[list[tuple[int, float]]]:
    """For each text, up to ``k`` (index, cosine) of the most similar other texts, best first.

    With ``jobs`` > 1 a large catalog's row blocks are shared out to that many
    forked processes; the answer is the same.  ``cache`` keeps word counts between builds.
    """
    n = len(texts)
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    if n < 2:
        return out
    x = tfidf(texts, cache)
    if x is None:  # no word shared by two papers: nothing is related
        return out
    _SIM.update(q=_prune_rows(x, QUERY_TERMS), xt=_prune_rows(x.T.tocsr(), TERM_POSTINGS).tocsc(),
                k=k, min_score=min_score)
    del x
    starts = range(0, n, BLOCK)
    try:
        for start, rows in zip(starts, fork_map(_block, starts, jobs if n >= PARALLEL_MIN else 1), strict=True):
            out[start:start + len(rows)] = rows
    finally:
        _SIM.clear()
    return out


_SIM: dict[str, Any] = {}  # the matrices of the running similar(), inherited by forked workers
PARALLEL_MIN = 5000  # papers below which one process is faster


def _block(start: int) -> list[list[tuple[int, float]]]:
    """The top ``k`` neighbours of the rows ``start .. start + BLOCK`` of the query matrix."""
    q, xt, k, min_score = _SIM["q"], _SIM["xt"], _SIM["k"], _SIM["min_score"]
    sim = (q[start:start + BLOCK] @ xt).tocsr()
    # Cheapest first: drop weak scores on the whole block at once, then pick each row's
    # top k with argpartition (linear) and sort only those k.
    strong = sim.data >= min_score
    idx = np.flatnonzero(strong)
    rows = np.searchsorted(sim.indptr, idx, side="right") - 1
    cols, vals = sim.indices[idx], sim.data[idx]
    bounds = np.searchsorted(rows, np.arange(sim.shape[0] + 1))
    out = []
    for r in range(sim.shape[0]):
        a, b = bounds[r], bounds[r + 1]
        c, v = cols[a:b], vals[a:b]
        own = c != start + r
        c, v = c[own], v[own]
        if len(v) > k:
            cut = v[np.argpartition(-v, k - 1)[k - 1]]
            keep = v >= cut  # every tie of the k-th score stays for the stable choice below
            c, v = c[keep], v[keep]
        order = np.lexsort((c, -v))[:k]
        out.append([(int(c[j]), round(float(v[j]), 4)) for j in order])
    return out


def compute(catalog: Catalog, jobs: int = 1) -> dict[str, list[str]]:
    """Paper id -> ids of its most similar papers, best first."""
    return prepare(catalog.papers, {"jobs": jobs})


def same_topic(catalog: Catalog, p: Paper, exclude: set[str], limit: int = TOPIC_SHOWN) -> list[str]:
    """Papers sharing the most topics with ``p``, newest first among equals.

    Candidates are the newest ``TOPIC_CANDIDATES`` of each of the paper's topics
    (topic lists are kept newest first), so the cost per page is bounded however
    large a topic grows; a full scan per paper would be quadratic in the catalog.
    The order is (most shared topics, best position in any topic list, id).
    """
    from .ids import slug

    lists = [catalog.by_topic.get(slug(t) or "topic", [])[:TOPIC_CANDIDATES] for t in p.topics]
    cache = catalog._topic_positions
    positions = []
    for t in p.topics:
        key = (slug(t) or "topic", TOPIC_CANDIDATES)
        if key not in cache:
            ids = catalog.by_topic.get(key[0], [])[:TOPIC_CANDIDATES]
            cache[key] = {pid: n for n, pid in reversed(list(enumerate(ids)))}  # a paper's first position
        positions.append(cache[key])
    shared = Counter(chain.from_iterable(lists))  # counted in C
    shared.pop(p.id, None)
    for pid in exclude:
        shared.pop(pid, None)
    out: list[str] = []
    if not shared:
        return out
    # Papers on two topics or more are few: grouped by count.  Those on one (hundreds a page)
    # are never grouped: the walk below meets them in the order they are picked in.
    groups: dict[int, list[str]] = {}
    for pid in [pid for pid, count in shared.items() if count > 1]:
        groups.setdefault(shared[pid], []).append(pid)
    for count in sorted(groups, reverse=True):
        members, need = groups[count], limit - len(out)
        if need <= 0:
            return out
        out.extend(sorted(members, key=lambda pid: (min(at.get(pid, TOPIC_CANDIDATES) for at in positions), pid))[:need])
    # The rest, on one topic: position by position (ties at one position by id), until enough.
    for n in range(max(map(len, lists))):
        if len(out) >= limit:
            break
        out.extend(sorted(lst[n] for lst in lists if n < len(lst) and shared.get(lst[n]) == 1))
    return out[:limit]


def prepare(papers: dict[str, Paper], extras: dict[str, Any]) -> dict[str, list[str]]:
    """RECORD_PREPARER: similar papers, once per build, from the papers' text alone
    (word counts cached in the work folder)."""
    work = extras.get("_work_dir")
    ids = list(papers)
    texts = [paper_text(papers[i]) for i in ids]
    # The whole result is kept under a digest of everything it is computed from: when no
    # paper's text changed (a no-op build, an edit of a date or a topic) the 10k-paper
    # similarity product (2 s of CPU) is not redone.  Any text change recomputes it all:
    # a new IDF moves every vector.
    key = _result_key(ids, texts)
    kept = Path(work) / "related-result.pickle" if work else None
    if kept is not None and isinstance(out := load_keyed_pickle(kept, key), dict):
        return out
    cache = TokenCache(Path(work) / "related-words.pickle" if work else None)
    out = {ids[i]: [ids[j] for j, _ in nb]
           for i, nb in enumerate(similar(texts, jobs=extras.get("jobs", 1), cache=cache)) if nb}
    cache.save()
    if kept is not None:
        save_pickle(kept, (key, out))
    return out


def _result_key(ids: list[str], texts: list[str]) -> bytes:
    """A digest of the papers' ids and texts, the settings and this module's code."""
    h = hashlib.blake2b(digest_size=20)
    h.update(Path(__file__).read_bytes())
    h.update(repr((K, QUERY_TERMS, TERM_POSTINGS, MIN_SCORE, BLOCK, sorted(stop_words()))).encode())
    for i, text in zip(ids, texts, strict=True):
        h.update(f"{i}\0{text}\0".encode("utf-8", "surrogatepass"))
    return h.digest()


def picks(ctx: Context, p: Paper) -> tuple[list[str], list[str]]:
    """The papers the section shows: similar by text, and on the same topics."""
    # Papers by the same authors have their own section; similar ones are the others.
    own = {pid for ref in p.authors for pid in ctx.catalog.papers_of.get(ref.id or "", [])}
    sim = [pid for pid in ctx.extras.get("related", {}).get(p.id, []) if pid not in own][:SHOWN]
    return sim, same_topic(ctx.catalog, p, set(sim) | own)


def section(ctx: Context, p: Paper, here: str) -> str:
    """Paper-page section: similar papers by text, then more on the same topics."""
    sim, topical = paper_pages.chosen(ctx, p, picks)
    out = ""
    if sim:
        out += ('## Similar papers\n\n'
                '<p class="ps-note">By shared words in title and abstract (TF-IDF).</p>\n'
                + paper_list(ctx, sim, here))
    if topical:
        names = ", ".join(safe.text(t) for t in p.topics)
        out += (f'\n## On the same topic\n\n<p class="ps-note">{names}</p>\n'
                + paper_list(ctx, topical, here))
    return out


def _register() -> None:
    generate.register(record_preparers={"related": prepare})
    paper_pages.add_section(section, 80)
    paper_pages.add_selection(picks)


_register()
