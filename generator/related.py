"""Related papers: most similar by text, and papers sharing a topic.

Method (for the README): each paper's title (counted twice) and abstract
become a TF-IDF vector (scikit-learn ``TfidfVectorizer``: English stop words,
sub-linear term frequency, terms in at least 2 and at most half of the
papers, L2-normalised rows).  A term found in one paper only cannot link two
papers, so ``min_df=2`` loses nothing and keeps the vocabulary small.  To stay
fast on 100k papers the query side keeps only each paper's ``QUERY_TERMS``
strongest terms (an approximation: weak terms barely move a cosine), and the
sparse product ``Q[block] @ X.T`` is computed in row blocks, keeping the top
``K`` per row.  The candidate side keeps, per term, only the ``TERM_POSTINGS``
papers where the term weighs most: a common word's posting list grows with
the catalog, so without the cap every paper's product grows too and the
whole step is quadratic.  Such a word weighs little in the papers it is
dropped from: at 10k synthetic papers 97% of the shown neighbours are the
same as without the cap.  Ties break on catalog order, so the result is
deterministic.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import Any

import numpy as np
from scipy import sparse

from . import generate, safe
from .catalog import Catalog
from .forking import fork_map
from .model import Paper
from .pages import paper as paper_pages
from .pages.common import Context, paper_list

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


def similar(texts: list[str], k: int = K, min_score: float = MIN_SCORE,
            jobs: int = 1) -> list[list[tuple[int, float]]]:
    """For each text, up to ``k`` (index, cosine) of the most similar other texts, best first.

    With ``jobs`` > 1 a large catalog's row blocks are shared out to that many
    forked processes; the answer is the same.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    if n < 2:
        return out
    vec = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5 if n >= 20 else 1.0,
        dtype=np.float32, token_pattern=r"(?u)\b[^\W\d_][\w-]*[^\W_]\b",
    )
    try:
        x = vec.fit_transform(texts).tocsr()
    except ValueError:  # no term shared by two papers: nothing is related
        return out
    _SIM.update(q=_prune_rows(x, QUERY_TERMS), xt=_prune_rows(x.T.tocsr(), TERM_POSTINGS).tocsc(),
                k=k, min_score=min_score)
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
    ids = list(catalog.papers)
    texts = [paper_text(catalog.papers[i]) for i in ids]
    return {ids[i]: [ids[j] for j, _ in nb] for i, nb in enumerate(similar(texts, jobs=jobs)) if nb}


def same_topic(catalog: Catalog, p: Paper, exclude: set[str], limit: int = TOPIC_SHOWN) -> list[str]:
    """Papers sharing the most topics with ``p``, newest first among equals.

    Candidates are the newest ``TOPIC_CANDIDATES`` of each of the paper's topics
    (topic lists are kept newest first), so the cost per page is bounded however
    large a topic grows; a full scan per paper would be quadratic in the catalog.
    The order is (most shared topics, best position in any topic list, id).
    """
    from .ids import slug

    lists = [catalog.by_topic.get(slug(t) or "topic", [])[:TOPIC_CANDIDATES] for t in p.topics]
    shared = Counter(chain.from_iterable(lists))  # counted in C
    shared.pop(p.id, None)
    for pid in exclude:
        shared.pop(pid, None)
    groups: dict[int, list[str]] = {}
    for pid, count in shared.items():
        groups.setdefault(count, []).append(pid)
    out: list[str] = []
    for count in sorted(groups, reverse=True):
        members, need = groups[count], limit - len(out)
        if need <= 0:
            break
        if len(members) <= need:  # the whole group: usually a few papers sharing two or more topics
            out.extend(sorted(members, key=lambda pid: (min(lst.index(pid) for lst in lists if pid in lst), pid)))
            continue
        # Only the group's best ``need``: walk the lists position by position (a paper's
        # first position is its best), ties at one position by id, until enough are found.
        wanted, picked = set(members), []
        for n in range(max(map(len, lists))):
            at = sorted({lst[n] for lst in lists if n < len(lst) and lst[n] in wanted})
            wanted.difference_update(at)
            picked.extend(at)
            if len(picked) >= need:
                break
        out.extend(picked[:need])
    return out


def prepare(ctx: Context) -> None:
    """PREPARER: compute similar papers once per build."""
    ctx.extras["related"] = compute(ctx.catalog, jobs=ctx.extras.get("jobs", 1))


def section(ctx: Context, p: Paper, here: str) -> str:
    """Paper-page section: similar papers by text, then more on the same topics."""
    # Papers by the same authors have their own section; similar ones are the others.
    own = {pid for ref in p.authors for pid in ctx.catalog.papers_of.get(ref.id or "", [])}
    sim = [pid for pid in ctx.extras.get("related", {}).get(p.id, []) if pid not in own][:SHOWN]
    out = ""
    if sim:
        out += ('## Similar papers\n\n'
                '<p class="ps-note">By shared words in title and abstract (TF-IDF).</p>\n'
                + paper_list(ctx, sim, here))
    topical = same_topic(ctx.catalog, p, set(sim) | own)
    if topical:
        names = ", ".join(safe.text(t) for t in p.topics)
        out += (f'\n## On the same topic\n\n<p class="ps-note">{names}</p>\n'
                + paper_list(ctx, topical, here))
    return out


def _register() -> None:
    generate.register(preparers=[prepare])
    paper_pages.add_section(section, 80)


_register()
