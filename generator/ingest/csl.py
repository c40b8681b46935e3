"""CSL-JSON: a list of items (Zotero, Better BibTeX, citeproc exports), one item, or {"items": [...]}.

Dates come from ``issued``: the first ``date-parts`` entry (a range keeps
its start), string parts accepted ("2013"), season months 13-16 and
impossible months dropped to the year; ``literal`` / ``raw`` dates give
their year when they show one.  BC years and years past 9999 cannot be
stored as a date: the date is dropped with a Problem, the item kept.  CSL
titles may carry rich-text HTML (``<i>``, ``<sup>``); the text is kept, the
tags are not.  Items without a title are reported, not invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import IngestError, Problem
from . import IngestContext, Item
from ._common import arxiv_of, clean, doi_of, emit, read_json

TYPES = {
    "article-journal": "article", "article": "article", "article-magazine": "article",
    "article-newspaper": "article", "paper-conference": "inproceedings", "book": "book",
    "chapter": "incollection", "entry-encyclopedia": "incollection", "entry-dictionary": "incollection",
    "thesis": "thesis", "report": "report", "manuscript": "preprint", "dataset": "dataset",
    "software": "software", "webpage": "misc", "post": "misc", "post-weblog": "misc",
}


class _Text(HTMLParser):
    """Collects the text of a rich-text title, dropping its tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain(value: Any) -> str | None:
    """Text of a CSL rich-text string (``<i>d.</i>`` -> ``d.``)."""
    if not isinstance(value, str):
        return clean(value)
    if "<" not in value and "&" not in value:
        return clean(value)
    parser = _Text()
    parser.feed(value)
    parser.close()
    return clean("".join(parser.parts))


def csl_date(value: Any) -> tuple[str | None, str | None]:
    """(YYYY[-MM[-DD]], problem) from a CSL date object."""
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = parts[0]
        try:
            nums = [int(str(x).strip()) for x in first[:3]]
        except ValueError:
            return None, f"date-parts {first!r} are not numbers; date dropped"
        year = nums[0]
        if not 1 <= year <= 9999:
            return None, f"year {year} cannot be stored as a date (BC or out of range); date dropped"
        date = f"{year:04d}"
        if len(nums) > 1 and 1 <= nums[1] <= 12:  # 13-16 are seasons, 21-24 too: year only
            date += f"-{nums[1]:02d}"
            if len(nums) > 2 and 1 <= nums[2] <= 31:
                date += f"-{nums[2]:02d}"
        return date, None
    for key in ("literal", "raw"):
        if isinstance(value.get(key), str):
            m = re.search(r"(?<!\d)(\d{4})(?!\d)", value[key])
            return (m.group(1), None) if m else (None, f"date {value[key]!r} shows no year; date dropped")
    return None, None


def _name(person: Any) -> str | None:
    if not isinstance(person, dict):
        return clean(person)
    if literal := clean(person.get("literal")):
        return literal
    parts = [person.get("given"), person.get("non-dropping-particle"), person.get("family")]
    name = clean(" ".join(str(p) for p in parts if p))
    if name and clean(person.get("suffix")):
        name += f", {clean(person.get('suffix'))}"
    return name


def items_of(data: Any, path: Path) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, dict) and ("type" in data or "title" in data):
        return [data]
    raise IngestError(f"{path}: not CSL-JSON (expected a list of items or one item)")


def get(item: dict[str, Any], key: str) -> Any:
    """A CSL variable; exporters disagree on case (``DOI`` vs ``doi``)."""
    return item.get(key, item.get(key.upper(), item.get(key.lower())))


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers from a CSL-JSON file."""
    for i, item in enumerate(items_of(read_json(path), path), 1):
        if not isinstance(item, dict):
            yield Problem(path.name, f"#{i}", "-", f"item is {type(item).__name__}, not a mapping; skipped")
            continue
        key = clean(item.get("id")) or clean(item.get("citation-key")) or f"#{i}"
        date, why = csl_date(item.get("issued"))
        if why:
            yield Problem(path.name, key, "issued", why)
        authors = [n for p in item.get("author") or [] if (n := _name(p))]
        url = clean(get(item, "URL"))
        rec = {
            "title": plain(item.get("title")),
            "authors": authors,
            "date": date,
            "type": TYPES.get(str(item.get("type") or ""), "misc"),
            "venue": plain(item.get("container-title")) or plain(item.get("collection-title")),
            "abstract": plain(item.get("abstract")),
            "doi": doi_of(get(item, "DOI")),
            "arxiv": arxiv_of(url) if url and "arxiv.org" in url else None,
            "url": url,
        }
        if not rec["title"]:
            yield Problem(path.name, key, "title", "item has no title; skipped")
            continue
        yield from emit(rec, "csl", path, key)
