"""RIS out (EndNote, Zotero, Mendeley), written by ``rispy``.

rispy is the maintained RIS reader/writer for Python; it owns the tag
layout, repeated tags (one ``AU`` per author) and the ``ER`` terminator, so
this module only maps a Paper to rispy's field names.
"""

from __future__ import annotations

from typing import Any

import rispy

from ..model import Paper
from .csl import split_name

TYPE_MAP = {
    "article": "JOUR", "inproceedings": "CPAPER", "proceedings": "CONF", "book": "BOOK", "inbook": "CHAP",
    "incollection": "CHAP", "thesis": "THES", "techreport": "RPRT", "report": "RPRT", "manual": "BOOK",
    "preprint": "UNPB", "misc": "GEN", "dataset": "DATA", "software": "COMP",
}


def _ris_name(name: str) -> str:
    # RIS wants "Family, Given"; a name that cannot be split stays whole.
    n = split_name(name)
    return f"{n['family']}, {n['given']}" if "family" in n else n["literal"]


def record(p: Paper, key: str, site_url: str | None = None) -> dict[str, Any]:
    """The rispy record (field name -> value) of one paper."""
    r: dict[str, Any] = {"type_of_reference": TYPE_MAP.get(p.type or "misc", "GEN"), "id": key,
                         "title": " ".join(p.title.split())}
    if p.authors:
        r["authors"] = [_ris_name(a.name) for a in p.authors]
    if p.year:
        r["year"] = str(p.year)
    if p.date:
        parts = p.date.split("-") + ["", ""]
        r["date"] = f"{parts[0]}/{parts[1]}/{parts[2]}"
    if p.venue:
        r["secondary_title"] = p.venue
    if p.doi:
        r["doi"] = p.doi
    url = p.url or (f"https://arxiv.org/abs/{p.arxiv}" if p.arxiv else None) or site_url
    if url:
        r["urls"] = [url]
    if p.arxiv:
        r["notes"] = [f"arXiv:{p.arxiv}"]
    if p.abstract:
        # One line: a line break inside a RIS value would read as the end of the tag.
        r["abstract"] = " ".join(p.abstract.split())
    if p.topics:
        r["keywords"] = list(p.topics)
    return r


class _Writer(rispy.RisWriter):
    """rispy's writer without its "1." numbering line, which other RIS readers show as junk."""

    def set_header(self, count: int) -> str:
        return ""


def dumps(records: list[dict[str, Any]]) -> str:
    """RIS text of ``records`` (rispy's writer, one blank line between records)."""
    return rispy.dumps(records, implementation=_Writer)
