"""The saved text of a daily-papers listing page.

The page text has no markup left, so it is read by its line shapes::

    Daily Papers                       header
    May 26                             the listing day (no year)
    <title>
    <abstract>
      • 13 authors      or   nvidia NVIDIA      (author count, or organisation)
    ·
    May 18             or   Oct 1, 2025 2       (date, optional upvotes)

A date without a year belongs to the listing's year.  The saved page does
not say which year that is; it is taken from ``--year`` or, failing that,
as the year after the newest year written out on the page (the site writes
the year only for earlier years).  Entries with a missing title are reported,
not invented; entries whose metadata is missing keep title and abstract.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import IngestError, Problem
from ..ids import paper_id, slug
from ..model import Paper, Source
from . import IngestContext, Item

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
DATE_LINE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$")
AUTHORS_LINE = re.compile(r"^•\s*(\d+)\s+authors?$")
SEPARATOR = "·"
HEADER_END = "byAK and the research community"


def read_text(path: Path) -> list[str]:
    """The file's lines, stripped; a file that is not UTF-8 is refused whole."""
    try:
        return [ln.strip() for ln in path.read_bytes().decode("utf-8-sig").splitlines()]
    except UnicodeDecodeError as e:
        raise IngestError(f"{path}: not UTF-8 text (byte {e.start})") from None


def listing_year(lines: list[str], given: int | None) -> int:
    if given:
        return given
    years = [int(m.group(3)) for ln in lines if (m := DATE_LINE.match(ln)) and m.group(3)]
    if not years:
        raise IngestError("the page writes no year anywhere; give the listing's year with --year")
    return max(years) + 1


def to_date(m: re.Match[str], year: int) -> str:
    return f"{int(m.group(3) or year):04d}-{MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}"


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    lines = read_text(path)
    try:
        start = lines.index(HEADER_END) + 1
    except ValueError:
        raise IngestError(f"{path}: not a daily-papers listing (no 'Daily Papers ... {HEADER_END}' header); "
                          "for a search results page use the hf-search format") from None
    # The listing day is the first non-empty line after the header.
    while start < len(lines) and not lines[start]:
        start += 1
    day_match = DATE_LINE.match(lines[start]) if start < len(lines) else None
    if not day_match:
        raise IngestError(f"{path}:{start + 1}: expected the listing day (like 'May 26') after the header")
    year = listing_year(lines, ctx.year)
    listed = to_date(day_match, year)
    name = path.name

    texts: list[tuple[int, str]] = []   # (line number, text) since the last record ended
    count: int | None = None
    org: str | None = None
    index = 0

    def emit(group: list[tuple[int, str]], date: str | None, upvotes: int | None,
             author_count: int | None, org: str | None, first_line: int) -> Iterator[Item]:
        nonlocal index
        # Titles and abstracts come in pairs; every pair but the last lost its
        # metadata on the saved page, so only the last gets date and counts.
        pairs = [group[i:i + 2] for i in range(0, len(group), 2)]
        if not pairs:
            index += 1
            yield Problem(name, f"entry {index}", "title",
                          "entry has a date and author count but no title or abstract; skipped", first_line)
            return
        for n, pair in enumerate(pairs):
            index += 1
            last = n == len(pairs) - 1
            (line_no, title) = pair[0]
            abstract = pair[1][1] if len(pair) > 1 else None
            if len(title) > 400:
                yield Problem(name, f"entry {index}", "title",
                              f"line {line_no} is {len(title)} characters, too long for a title; skipped", line_no)
                continue
            pdate = date if last else None
            paper = Paper(
                id=paper_id(title, int(pdate[:4]) if pdate else None),
                title=title,
                abstract=abstract,
                date=pdate,
                author_count=author_count if last else None,
                orgs=[org] if (org and last) else [],
                upvotes=upvotes if last else None,
                listed=[listed],
                type="preprint",
                sources=[Source("hf-daily", name, f"{listed}#{index}")],
            )
            yield paper

    i = start + 1
    record_start = i + 1
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        am = AUTHORS_LINE.match(line)
        if am:
            count = int(am.group(1))
        elif line == SEPARATOR:
            # The metadata line before the separator: an author count or an organisation.
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            dm = DATE_LINE.match(nxt)
            if not dm:
                yield Problem(name, f"line {i + 1}", "date", f"expected a date after '·', got {nxt[:40]!r}", i + 2)
                i += 1
                continue
            if count is None and len(texts) % 2 == 1 and texts:
                # Odd number of text lines: the last one is the organisation line
                # ("nvidia NVIDIA": the organisation's handle, then its name).
                org_line = texts.pop()[1]
                parts = org_line.split(" ", 1)
                org = parts[1] if len(parts) == 2 else parts[0]
            upvotes = int(dm.group(4)) if dm.group(4) else None
            yield from emit(texts, to_date(dm, year), upvotes, count, org, record_start)
            texts, count, org = [], None, None
            i += 2
            record_start = i + 1
            continue
        else:
            texts.append((i + 1, line))
        i += 1
    if texts:
        # Trailing entries with no metadata at all.
        yield from emit(texts, None, None, None, None, record_start)


def org_slug(name: str) -> str:
    return slug(name)
