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
trim is listed in its shard's ``partial`` key (lunr.js ignores unknown
keys): for such a term a paper missing from its postings may still contain
it, so the browser does not count that against the paper when it ranks
papers with all query terms first.
"""

from __future__ import annotations

import gc
import json
import math
from collections import Counter
from dataclasses import dataclass, field

from .text import terms

LUNR_VERSION = "2.3.9"  # the lunr.js that mkdocs ships; Index.load warns on a mismatch
# Field names are one letter: they are repeated in every posting of every shard.
FIELDS = ("t", "a", "m", "b")  # title, authors, meta (ids, venue, topics, orgs), body (abstract)
BOOSTS = {"t": 6.0, "a": 6.0, "m": 3.0, "b": 1.0}
K1, B = 1.2, 0.75  # lunr's BM25 defaults


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
    """A term keeps at most this many papers' postings (highest weight first)."""


@dataclass
class BuiltIndex:
    shards: list[bytes] = field(default_factory=list)
    bounds: list[str] = field(default_factory=list)  # first term of each shard
    terms: int = 0
    postings: int = 0
    partial: set[str] = field(default_factory=set)  # terms that lost postings to a trim


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


def _field_terms(doc: SearchDoc) -> dict[str, list[str]]:
    author_terms: list[str] = []
    for name in doc.authors:
        author_terms.extend(terms(name))
    meta_terms: list[str] = []
    for value in doc.meta:
        meta_terms.extend(terms(value))
    return {"t": terms(doc.title), "a": author_terms, "m": meta_terms, "b": terms(doc.body)}


def _doc_boosts(docs: list[SearchDoc]) -> list[float]:
    """Tie-breakers: up to +4% for the newest year, up to +4% for the most upvotes."""
    years = [d.year for d in docs if d.year]
    lo, hi = (min(years), max(years)) if years else (0, 0)
    top = max((d.upvotes or 0 for d in docs), default=0)
    out = []
    for d in docs:
        recency = (d.year - lo) / (hi - lo) if d.year and hi > lo else 0.0
        votes = math.log1p(d.upvotes or 0) / math.log1p(top) if top > 0 else 0.0
        out.append(1.0 + 0.04 * recency + 0.04 * votes)
    return out


def build_index(docs: list[SearchDoc], opts: IndexOptions | None = None) -> BuiltIndex:
    """Index ``docs`` (referenced by position) into term-range lunr shards."""
    opts = opts or IndexOptions()
    # Millions of small tuples and no cycles: the cyclic GC only slows this down.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(docs, opts)
    finally:
        if was_enabled:
            gc.enable()


def _build(docs: list[SearchDoc], opts: IndexOptions) -> BuiltIndex:
    n = len(docs)
    per_doc = [_field_terms(d) for d in docs]
    # Global statistics: document frequency over all fields, mean field lengths.
    df: Counter[str] = Counter()
    length_sum = dict.fromkeys(FIELDS, 0)
    for ft in per_doc:
        seen: set[str] = set()
        for f in FIELDS:
            length_sum[f] += len(ft[f])
            seen.update(ft[f])
        df.update(seen)
    avg = {f: (length_sum[f] / n if n else 0.0) or 1.0 for f in FIELDS}
    idf = {t: math.log(1 + abs((n - c + 0.5) / (c + 0.5))) for t, c in df.items()}
    boosts = _doc_boosts(docs)

    # term -> [(doc, field, weight)]
    postings: dict[str, list[tuple[int, str, float]]] = {}
    partial: set[str] = set()
    for i, ft in enumerate(per_doc):
        for f in FIELDS:
            toks = ft[f]
            if not toks:
                continue
            norm = K1 * (1 - B + B * len(toks) / avg[f])
            scale = BOOSTS[f] * boosts[i]
            weighted = []
            for t, tf in Counter(toks).items():
                w = idf[t] * (K1 + 1) * tf / (norm + tf) * scale
                weighted.append((w, t))
            if f == "b" and len(weighted) > opts.body_terms:
                weighted.sort(key=lambda wt: (-wt[0], wt[1]))
                partial.update(t for _, t in weighted[opts.body_terms:])
                weighted = weighted[: opts.body_terms]
            for w, t in weighted:
                postings.setdefault(t, []).append((i, f, round(w, 3)))

    for t, plist in postings.items():
        docs_of = {d for d, _, _ in plist}
        if len(docs_of) > opts.posting_cap:
            total: dict[int, float] = {}
            for d, _, w in plist:
                total[d] = total.get(d, 0.0) + w
            keep = {d for d, _ in sorted(total.items(), key=lambda dw: (-dw[1], dw[0]))[: opts.posting_cap]}
            postings[t] = [p for p in plist if p[0] in keep]
            partial.add(t)

    refs = [ref(i) for i in range(n)]
    out = BuiltIndex(terms=len(postings), partial=partial)
    chunk: list[str] = []
    size = 0
    for t in sorted(postings):
        # Rough serialized cost: the term's entry plus ~22 bytes per posting
        # (one in the inverted index, one in a document vector).
        cost = len(t) + 40 + 22 * len(postings[t])
        if chunk and size + cost > opts.shard_bytes:
            out.shards.append(_shard(chunk, postings, refs, partial))
            out.bounds.append(chunk[0])
            chunk, size = [], 0
        chunk.append(t)
        size += cost
        out.postings += len(postings[t])
    if chunk or not out.shards:
        out.shards.append(_shard(chunk, postings, refs, partial))
        out.bounds.append(chunk[0] if chunk else "")
    return out


def _shard(chunk: list[str], postings: dict[str, list[tuple[int, str, float]]], refs: list[str],
           partial: set[str]) -> bytes:
    """One lunr.js serialized index holding the terms in ``chunk`` (sorted).

    Written as text directly: json.dumps over millions of tiny dicts was
    the slowest part of the build.  Refs are [0-9a-z] and field names single
    letters, so only the terms need JSON escaping.
    """
    inverted = []
    vectors: dict[tuple[str, int], list[str]] = {}
    for k, t in enumerate(chunk):
        by_field: dict[str, list[str]] = {f: [] for f in FIELDS}
        ks = str(k)
        for d, f, w in postings[t]:
            by_field[f].append(refs[d])
            vectors.setdefault((f, d), []).append(f"{ks},{w!r}")
        fields = ",".join(f'"{f}":{{' + ",".join(f'"{r}":{{}}' for r in by_field[f]) + "}" for f in FIELDS)
        inverted.append(f'[{json.dumps(t, ensure_ascii=False)},{{"_index":{k},{fields}}}]')
    # lunr expects vector elements sorted by term index: they are, since
    # terms were visited in order.  Field refs are "field/docRef".
    field_vectors = ",".join(f'["{f}/{refs[d]}",[{",".join(v)}]]' for (f, d), v in sorted(vectors.items()))
    fields_json = json.dumps(list(FIELDS), separators=(",", ":"))
    # Positions (in chunk) of the terms that lost postings to a trim.
    cut = ",".join(str(k) for k, t in enumerate(chunk) if t in partial)
    text = (f'{{"version":"{LUNR_VERSION}","fields":{fields_json},"fieldVectors":[{field_vectors}],'
            f'"invertedIndex":[{",".join(inverted)}],"pipeline":["stemmer"],"partial":[{cut}]}}')
    return text.encode("utf-8")
