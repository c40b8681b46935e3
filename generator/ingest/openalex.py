"""OpenAlex works: a single work (``/works/W...``) or a list response (``meta`` + ``results``).

Kept from each work: its OpenAlex, DOI, MAG, PubMed and arXiv ids (an arXiv
landing page among the locations gives the arXiv id, so the preprint and
the published record merge), authors with their OpenAlex ids, ORCIDs and
first institution, the abstract rebuilt from ``abstract_inverted_index``,
``referenced_works`` as ``openalex:W...`` references, and a few topics
(the primary topic and up to two keywords).  An error body is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import IngestError, Problem
from ..model import ORCID_RE
from . import IngestContext, Item
from ._common import arxiv_of, clean, doi_of, emit, few, obj, read_json

TYPES = {
    "article": "article", "journal-article": "article", "book-chapter": "incollection", "book": "book",
    "dissertation": "thesis", "preprint": "preprint", "posted-content": "preprint", "dataset": "dataset",
    "report": "report", "proceedings-article": "inproceedings", "proceedings": "proceedings",
    "review": "article", "letter": "article", "editorial": "article", "monograph": "book",
    "reference-entry": "incollection", "standard": "techreport", "software": "software",
}


def short_id(value: Any) -> str | None:
    """'https://openalex.org/W123' -> 'W123'."""
    text = clean(value)
    return text.rstrip("/").rsplit("/", 1)[-1] if text else None


def abstract_text(index: Any) -> str | None:
    """The abstract from OpenAlex's inverted index {word: [positions]}."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions if isinstance(positions, list) else []:
            if isinstance(pos, int):
                slots[pos] = word
    return " ".join(slots[i] for i in sorted(slots)) or None


def _orcid(value: Any) -> str | None:
    tail = short_id(value)
    return tail if tail and ORCID_RE.match(tail) else None


def _authors(work: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for a in work.get("authorships") or []:
        if not isinstance(a, dict):
            continue
        person = a.get("author") or {}
        name = clean(person.get("display_name")) or clean(a.get("raw_author_name"))
        if not name:
            continue
        ref: dict[str, Any] = {"name": name}
        if aid := short_id(person.get("id")):
            ref["ids"] = {"openalex": aid}
        if orcid := _orcid(person.get("orcid")):
            ref["orcid"] = orcid
        inst = next((i for i in a.get("institutions") or [] if isinstance(i, dict)), None)
        if inst and clean(inst.get("display_name")):
            ref["affiliation"] = clean(inst.get("display_name"))
        out.append(ref)
    return out


def _locations(work: dict[str, Any]) -> list[dict[str, Any]]:
    locs = [work.get("primary_location"), work.get("best_oa_location"), *(work.get("locations") or [])]
    return [loc for loc in locs if isinstance(loc, dict)]


def work_record(work: dict[str, Any]) -> dict[str, Any]:
    """A native record for one OpenAlex work."""
    ids_in = work.get("ids") or {}
    ids: dict[str, str] = {}
    if oid := short_id(work.get("id") or ids_in.get("openalex")):
        ids["openalex"] = oid
    if mag := clean(ids_in.get("mag")):
        ids["mag"] = mag
    if pmid := short_id(ids_in.get("pmid")):
        ids["pmid"] = pmid
    locs = _locations(work)
    arxiv = next((a for loc in locs if "arxiv.org" in str(loc.get("landing_page_url") or "")
                  and (a := arxiv_of(str(loc["landing_page_url"])))), None)
    primary = obj(work, "primary_location")
    source = obj(primary, "source")
    topic = obj(work, "primary_topic")
    keywords = [str(k.get("display_name") or k.get("keyword") or "") for k in work.get("keywords") or []
                if isinstance(k, dict)]
    date = clean(work.get("publication_date")) or clean(work.get("publication_year"))
    refs = [f"openalex:{w}" for r in work.get("referenced_works") or [] if (w := short_id(r))]
    return {
        "title": clean(work.get("title")) or clean(work.get("display_name")),
        "authors": _authors(work),
        "date": date,
        "type": TYPES.get(str(work.get("type") or ""), "misc"),
        "venue": clean(source.get("display_name")),
        "abstract": abstract_text(work.get("abstract_inverted_index")),
        "doi": doi_of(work.get("doi") or ids_in.get("doi")),
        "arxiv": arxiv,
        "url": clean(primary.get("landing_page_url")),
        "pdf": next((clean(loc.get("pdf_url")) for loc in locs if clean(loc.get("pdf_url"))), None),
        "ids": ids,
        "topics": few([str(topic.get("display_name") or ""), *keywords[:2]]),
        "references": refs,
    }


def works(data: Any, path: Path) -> list[Any]:
    """The works in a response body: a list response, a single work, or a bare list."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise IngestError(f"{path}: not an OpenAlex response (a {type(data).__name__})")
    if "error" in data and "id" not in data:
        raise IngestError(f"{path}: the OpenAlex API returned an error, not works: "
                          f"{clean(data.get('message')) or clean(data.get('error'))}")
    if "results" in data:
        results = data["results"]
        if not isinstance(results, list) or not results:
            raise IngestError(f"{path}: the OpenAlex list response holds no results; nothing to add")
        return results
    if "id" in data:
        return [data]
    raise IngestError(f"{path}: not an OpenAlex work or list response (no 'id' or 'results')")


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers from an OpenAlex work or list response."""
    for i, work in enumerate(works(read_json(path), path), 1):
        if not isinstance(work, dict):
            yield Problem(path.name, f"#{i}", "-", f"result is {type(work).__name__}, not a work; skipped")
            continue
        key = short_id(work.get("id")) or f"#{i}"
        yield from emit(work_record(work), "openalex", path, key)
