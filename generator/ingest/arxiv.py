"""arXiv API responses (the Atom feed of ``export.arxiv.org/api/query``).

Parsed with defusedxml's ElementTree (no entity expansion, no external
entities) and namespace-qualified look-ups, so the 2016 format (inline
``xmlns:opensearch`` on each element, ``http`` links) and the 2026 format
read alike.  Two bodies are not papers and are refused with the API's own
words: the error feed (one entry whose id is ``.../api/errors#...``) and an
empty result (``totalResults`` 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree

from ..errors import IngestError
from . import IngestContext, Item
from ._common import arxiv_of, clean, doi_of, emit, unwrap

NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
      "os": "http://a9.com/-/spec/opensearch/1.1/"}


def _text(el: Element, path: str) -> str | None:
    found = el.find(path, NS)
    return clean(found.text) if found is not None else None


def read_feed(path: Path) -> Element:
    """The feed's root element; anything but an Atom feed is refused."""
    try:
        root = ElementTree.parse(str(path)).getroot()
    except ParseError as e:
        raise IngestError(f"{path}: not well-formed XML: {e}") from None
    except Exception as e:  # defusedxml refuses entity tricks with its own errors
        raise IngestError(f"{path}: refused unsafe XML: {type(e).__name__}") from None
    if root.tag != f"{{{NS['a']}}}feed":
        raise IngestError(f"{path}: not an Atom feed (root element {root.tag!r}); is this an arXiv API response?")
    return root


def _entry(entry: Element, file: str, index: int) -> Iterator[Item]:
    raw_id = _text(entry, "a:id") or ""
    arxiv = arxiv_of(raw_id)
    authors = []
    for a in entry.findall("a:author", NS):
        name = _text(a, "a:name")
        if not name:
            continue
        aff = _text(a, "arxiv:affiliation")
        authors.append({"name": name, "affiliation": aff} if aff else name)
    pdf = next((ln.get("href") for ln in entry.findall("a:link", NS)
                if ln.get("title") == "pdf" or ln.get("type") == "application/pdf"), None)
    doi = _text(entry, "arxiv:doi") or next(
        (ln.get("href") for ln in entry.findall("a:link", NS) if ln.get("title") == "doi"), None)
    published = _text(entry, "a:published") or ""
    comment = _text(entry, "arxiv:comment")
    rec = {
        "title": _text(entry, "a:title"),
        "authors": authors,
        "abstract": unwrap(entry.findtext("a:summary", None, NS)),
        "date": published[:10] or None,
        "type": "preprint",
        "arxiv": arxiv,
        "doi": doi_of(doi),
        "venue": _text(entry, "arxiv:journal_ref"),
        "url": f"https://arxiv.org/abs/{arxiv}" if arxiv else None,
        "pdf": pdf.replace("http://", "https://", 1) if pdf else None,
        "comment": comment,  # kept as an extra field: "12 pages, 3 figures", "Accepted at ..."
    }
    key = arxiv or f"entry {index}"
    yield from emit(rec, "arxiv", file, key)


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers from one arXiv API response; error and empty feeds are refused."""
    root = read_feed(path)
    entries = root.findall("a:entry", NS)
    for entry in entries:
        if "/api/errors" in (_text(entry, "a:id") or ""):
            reason = _text(entry, "a:summary") or _text(entry, "a:title") or "unknown error"
            raise IngestError(f"{path}: the arXiv API returned an error, not papers: {reason}")
    if not entries:
        total = _text(root, "os:totalResults")
        raise IngestError(f"{path}: the arXiv feed holds no entries (totalResults {total or '?'}); nothing to add")
    for i, entry in enumerate(entries, 1):
        yield from _entry(entry, path.name, i)
