"""The prebuilt search index: term-range shards in lunr.js's serialized format.

A lunr index cannot be loaded in parts (lunr.js#511), so the index is made
of many small lunr indexes instead of one big one.  Every term belongs to
exactly one shard: the sorted term list is cut into contiguous ranges of
about ``shard_bytes`` each, and the browser fetches only the shards holding
the query's terms.  The first term of each shard goes into a small
manifest, so the browser finds a term's shard by binary search.

Ranking stays consistent across shards because we write the document
vectors ourselves: each weight is lunr's own BM25 formula, but with the
*global* document frequency and average field length, with field boosts
(title and authors outrank the abstract) and a small per-paper boost for
newer and more upvoted papers baked in, exactly where lunr.js's builder
would put them.  The browser asks each shard one term at a time; lunr then
returns that term's weight, so summing across shards gives the score one
global index would have given.

Two trims keep shards small at 100,000 papers: an abstract contributes only
its ``body_terms`` most distinctive terms, and a term found in more than
``posting_cap`` papers keeps only its best-weighted postings (such a term
has a tiny IDF and decides little).  A term that lost postings to either
trim still says exactly which papers hold it: its shard's ``full`` key
(lunr.js ignores unknown keys) lists every such paper, compactly (see
``encode_docs``), so "has every query word" stays exact at any size.

Words are stemmed ('linearities' -> 'linear'), which merges a rare word
with common ones.  So that a paper holding the very word typed ranks above
papers holding only its stem, a shard's ``forms`` key lists, for each of its
terms, the papers holding each of the term's rarer written forms (not its
most common form, and no form found in more than ``posting_cap`` papers).

The build is lean, because at 100,000 papers it runs beside the rest of
page generation: a pass over the papers keeps only integer arrays (term
ids, counts, fields), numpy computes the weights and orders the postings,
and shards are written (and can be handed on) one at a time.  The output
is the same as the plain builder's, byte for byte (tests/search_reference.py).
"""

from __future__ import annotations

import array
import base64
import gc
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .text import STOPS, form, stem, words

LUNR_VERSION = "2.3.9"  # the lunr.js that mkdocs ships; Index.load warns on a mismatch
# Field names are one letter: they are repeated in every posting of every shard.
FIELDS = ("t", "a", "m", "b")  # title, authors, meta (ids, venue, topics, orgs), body (abstract)
BOOSTS = {"t": 6.0, "a": 6.0, "m": 3.0, "b": 1.0}
K1, B = 1.2, 0.75  # lunr's BM25 defaults
BODY = FIELDS.index("b")


@dataclass
class SearchDoc:
    """What the index needs to know about one paper."""

    title: str
    authors: list[str]
    meta: list[str]
    body: str
    year: int | None = None
    upvotes: int | None = None


@dataclass
class IndexOptions:
    shard_bytes: int = 16_000
    """Target size of one shard file (uncompressed JSON).  A query loads one shard per word and
    lunr.js parses all of it: at 10k papers 16 KB shards took 1.2 ms a word to load and query in
    node, 48 KB ones 2.1 ms (and 3x the bytes).  Smaller ones would grow the manifest, which
    every page loads, for little: most of a shard's cost is then one common term's postings."""
    body_terms: int = 200
    """An abstract is indexed by at most this many of its terms (highest weight first)."""
    posting_cap: int = 2_000
    """A term keeps at most this many papers' postings (highest weight first); a written form
    found in more papers is not listed under ``forms``."""


@dataclass
class BuiltIndex:
    shards: list[bytes] = field(default_factory=list)  # filled by build_index, not by shard_files
    bounds: list[str] = field(default_factory=list)  # first term of each shard
    terms: int = 0
    postings: int = 0
    partial: set[str] = field(default_factory=set)  # terms that lost postings to a trim (listed in ``full``)
    forms: int = 0  # written forms listed in ``forms`` keys


def ref(i: int) -> str:
    """A short document reference: the paper's position, in base 36."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if i == 0:
        return "0"
    out = []
    while i:
        i, r = divmod(i, 36)
        out.append(digits[r])
    return "".join(reversed(out))


def encode_docs(ids: np.ndarray, n: int) -> str:
    """Sorted paper positions -> a short string the worker decodes (decodeDocs in worker.js).

    'b' + base64 of a bitmap (bit i of byte i>>3 set for paper i) when that is
    shorter, else 'd' + base64 of the gaps between positions (first: the
    position itself; then next - previous - 1) as unsigned LEB128 varints.
    """
    return encode_groups(np.asarray(ids, dtype=np.int64), [0, len(ids)], n)[0]


def encode_groups(ids: np.ndarray, bounds: list[int], n: int) -> list[str]:
    """encode_docs of ``ids[bounds[i]:bounds[i + 1]]`` for every i, in one pass of numpy
    (thousands of short lists: numpy's overhead per call was most of the work)."""
    ids = np.asarray(ids, dtype=np.int64)
    edges = np.asarray(bounds, dtype=np.int64)
    firsts = edges[:-1][np.diff(edges) > 0]
    prev = np.empty_like(ids)
    prev[1:] = ids[:-1]
    prev[firsts] = -1
    gaps = ids - prev - 1
    # bytes per gap: 1 below 2^7, 2 below 2^14, ...
    nbytes = 1 + (gaps >= 1 << 7).astype(np.int64) + (gaps >= 1 << 14) + (gaps >= 1 << 21) + (gaps >= 1 << 28)
    ends = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(nbytes)))
    # Every gap's bytes, low 7 bits first, the high bit set on all but its last.
    nth = np.arange(int(ends[-1]), dtype=np.int64) - np.repeat(ends[:-1], nbytes)  # which byte of its gap
    shifted = np.repeat(gaps, nbytes) >> (7 * nth)
    more = nth < np.repeat(nbytes, nbytes) - 1
    raw = ((shifted & 0x7F) | (more.astype(np.int64) << 7)).astype(np.uint8).tobytes()
    at = ends[edges].tolist()  # each list's varints in raw
    bitmap_size = (n + 7) // 8
    out = []
    for k in range(len(edges) - 1):
        a, b = at[k], at[k + 1]
        if b - a >= bitmap_size:
            bits = np.zeros(n, dtype=np.uint8)
            bits[ids[int(edges[k]):int(edges[k + 1])]] = 1
            out.append("b" + base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode("ascii"))
        else:
            out.append("d" + base64.b64encode(raw[a:b]).decode("ascii"))
    return out


def decode_docs(code: str, n: int) -> list[int]:
    """encode_docs' inverse (the worker has its own; this one is for tests and tools)."""
    raw = base64.b64decode(code[1:])
    if code[0] == "b":
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:n]
        return np.flatnonzero(bits).tolist()
    out, cur, shift, prev = [], 0, 0, -1
    for byte in raw:
        cur |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            prev = prev + 1 + cur
            out.append(prev)
            cur, shift = 0, 0
    return out


@dataclass
class Analysis:
    """Pass 1's result: every paper's terms per field, as flat integer arrays (no per-paper objects).

    Entry j is one (paper, field, term) with its count; entries go paper by
    paper, field by field in FIELDS order.  Term and form ids are positions
    in ``vocab`` and ``forms``, in no particular order: the index does not
    depend on them, so one analysis can be kept and the next build analyse
    only the papers that changed (``take``).
    """

    vocab: list[str]  # term id -> term
    forms: list[str]  # form id -> written form
    form_term: np.ndarray  # form id -> term id (int32)
    term: np.ndarray  # per entry (int32)
    tf: np.ndarray  # per entry (int32)
    field: np.ndarray  # per entry (int8)
    doc_end: np.ndarray  # paper -> end of its entries (int64)
    flen: np.ndarray  # field lengths, (len(FIELDS), papers) (int32)
    doc_forms: np.ndarray  # the forms each paper holds, paper by paper (int32)
    forms_end: np.ndarray  # paper -> end of its forms (int64)
    years: list[int | None]
    upvotes: list[int | None]

    @property
    def n(self) -> int:
        return len(self.years)

    def take(self, src: list[int], fresh: Iterable[SearchDoc]) -> Analysis:
        """The analysis of another list of papers: paper i is this one's paper ``src[i]``, or when
        ``src[i]`` < 0 the next of ``fresh``, analysed now."""
        tok = _Tokens(self)
        for one in fresh:
            tok.add(one)
        new = tok.finish()
        which = np.asarray(src, dtype=np.int64).reshape(-1)
        miss = which < 0
        if int(miss.sum()) != new.n:
            raise ValueError(f"{int(miss.sum())} papers to analyse, {new.n} given")
        which[miss] = self.n + np.arange(new.n, dtype=np.int64)  # fresh papers follow the kept ones
        idx, doc_end = _ragged(which, self.doc_end, new.doc_end)
        fidx, forms_end = _ragged(which, self.forms_end, new.forms_end)
        both = [*self.years, *new.years], [*self.upvotes, *new.upvotes]
        out = Analysis(
            new.vocab, new.forms, new.form_term,
            np.concatenate((self.term, new.term))[idx], np.concatenate((self.tf, new.tf))[idx],
            np.concatenate((self.field, new.field))[idx], doc_end,
            np.concatenate((self.flen, new.flen), axis=1)[:, which], np.concatenate((self.doc_forms, new.doc_forms))[fidx],
            forms_end, [both[0][i] for i in which.tolist()], [both[1][i] for i in which.tolist()])
        out._drop_unused()
        return out

    def _drop_unused(self) -> None:
        """Forget the terms and forms of papers no longer here, so that kept analyses do not grow."""
        used_forms = np.bincount(self.doc_forms, minlength=len(self.forms)) > 0
        if used_forms.all():
            return
        used_terms = np.zeros(len(self.vocab), dtype=bool)
        used_terms[self.form_term[used_forms]] = True  # every entry's term came with one of its paper's forms
        new_form = np.cumsum(used_forms, dtype=np.int64) - 1
        new_term = np.cumsum(used_terms, dtype=np.int64) - 1
        self.vocab = [t for t, u in zip(self.vocab, used_terms.tolist(), strict=True) if u]
        self.forms = [f for f, u in zip(self.forms, used_forms.tolist(), strict=True) if u]
        self.form_term = new_term[self.form_term[used_forms]].astype(np.int32)
        self.term = new_term[self.term].astype(np.int32)
        self.doc_forms = new_form[self.doc_forms].astype(np.int32)


def _ragged(which: np.ndarray, ends_a: np.ndarray, ends_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows given by end offsets in two arrays, laid end to end: the positions of rows ``which`` (in
    the two arrays concatenated, b's rows numbered after a's) and the new end offsets."""
    ends = np.concatenate((ends_a, ends_b + (ends_a[-1] if len(ends_a) else 0))).astype(np.int64)
    begins = np.concatenate((np.zeros(1, dtype=np.int64), ends[:-1]))
    lens = ends[which] - begins[which]
    out_end = np.cumsum(lens)
    idx = np.repeat(begins[which] - (out_end - lens), lens) + np.arange(int(out_end[-1]) if len(out_end) else 0)
    return idx, out_end


def analyse(docs: Iterable[SearchDoc]) -> Analysis:
    """Pass 1 over ``docs`` (see Analysis)."""
    tok = _Tokens()
    for one in docs:
        tok.add(one)
    return tok.finish()


class _Tokens:
    """Makes an Analysis, paper by paper, in growing arrays (``base``: share its term and form ids)."""

    def __init__(self, base: Analysis | None = None) -> None:
        self.vocab: list[str] = list(base.vocab) if base else []
        self.forms: list[str] = list(base.forms) if base else []
        self.form_term = array.array("i", base.form_term.tobytes() if base else b"")
        self.term = array.array("i")
        self.tf = array.array("i")
        self.field = array.array("b")
        self.doc_end = array.array("q")
        self.flen = [array.array("i") for _ in FIELDS]
        self.doc_forms = array.array("i")
        self.forms_end = array.array("q")
        self.years: list[int | None] = []
        self.upvotes: list[int | None] = []
        self._words: dict[str, tuple[int, int]] = {}  # lower-cased word -> (term id, form id), (-1, -1) if dropped
        self._term_ids: dict[str, int] = {t: i for i, t in enumerate(self.vocab)}
        self._form_ids: dict[str, int] = {f: i for i, f in enumerate(self.forms)}

    def _ids(self, word: str) -> tuple[int, int]:
        w = form(word)
        if not w:
            return -1, -1
        f = self._form_ids.get(w)
        if f is None:
            t = stem(w)
            tid = self._term_ids.get(t)
            if tid is None:
                tid = self._term_ids[t] = len(self.vocab)
                self.vocab.append(t)
            f = self._form_ids[w] = len(self.forms)
            self.forms.append(w)
            self.form_term.append(tid)
        return self.form_term[f], f

    def add(self, doc: SearchDoc) -> None:
        cache, ids = self._words, self._ids
        seen_forms: set[int] = set()
        for f, values in enumerate(((doc.title,), doc.authors, doc.meta, (doc.body,))):
            counts: dict[int, int] = {}
            length = 0
            for value in values:
                if not value:
                    continue
                for word in words(value):
                    got = cache.get(word)
                    if got is None:
                        got = cache[word] = ids(word)
                    t = got[0]
                    if t < 0:
                        continue
                    length += 1
                    counts[t] = counts.get(t, 0) + 1
                    seen_forms.add(got[1])
            self.flen[f].append(length)
            self.term.extend(counts)
            self.tf.extend(counts.values())
            self.field.extend([f] * len(counts))
        self.doc_end.append(len(self.term))
        self.doc_forms.extend(seen_forms)
        self.forms_end.append(len(self.doc_forms))
        self.years.append(doc.year)
        self.upvotes.append(doc.upvotes)

    def finish(self) -> Analysis:
        def arr(a: array.array, dtype: type) -> np.ndarray:
            return np.frombuffer(a, dtype=dtype) if len(a) else np.zeros(0, dtype=dtype)

        n = len(self.years)
        flen = np.array([arr(a, np.int32) for a in self.flen], dtype=np.int32).reshape(len(FIELDS), n)
        return Analysis(self.vocab, self.forms, arr(self.form_term, np.int32), arr(self.term, np.int32),
                        arr(self.tf, np.int32), arr(self.field, np.int8), arr(self.doc_end, np.int64), flen,
                        arr(self.doc_forms, np.int32), arr(self.forms_end, np.int64), self.years, self.upvotes)


def _doc_boosts(years: list[int | None], upvotes: list[int | None]) -> list[float]:
    """Tie-breakers: up to +4% for the newest year, up to +4% for the most upvotes."""
    have = [y for y in years if y]
    lo, hi = (min(have), max(have)) if have else (0, 0)
    top = max((u or 0 for u in upvotes), default=0)
    out = []
    for y, u in zip(years, upvotes, strict=True):
        recency = (y - lo) / (hi - lo) if y and hi > lo else 0.0
        votes = math.log1p(u or 0) / math.log1p(top) if top > 0 else 0.0
        out.append(1.0 + 0.04 * recency + 0.04 * votes)
    return out


def _round3(w: np.ndarray) -> np.ndarray:
    """round(x, 3) for every x, as Python rounds it (correctly, half to even), in thousandths."""
    scaled = w * 1000.0
    milli = np.rint(scaled).astype(np.int64)
    # rint of the scaled float can differ from Python's exact rounding only next to a half.
    frac = np.floor(scaled)
    np.subtract(scaled, frac, out=frac)
    frac -= 0.5
    np.abs(frac, out=frac)
    near = np.flatnonzero(frac < 1e-6)
    del scaled, frac
    for j in near.tolist():
        milli[j] = round(round(float(w[j]), 3) * 1000)
    return milli


def build_index(docs: Iterable[SearchDoc], opts: IndexOptions | None = None) -> BuiltIndex:
    """Index ``docs`` (referenced by position) into term-range lunr shards, all kept in memory."""
    built = BuiltIndex()
    built.shards = list(shard_files(docs, opts, built))
    return built


def shard_files(docs: Iterable[SearchDoc] | Analysis, opts: IndexOptions | None, built: BuiltIndex) -> Iterator[bytes]:
    """The shards for ``docs`` (or their analysis), one at a time; ``built`` gets the bounds and counts
    as they are made."""
    opts = opts or IndexOptions()
    # Millions of array items and few objects: the cyclic GC only slows this down.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield from _build(docs if isinstance(docs, Analysis) else analyse(docs), opts, built)
    finally:
        if was_enabled:
            gc.enable()


def _build(tok: Analysis, opts: IndexOptions, built: BuiltIndex) -> Iterator[bytes]:
    n = tok.n
    vocab = tok.vocab
    nterms = len(vocab)
    term, fld = tok.term, tok.field
    doc = _owners(tok.doc_end)

    # Entries grouped by term, terms in sorted order; within a term by paper, then field (the pass order).
    by_rank = sorted(range(nterms), key=vocab.__getitem__)  # rank -> term id
    rank = np.empty(nterms, dtype=np.int32)
    rank[by_rank] = np.arange(nterms, dtype=np.int32)
    order = _stable_order(rank[term])

    # Global statistics: document frequency over all fields (the papers in each term's group), mean
    # field lengths.
    t_sorted, d_sorted = term[order], doc[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (t_sorted[1:] != t_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
    df = np.bincount(t_sorted[first], minlength=nterms).tolist()
    del t_sorted, d_sorted, first
    lens = tok.flen.astype(np.float64)
    avg = np.array([(float(lens[f].sum()) / n if n else 0.0) or 1.0 for f in range(len(FIELDS))])
    idf = np.array([math.log(1 + abs((n - c + 0.5) / (c + 0.5))) for c in df], dtype=np.float64)
    boosts = np.array(_doc_boosts(tok.years, tok.upvotes), dtype=np.float64)
    fboost = np.array([BOOSTS[f] for f in FIELDS], dtype=np.float64)

    # lunr's BM25, in the very order of operations of the plain builder (same floats, bit for bit).
    # In place, as far as it goes: a million entries make each temporary 8 MB of fresh memory.
    # K1 * ((1 - B) + B * len / avg):
    norm = lens[fld, doc]
    norm *= B
    norm /= avg[fld]
    norm += 1 - B
    norm *= K1
    # idf * (K1 + 1) * tf / (norm + tf) * (field boost * paper boost):
    tf = tok.tf.astype(np.float64)
    w = idf[term]
    w *= K1 + 1
    w *= tf
    norm += tf
    w /= norm
    del tf, norm, lens
    boost = fboost[fld]
    boost *= boosts[doc]
    w *= boost
    del boost

    keep, partial_ids = _trim_bodies(w, term, doc, fld, vocab, n, opts.body_terms)
    milli = _round3(w).astype(np.int32)
    del w

    term, doc, fld, milli, keep = term[order], doc[order], fld[order], milli[order], keep[order]
    del order
    starts = np.searchsorted(rank[term], np.arange(nterms + 1, dtype=np.int32))  # by rank
    # Trim 2: a term in more than posting_cap papers keeps the papers with the highest summed weight.
    full: dict[int, str] = {}  # rank -> every paper holding a term that lost postings
    # Only terms with more entries than the cap, or that lost postings to trim 1, have anything to do.
    todo = np.union1d(np.flatnonzero(np.diff(starts) > opts.posting_cap),
                      rank[np.fromiter(partial_ids, dtype=np.int64, count=len(partial_ids))])
    for r in todo.tolist():
        a, b = int(starts[r]), int(starts[r + 1])
        if b - a <= opts.posting_cap:  # fewer entries than the cap: fewer papers too
            if a < b and int(term[a]) in partial_ids:
                full[r] = encode_docs(_distinct(doc[a:b]), n)
            continue
        live = keep[a:b]
        held = _distinct(doc[a:b][live])  # papers with postings left after trim 1
        if len(held) <= opts.posting_cap:
            if int(term[a]) in partial_ids:
                full[r] = encode_docs(_distinct(doc[a:b]), n)
            continue
        # Sum of the rounded weights, field by field, as the plain builder adds them.
        total = np.zeros(len(held), dtype=np.float64)
        group = np.searchsorted(held, doc[a:b])
        vals = milli[a:b] / 1000.0
        for k in range(len(FIELDS)):  # at most one entry per paper and field, in field order
            sel = (fld[a:b] == k) & live
            total[group[sel]] += vals[sel]
        best = held[np.lexsort((held, -total))[:opts.posting_cap]]
        keep[a:b] &= np.isin(doc[a:b], best)
        partial_ids.add(int(term[a]))
        full[r] = encode_docs(_distinct(doc[a:b]), n)
        del held, total, group, vals, live

    forms = _rare_forms(tok, n, rank, opts.posting_cap)
    del tok
    built.partial = {vocab[int(term[starts[r]])] for r in full}
    built.forms = sum(len(v) for v in forms.values())

    # Kept entries only, still in term order.
    kept = np.flatnonzero(keep)
    term_k, doc_k, fld_k, milli_k = term[kept], doc[kept], fld[kept], milli[kept]
    del term, doc, fld, milli, keep, kept
    kstarts = np.searchsorted(rank[term_k], np.arange(nterms + 1, dtype=np.int32))
    writer = _ShardWriter(n, by_rank, vocab, kstarts, doc_k, fld_k, milli_k, full, forms)
    chunk: list[int] = []  # ranks
    size = 0
    for r in range(nterms):
        count = int(kstarts[r + 1] - kstarts[r])
        if not count:  # every posting trimmed away: the term is not in the index
            continue
        t = vocab[by_rank[r]]
        # Rough serialized cost: the term's entry plus ~22 bytes per posting
        # (one in the inverted index, one in a document vector).
        cost = len(t) + 40 + 22 * count
        if chunk and size + cost > opts.shard_bytes:
            built.bounds.append(vocab[by_rank[chunk[0]]])
            yield writer.shard(chunk)
            chunk, size = [], 0
        chunk.append(r)
        size += cost
        built.terms += 1
        built.postings += count
    if chunk or not built.bounds:
        built.bounds.append(vocab[by_rank[chunk[0]]] if chunk else "")
        yield writer.shard(chunk)


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") for keys in [0, 2**32): two passes of numpy's radix sort
    (which it uses for 16-bit keys), four times faster than its merge sort on a million keys."""
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if len(keys) and int(keys.max()) >> 16:
        order = order[np.argsort((keys >> 16).astype(np.uint16)[order], kind="stable")]
    return order


def _distinct(x: np.ndarray) -> np.ndarray:
    """np.unique(x) for an ``x`` already in order (a term's papers)."""
    first = np.ones(len(x), dtype=bool)
    first[1:] = x[1:] != x[:-1]
    return x[first]


def _owners(e: np.ndarray) -> np.ndarray:
    """Per-paper end offsets -> the paper of every entry."""
    counts = e - np.concatenate((np.zeros(1, dtype=np.int64), e[:-1]))
    return np.repeat(np.arange(len(e), dtype=np.int32), counts)


def _trim_bodies(w: np.ndarray, term: np.ndarray, doc: np.ndarray, fld: np.ndarray, vocab: list[str], n: int,
                 body_terms: int) -> tuple[np.ndarray, set[int]]:
    """Trim 1: an abstract keeps its ``body_terms`` heaviest terms (ties: the term first in order).

    The entries to keep, and the ids of terms that lost a posting."""
    keep = np.ones(len(term), dtype=bool)
    partial: set[int] = set()
    body = np.flatnonzero(fld == BODY)
    if not len(body):
        return keep, partial
    per_doc = np.bincount(doc[body], minlength=n)
    ends = np.cumsum(per_doc)
    for i in np.flatnonzero(per_doc > body_terms).tolist():
        js = body[ends[i] - per_doc[i]:ends[i]].tolist()
        js.sort(key=lambda j: (-float(w[j]), vocab[term[j]]))
        for j in js[body_terms:]:
            keep[j] = False
            partial.add(int(term[j]))
    return keep, partial


def _rare_forms(tok: Analysis, n: int, rank: np.ndarray, cap: int) -> dict[int, list[tuple[str, str]]]:
    """term rank -> [(form, encoded papers)] for its written forms other than its most common one
    (ties: the first in order), found in at most ``cap`` papers; terms with one form have none."""
    fdoc_forms = tok.doc_forms
    fdf = np.bincount(fdoc_forms, minlength=len(tok.forms))
    form_term = tok.form_term
    nforms = np.bincount(form_term, minlength=len(tok.vocab))
    # The most common form of every term: sort by (term, -papers, form) and take each term's first.
    nf = len(tok.forms)
    alpha = np.empty(nf, dtype=np.int64)
    alpha[sorted(range(nf), key=tok.forms.__getitem__)] = np.arange(nf, dtype=np.int64)
    by = np.lexsort((alpha, -fdf, form_term))
    first = np.ones(nf, dtype=bool)
    first[1:] = form_term[by][1:] != form_term[by][:-1]
    major = np.zeros(nf, dtype=bool)
    major[by[first]] = True
    listed = (~major) & (nforms[form_term] > 1) & (fdf <= cap) & (fdf > 0)
    if not listed.any():
        return {}
    fdoc = _owners(tok.forms_end)
    sel = np.flatnonzero(listed[fdoc_forms])
    fs, ds = fdoc_forms[sel], fdoc[sel]
    del fdoc, sel
    order = np.lexsort((ds, fs))
    fs, ds = fs[order], ds[order]
    bounds = [0, *(np.flatnonzero(np.diff(fs)) + 1).tolist(), len(fs)]
    out: dict[int, list[tuple[str, str]]] = {}
    for a, code in zip(bounds[:-1], encode_groups(ds, bounds, n), strict=True):
        f = int(fs[a])
        out.setdefault(int(rank[form_term[f]]), []).append((tok.forms[f], code))
    for v in out.values():
        v.sort()
    return out


class _ShardWriter:
    """Shards as lunr.js serialized indexes, written as text directly.

    json.dumps over millions of tiny dicts was the slowest part of the
    build, and so was a Python loop over the postings: a shard's postings
    are put in order by numpy, every string a posting needs is made once
    per build (a paper's ref, a rounded weight) and taken by index, and
    the pieces are joined in one call.  Refs are [0-9a-z] and field names
    single letters, so only the terms need JSON escaping.
    """

    def __init__(self, n: int, by_rank: list[int], vocab: list[str], starts: np.ndarray, doc: np.ndarray,
                 fld: np.ndarray, milli: np.ndarray, full: dict[int, str],
                 forms: dict[int, list[tuple[str, str]]]) -> None:
        self.n, self.by_rank, self.vocab, self.starts = n, by_rank, vocab, starts
        self.doc, self.fld, self.milli, self.full, self.forms = doc, fld, milli, full, forms
        refs = [ref(i) for i in range(n)]
        self.ref_keys = _objects([f'"{r}":{{}}' for r in refs])  # a paper in a field of the inverted index
        # Field vectors are made as bytes by numpy: each posting's text is its vector's head (for
        # the first posting of a vector) or a comma, its term index and a comma, and its weight,
        # each taken from a table of NUL-padded strings; the NULs are then dropped (JSON text
        # holds none).  A vector's head, with the end of the one before it, is made once for
        # every field and paper: vectors are sorted by field name ("a/..." before "b/..."), then paper.
        names = sorted(FIELDS)
        self.name_rank = np.array([names.index(f) for f in FIELDS], dtype=np.int64)
        self.comma = len(FIELDS) * n  # the "head" of every posting but a vector's first
        self.heads = np.array([f']],["{f}/{r}",['.encode("ascii") for f in names for r in refs] + [b","])
        # Weights by thousandths (a dense table: at most a few hundred thousand, see _round3).
        values = np.flatnonzero(np.bincount(milli)).tolist() if len(milli) else []
        weights = [b""] * (values[-1] + 1 if values else 0)
        for m in values:
            weights[m] = repr(m / 1000.0).encode("ascii")
        self.weights = np.array(weights, dtype=bytes) if weights else np.zeros(0, dtype="S1")
        self.indexes = np.zeros(0, dtype="S1")  # b"k," for the term indexes k of a shard

    def shard(self, chunk: list[int]) -> bytes:
        """One lunr.js serialized index holding the terms ranked ``chunk`` (in order, contiguous in the entries)."""
        nk = len(chunk)
        a = int(self.starts[chunk[0]]) if chunk else 0
        b = int(self.starts[chunk[-1] + 1]) if chunk else 0
        counts = np.diff(self.starts[chunk[0]:chunk[-1] + 2]) if chunk else np.zeros(0, np.int64)
        # The postings' term index in this shard (ranks without postings are not in the chunk).
        k_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        local = np.full(len(counts), -1, dtype=np.int64)
        if chunk:
            local[np.asarray(chunk, dtype=np.int64) - chunk[0]] = np.arange(nk, dtype=np.int64)
        kk = local[k_of]
        dd = self.doc[a:b].astype(np.int64)
        ff = self.fld[a:b].astype(np.int64)
        mm = self.milli[a:b]
        if len(self.indexes) < nk:
            self.indexes = np.array([f"{k},".encode("ascii") for k in range(2 * nk)])

        # Inverted index: term by term, field by field (FIELDS order), papers in order.  Within a
        # term the postings go paper by paper, field by field: a stable sort by field regroups them.
        key = kk * len(FIELDS) + ff
        order = np.argsort(key, kind="stable")
        bounds = np.searchsorted(key[order], np.arange(nk * len(FIELDS) + 1)).tolist()
        keys = self.ref_keys[dd[order]].tolist()
        inverted = []
        extra_full, extra_forms = [], []
        for k, r in enumerate(chunk):
            j = k * len(FIELDS)
            fields = ",".join(f'"{name}":{{{",".join(keys[bounds[j + f]:bounds[j + f + 1]])}}}'
                              for f, name in enumerate(FIELDS))
            inverted.append(f'[{_json_str(self.vocab[self.by_rank[r]])},{{"_index":{k},{fields}}}]')
            if r in self.full:
                extra_full.append(f'[{k},"{self.full[r]}"]')
            for w, code in self.forms.get(r, ()):
                extra_forms.append(f'[{k},{_json_str(w)},"{code}"]')

        # Field vectors: one per (field, paper), its elements (term index, weight) by term index.
        rank = self.name_rank[ff]
        order = np.argsort((rank * self.n + dd) * max(nk, 1) + kk)
        rank, dd, kk, mm = rank[order], dd[order], kk[order], mm[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (rank[1:] != rank[:-1]) | (dd[1:] != dd[:-1])
        head = np.full(len(order), self.comma, dtype=np.int64)
        at = np.flatnonzero(new)
        head[at] = rank[at] * self.n + dd[at]
        parts = [table[i] for table, i in ((self.heads, head), (self.indexes, kk), (self.weights, mm))]
        padded = np.concatenate([p.view(np.uint8).reshape(len(order), p.itemsize) for p in parts], axis=1)
        vectors = padded.tobytes().replace(b"\0", b"")[3:]  # the first vector: no "]]," before it
        if len(at):
            vectors += b"]]"
        fields_json = "[" + ",".join(f'"{f}"' for f in FIELDS) + "]"
        head_text = f'{{"version":"{LUNR_VERSION}","fields":{fields_json},"fieldVectors":['
        tail = (f'],"invertedIndex":[{",".join(inverted)}],"pipeline":["stemmer"],'
                f'"full":[{",".join(extra_full)}],"forms":[{",".join(extra_forms)}]}}')
        return b"".join((head_text.encode("utf-8"), vectors, tail.encode("utf-8")))


def _objects(values: list[str]) -> np.ndarray:
    """A numpy array of Python strings (taken by index in C, not one by one in Python)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _json_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


__all__ = ["FIELDS", "BOOSTS", "STOPS", "SearchDoc", "IndexOptions", "BuiltIndex", "build_index", "shard_files",
           "encode_docs", "decode_docs", "ref"]
