"""Merging records that describe the same paper or the same person.

Two paper records are the same paper when they share an identifier (arXiv id
in any version, DOI, or an ``ids`` entry such as ACL, OpenAlex, Semantic
Scholar or an RFC number), or failing ids, when their normalised titles match and neither
their years nor their first authors disagree.

Precedence when sources disagree, deterministic and documented in the README:

1. the record already in the catalog (hand edits in ``content/`` win);
2. a field the existing record lacks is filled from the newcomer;
3. ``type: preprint`` gives way to a published type, and a bare year or month
   gives way to a full date of the same year;
4. lists (topics, orgs, listed days, references, sources) are unions in
   first-seen order; ``upvotes`` keeps the larger count;
5. an author list replaces an empty one; otherwise names stay and the
   newcomer's ids, ORCIDs and affiliations are added to matching names.

Titles that match but whose years or first authors differ are not merged;
they are reported as near-duplicates for a person to review (not when both
carry different ACL ids or RFC numbers: those catalogs already say they are
two documents).  So are two
records that share a DOI or another key while an identity id (ACL, RFC, S2,
OpenAlex, arXiv) differs: upstream data errors such as two Anthology papers
given one DOI keep both papers.

Authors of a merged paper are matched by folded full name, else by last name
plus first initial when that is unambiguous in both lists; the newcomer's
ids, ORCID and affiliation are added to the matched person only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .ids import fold, title_key
from .model import Author, AuthorRef, Paper

ID_KEYS = ("acl", "openalex", "s2", "dblp", "pmid", "hf", "mag", "corpusid", "rfc")
# Ids naming exactly one document: two records sharing a DOI but differing in
# one of these are two papers.
IDENTITY_KEYS = ("acl", "rfc", "s2", "openalex")


def paper_keys(p: Paper) -> list[tuple[str, str]]:
    """Identifier keys that make two records the same paper."""
    keys: list[tuple[str, str]] = []
    if p.arxiv:
        keys.append(("arxiv", p.arxiv.lower()))
    if p.doi:
        keys.append(("doi", p.doi.lower()))
        # arXiv's own DOIs name the arXiv id: 10.48550/arxiv.2401.12345
        if p.doi.startswith("10.48550/arxiv."):
            keys.append(("arxiv", p.doi[len("10.48550/arxiv."):]))
    for k in ID_KEYS:
        if p.ids.get(k):
            keys.append((k, p.ids[k].lower()))
    return keys


def first_author_key(p: Paper) -> str | None:
    if not p.authors:
        return None
    parts = fold(p.authors[0].name).split()
    return parts[-1] if parts else None


@dataclass
class MergeStats:
    new: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    near_duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (new title, existing id, why)


class PaperIndex:
    """All papers of a catalog, indexed by every key they can be matched on."""

    def __init__(self, papers: Iterable[Paper] = ()):
        self.papers: dict[str, Paper] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self.by_title: dict[str, list[str]] = {}
        for p in papers:
            self._add(p)

    def _index(self, p: Paper) -> None:
        for k in paper_keys(p):
            self.by_key.setdefault(k, p.id)
        ids = self.by_title.setdefault(title_key(p.title), [])
        if p.id not in ids:
            ids.append(p.id)

    def _add(self, p: Paper) -> None:
        self.papers[p.id] = p
        self._index(p)

    def find(self, p: Paper) -> tuple[Paper | None, str | None]:
        """The catalog paper ``p`` is the same as, or (None, near-duplicate reason)."""
        near = None
        for k in paper_keys(p):
            pid = self.by_key.get(k)
            if pid:
                other = self.papers[pid]
                # A shared DOI between two different Anthology papers or RFCs is a
                # data error upstream (J10-1006/J10-1008): keep both, ask a person.
                clash = [n for n in IDENTITY_KEYS if p.ids.get(n) and other.ids.get(n)
                         and p.ids[n].lower() != other.ids[n].lower()]
                if p.arxiv and other.arxiv and p.arxiv != other.arxiv:
                    clash.append("arxiv")
                if clash:
                    near = f"shares {k[0]} {k[1]} with {pid} but {clash[0]} ids differ"
                    continue
                return other, None
        for pid in self.by_title.get(title_key(p.title), ()):
            other = self.papers[pid]
            # Two sources with ids that disagree are two papers (e.g. two editions).
            if _ids_conflict(p, other):
                # Two Anthology ids (or RFC numbers) are two documents by the catalog's
                # own word: "Advertisements" in 58 CL issues is not worth a review line.
                if not any(p.ids.get(k) and other.ids.get(k) for k in ("acl", "rfc")):
                    near = f"same title as {pid} but different identifiers"
                continue
            if p.year and other.year and p.year != other.year:
                near = f"same title as {pid} but year {p.year} vs {other.year}"
                continue
            a, b = first_author_key(p), first_author_key(other)
            if a and b and a != b:
                near = f"same title as {pid} but first author {a!r} vs {b!r}"
                continue
            return other, None
        return None, near

    def add(self, p: Paper, stats: MergeStats) -> Paper:
        """Merge ``p`` into the index; returns the catalog's paper it became."""
        existing, near = self.find(p)
        if existing is None:
            pid = p.id
            n = 2
            while pid in self.papers:  # a different paper that slugs alike
                pid = f"{p.id}-{n}"
                n += 1
            p.id = pid
            self._add(p)
            stats.new += 1
            if near:
                stats.near_duplicates.append((p.title, pid, near))
            return p
        before = existing.to_dict()
        merge_paper(existing, p)
        self._index(existing)
        if existing.to_dict() != before:
            stats.updated += 1
        else:
            stats.unchanged += 1
        stats.merged += 1
        return existing


def _ids_conflict(a: Paper, b: Paper) -> bool:
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return True
    if a.doi and b.doi and a.doi != b.doi:
        return True
    return any(a.ids.get(k) and b.ids.get(k) and a.ids[k] != b.ids[k] for k in ID_KEYS)


def _union(into: list, more: Iterable) -> None:
    for x in more:
        if x not in into:
            into.append(x)


def merge_paper(into: Paper, new: Paper) -> None:
    """Fold ``new`` into ``into`` by the precedence in this module's docstring."""
    for name in ("abstract", "venue", "arxiv", "doi", "url", "pdf", "code", "notes", "author_count"):
        if getattr(into, name) in (None, "") and getattr(new, name) not in (None, ""):
            setattr(into, name, getattr(new, name))
    if new.type and (into.type is None or (into.type == "preprint" and new.type != "preprint")):
        into.type = new.type
    if new.date and (into.date is None or (len(new.date) > len(into.date) and new.date[:4] == into.date[:4])):
        into.date = new.date
    if new.upvotes is not None and (into.upvotes is None or new.upvotes > into.upvotes):
        into.upvotes = new.upvotes
    for k, v in new.ids.items():
        into.ids.setdefault(k, v)
    _union(into.orgs, new.orgs)
    _union(into.topics, new.topics)
    _union(into.references, new.references)
    into.listed = sorted(set(into.listed) | set(new.listed))
    _union(into.sources, new.sources)
    into.sources.sort(key=lambda s: s.sort_key())
    for k, v in new.extra.items():
        into.extra.setdefault(k, v)
    if not into.authors:
        into.authors = list(new.authors)
    else:
        _enrich_authors(into.authors, new.authors)


def _loose_key(name: str) -> str:
    """Last name plus first initial: 'J. B. Postel' and 'Jon Postel' meet, 'S. Liu' and 'G. Liu' do not."""
    from .catalog import name_key

    parts = name_key(name).split()
    return f"{parts[-1]} {parts[0][0]}" if len(parts) > 1 else (parts[0] if parts else "")


def _enrich_authors(into: list[AuthorRef], new: list[AuthorRef]) -> None:
    """Add the newcomer's ids, ORCIDs and affiliations to the same people in ``into``.

    A person is matched by the full folded name, else by last name and first
    initial when exactly one author of each list has them, so two co-authors
    sharing a last name never swap identifiers.
    """
    from .catalog import name_key

    exact: dict[str, AuthorRef] = {}
    loose: dict[str, list[AuthorRef]] = {}
    for ref in into:
        exact.setdefault(name_key(ref.name), ref)
        loose.setdefault(_loose_key(ref.name), []).append(ref)
    new_loose: dict[str, int] = {}
    for ref in new:
        k = _loose_key(ref.name)
        new_loose[k] = new_loose.get(k, 0) + 1
    for ref in new:
        mine = exact.get(name_key(ref.name))
        if mine is None:
            k = _loose_key(ref.name)
            same = loose.get(k, [])
            if len(same) != 1 or new_loose.get(k) != 1:
                continue
            mine = same[0]
        mine.id = mine.id or ref.id
        mine.orcid = mine.orcid or ref.orcid
        mine.affiliation = mine.affiliation or ref.affiliation
        for k2, v in ref.ids.items():
            mine.ids.setdefault(k2, v)


def merge_author(into: Author, new: Author) -> None:
    """Fold a second record of the same person into the first (first one wins)."""
    for name in ("affiliation", "bio", "orcid", "homepage"):
        if getattr(into, name) in (None, "") and getattr(new, name):
            setattr(into, name, getattr(new, name))
    if new.name != into.name and new.name not in into.aliases:
        into.aliases.append(new.name)
    _union(into.aliases, [a for a in new.aliases if a != into.name])
    _union(into.topics, new.topics)
    _union(into.not_same_as, new.not_same_as)
    for k, v in new.ids.items():
        into.ids.setdefault(k, v)
    for k, v in new.figures.items():
        into.figures.setdefault(k, v)
    _union(into.sources, new.sources)
    into.sources.sort(key=lambda s: s.sort_key())
