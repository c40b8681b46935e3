"""CSL-JSON out: the citation format of Zotero, Pandoc and citeproc processors.

One record per paper, with the BibTeX key as ``id`` so the three export
formats name a paper the same way.  Names are split into family and given at
the last space (the catalog stores names as written); a one-word name or a
name written "Family, Given" is kept as the writer gave it.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Paper

TYPE_MAP = {
    "article": "article-journal", "inproceedings": "paper-conference", "proceedings": "book",
    "book": "book", "inbook": "chapter", "incollection": "chapter", "thesis": "thesis",
    "techreport": "report", "report": "report", "manual": "book", "preprint": "article",
    "misc": "article", "dataset": "dataset", "software": "software",
}


def split_name(name: str) -> dict[str, str]:
    """A CSL name: {"family", "given"} when the name can be split, else {"literal"}."""
    if "," in name:
        family, given = (x.strip() for x in name.split(",", 1))
        return {"family": family, "given": given} if family and given else {"literal": name}
    parts = name.split()
    if len(parts) < 2:
        return {"literal": name}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def record(p: Paper, key: str, site_url: str | None = None) -> dict[str, Any]:
    """The CSL-JSON item of one paper."""
    item: dict[str, Any] = {"id": key, "type": TYPE_MAP.get(p.type or "misc", "article"), "title": p.title}
    if p.authors:
        item["author"] = [split_name(a.name) for a in p.authors]
    if p.date:
        item["issued"] = {"date-parts": [[int(x) for x in p.date.split("-")]]}
    if p.venue:
        item["container-title"] = p.venue
    if p.doi:
        item["DOI"] = p.doi
    if p.arxiv:
        item["number"] = f"arXiv:{p.arxiv}"
        item.setdefault("publisher", "arXiv")
    url = p.url or (f"https://arxiv.org/abs/{p.arxiv}" if p.arxiv else None) or site_url
    if url:
        item["URL"] = url
    if p.abstract:
        item["abstract"] = p.abstract
    if p.topics:
        item["keyword"] = ", ".join(p.topics)
    return item


def dumps(items: list[dict[str, Any]]) -> str:
    """CSL-JSON text: a JSON array, stable key order, UTF-8 kept readable."""
    return json.dumps(items, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
