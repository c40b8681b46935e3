"""BibTeX / BibLaTeX files, read with bibtexparser v2.

bibtexparser does the parsing: ``@string`` macros (case-insensitive, and the
month macros through ``MonthIntMiddleware``), comments,
quoted and braced values, and LaTeX accents decoded to Unicode
(``LatexDecodingMiddleware``, built on pylatexenc).  Three things it leaves to
us, done here:

* ``crossref`` / ``xref``: a missing field is inherited from the referenced
  entry (booktitle from a ``@proceedings`` title), cascading, with a guard
  against cycles; a dangling reference is reported and the entry kept.
* ``#`` concatenation (``author = stefan # And # meta:maintainer``), which
  bibtexparser 2.1 leaves raw, is joined by a small middleware;
* names are split one by one (``parse_single_name_into_parts``) so a single
  malformed author list ("Rhee, I., Ozdemir, V.") costs one Problem, not the
  whole entry, which is what the ``SplitNameParts`` middleware would do.

RFCs get ``ids["rfc"]`` (from the key, ``number``, ``note`` or the URL), so
two RFC bibliographies with different keys and entry types merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import middlewares as mw
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, MiddlewareErrorBlock
from pylatexenc import latexwalker

from ..errors import Problem
from . import IngestContext, Item
from ._common import arxiv_of, clean, doi_of, emit, read_text

TYPES = {
    "article": "article", "inproceedings": "inproceedings", "conference": "inproceedings",
    "proceedings": "proceedings", "book": "book", "inbook": "inbook", "incollection": "incollection",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "techreport": "techreport",
    "report": "report", "manual": "manual", "misc": "misc", "online": "misc", "unpublished": "preprint",
    "dataset": "dataset", "software": "software",
}
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "series", "institution", "school", "organization")
INHERITED = ("booktitle", "year", "month", "publisher", "address", "editor", "series", "volume",
             "organization", "institution", "journal")
RFC_RE = re.compile(r"\bRFC[\s~-]*0*(\d{1,5})\b", re.IGNORECASE)
RFC_KEY = re.compile(r"^rfc0*(\d{1,5})$", re.IGNORECASE)
RFC_URL = re.compile(r"rfc0*(\d{1,5})\.(?:txt|html|pdf)", re.IGNORECASE)
JR = re.compile(r"^(jr\.?|sr\.?|[ivx]+|\d+(st|nd|rd|th))$", re.IGNORECASE)
URL_RE = re.compile(r"https?://[^\s{}\\]+")


_LATEX_CHARS = re.compile(r"[\\~$%&`']|--")
_WALKER_DB = latexwalker.get_default_latex_context_db()
# URLs and ids are not LaTeX prose: decoding them would only damage them.
_RAW_FIELDS = {"url", "doi", "eprint", "crossref", "xref", "file", "pmid", "isbn", "issn"}


class _FastLatexDecoding(mw.LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, minus work that cannot change the text.

    Profiling ietf_rfc.bib (9,519 entries) showed 90% of the parse time in
    pylatexenc, mostly rebuilding its macro table for every string.  Plain
    text (no backslash, tilde, math, dashes or quotes) only needs its
    case-protecting braces removed, and the walker's macro table is built once.
    """

    def transform_entry(self, entry: Entry, library: bibtexparser.Library) -> Any:
        raw = [f for f in entry.fields if f.key.lower() in _RAW_FIELDS and isinstance(f.value, str)]
        kept = [(f, f.value) for f in raw]
        result = super().transform_entry(entry, library)
        for f, value in kept:  # put ids and links back as written, minus braces
            f.value = value.replace("{", "").replace("}", "").strip()
        return result

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        if not _LATEX_CHARS.search(python_string):
            return python_string.replace("{", "").replace("}", ""), ""
        try:
            walker = latexwalker.LatexWalker(python_string, latex_context=_WALKER_DB, tolerant_parsing=True)
            # "\\" becomes a line break; collapsed here so " and " still separates names.
            return " ".join(self._decoder.nodelist_to_text(walker.get_latex_nodes()[0]).split()), ""
        except Exception as e:  # pylatexenc raises assorted errors on broken LaTeX
            return python_string, str(e)


MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december")
MONTH_MACROS = {m[:3]: m.capitalize() for m in MONTH_NAMES}


def _split_concat(value: str) -> list[str] | None:
    """The top-level ``#``-joined pieces of a raw value, or None if it has no ``#``."""
    pieces, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            pieces.append(value[start:i])
            start = i + 1
    if not pieces:
        return None
    pieces.append(value[start:])
    return [p.strip() for p in pieces]


class _ConcatMiddleware(mw.LibraryMiddleware):
    """``#`` concatenation, which bibtexparser 2.1 leaves as raw text.

    Its ResolveStringReferencesMiddleware only replaces a value that is one
    bare macro name; ``author = stefan # And # meta:maintainer`` and
    ``title = "Maintained by " # me`` stay unresolved.  Each top-level piece
    is a quoted or braced literal, a number, an ``@string`` macro
    (case-insensitive, earlier strings may use later-defined ones only after
    them, as in BibTeX) or a month macro.
    """

    @classmethod
    def metadata_key(cls) -> str:
        return "papershelf_concat"

    def transform(self, library: bibtexparser.Library) -> bibtexparser.Library:
        macros: dict[str, str] = {}

        def piece(p: str) -> str:
            if len(p) >= 2 and p[0] == p[-1] == '"' or (p.startswith("{") and p.endswith("}")):
                return p[1:-1]
            low = p.lower()
            return macros.get(low, MONTH_MACROS.get(low, p))

        for string in library.strings:
            if isinstance(string.value, str) and (parts := _split_concat(string.value)):
                string.value = "".join(piece(x) for x in parts)
            macros[string.key.lower()] = string.value if isinstance(string.value, str) else str(string.value)
        for entry in library.entries:
            for f in entry.fields:
                if isinstance(f.value, str) and "#" in f.value and (parts := _split_concat(f.value)):
                    f.value = "".join(piece(x) for x in parts)
        return library


def _library(text: str) -> bibtexparser.Library:
    return bibtexparser.parse_string(text, append_middleware=[
        # Field names lower-cased first ("Author", "yEAr"), so the name and month steps see them.
        mw.NormalizeFieldKeys(True), _ConcatMiddleware(True), mw.MonthIntMiddleware(True),
        _FastLatexDecoding(True), mw.SeparateCoAuthors(True),
    ])


def _fields(entry: Entry) -> dict[str, Any]:
    return {f.key.lower(): f.value for f in entry.fields}


def _resolve_crossrefs(entries: dict[str, dict[str, Any]], file: str) -> Iterator[Problem]:
    """Fill each entry's missing fields from its crossref parent (cascading, cycle-safe)."""
    done: set[str] = set()
    lower = {k.lower(): k for k in entries}

    def fill(key: str, trail: tuple[str, ...]) -> Iterator[Problem]:
        if key in done:
            return
        f = entries[key]
        ref = f.get("crossref") or f.get("xref")
        if isinstance(ref, str) and ref.strip():
            parent_key = lower.get(ref.strip().lower())
            if parent_key is None:
                yield Problem(file, key, "crossref", f"refers to {ref.strip()!r}, which is not in the file")
            elif parent_key in trail:
                yield Problem(file, key, "crossref", f"cycle: {' -> '.join((*trail, parent_key))}")
            else:
                yield from fill(parent_key, (*trail, parent_key))
                parent = entries[parent_key]
                for name in INHERITED:
                    if name not in f and name in parent:
                        f[name] = parent[name]
                # A @proceedings parent's title is the child's booktitle.
                if "booktitle" not in f and "title" in parent:
                    f["booktitle"] = parent["title"]
        done.add(key)

    for key in list(entries):
        yield from fill(key, (key,))


def _name(raw: str) -> str | None:
    """'Last, First' or 'First Last' as 'First von Last, Jr' in reading order."""
    raw = " ".join(raw.replace("{", "").replace("}", "").split())
    if not re.search(r"\w", raw) or raw.lower() in ("others", "et al."):
        return None
    try:
        parts = parse_single_name_into_parts(raw, strict=False)
    except Exception:  # bibtexparser raises InvalidNameError and plain ValueErrors
        return raw
    name = " ".join(x for x in (*parts.first, *parts.von, *parts.last) if x)
    if parts.jr:
        name += ", " + " ".join(parts.jr)
    return " ".join(name.split()) or raw


def _authors(value: Any, key: str, file: str) -> tuple[list[str], list[Problem]]:
    names = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    out: list[str] = []
    problems: list[Problem] = []
    for raw in names:
        # "A, B, C" without "and" is a list of people, not "Last, Jr, First".
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) > 3 or (len(parts) == 3 and parts[1] and not JR.match(parts[1])):
            problems.append(Problem(file, key, "author", f"names separated by commas, not 'and': {raw[:60]!r}"))
        pieces = [raw]
        for piece in pieces:
            name = _name(piece)
            if name:
                out.append(name)
    return out, problems


def _date(f: dict[str, Any]) -> str | None:
    year = clean(f.get("year"))
    if not year and isinstance(f.get("date"), str):
        return clean(f["date"].split("/")[0])  # biblatex date, possibly a range
    if not year:
        return None
    m = re.search(r"\d{4}", year)
    if not m:
        return year  # reported as a bad date by the model
    date = m.group(0)
    month = f.get("month")
    if isinstance(month, int) and 1 <= month <= 12:
        date += f"-{month:02d}"
    return date


def _rfc(key: str, f: dict[str, Any]) -> str | None:
    if m := RFC_KEY.match(key):
        return m.group(1)
    if str(f.get("type", "")).strip().upper() == "RFC" and str(f.get("number", "")).strip().isdigit():
        return str(int(str(f["number"]).strip()))
    for name in ("note", "number", "series", "howpublished"):
        if isinstance(f.get(name), str) and (m := RFC_RE.search(f[name])):
            return m.group(1)
    if isinstance(f.get("url"), str) and "rfc" in f["url"].lower() and (m := RFC_URL.search(f["url"])):
        return m.group(1)
    return None


def _record(entry: Entry, f: dict[str, Any], file: str) -> tuple[dict[str, Any], list[Problem]]:
    key = entry.key
    authors, problems = _authors(f.get("author"), key, file)
    venue = next((clean(f[n]) for n in VENUE_FIELDS if clean(f.get(n))), None)
    url_m = URL_RE.search(str(f.get("url") or f.get("howpublished") or ""))
    eprint = str(f.get("eprint") or "")
    arxiv = None
    if eprint and str(f.get("archiveprefix") or f.get("eprinttype") or "arxiv").lower() == "arxiv":
        arxiv = arxiv_of(eprint)
    if not arxiv and re.search(r"arxiv", str(f.get("journal") or ""), re.IGNORECASE):
        arxiv = arxiv_of(str(f.get("journal")))
    ids: dict[str, str] = {}
    if rfc := _rfc(key, f):
        ids["rfc"] = rfc
    if key.startswith("DBLP:"):
        ids["dblp"] = key[5:]
    if clean(f.get("pmid")):
        ids["pmid"] = str(clean(f.get("pmid")))
    rec = {
        "title": clean(f.get("title")),
        "authors": authors,
        "date": _date(f),
        "venue": venue,
        "type": TYPES.get(entry.entry_type.lower(), "misc"),
        "abstract": clean(f.get("abstract")),
        "doi": doi_of(f.get("doi")),
        "arxiv": arxiv,
        "url": url_m.group(0) if url_m else None,
        "ids": ids,
    }
    return rec, problems


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers from a .bib file; malformed entries become Problems with their line."""
    file = path.name
    library = _library(read_text(path))
    entries: dict[str, Entry] = {e.key: e for e in library.entries}
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        inner = block.ignore_error_block
        key = getattr(inner, "key", None) or "?"
        if isinstance(block, DuplicateBlockKeyBlock):
            yield Problem(file, block.key, "-", f"{block.error}; the later definition is ignored", line)
        elif isinstance(inner, Entry) and isinstance(block, (DuplicateFieldKeyBlock, MiddlewareErrorBlock)):
            # Still usable: a repeated field keeps its first value; an undecodable
            # field keeps its raw text.
            yield Problem(file, key, "-", f"{block.error}; the entry is kept", line)
            entries.setdefault(key, inner)
        else:
            yield Problem(file, key, "-", f"cannot parse: {block.error}", line)
    fields = {k: _fields(e) for k, e in entries.items()}
    yield from _resolve_crossrefs(fields, file)
    for key in sorted(entries, key=lambda k: entries[k].start_line or 0):
        entry = entries[key]
        rec, problems = _record(entry, fields[key], file)
        line = (entry.start_line or 0) + 1
        for p in problems:
            yield Problem(p.file, p.record, p.field, p.reason, line)
        if entry.entry_type.lower() == "proceedings" and not rec["title"]:
            yield Problem(file, key, "title", "@proceedings without a title: used only as a crossref parent", line)
            continue
        yield from emit(rec, "bibtex", file, key)
