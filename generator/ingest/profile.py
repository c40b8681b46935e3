"""The saved text of a researcher profile page: one author and their works.

Read by line shapes, as the page text has no markup left::

    Researcher profile
    <name>
    <bio>
    Researcher<role details run together>
    Trust 21 - EmergingVerification L1Unclaimed author
    8works / 0followers / 5topics / 4close collaborators
    Published work
    preprint2026arXiv      (type, year, venue run together)
    <title>
    <abstract>

Every work is linked to the profile's author, so the author page lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import IngestError, Problem
from ..ids import author_id, paper_id
from ..model import PAPER_TYPES, Author, AuthorRef, Paper, Source
from . import IngestContext, Item
from .hf_daily import read_text

FIGURE = re.compile(r"^(\d+)\s*(works|followers|topics|close collaborators)$")
TRUST = re.compile(r"^Trust (\d+)\s*-\s*(\w+)Verification (\w+?)(Unclaimed author|Claimed author|Verified author)?$")
WORK_HEAD = re.compile(r"^(" + "|".join(PAPER_TYPES) + r")(\d{4})(.*)$")
PUBLISHED = re.compile(r"^(\d+) published item\(s\)$")
FOLLOW = re.compile(r"^Follow researcher(\d+)$")


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    raw = read_text(path)
    lines = [(n + 1, ln) for n, ln in enumerate(raw) if ln]
    if not lines or lines[0][1] != "Researcher profile" or len(lines) < 3:
        raise IngestError(f"{path}: not a researcher profile page (first line should be 'Researcher profile')")
    name = lines[1][1]
    bio = lines[2][1]
    aid = author_id(name)
    figures: dict[str, object] = {}
    affiliation: str | None = None
    works_at = None
    for k, (_, line) in enumerate(lines[3:], 3):
        if line.startswith("Researcher") and "Affiliation" in line:
            # "ResearcherAffiliation not importedOpen to collaborate"
            m = re.match(r"^Researcher(?:Affiliation (.*?))?(Open to collaborate|Not open to collaborate)?$", line)
            if m:
                aff = (m.group(1) or "").strip()
                affiliation = None if aff in ("", "not imported") else aff
                if m.group(2):
                    figures["open_to_collaborate"] = m.group(2) == "Open to collaborate"
        elif m := TRUST.match(line):
            figures["trust"] = int(m.group(1))
            figures["trust_level"] = m.group(2)
            figures["verification"] = m.group(3)
            if m.group(4):
                figures["claimed"] = m.group(4) != "Unclaimed author"
        elif m := FIGURE.match(line):
            figures[m.group(2).replace("close ", "").replace(" ", "_")] = int(m.group(1))
        elif m := FOLLOW.match(line):
            figures.setdefault("followers", int(m.group(1)))
        elif m := PUBLISHED.match(line):
            figures["published_items"] = int(m.group(1))
            works_at = k + 1
            break
    author = Author(id=aid, name=name, bio=bio, affiliation=affiliation, figures=figures,
                    sources=[Source("profile", path.name, aid)])
    yield author
    if works_at is None:
        return
    k = works_at
    n = 0
    while k < len(lines):
        line_no, head = lines[k]
        m = WORK_HEAD.match(head)
        if not m:
            yield Problem(path.name, f"line {line_no}", "type", f"expected a work heading like 'preprint2026arXiv', "
                          f"got {head[:40]!r}; skipped", line_no)
            k += 1
            continue
        n += 1
        title = lines[k + 1][1] if k + 1 < len(lines) else ""
        nxt = lines[k + 2][1] if k + 2 < len(lines) else None
        has_abstract = nxt is not None and not WORK_HEAD.match(nxt)
        if not title or WORK_HEAD.match(title):
            yield Problem(path.name, f"work {n}", "title", "work has no title; skipped", line_no)
            k += 1
            continue
        year = int(m.group(2))
        venue = m.group(3).strip() or None
        yield Paper(
            id=paper_id(title, year),
            title=title,
            abstract=nxt if has_abstract else None,
            date=str(year),
            venue=venue,
            type=m.group(1),
            authors=[AuthorRef(name=name, id=aid)],
            sources=[Source("profile", path.name, f"work {n}")],
        )
        k += 3 if has_abstract else 2
