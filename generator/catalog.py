"""The catalog: papers and authors resolved against each other, with indexes.

Built once, in memory, before any page is written.  Everything the page
generators need (papers per author, topic, venue, year, day; co-authors)
is computed here, so page code only formats.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .citations import CitationGraph, resolve_citations
from .errors import Problem
from .ids import author_id, fold, slug
from .model import Author, AuthorRef, Paper

MAX_COAUTHORED = 100  # authors on a paper beyond which its co-author pairs are not counted


@functools.lru_cache(maxsize=1 << 17)  # a name is looked up once per paper it is on
def name_key(name: str) -> str:
    """A person's name folded for matching: case, accents, 'Last, First' order.

    "Müller, Zoë", "ZOË MÜLLER" and "Zoe Muller" all give "zoe muller";
    in "von Hicks, III, Michael" the suffix is dropped.
    """
    if "," in name:
        last, _, first = name.partition(",")
        # "von Hicks, III, Michael": the suffix part is dropped for matching
        first = first.split(",")[-1]
        name = f"{first} {last}"
    return fold(name)


def loose_key(key: str) -> str:
    """'jon b postel' -> 'postel j': last name and first initial of a name key."""
    parts = key.split()
    return f"{parts[-1]} {parts[0][0]}" if len(parts) > 1 else (parts[0] if parts else "")


def compatible(a: str, b: str) -> bool:
    """Two name keys can name one person: same last name, given names agree where
    both are written, an initial standing for any name it starts ("j b postel",
    "jon postel", "jon bruce postel")."""
    pa, pb = a.split(), b.split()
    if len(pa) < 2 or len(pb) < 2 or pa[-1] != pb[-1]:
        return False
    for x, y in zip(pa[:-1], pb[:-1], strict=False):
        if len(x) == 1 or len(y) == 1:
            if x[0] != y[0]:
                return False
        elif x != y:
            return False
    return True


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
    _rank: dict[str, int] = field(default_factory=dict, repr=False, compare=False)  # cache of newest_first
    # cache of related.same_topic: (topic slug, candidates) -> {paper id: position in the topic's list}
    _topic_positions: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict, repr=False, compare=False)
    citations: CitationGraph = field(default_factory=CitationGraph)     # references resolved, both ways

    def newest_first(self, ids: list[str]) -> list[str]:
        """Paper ids sorted newest first, then by title: the order of every listing."""
        # Listings sort many times (every author, facet, related list): rank the
        # whole catalog once and sort by that integer, instead of rebuilding the
        # date/title key on every call (this was half of page generation at 10k).
        rank = self._rank
        if len(rank) != len(self.papers):
            order = sorted(self.papers, key=lambda i: (_neg_date(self.papers[i].date), self.papers[i].title.lower(), i))
            rank = self._rank = {pid: n for n, pid in enumerate(order)}
        try:
            return sorted(ids, key=rank.__getitem__)
        except KeyError:  # an id added after ranking: sort by the key itself
            self._rank = {}
            return sorted(ids, key=lambda i: (_neg_date(self.papers[i].date), self.papers[i].title.lower(), i))


def _neg_date(date: str | None) -> tuple[int, str]:
    # Undated papers sort last; among dated ones newer first.
    if not date:
        return (1, "")
    inverted = "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in date.ljust(10, "0"))
    return (0, inverted)


class _AuthorResolver:
    """Maps each name as written on a paper to one author id.

    Evidence, strongest first:

    1. an explicit author id on the reference (a hand edit, or the ACL
       ``name_variants.yaml`` person id set by the acl reader);
    2. a shared ORCID, then a shared external id (S2, OpenAlex, ACL, HF);
    3. the folded name or a known alias ("Last, First", ALL CAPS, accents
       folded); among namesakes, ids that disagree keep people apart and the
       one sharing co-authors wins;
    4. a variant spelling (initials for given names: "J. B. Postel" and
       "Jon Postel") only together with a shared co-author.

    Hand-written author records in ``content/`` are indexed first, so their
    ids and aliases always win, and their ``not_same_as`` pins are obeyed: a
    name is never resolved to a person pinned as not being the person the
    reference's id or external ids name, nor the person whose page that
    spelling would get (``not_same_as: [j-postel]`` keeps "J. Postel" apart).  Authors created here
    (no hand record) collect the ids and spellings they were matched by, so
    later references find them.
    """

    def __init__(self, authors: dict[str, Author]):
        self.authors = authors
        self.hand = set(authors)
        self.by_orcid: dict[str, str] = {}
        self.by_ext: dict[tuple[str, str], str] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_loose: dict[str, list[str]] = defaultdict(list)
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
            if a.id not in self.by_loose[loose_key(key)]:
                self.by_loose[loose_key(key)].append(a.id)

    def resolve(self, ref: AuthorRef, coauthor_keys: set[str]) -> str:
        """The author id for ``ref`` (created when no one matches)."""
        aid = self._strong(ref)
        if aid is None:
            aid = self._by_name(ref, coauthor_keys)
        if aid is None:
            return self._create(ref)
        self._learn(aid, ref)
        return aid

    def _strong(self, ref: AuthorRef) -> str | None:
        if ref.id and ref.id in self.authors:
            return ref.id
        if ref.orcid and ref.orcid in self.by_orcid:
            return self.by_orcid[ref.orcid]
        for k, v in sorted(ref.ids.items()):
            if (k, v) in self.by_ext:
                return self.by_ext[(k, v)]
        return None

    def _by_name(self, ref: AuthorRef, coauthor_keys: set[str]) -> str | None:
        key = name_key(ref.name)
        if not key:
            return None
        others = coauthor_keys - {key}
        candidates = [c for c in self.by_name.get(key, []) if self._allowed(c, ref)]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            # Namesakes: the one who shares co-authors wins; ties go to the first indexed.
            return max(candidates, key=lambda c: (self._shared(c, others), -candidates.index(c)))
        # A variant spelling counts only with a shared co-author as well.
        variants = [c for c in self.by_loose.get(loose_key(key), [])
                    if self._allowed(c, ref) and any(compatible(key, name_key(n)) for n in self._names(c))]
        scored = [(self._shared(c, others), c) for c in variants]
        scored = [s for s in scored if s[0] > 0]
        if not scored:
            return None
        best = max(s for s, _ in scored)
        winners = [c for s, c in scored if s == best]
        return winners[0] if len(winners) == 1 else None

    def _names(self, aid: str) -> list[str]:
        a = self.authors[aid]
        return [a.name, *a.aliases]

    def _shared(self, aid: str, others: set[str]) -> int:
        mine = {loose_key(k) for k in self.coauthor_names.get(aid, set())}
        return len(mine & {loose_key(k) for k in others})

    def _allowed(self, aid: str, ref: AuthorRef) -> bool:
        """False when ids disagree, or a hand pin says ``aid`` is not the person ``ref`` names."""
        a = self.authors[aid]
        if a.orcid and ref.orcid and a.orcid != ref.orcid:
            return False
        if ref.ids and any(a.ids.get(k) and a.ids[k] != v for k, v in ref.ids.items()):
            return False
        if ref.id and ref.id != aid:
            # The reference names a person (who has no record yet): only that person.
            return False
        pinned = set(a.not_same_as)
        # A pin may name the page a spelling would get ("not_same_as: [j-postel]"):
        # that spelling then never joins this person by variant or namesake matching.
        if pinned and author_id(ref.name) in pinned and \
                name_key(ref.name) not in {name_key(n) for n in [a.name, *a.aliases]}:
            return False
        for k, v in ref.ids.items():  # the people the reference's external ids name
            other = self.by_ext.get((k, v))
            if other is not None and (other in pinned or aid in self.authors[other].not_same_as):
                return False
        return True

    def _learn(self, aid: str, ref: AuthorRef) -> None:
        """A created author remembers the ids and spelling it was matched by."""
        if aid in self.hand:
            return
        a = self.authors[aid]
        changed = False
        if ref.orcid and not a.orcid:
            a.orcid = ref.orcid
            changed = True
        for k, v in ref.ids.items():
            if k not in a.ids:
                a.ids[k] = v
                changed = True
        if ref.name != a.name and ref.name not in a.aliases:
            # Show the fullest spelling: "Jon Postel" over "J. Postel".
            if _fullness(ref.name) > _fullness(a.name):
                a.aliases.append(a.name)
                a.name = ref.name
            else:
                a.aliases.append(ref.name)
            changed = True
        if changed:
            self._index(a)

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


def _fullness(name: str) -> tuple[int, int]:
    """How much of a name is written out: letters in given names longer than an initial."""
    parts = name_key(name).split()
    return (sum(len(p) for p in parts[:-1] if len(p) > 1), len(parts))


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
        # Hyper-authored papers (large collaborations) do not make everyone a
        # co-author of everyone: counting their pairs is quadratic (3,000
        # authors = 9 million pairs) and says nothing about who works together.
        pairs = len(resolved) <= MAX_COAUTHORED
        for aid in resolved:
            papers_of[aid].append(p.id)
            if pairs:
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
