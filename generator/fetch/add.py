"""``papershelf add``: fetch papers by id or query and merge them into content/.

Flow: the plan (ids and queries, from the command line or ``site.yaml``'s
``add:`` block) -> ``Sources`` asks the APIs through the polite ``Client``
and stores each answer in the cache -> the ingest reader of that source parses
the stored file -> ``ingest.run.ingest(items=...)`` merges the records into
the content folder exactly as ``papershelf ingest`` would -> a summary.

Example ``site.yaml`` block (every key optional)::

    contact: you@example.org          # sent in the User-Agent
    add:
      ids: [arxiv:2401.12345, doi:10.18653/v1/2020.acl-main.1]
      queries:
        - arxiv: "cat:cs.LG AND ti:diffusion"
          max: 200
        - author: orcid:0000-0002-1825-0097
        - s2: "graph neural networks"
          max: 50
        - hf_daily: today             # Hugging Face daily papers (YYYY-MM-DD, today, yesterday)
      max: 100                        # default --max of a query
      intervals: {arxiv: 3.0, openalex: 0.1, s2: 1.0}   # seconds between requests
      page_size: {arxiv: 100, openalex: 200, s2: 100}
      base_urls: {arxiv: https://export.arxiv.org/api/query}
      retries: 4
      timeout: 30
      query_max_age: 72000            # seconds a cached query page stays fresh (ids: for ever)
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from ..content import load_content
from ..errors import ConfigError, IngestError, PapershelfError, Problem, UnknownFormat
from ..ids import normalise_arxiv
from ..ingest import IngestContext, get_parser
from ..ingest.run import IngestReport
from ..merge import PaperIndex
from ..model import Author, Paper
from .client import Client, ClientSettings, FetchStats
from .sources import AUTHOR_FORMS, DEFAULT_PAGE_SIZE, Ident, Item, Page, Sources, base_urls, parse_ident

QUERY_KINDS = ("arxiv", "author", "s2", "hf_daily")


@dataclass
class Query:
    """One query: ``kind`` is arxiv (search_query), author (orcid:/openalex:/s2:), s2 (bulk search)
    or hf_daily (a day of Hugging Face daily papers: YYYY-MM-DD, today or yesterday)."""

    kind: str
    text: str
    max: int = 100

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.text}"


@dataclass
class AddPlan:
    """Everything one ``add`` run fetches."""

    ids: list[Ident] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.ids or self.queries)


@dataclass
class AddSettings:
    """Client settings plus where each source lives and how big its pages are."""

    client: ClientSettings = field(default_factory=ClientSettings)
    urls: dict[str, str] = field(default_factory=base_urls)
    page_size: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAGE_SIZE))


@dataclass
class AddResult:
    """What an ``add`` run did: fetch figures, the merge report, and every problem."""

    pages: int = 0
    fetched: int = 0        # records the readers produced from the answers
    listed: int = 0         # new papers given the listing day
    day: str | None = None  # that day
    problems: list[Problem] = field(default_factory=list)   # ids not found, API errors, bad records
    stats: FetchStats = field(default_factory=FetchStats)
    report: IngestReport = field(default_factory=IngestReport)

    def summary(self) -> str:
        r, s = self.report, self.stats
        lines = [
            f"fetched {self.fetched} record(s) from {self.pages} answer(s): {s.requests} request(s), "
            f"{s.cache_hits} cache hit(s), {s.retries} retr{'y' if s.retries == 1 else 'ies'}",
            f"papers: {r.new} new, {r.merged} merged into existing ({r.updated} updated, {r.unchanged} unchanged)",
            f"authors: {r.authors_new} new, {r.authors_merged} merged",
            f"skipped: {len(self.problems)}" + self._reasons()
            + (f"; near-duplicates to review: {len(r.near_duplicates)}" if r.near_duplicates else ""),
        ]
        if self.listed:
            lines.append(f"listed on {self.day}: {self.listed} new paper(s)")
        return "\n".join(lines)


    @property
    def failed(self) -> list[Problem]:
        """Problems that mean something was not fetched (an empty answer to a query is not one)."""
        return [p for p in self.problems if _kind(p) != "empty answer"]

    def _reasons(self) -> str:
        """' (2 not found, 1 API error)': why records were skipped, counted by kind."""
        kinds: dict[str, int] = {}
        for p in self.problems:
            kinds[_kind(p)] = kinds.get(_kind(p), 0) + 1
        return " (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")" if kinds else ""


def _kind(p: Problem) -> str:
    """Why a record was skipped, in a word or two (for the summary)."""
    if p.field != "-":
        return "bad record"
    if "not found" in p.reason or "(HTTP 404" in p.reason:
        return "not found"
    # The readers word an empty answer in their own way ("holds no entries", "no papers", ...).
    if re.search(r"\bno (?:papers|entries|results|records|works)\b|\bempty\b", p.reason):
        return "empty answer"
    if "cannot reach" in p.reason:
        return "network"
    if "no reader" in p.reason:
        return "no reader"
    return "API error"


def parse_query(kind: str, text: str, max_results: int) -> Query:
    """Check one query; an author must be orcid:…, openalex:A… or s2:…."""
    text = text.strip()
    if not text:
        raise PapershelfError(f"empty {kind} query")
    if max_results < 1:
        raise PapershelfError(f"--max must be at least 1, not {max_results}")
    if kind == "author":
        prefix = text.partition(":")[0].lower()
        if prefix not in ("orcid", "openalex", "s2") or ":" not in text:
            raise PapershelfError(f"{text!r}: name the author as one of {', '.join(AUTHOR_FORMS)}")
        text = prefix + ":" + text.partition(":")[2].strip()
    elif kind == "hf_daily":
        text = _day(text)
    elif kind not in QUERY_KINDS:
        raise PapershelfError(f"unknown query kind {kind!r}; known: {', '.join(QUERY_KINDS)}")
    return Query(kind, text, max_results)


def _day(text: str) -> str:
    """YYYY-MM-DD from a day, ``today`` or ``yesterday`` (UTC)."""
    from ..model import valid_date

    if text in ("today", "yesterday"):
        day = datetime.datetime.now(datetime.UTC).date()
        return (day - datetime.timedelta(days=1 if text == "yesterday" else 0)).isoformat()
    if len(text) != 10 or not valid_date(text):
        raise PapershelfError(f"{text!r} is not a day: use YYYY-MM-DD, today or yesterday")
    return text


def plan_from_config(cfg: SiteConfig) -> tuple[AddPlan, AddSettings]:
    """The ``add:`` block of ``site.yaml`` as a plan and settings; bad keys are reported together."""
    block = cfg.extra.get("add") or {}
    errors: list[str] = []
    if not isinstance(block, dict):
        raise ConfigError("add: must be a mapping (ids, queries, max, intervals, …)")
    settings = settings_from_config(cfg, errors)
    plan = AddPlan()
    for i, raw in enumerate(_as_list(block.get("ids"))):
        try:
            plan.ids.append(parse_ident(str(raw)))
        except PapershelfError as e:
            errors.append(f"add.ids[{i}]: {e.message}")
    default_max = block.get("max", 100)
    if not isinstance(default_max, int) or isinstance(default_max, bool) or default_max < 1:
        errors.append("add.max: must be a whole number >= 1")
        default_max = 100
    for i, raw in enumerate(_as_list(block.get("queries"))):
        kinds = [k for k in QUERY_KINDS if isinstance(raw, dict) and k in raw]
        if len(kinds) != 1:
            errors.append(f"add.queries[{i}]: must be a mapping with exactly one of {', '.join(QUERY_KINDS)}"
                          " (and an optional max)")
            continue
        n = raw.get("max", default_max)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            errors.append(f"add.queries[{i}].max: must be a whole number >= 1")
            continue
        try:
            plan.queries.append(parse_query(kinds[0], str(raw[kinds[0]]), n))
        except PapershelfError as e:
            errors.append(f"add.queries[{i}]: {e.message}")
    if errors:
        raise ConfigError("site.yaml: invalid add settings:\n  " + "\n  ".join(errors))
    return plan, settings


def settings_from_config(cfg: SiteConfig, errors: list[str] | None = None) -> AddSettings:
    """Client settings from ``contact`` and the ``add:`` block (intervals, page sizes, URLs, retries)."""
    errors = [] if errors is None else errors
    block = cfg.extra.get("add") or {}
    block = block if isinstance(block, dict) else {}
    client = ClientSettings(contact=str(block.get("contact") or cfg.contact or ""))
    for name, value in _mapping(block, "intervals", errors).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            errors.append(f"add.intervals.{name}: must be a number of seconds >= 0")
        else:
            client.intervals[str(name)] = float(value)
    for key in ("retries", "timeout", "query_max_age"):
        if key in block:
            value = block[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                errors.append(f"add.{key}: must be a number >= 0")
            else:
                setattr(client, key, int(value) if key == "retries" else float(value))
    out = AddSettings(client=client)
    for name, value in _mapping(block, "page_size", errors).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors.append(f"add.page_size.{name}: must be a whole number >= 1")
        else:
            out.page_size[str(name)] = value
    urls = _mapping(block, "base_urls", errors)
    out.urls = base_urls({str(k): str(v) for k, v in urls.items()})
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _mapping(block: dict[str, Any], key: str, errors: list[str]) -> dict[str, Any]:
    value = block.get(key) or {}
    if not isinstance(value, dict):
        errors.append(f"add.{key}: must be a mapping of source name to value")
        return {}
    return value


def run_add(plan: AddPlan, content: Path, settings: AddSettings | None = None, dry_run: bool = False,
            listed: str | None = None, client: Client | None = None, progress: bool = True) -> AddResult:
    """Fetch everything in ``plan`` and merge it into ``content``; returns the result with its summary.

    ``listed`` (a YYYY-MM-DD day) is added to the ``listed`` days of papers
    that are new to the catalog, so they show on that day's listing page
    and in the feeds.
    """
    from ..ingest.run import ingest as run_ingest

    settings = settings or AddSettings()
    own = client is None
    client = client or Client(settings.client)
    result = AddResult(stats=client.stats)
    items: list[Paper | Author] = []
    try:
        sources = Sources(client, settings.urls, settings.page_size, settings.client.contact)
        for got in _progress(_pages(sources, plan), client.stats, progress):
            if isinstance(got, Problem):
                result.problems.append(got)
                continue
            result.pages += 1
            items.extend(_read(got, result))
    finally:
        if own:
            client.close()
    if listed:
        result.listed, result.day = _mark_new(items, content, listed), listed
    content.mkdir(parents=True, exist_ok=True)
    result.report = run_ingest("fetched", [], content, IngestContext(), dry_run=dry_run, items=items)
    return result


def _pages(sources: Sources, plan: AddPlan) -> Iterator[Item]:
    yield from sources.ids(plan.ids)
    for q in plan.queries:
        if q.kind == "arxiv":
            yield from sources.arxiv_query(q.text, q.max)
        elif q.kind == "s2":
            yield from sources.s2_query(q.text, q.max)
        elif q.kind == "hf_daily":
            yield from sources.hf_daily(q.text, q.max)
        elif q.kind == "author" and q.text.startswith("s2:"):
            yield from sources.s2_author(q.text[3:], q.max)
        elif q.kind == "author":
            yield from sources.openalex_author(q.text, q.max)


def _progress(pages: Iterable[Item], stats: FetchStats, enabled: bool) -> Iterator[Item]:
    """A progress bar on stderr (tqdm hides itself when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = tqdm(unit=" answer", file=sys.stderr, disable=None if enabled else True, leave=False)
    try:
        for item in pages:
            bar.update(1)
            bar.set_postfix(requests=stats.requests, cached=stats.cache_hits, refresh=False)
            yield item
    finally:
        bar.close()


def _read(page: Page, result: AddResult) -> list[Paper | Author]:
    """Parse one stored answer with its source's reader; problems go to the result."""
    try:
        parser = get_parser(page.fmt)
    except UnknownFormat:
        result.problems.append(Problem(page.label, page.label, "-", f"no reader for format {page.fmt!r} is "
                                       "installed, so this answer was stored but not read"))
        return []
    out: list[Paper | Author] = []
    wanted = page.limit
    try:
        for item in parser(page.path, IngestContext()):
            if isinstance(item, Problem):
                result.problems.append(dataclasses.replace(item, file=_label_file(item.file, page)))
                continue
            if isinstance(item, Paper):
                if wanted is not None and wanted <= 0:
                    continue  # past the query's --max
                wanted = None if wanted is None else wanted - 1
            for s in item.sources:
                s.file = _label_file(s.file, page)
            result.fetched += 1
            out.append(item)
    except IngestError as e:
        msg = e.message.replace(f"{page.path}: ", "").replace(str(page.path), page.url)
        papers = [p for p in out if isinstance(p, Paper)]
        lost = _not_returned(papers, page)
        if lost:  # an id look-up answered with an empty result (arXiv: an empty feed)
            for ident in lost:
                result.problems.append(Problem(ident.label, ident.label, "-", f"not found: {msg}"))
        else:
            result.problems.append(Problem(page.label, page.label, "-", msg))
        return out
    papers = [p for p in out if isinstance(p, Paper)]
    _tag_ids(papers, page)
    for missing in _not_returned(papers, page):
        result.problems.append(Problem(missing.label, missing.label, "-", "not found: the answer holds no such paper"))
    return out


def _label_file(file: str, page: Page) -> str:
    # Record the id or query asked for, not the cache file: stable across runs and machines.
    return page.label if file.endswith(page.path.name) else file


def _tag_ids(papers: list[Paper], page: Page) -> None:
    """A paper fetched by an ACL, OpenAlex, HF or S2 id carries that id (so the next run matches it)."""
    if len(page.want) != 1 or len(papers) != 1:
        return
    ident, paper = page.want[0], papers[0]
    if ident.kind in ("acl", "hf", "openalex") or (ident.kind == "s2" and len(ident.value) == 40):
        paper.ids.setdefault(ident.kind, ident.value)


def _not_returned(papers: list[Paper], page: Page) -> list[Ident]:
    if not page.want:
        return []
    if page.want[0].kind != "arxiv":
        return [] if papers else list(page.want)
    got = {normalise_arxiv(p.arxiv) for p in papers if p.arxiv}
    return [i for i in page.want if normalise_arxiv(i.value) not in got]


def _mark_new(items: list[Paper | Author], content: Path, day: str) -> int:
    """Give papers not yet in the catalog the listing day ``day``; returns how many."""
    index = PaperIndex(load_content(content).papers.values() if content.is_dir() else ())
    new: set[str] = set()
    for p in items:
        if isinstance(p, Paper) and index.find(p)[0] is None:
            if day not in p.listed:
                p.listed = sorted([*p.listed, day])
            new.add(p.id)
    return len(new)


def today() -> str:
    """Today's date in UTC, the day a scheduled refresh lists its new papers under."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()
