"""The plain search index builder: the definition the lean one in generator/search/index.py must match.

This is the builder as it was before it was made lean (dicts of lists of
tuples, every shard kept in memory): easy to read, and 1.3 GB at 100,000
papers.  tests/test_search_index.py builds catalogs with both and compares
the lunr part of every shard byte for byte, and the trimmed terms.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from generator.search.index import BOOSTS, FIELDS, K1, LUNR_VERSION, B, IndexOptions, SearchDoc, ref
from generator.search.text import terms


@dataclass
class BuiltIndex:
    shards: list[bytes] = field(default_factory=list)
    bounds: list[str] = field(default_factory=list)  # first term of each shard
    terms: int = 0
    postings: int = 0
    partial: set[str] = field(default_factory=set)  # terms that lost postings to a trim


def build_index(docs: list[SearchDoc], opts: IndexOptions | None = None) -> BuiltIndex:
    """Index ``docs`` (referenced by position) into term-range lunr shards."""
    return _build(docs, opts or IndexOptions())


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
