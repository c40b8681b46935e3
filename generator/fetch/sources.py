"""What to ask each source, and how to page through long answers.

Every function here yields ``Page`` values: a response body stored in the
cache plus the reader format that parses it.  Parsing is not done here: the
ingest readers (one per source) read the cached file, exactly as they read a
file a user hands to ``papershelf ingest``.

Base URLs come from, in order: an environment variable
``PAPERSHELF_<SOURCE>_URL`` (tests point these at a local replay server),
``add: base_urls:`` in ``site.yaml``, then the public API.

Long queries page with the parameter each API documents (arXiv
``start``/``max_results``, OpenAlex ``cursor``, Semantic Scholar ``offset``
or ``token``).  After each page the paging state is saved, so a query cut off
half-way resumes from the page it stopped at (earlier pages are replayed
from the cache, not asked for again).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..errors import PapershelfError, Problem
from ..ids import normalise_arxiv, normalise_doi
from .client import Client, FetchError, Response

DEFAULT_URLS: dict[str, str] = {
    "arxiv": "https://export.arxiv.org/api/query",
    "openalex": "https://api.openalex.org",
    "s2": "https://api.semanticscholar.org/graph/v1",
    "hf": "https://huggingface.co/api",
    "acl": "https://aclanthology.org",
}
# Largest page each API serves (arXiv allows more but asks for modest slices).
DEFAULT_PAGE_SIZE: dict[str, int] = {"arxiv": 100, "openalex": 200, "s2": 100}
# Which ingest reader parses each source's answers.
READER: dict[str, str] = {"arxiv": "arxiv", "openalex": "openalex", "s2": "s2", "hf": "hf-api", "acl": "bibtex"}
S2_FIELDS = ("title,abstract,authors,year,venue,externalIds,publicationDate,publicationTypes,journal,url,"
             "openAccessPdf")
ID_FORMS = ("arxiv:ID", "doi:DOI", "openalex:W…", "s2:ID", "acl:ID", "hf:ID")
AUTHOR_FORMS = ("orcid:0000-…", "openalex:A…", "s2:AUTHOR_ID")
ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def base_urls(configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """Base URL of each source: environment, then settings, then the public API."""
    out = dict(DEFAULT_URLS)
    for name in out:
        value = os.environ.get(f"PAPERSHELF_{name.upper()}_URL") or (configured or {}).get(name)
        if value:
            out[name] = value.rstrip("/")
    return out


@dataclass(frozen=True)
class Ident:
    """A paper identifier as the user wrote it: kind and value."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_ident(text: str) -> Ident:
    """``arxiv:2401.12345`` -> Ident('arxiv', '2401.12345'); an unknown form names the known ones."""
    kind, sep, value = text.strip().partition(":")
    kind, value = kind.lower(), value.strip()
    bad = PapershelfError(f"{text!r} is not an identifier papershelf can fetch; use one of: "
                          f"{', '.join(ID_FORMS)} (e.g. arxiv:2401.12345)")
    if not sep or not value:
        raise bad
    if kind == "arxiv":
        if normalise_arxiv(value) is None:
            raise PapershelfError(f"{text!r}: not an arXiv id (e.g. arxiv:2401.12345 or arxiv:hep-th/9901001)")
        m = re.search(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", value)
        return Ident("arxiv", m.group(1) if m else value)
    if kind == "doi":
        doi = normalise_doi(value)
        if doi is None:
            raise PapershelfError(f"{text!r}: not a DOI (e.g. doi:10.18653/v1/2020.acl-main.1)")
        return Ident("doi", doi)
    if kind == "openalex":
        m = re.match(r"^(?:https?://openalex\.org/)?([Ww]\d+)$", value)
        if not m:
            raise PapershelfError(f"{text!r}: not an OpenAlex work id (e.g. openalex:W2741809807)")
        return Ident("openalex", m.group(1).upper())
    if kind in ("s2", "acl", "hf"):
        if not re.match(r"^[A-Za-z0-9._:/-]+$", value):
            raise bad
        return Ident(kind, value)
    raise bad


@dataclass(frozen=True)
class Page:
    """One stored answer and how to read it."""

    source: str        # arxiv, openalex, s2, hf, acl
    fmt: str           # the ingest reader's format name
    path: Path         # the cached body
    label: str         # stable name recorded in each paper's sources (the id or query asked for)
    url: str
    want: tuple[Ident, ...] = ()   # the ids asked for, to report those not returned
    limit: int | None = None       # papers still wanted from this page (a query's --max)


Item = Page | Problem


def _problem(label: str, reason: str) -> Problem:
    return Problem(label, label, "-", reason)


@dataclass
class Sources:
    """Builds the requests for ids and queries; yields stored pages (or problems)."""

    client: Client
    urls: dict[str, str] = field(default_factory=base_urls)
    page_size: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAGE_SIZE))
    contact: str = ""

    # ---------------------------------------------------------------- ids
    def ids(self, idents: list[Ident]) -> Iterator[Item]:
        """One page per id, except arXiv ids, which go in batches (``id_list=a,b,…``)."""
        arxiv = [i for i in idents if i.kind == "arxiv"]
        size = max(1, self.page_size.get("arxiv", 100))
        for n in range(0, len(arxiv), size):
            batch = arxiv[n:n + size]
            params = [("id_list", ",".join(i.value for i in batch)), ("start", "0"), ("max_results", str(len(batch)))]
            label = batch[0].label if len(batch) == 1 else "arxiv:" + ",".join(i.value for i in batch)
            try:
                resp = self.client.get("arxiv", self.urls["arxiv"], params)
            except FetchError as e:
                if e.status != 400 or len(batch) == 1:
                    yield _problem(label, e.message)
                    continue
                # arXiv refuses a whole batch for one malformed id: ask one by one to tell which.
                for i in batch:
                    yield from self._one("arxiv", self.urls["arxiv"], [("id_list", i.value), ("start", "0"),
                                                                       ("max_results", "1")], i.label, want=(i,))
                continue
            yield self._page("arxiv", resp, label, tuple(batch))
        for i in idents:
            if i.kind == "arxiv":
                continue
            if i.kind in ("doi", "openalex"):
                key = f"doi:{i.value}" if i.kind == "doi" else i.value
                yield from self._one("openalex", f"{self.urls['openalex']}/works/{quote(key, safe=':/')}",
                                     self._mailto(), i.label, want=(i,))
            elif i.kind == "s2":
                yield from self._one("s2", f"{self.urls['s2']}/paper/{quote(i.value, safe=':/')}",
                                     [("fields", S2_FIELDS)], i.label, want=(i,))
            elif i.kind == "hf":
                yield from self._one("hf", f"{self.urls['hf']}/papers/{quote(i.value, safe='')}", [], i.label,
                                     want=(i,))
            elif i.kind == "acl":
                yield from self._one("acl", f"{self.urls['acl']}/{quote(i.value, safe='')}.bib", [], i.label,
                                     want=(i,))

    def _one(self, source: str, url: str, params: list[tuple[str, str]], label: str,
             want: tuple[Ident, ...] = (), limit: int | None = None, query: bool = False) -> Iterator[Item]:
        try:
            resp = self.client.get(source, url, params, query=query)
        except FetchError as e:
            yield _problem(label, e.message)
            return
        yield self._page(source, resp, label, want, limit)

    def hf_daily(self, day: str, max_results: int) -> Iterator[Item]:
        """The Hugging Face daily papers of ``day`` (YYYY-MM-DD): one request, up to 100 papers."""
        yield from self._one("hf", f"{self.urls['hf']}/daily_papers",
                             [("date", day), ("limit", str(min(100, max_results)))], f"hf-daily:{day}",
                             limit=max_results, query=True)

    def _page(self, source: str, resp: Response, label: str, want: tuple[Ident, ...] = (),
              limit: int | None = None) -> Page:
        assert resp.path is not None, "fetching needs the response cache (readers parse the stored file)"
        return Page(source, READER[source], resp.path, label, resp.url, want, limit)

    def _mailto(self) -> list[tuple[str, str]]:
        # OpenAlex puts requests that give an e-mail in its faster "polite pool".
        return [("mailto", self.contact)] if self.contact else []

    # ------------------------------------------------------------ queries
    def arxiv_query(self, query: str, max_results: int) -> Iterator[Item]:
        """Newest first, ``start``/``max_results`` paging, until ``max_results`` papers or the end."""
        size = max(1, self.page_size.get("arxiv", 100))

        def page(state: dict[str, object], done: int) -> list[tuple[str, str]]:
            return [("search_query", query), ("sortBy", "submittedDate"), ("sortOrder", "descending"),
                    ("start", str(state["start"])), ("max_results", str(min(size, max_results - done)))]

        def step(resp: Response, state: dict[str, object]) -> tuple[int, dict[str, object] | None]:
            n, total = _atom_counts(resp.body)
            start = int(str(state["start"])) + n
            return n, ({"start": start} if n and (total is None or start < total) else None)

        yield from self._paged("arxiv", self.urls["arxiv"], f"arxiv-query:{query}", max_results,
                               {"start": 0}, page, step)

    def openalex_author(self, author: str, max_results: int) -> Iterator[Item]:
        """An author's works from OpenAlex (by ORCID or OpenAlex author id), cursor paging."""
        kind, _, value = author.partition(":")
        if kind == "orcid":
            value = value.removeprefix("https://orcid.org/")
            if not ORCID.match(value):
                yield _problem(f"author:{author}", f"not an ORCID iD: {value!r} (e.g. orcid:0000-0002-1825-0097)")
                return
            flt = f"author.orcid:{value}"
        elif kind == "openalex" and re.match(r"^(?:https?://openalex\.org/)?[Aa]\d+$", value):
            flt = f"author.id:{value.rsplit('/', 1)[-1].upper()}"
        else:
            yield _problem(f"author:{author}", f"not an OpenAlex author id: {value!r} (e.g. openalex:A5023888391)")
            return
        size = max(1, min(200, self.page_size.get("openalex", 200)))

        def page(state: dict[str, object], done: int) -> list[tuple[str, str]]:
            return [("filter", flt), ("per-page", str(min(size, max_results - done))),
                    ("cursor", str(state["cursor"])), *self._mailto()]

        def step(resp: Response, state: dict[str, object]) -> tuple[int, dict[str, object] | None]:
            data = _json(resp)
            results = data.get("results") if isinstance(data, dict) else None
            n = len(results) if isinstance(results, list) else 0
            meta = data.get("meta") if isinstance(data, dict) else None
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            return n, ({"cursor": cursor} if n and isinstance(cursor, str) and cursor else None)

        yield from self._paged("openalex", f"{self.urls['openalex']}/works", f"author:{author}", max_results,
                               {"cursor": "*"}, page, step)

    def s2_author(self, author_id: str, max_results: int) -> Iterator[Item]:
        """An author's papers from Semantic Scholar, ``offset``/``limit`` paging (``next`` until absent)."""
        size = max(1, min(1000, self.page_size.get("s2", 100)))

        def page(state: dict[str, object], done: int) -> list[tuple[str, str]]:
            return [("fields", S2_FIELDS), ("offset", str(state["offset"])),
                    ("limit", str(min(size, max_results - done)))]

        def step(resp: Response, state: dict[str, object]) -> tuple[int, dict[str, object] | None]:
            data = _json(resp)
            n = len(data.get("data") or []) if isinstance(data, dict) else 0
            nxt = data.get("next") if isinstance(data, dict) else None
            return n, ({"offset": nxt} if n and isinstance(nxt, int) else None)

        yield from self._paged("s2", f"{self.urls['s2']}/author/{quote(author_id, safe='')}/papers",
                               f"author:s2:{author_id}", max_results, {"offset": 0}, page, step)

    def s2_query(self, query: str, max_results: int) -> Iterator[Item]:
        """Semantic Scholar bulk search, continuation ``token`` paging."""

        def page(state: dict[str, object], done: int) -> list[tuple[str, str]]:
            params = [("query", query), ("fields", S2_FIELDS)]
            return params + ([("token", str(state["token"]))] if state.get("token") else [])

        def step(resp: Response, state: dict[str, object]) -> tuple[int, dict[str, object] | None]:
            data = _json(resp)
            n = len(data.get("data") or []) if isinstance(data, dict) else 0
            token = data.get("token") if isinstance(data, dict) else None
            return n, ({"token": token} if n and isinstance(token, str) and token else None)

        yield from self._paged("s2", f"{self.urls['s2']}/paper/search/bulk", f"s2-query:{query}", max_results,
                               {"token": ""}, page, step)

    # ------------------------------------------------------------- paging
    def _paged(self, source: str, url: str, label: str, max_results: int, first: dict[str, object],
               page: Callable[[dict[str, object], int], list[tuple[str, str]]],
               step: Callable[[Response, dict[str, object]], tuple[int, dict[str, object] | None]]) -> Iterator[Item]:
        """Walk the pages of one query, saving where it got to after each page."""
        if max_results <= 0:
            return
        store = _StateStore(self.client.settings.cache_dir, f"{source} {url} {label} max={max_results}")
        saved = store.load()
        done = 0
        state: dict[str, object] | None = first
        pages: list[dict[str, object]] = []
        done_pages = saved.get("pages") if saved else None
        if saved and not saved.get("complete") and isinstance(done_pages, list):
            # Resume: replay the pages already done from the cache, then go on from the saved state.
            for st in done_pages:
                try:
                    resp = self.client.get(source, url, page(st, done), cached_only=True)
                except FetchError as e:
                    yield _problem(label, e.message)
                    return
                n, _ = step(resp, st)
                pages.append(st)
                yield self._page(source, resp, label, limit=max_results - done)
                done += n
            nxt = saved.get("next")
            state = nxt if isinstance(nxt, dict) else None
        while state is not None and done < max_results:
            try:
                resp = self.client.get(source, url, page(state, done), query=True)
            except FetchError as e:
                store.save({"pages": pages, "next": state, "complete": False})
                yield _problem(label, f"{e.message} (after {done} result(s); run the same command again to "
                                      "resume from this page)")
                return
            n, nxt = step(resp, state)
            pages.append(state)
            store.save({"pages": pages, "next": nxt, "complete": nxt is None or done + n >= max_results})
            yield self._page(source, resp, label, limit=max_results - done)
            done += n
            state = nxt
        store.save({"pages": pages, "next": state, "complete": True})


class _StateStore:
    """Paging state of one query: ``<cache_dir>/state/<sha>.json``."""

    def __init__(self, cache_dir: Path | None, name: str):
        key = hashlib.sha256(name.encode()).hexdigest()
        self.path = cache_dir / "state" / f"{key}.json" if cache_dir else None
        self.name = name

    def load(self) -> dict[str, object] | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save(self, data: dict[str, object]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"query": self.name, **data}, indent=1, sort_keys=True), encoding="utf-8")


def _json(resp: Response) -> object:
    try:
        return json.loads(resp.body)
    except ValueError:
        return None


def _atom_counts(body: bytes) -> tuple[int, int | None]:
    """Entries on an arXiv Atom page and the feed's opensearch:totalResults (paging only, not records)."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(body)
    except Exception:  # noqa: BLE001 - an unreadable page ends the paging; the reader reports it
        return 0, None
    n = len(root.findall("{http://www.w3.org/2005/Atom}entry"))
    total = root.findtext("{http://a9.com/-/spec/opensearch/1.1/}totalResults")
    return n, int(total) if total and total.strip().isdigit() else None
