"""The catalog: papers and authors resolved against each other, with indexes.

Built once, in memory, before any page is written.  Everything the page
generators need (papers per author, topic, venue, year, day; co-authors)
is computed here, so page code only formats.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .citations import CitationGraph, resolve_citations
from .errors import Problem
from .ids import author_id, fold, slug
from .model import Author, AuthorRef, Paper


def name_key(name: str) -> str:
    """A person's name folded for matching: case, accents, 'Last, First' order."""
    if "," in name:
        last, _, first = name.partition(",")
        # "von Hicks, III, Michael": the suffix part is dropped for matching
        first = first.split(",")[-1]
        name = f"{first} {last}"
    return fold(name)


@dataclass
class Catalog:
    papers: dict[str, Paper]
    authors: dict[str, Author]
    problems: list[Problem] = field(default_factory=list)
    papers_of: dict[str, list[str]] = field(default_factory=dict)       # author id -> paper ids
    coauthors: dict[str, Counter[str]] = field(default_factory=dict)    # author id -> co-author counts
    by_topic: dict[str, list[str]] = field(default_factory=dict)        # topic slug -> paper ids
    by_org: dict[str, list[str]] = field(default_factory=dict)
    by_venue: dict[str, list[str]] = field(default_factory=dict)
    by_year: dict[int, list[str]] = field(default_factory=dict)
    by_day: dict[str, list[str]] = field(default_factory=dict)          # listing day -> paper ids
    names: dict[str, str] = field(default_factory=dict)                 # facet slug -> display name
    cited_by: dict[str, list[str]] = field(default_factory=dict)        # paper id -> citing paper ids
    citations: CitationGraph = field(default_factory=CitationGraph)     # references resolved, both ways

    def newest_first(self, ids: list[str]) -> list[str]:
        """Paper ids sorted newest first, then by title: the order of every listing."""
        return sorted(ids, key=lambda i: (_neg_date(self.papers[i].date), self.papers[i].title.lower(), i))


def _neg_date(date: str | None) -> tuple[int, str]:
    # Undated papers sort last; among dated ones newer first.
    if not date:
        return (1, "")
    inverted = "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in date.ljust(10, "0"))
    return (0, inverted)


class _AuthorResolver:
    """Maps each name as written on a paper to one author id.

    Evidence, strongest first: an explicit author id on the reference, a
    shared ORCID, a shared external id (S2, OpenAlex, ACL), then the folded
    name or a known alias.  Hand-written author records in ``content/`` are
    indexed first, so their ids and aliases always win.
    """

    def __init__(self, authors: dict[str, Author]):
        self.authors = authors
        self.by_orcid: dict[str, str] = {}
        self.by_ext: dict[tuple[str, str], str] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        # author id -> folded names of everyone they have written with so far
        self.coauthor_names: dict[str, set[str]] = {}
        for a in sorted(authors.values(), key=lambda a: a.id):
            self._index(a)

    def _index(self, a: Author) -> None:
        if a.orcid:
            self.by_orcid.setdefault(a.orcid, a.id)
        for k, v in a.ids.items():
            self.by_ext.setdefault((k, v), a.id)
        for n in [a.name, *a.aliases]:
            key = name_key(n)
            if a.id not in self.by_name[key]:
                self.by_name[key].append(a.id)

    def resolve(self, ref: AuthorRef, coauthor_keys: set[str]) -> str:
        if ref.id and ref.id in self.authors:
            return ref.id
        if ref.orcid and ref.orcid in self.by_orcid:
            return self.by_orcid[ref.orcid]
        for k, v in ref.ids.items():
            if (k, v) in self.by_ext:
                return self.by_ext[(k, v)]
        key = name_key(ref.name)
        candidates = [c for c in self.by_name.get(key, []) if not self._conflicts(self.authors[c], ref)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            # Two people with one name: the one who shares co-authors wins.
            return max(candidates, key=lambda c: (len(self.coauthor_names.get(c, set()) & coauthor_keys), c == candidates[0]))
        return self._create(ref)

    @staticmethod
    def _conflicts(a: Author, ref: AuthorRef) -> bool:
        if a.orcid and ref.orcid and a.orcid != ref.orcid:
            return True
        return any(a.ids.get(k) and a.ids[k] != v for k, v in ref.ids.items())

    def _create(self, ref: AuthorRef) -> str:
        base = ref.id or author_id(ref.name)
        aid, n = base, 2
        while aid in self.authors:
            aid = f"{base}-{n}"
            n += 1
        a = Author(id=aid, name=ref.name, orcid=ref.orcid, affiliation=ref.affiliation, ids=dict(ref.ids))
        self.authors[aid] = a
        self._index(a)
        return aid


def build_catalog(papers: dict[str, Paper], authors: dict[str, Author]) -> Catalog:
    """Resolve authors and compute every index the pages need."""
    authors = dict(authors)
    resolver = _AuthorResolver(authors)
    cat = Catalog(papers=dict(sorted(papers.items())), authors=authors)
    papers_of: dict[str, list[str]] = defaultdict(list)
    coauthors: dict[str, Counter[str]] = defaultdict(Counter)
    for p in cat.papers.values():
        keys = {name_key(r.name) for r in p.authors}
        resolved: list[str] = []
        for ref in p.authors:
            aid = resolver.resolve(ref, keys)
            ref.id = aid
            resolver.coauthor_names.setdefault(aid, set()).update(keys)
            if aid not in resolved:
                resolved.append(aid)
        for aid in resolved:
            papers_of[aid].append(p.id)
            for other in resolved:
                if other != aid:
                    coauthors[aid][other] += 1
        for t in p.topics:
            s = slug(t) or "topic"
            cat.by_topic.setdefault(s, []).append(p.id)
            cat.names.setdefault(f"topic:{s}", t)
        for o in p.orgs:
            s = slug(o) or "org"
            cat.by_org.setdefault(s, []).append(p.id)
            cat.names.setdefault(f"org:{s}", o)
        if p.venue:
            s = slug(p.venue) or "venue"
            cat.by_venue.setdefault(s, []).append(p.id)
            cat.names.setdefault(f"venue:{s}", p.venue)
        if p.year:
            cat.by_year.setdefault(p.year, []).append(p.id)
        for day in p.listed:
            cat.by_day.setdefault(day, []).append(p.id)
    # Authors named by no paper still get their page (a profile with no works yet).
    cat.papers_of = {aid: cat.newest_first(papers_of.get(aid, [])) for aid in sorted(authors)}
    cat.coauthors = {aid: coauthors.get(aid, Counter()) for aid in sorted(authors)}
    cat.authors = dict(sorted(authors.items()))
    for index in (cat.by_topic, cat.by_org, cat.by_venue):
        for k in index:
            index[k] = cat.newest_first(index[k])
    for y in cat.by_year:
        cat.by_year[y] = cat.newest_first(cat.by_year[y])
    for day in cat.by_day:
        # A daily listing is ordered like the page it came from: most upvoted first.
        cat.by_day[day].sort(key=lambda i: (-(cat.papers[i].upvotes or 0), cat.papers[i].title.lower(), i))
    # Citation graph inside the catalog: typed reference ids resolved in generator/citations.py.
    cat.citations = resolve_citations(cat)
    cat.cited_by = cat.citations.cited_by
    return cat
