"""The citation graph inside the catalog: typed reference ids resolved to papers.

Readers keep what a source says about references and citations as strings,
and this module resolves them once, after merging, against every
identifier the catalog knows (``merge.paper_keys``).  The shape agreed with
the readers (native YAML, Semantic Scholar, OpenAlex):

``Paper.references`` (list of str)
    Papers this paper cites, in the source's order.  Each is either a
    catalog paper id (``attention-is-all-you-need-2017``) or a typed
    external id ``<scheme>:<value>``: ``doi:10.1145/…``, ``arxiv:1706.03762``,
    ``s2:<40-hex paperId>``, ``openalex:W2741809807`` (a full
    ``https://openalex.org/W…`` URL is accepted too), ``acl:P19-1001``,
    and the other ``merge.ID_KEYS`` schemes (``corpusid:``, ``dblp:``,
    ``mag:``, ``pmid:``, ``hf:``).  A reader picks the most widely shared id
    it has (DOI, then arXiv, then its own), one string per cited work.

``Paper.extra["citations"]`` (list of str)
    Papers that cite this one, in the same id forms, when a source lists
    incoming citations (Semantic Scholar ``/paper/{id}/citations``).  A
    citing paper that is in the catalog gets the edge as if it had listed
    this paper among its references.

``Paper.extra["reference_titles"]`` (mapping str -> str)
    Titles of works named in ``references`` or ``citations``, keyed by the
    same string, so works outside the catalog can be shown as plain text.
    (``extra["citation_titles"]`` is read too and merged into it.)

Ids that match no catalog paper are kept as *external* references or
citations: counted, and listed by title where one is known.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .ids import normalise_arxiv, normalise_doi
from .merge import ID_KEYS, paper_keys
from .model import Paper

if TYPE_CHECKING:  # the catalog imports this module
    from .catalog import Catalog

SCHEMES = ("doi", "arxiv", *ID_KEYS)
_OPENALEX = re.compile(r"^(?:https?://(?:www\.)?openalex\.org/)?(w\d+)$", re.I)


@dataclass
class CitationGraph:
    """Who cites whom inside the catalog, and what lies outside it."""

    references: dict[str, list[str]] = field(default_factory=dict)           # id -> catalog ids it cites
    cited_by: dict[str, list[str]] = field(default_factory=dict)             # id -> catalog ids citing it
    external_references: dict[str, list[str]] = field(default_factory=dict)  # id -> unresolved ref strings
    external_citations: dict[str, list[str]] = field(default_factory=dict)   # id -> unresolved citer strings
    titles: dict[str, dict[str, str]] = field(default_factory=dict)          # id -> {ref string: title}

    def cited_count(self, pid: str) -> int:
        """How many catalog papers cite ``pid``: the catalog's ranking signal."""
        return len(self.cited_by.get(pid, ()))

    def edges(self) -> int:
        return sum(len(v) for v in self.references.values())


@functools.lru_cache(maxsize=1 << 16)  # popular works are cited by many papers of a catalog
def key_of(ref: str) -> tuple[str, str] | None:
    """The match key of a typed id (``doi:10.1/X`` -> ('doi', '10.1/x')), or None."""
    scheme, sep, value = ref.partition(":")
    if not sep:
        return None
    scheme, value = scheme.strip().lower(), value.strip()
    if scheme == "https" or scheme == "http":  # a bare URL: a DOI or arXiv link
        doi = normalise_doi(ref) if "doi.org/" in ref else None
        if doi:
            return ("doi", doi)
        arxiv = normalise_arxiv(ref) if "arxiv.org/" in ref else None
        return ("arxiv", arxiv.lower()) if arxiv else None
    if scheme == "doi":
        doi = normalise_doi(value)
        return ("doi", doi) if doi else None
    if scheme == "arxiv":
        arxiv = normalise_arxiv(value)
        return ("arxiv", arxiv.lower()) if arxiv else None
    if scheme == "openalex":
        m = _OPENALEX.match(value)
        return ("openalex", m.group(1).lower()) if m else None
    if scheme in ID_KEYS and value:
        return (scheme, value.lower())
    return None


def _keys(p: Paper) -> list[tuple[str, str]]:
    keys = paper_keys(p)
    # Readers may store an OpenAlex id as a URL; match on the bare W-number too.
    oa = p.ids.get("openalex")
    if oa:
        m = _OPENALEX.match(oa.strip())
        if m:
            keys.append(("openalex", m.group(1).lower()))
    return keys


class Resolver:
    """Maps reference strings to catalog paper ids."""

    def __init__(self, papers: dict[str, Paper]):
        self.papers = papers
        self.by_key: dict[tuple[str, str], str] = {}
        for pid in sorted(papers):
            for k in _keys(papers[pid]):
                self.by_key.setdefault(k, pid)

    def resolve(self, ref: str) -> str | None:
        """The catalog paper id ``ref`` names, or None when it is outside the catalog."""
        ref = ref.strip()
        if ref in self.papers:
            return ref
        key = key_of(ref)
        if key is None:
            return None
        pid = self.by_key.get(key)
        if pid is None and key[0] == "doi" and key[1].startswith("10.48550/arxiv."):
            pid = self.by_key.get(("arxiv", key[1][len("10.48550/arxiv."):]))
        return pid


def _titles(p: Paper) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ("citation_titles", "reference_titles"):
        value: Any = p.extra.get(name)
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, str) and v.strip():
                    out[str(k)] = " ".join(v.split())
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def build_graph(papers: dict[str, Paper]) -> CitationGraph:
    """Resolve every paper's references and incoming citations against ``papers``."""
    resolver = Resolver(papers)
    # dicts as ordered sets: first-seen order, constant-time "seen already?"
    refs: dict[str, dict[str, None]] = defaultdict(dict)
    ext_refs: dict[str, dict[str, None]] = defaultdict(dict)
    ext_cits: dict[str, dict[str, None]] = defaultdict(dict)
    titles: dict[str, dict[str, str]] = {}
    for pid in sorted(papers):
        p = papers[pid]
        for ref in p.references:
            target = resolver.resolve(ref)
            if target is None:
                ext_refs[pid][ref] = None
            elif target != pid:
                refs[pid][target] = None
        t = _titles(p)
        if t:
            titles[pid] = t
    # Incoming citations become edges of the citing paper, after its own references.
    implied: dict[str, set[str]] = defaultdict(set)
    for pid in sorted(papers):
        for ref in _strings(papers[pid].extra.get("citations")):
            citer = resolver.resolve(ref)
            if citer is None:
                ext_cits[pid][ref] = None
            elif citer != pid:
                implied[citer].add(pid)
    for citer, cited in implied.items():
        for target in sorted(cited):
            refs[citer].setdefault(target, None)
    citers: dict[str, set[str]] = defaultdict(set)
    for citer, targets in refs.items():
        for target in targets:
            citers[target].add(citer)
    return CitationGraph(
        references={k: list(v) for k, v in sorted(refs.items()) if v},
        cited_by={k: sorted(v) for k, v in sorted(citers.items())},
        external_references={k: list(v) for k, v in sorted(ext_refs.items()) if v},
        external_citations={k: list(v) for k, v in sorted(ext_cits.items()) if v},
        titles=titles,
    )


def resolve_citations(cat: Catalog) -> CitationGraph:
    """The graph of a built catalog; called by ``catalog.build_catalog``."""
    return build_graph(cat.papers)
