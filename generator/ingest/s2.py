"""Semantic Scholar Graph API responses: paper, search, batch and paginated bodies.

Shapes recognised (the body as the API sent it, saved to a file):

* one paper ``{"paperId": ...}`` (its ``references`` become reference ids);
* one author ``{"authorId": ...}`` (an Author record, plus its ``papers``);
* a batch: a bare JSON list, where ``null`` marks an id that was not found
  (reported as a Problem, never a paper);
* search / paginated pages ``{"data": [...], "offset", "next"|"token"}``,
  whose items may be wrapped: ``{"citingPaper": {...}}`` on a citations page,
  ``{"citedPaper": {...}}`` on a references page.  A citing paper gets a
  reference to the paper the page is about, when ``ctx.about`` names it
  (the file does not say);
* error bodies ``{"error": ...}`` / ``{"message": ...}`` and an empty page
  (``total: 0`` with no ``data``) are refused with the API's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import IngestError, Problem
from ..ids import author_id
from ..model import Author, Source
from . import IngestContext, Item
from ._common import arxiv_of, clean, doi_of, emit, few, obj, read_json

TYPES = {"JournalArticle": "article", "Conference": "inproceedings", "Review": "article", "Book": "book",
         "BookSection": "incollection", "Dataset": "dataset", "Thesis": "thesis", "Preprint": "preprint"}
# externalIds key -> Paper.ids key
EXT = {"ACL": "acl", "MAG": "mag", "PubMed": "pmid", "CorpusId": "corpusid", "DBLP": "dblp"}


def ref_id(item: dict[str, Any]) -> str | None:
    """The typed id another engineer resolves: doi:, arxiv:, acl:, else s2:."""
    ext = obj(item, "externalIds")
    if doi := doi_of(ext.get("DOI")):
        return f"doi:{doi}"
    if arxiv := arxiv_of(ext.get("ArXiv")):
        return f"arxiv:{arxiv}"
    if acl := clean(ext.get("ACL")):
        return f"acl:{acl}"
    pid = clean(item.get("paperId"))
    return f"s2:{pid}" if pid else None


def _authors(value: Any) -> list[dict[str, Any]]:
    out = []
    for a in value if isinstance(value, list) else []:
        if isinstance(a, dict) and (name := clean(a.get("name"))):
            ref: dict[str, Any] = {"name": name}
            if aid := clean(a.get("authorId")):
                ref["ids"] = {"s2": aid}
            out.append(ref)
    return out


def paper_record(item: dict[str, Any]) -> dict[str, Any]:
    """A native record for one S2 paper object."""
    ext = obj(item, "externalIds")
    ids: dict[str, str] = {}
    if pid := clean(item.get("paperId")):
        ids["s2"] = pid
    for k, name in EXT.items():
        if (v := clean(ext.get(k))) is not None:
            ids[name] = v
    if "corpusid" not in ids and clean(item.get("corpusId")):
        ids["corpusid"] = str(clean(item.get("corpusId")))
    journal = obj(item, "journal")
    venue_obj = obj(item, "publicationVenue")
    pdf = obj(item, "openAccessPdf")
    fields = [str(f.get("category") or "") for f in item.get("s2FieldsOfStudy") or [] if isinstance(f, dict)]
    fields += [str(f) for f in item.get("fieldsOfStudy") or [] if isinstance(f, str)]
    types = [t for t in item.get("publicationTypes") or [] if isinstance(t, str)]
    refs = [r for x in item.get("references") or [] if isinstance(x, dict) and (r := ref_id(x))]
    tldr = obj(item, "tldr")
    return {
        "title": clean(item.get("title")),
        "authors": _authors(item.get("authors")),
        "date": clean(item.get("publicationDate")) or clean(item.get("year")),
        "type": next((TYPES[t] for t in types if t in TYPES), None),
        "venue": clean(item.get("venue")) or clean(venue_obj.get("name")) or clean(journal.get("name")),
        "abstract": clean(item.get("abstract")),
        "doi": doi_of(ext.get("DOI")),
        "arxiv": arxiv_of(ext.get("ArXiv")),
        "url": clean(item.get("url")),
        "pdf": clean(pdf.get("url")),
        "ids": ids,
        "topics": few(fields, 2),
        "references": refs,
        "tldr": clean(tldr.get("text")),
    }


def author_record(item: dict[str, Any], file: str) -> Author | None:
    """An Author for an S2 author object; the S2 id keeps namesakes apart."""
    name, aid = clean(item.get("name")), clean(item.get("authorId"))
    if not name or not aid:
        return None
    homepage = clean(item.get("homepage"))
    figures = {k: item[k] for k in ("paperCount", "citationCount", "hIndex") if isinstance(item.get(k), int)}
    affs = [a for x in item.get("affiliations") or [] if (a := clean(x))]
    return Author(
        # Namesakes are common ("A. Turing" is several S2 authors), so the id carries the S2 id.
        id=f"{author_id(name)}-s2-{aid}", name=name, ids={"s2": aid},
        affiliation=affs[0] if affs else None,
        homepage=homepage if homepage and homepage.startswith(("http://", "https://")) else None,
        figures=figures, sources=[Source("s2", file, aid)],
    )


def items_of(data: Any, path: Path) -> list[Any]:
    """The records in a response body; error and empty bodies are refused."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise IngestError(f"{path}: not a Semantic Scholar response (a {type(data).__name__})")
    if "paperId" in data or "authorId" in data or "citingPaper" in data or "citedPaper" in data:
        return [data]
    if "error" in data or ("message" in data and "data" not in data):
        raise IngestError(f"{path}: the Semantic Scholar API returned an error, not papers: "
                          f"{clean(data.get('error')) or clean(data.get('message'))}")
    if "data" in data and isinstance(data["data"], list):
        if not data["data"]:
            raise IngestError(f"{path}: the Semantic Scholar page holds no results; nothing to add")
        return data["data"]
    if "total" in data or "offset" in data:
        raise IngestError(f"{path}: the Semantic Scholar page holds no results (total {data.get('total', '?')}, "
                          "no 'data'); nothing to add")
    raise IngestError(f"{path}: not a Semantic Scholar paper, author, batch or page response")


def _paper(item: dict[str, Any], path: Path, key: str, cites: str | None) -> Iterator[Item]:
    rec = paper_record(item)
    if cites and cites not in rec["references"]:
        rec["references"].append(cites)
    yield from emit(rec, "s2", path, clean(item.get("paperId")) or key)


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers (and authors) from one Semantic Scholar response body."""
    about = getattr(ctx, "about", None)
    for i, item in enumerate(items_of(read_json(path), path), 1):
        key = f"#{i}"
        if item is None:
            yield Problem(path.name, key, "-", "null in a batch response: the id asked for was not found")
            continue
        if not isinstance(item, dict):
            yield Problem(path.name, key, "-", f"item is {type(item).__name__}, not a paper; skipped")
            continue
        if isinstance(item.get("citingPaper"), dict):
            yield from _paper(item["citingPaper"], path, key, about)
        elif isinstance(item.get("citedPaper"), dict):
            yield from _paper(item["citedPaper"], path, key, None)
        elif "authorId" in item and "paperId" not in item:
            author = author_record(item, path.name)
            if author is None:
                yield Problem(path.name, key, "name", "author without a name or id; skipped")
                continue
            yield author
            for j, paper in enumerate(item.get("papers") or [], 1):
                if isinstance(paper, dict):
                    yield from _paper(paper, path, f"{key}.papers[{j}]", None)
        else:
            yield from _paper(item, path, key, None)
