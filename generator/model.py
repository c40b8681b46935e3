"""The one typed model: papers, authors and their sources.

Every ingest module produces these objects; every later stage consumes them.
Normalisation (dates, ids, names) happens here, in ``from_record``, so no
stage ever passes a loose ``dict`` around.  Unknown fields are kept in
``extra`` and written back, so a record survives a round trip untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem

# The order fields are written in: stable, human-friendly YAML diffs.
PAPER_FIELDS = (
    "id", "title", "authors", "author_count", "date", "venue", "type", "abstract",
    "arxiv", "doi", "url", "pdf", "code", "ids", "orgs", "topics", "upvotes",
    "listed", "references", "notes", "sources",
)
AUTHOR_FIELDS = (
    "id", "name", "aliases", "affiliation", "bio", "orcid", "homepage", "topics",
    "ids", "figures", "not_same_as", "sources",
)
PAPER_TYPES = (
    "preprint", "article", "inproceedings", "proceedings", "book", "inbook", "incollection",
    "thesis", "techreport", "manual", "misc", "dataset", "software", "report",
)

DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,158}[a-z0-9])?$")
ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
ARXIV_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
MAX_FIELD = 200_000  # characters; a longer text field is cut and reported


def valid_date(value: str) -> bool:
    """True for YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar day."""
    m = DATE_RE.match(value)
    if not m:
        return False
    _, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        return False
    if day:
        import datetime

        try:
            datetime.date(int(value[:4]), int(month), int(day))
        except ValueError:
            return False
    return True


@dataclass(slots=True)
class Source:
    """Where a record came from: format, file and the key inside the file."""

    format: str
    file: str
    key: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"format": self.format, "file": self.file}
        if self.key:
            d["key"] = self.key
        return d

    def sort_key(self) -> tuple[str, str, str]:
        return (self.format, self.file, self.key)


@dataclass(slots=True)
class AuthorRef:
    """An author as a paper names them: the name as written, plus what is known."""

    name: str
    id: str | None = None
    affiliation: str | None = None
    orcid: str | None = None
    ids: dict[str, str] = field(default_factory=dict)

    def to_value(self) -> str | dict[str, Any]:
        # A bare name stays a bare string: the common case reads naturally in YAML.
        if not (self.id or self.affiliation or self.orcid or self.ids):
            return self.name
        d: dict[str, Any] = {"name": self.name}
        if self.id:
            d["id"] = self.id
        if self.affiliation:
            d["affiliation"] = self.affiliation
        if self.orcid:
            d["orcid"] = self.orcid
        if self.ids:
            d["ids"] = dict(sorted(self.ids.items()))
        return d


@dataclass(slots=True)
class Paper:
    id: str
    title: str
    authors: list[AuthorRef] = field(default_factory=list)
    author_count: int | None = None
    abstract: str | None = None
    date: str | None = None
    venue: str | None = None
    type: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    pdf: str | None = None
    code: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    orgs: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    upvotes: int | None = None
    listed: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    notes: str | None = None
    sources: list[Source] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def n_authors(self) -> int:
        """Number of authors: the names if known, else the listing's count."""
        return len(self.authors) or (self.author_count or 0)

    def to_dict(self) -> dict[str, Any]:
        """The native record, empty fields left out, in the documented order."""
        return _record_dict(self, PAPER_FIELDS)


@dataclass(slots=True)
class Author:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    affiliation: str | None = None
    bio: str | None = None
    orcid: str | None = None
    homepage: str | None = None
    topics: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    # Profile figures as a listing shows them: works, followers, trust, ...
    figures: dict[str, Any] = field(default_factory=dict)
    # Hand pins: author ids this person is known NOT to be.
    not_same_as: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The native record, empty fields left out, in the documented order."""
        return _record_dict(self, AUTHOR_FIELDS)


def _record_dict(record: Paper | Author, fields: tuple[str, ...]) -> dict[str, Any]:
    """A record as a plain mapping: known fields in order (empty ones left
    out, mappings sorted), then unknown fields, sorted, as they were read."""
    d: dict[str, Any] = {}
    for name in fields:
        value = getattr(record, name)
        if name == "authors":
            value = [a.to_value() for a in value]
        elif name == "sources":
            value = [s.to_dict() for s in value]
        elif name in ("ids", "figures"):
            value = dict(sorted(value.items()))
        if value in (None, "", [], {}):
            continue
        d[name] = value
    for k in sorted(record.extra):
        d[k] = record.extra[k]
    return d


# --------------------------------------------------------------------------
# Building model objects from loose records, with validation.
# --------------------------------------------------------------------------


class _Checker:
    """Collects problems for one record while its fields are converted."""

    def __init__(self, file: str, record: str, line: int | None = None):
        self.file, self.record, self.line = file, record, line
        self.problems: list[Problem] = []

    def bad(self, fld: str, reason: str) -> None:
        self.problems.append(Problem(self.file, self.record, fld, reason, self.line))

    def text(self, d: dict[str, Any], key: str, required: bool = False) -> str | None:
        value = d.get(key)
        if value is None or value == "":
            if required:
                self.bad(key, "is required")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.bad(key, f"must be text, not {type(value).__name__}")
            return None
        value = value.strip()
        if len(value) > MAX_FIELD:
            self.bad(key, f"is {len(value):,} characters; cut to {MAX_FIELD:,}")
            value = value[:MAX_FIELD]
        if required and not value:
            self.bad(key, "is required")
            return None
        return value or None

    def text_list(self, d: dict[str, Any], key: str) -> list[str]:
        value = d.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.bad(key, f"must be a list of text, not {type(value).__name__}")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.bad(f"{key}[{i}]", "must be non-empty text")
                continue
            if item.strip() not in out:
                out.append(item.strip())
        return out

    def count(self, d: dict[str, Any], key: str) -> int | None:
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.bad(key, f"must be a whole number >= 0, not {value!r}")
            return None
        return value

    def date(self, d: dict[str, Any], key: str) -> str | None:
        value = d.get(key)
        if value is None or value == "":
            return None
        if hasattr(value, "isoformat"):  # YAML turns 2024-05-01 into a date
            value = value.isoformat()[:10]
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not valid_date(value.strip()):
            self.bad(key, f"must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
            return None
        return value.strip()

    def url(self, d: dict[str, Any], key: str) -> str | None:
        value = self.text(d, key)
        if value is None:
            return None
        # Only web links: a javascript: or data: URL in a record never reaches a page.
        if not re.match(r"^https?://[^\s<>\"']+$", value):
            self.bad(key, f"must be an http(s) URL, not {value[:80]!r}")
            return None
        return value

    def str_map(self, d: dict[str, Any], key: str) -> dict[str, str]:
        value = d.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(key, f"must be a mapping, not {type(value).__name__}")
            return {}
        out = {}
        for k, v in value.items():
            if v is None or v == "":
                continue
            if not isinstance(v, (str, int)) or isinstance(v, bool):
                self.bad(f"{key}.{k}", "must be text")
                continue
            out[str(k)] = str(v)
        return out


def _open_record(d: Any, file: str, line: int | None, fallback_id: str | None,
                 required: str) -> tuple[_Checker, str | None, str | None]:
    """What every record is checked for first: a mapping, a valid id, and its
    one required text field.  Returns the checker and (id, text), None where bad."""
    record = str(d.get("id") or fallback_id or "?") if isinstance(d, dict) else (fallback_id or "?")
    c = _Checker(file, record, line)
    if not isinstance(d, dict):
        c.bad("-", f"record must be a mapping, not {type(d).__name__}")
        return c, None, None
    rid = d.get("id", fallback_id)
    if not isinstance(rid, str) or not ID_RE.match(rid):
        c.bad("id", f"must be lower-case letters, digits, '.', '_' or '-' (got {rid!r})")
        return c, None, None
    return c, rid, c.text(d, required, required=True)


def _author_ref(c: _Checker, i: int, value: Any) -> AuthorRef | None:
    if isinstance(value, str):
        name = " ".join(value.split())
        if not name:
            c.bad(f"authors[{i}]", "empty name")
            return None
        return AuthorRef(name=name)
    if isinstance(value, dict):
        raw_name = value.get("name")
        if not isinstance(raw_name, str) or not raw_name.strip():
            c.bad(f"authors[{i}].name", "is required")
            return None
        orcid = value.get("orcid")
        if orcid is not None and (not isinstance(orcid, str) or not ORCID_RE.match(orcid)):
            c.bad(f"authors[{i}].orcid", f"not an ORCID iD: {orcid!r}")
            orcid = None
        aid = value.get("id")
        if aid is not None and (not isinstance(aid, str) or not ID_RE.match(aid)):
            c.bad(f"authors[{i}].id", f"not a valid id: {aid!r}")
            aid = None
        aff = value.get("affiliation")
        ids = c.str_map(value, "ids")
        return AuthorRef(
            name=" ".join(raw_name.split()), id=aid, orcid=orcid,
            affiliation=aff.strip() if isinstance(aff, str) and aff.strip() else None, ids=ids,
        )
    c.bad(f"authors[{i}]", f"must be a name or a mapping with a name, not {type(value).__name__}")
    return None


def _sources(c: _Checker, d: dict[str, Any]) -> list[Source]:
    out: list[Source] = []
    for i, s in enumerate(d.get("sources") or []):
        if isinstance(s, dict) and isinstance(s.get("format"), str) and isinstance(s.get("file"), str):
            out.append(Source(s["format"], s["file"], str(s.get("key") or "")))
        else:
            c.bad(f"sources[{i}]", "must be a mapping with format and file")
    return out


def paper_from_record(
    d: Any, file: str, line: int | None = None, fallback_id: str | None = None
) -> tuple[Paper | None, list[Problem]]:
    """Build a Paper from a native record; return it (or None) and its problems.

    A record with a problem in an optional field still yields a paper, with
    that field dropped; only a record without a usable title or id is lost,
    and then the problem list says why.
    """
    c, pid, title = _open_record(d, file, line, fallback_id, "title")
    if pid is None or title is None:
        return None, c.problems
    authors: list[AuthorRef] = []
    raw_authors = d.get("authors") or []
    if not isinstance(raw_authors, list):
        c.bad("authors", f"must be a list, not {type(raw_authors).__name__}")
        raw_authors = []
    for i, a in enumerate(raw_authors):
        ref = _author_ref(c, i, a)
        if ref:
            authors.append(ref)
    ptype = c.text(d, "type")
    if ptype and ptype not in PAPER_TYPES:
        c.bad("type", f"unknown type {ptype!r}; known: {', '.join(PAPER_TYPES)}")
        ptype = None
    arxiv = c.text(d, "arxiv")
    if arxiv:
        from .ids import normalise_arxiv

        norm = normalise_arxiv(arxiv)
        if norm is None:
            c.bad("arxiv", f"not an arXiv id: {arxiv!r}")
        arxiv = norm
    doi = c.text(d, "doi")
    if doi:
        from .ids import normalise_doi

        norm_doi = normalise_doi(doi)
        if norm_doi is None:
            c.bad("doi", f"not a DOI: {doi!r}")
        doi = norm_doi
    listed = []
    for i, day in enumerate(d.get("listed") or [] if not isinstance(d.get("listed"), (str,)) else [d["listed"]]):
        got = c.date({"listed": day}, "listed")
        if got and len(got) != 10:
            c.bad(f"listed[{i}]", "must be a full day YYYY-MM-DD")
        elif got and got not in listed:
            listed.append(got)
    known = set(PAPER_FIELDS)
    paper = Paper(
        id=pid,
        title=" ".join(title.split()),
        authors=authors,
        author_count=c.count(d, "author_count"),
        abstract=c.text(d, "abstract"),
        date=c.date(d, "date"),
        venue=c.text(d, "venue"),
        type=ptype,
        arxiv=arxiv,
        doi=doi,
        url=c.url(d, "url"),
        pdf=c.url(d, "pdf"),
        code=c.url(d, "code"),
        ids=c.str_map(d, "ids"),
        orgs=c.text_list(d, "orgs"),
        topics=c.text_list(d, "topics"),
        upvotes=c.count(d, "upvotes"),
        listed=sorted(listed),
        references=c.text_list(d, "references"),
        notes=c.text(d, "notes"),
        sources=_sources(c, d),
        extra={k: v for k, v in d.items() if k not in known},
    )
    return paper, c.problems


def author_from_record(
    d: Any, file: str, line: int | None = None, fallback_id: str | None = None
) -> tuple[Author | None, list[Problem]]:
    """Build an Author from a native record; return it (or None) and its problems."""
    c, aid, name = _open_record(d, file, line, fallback_id, "name")
    if aid is None or name is None:
        return None, c.problems
    orcid = c.text(d, "orcid")
    if orcid and not ORCID_RE.match(orcid):
        c.bad("orcid", f"not an ORCID iD: {orcid!r}")
        orcid = None
    figures = d.get("figures") or {}
    if not isinstance(figures, dict):
        c.bad("figures", "must be a mapping")
        figures = {}
    known = set(AUTHOR_FIELDS)
    author = Author(
        id=aid,
        name=" ".join(name.split()),
        aliases=c.text_list(d, "aliases"),
        affiliation=c.text(d, "affiliation"),
        bio=c.text(d, "bio"),
        orcid=orcid,
        homepage=c.url(d, "homepage"),
        topics=c.text_list(d, "topics"),
        ids=c.str_map(d, "ids"),
        figures={str(k): v for k, v in figures.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
        not_same_as=c.text_list(d, "not_same_as"),
        sources=_sources(c, d),
        extra={k: v for k, v in d.items() if k not in known},
    )
    return author, c.problems
