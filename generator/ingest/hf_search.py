"""The saved text of a paper search results page: title and abstract lines in turn.

The page's banner text ("Get trending papers in your email inbox ...",
"Subscribe") runs into the first title on the saved page, so it is cut off
the front.  The page shows no dates, authors or venues; those come from other
sources when the same paper is ingested from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import IngestError, Problem
from ..ids import paper_id
from ..model import Paper, Source
from . import IngestContext, Item
from .hf_daily import read_text

BANNERS = ("Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!")
SUBSCRIBE = "Subscribe"


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    raw = read_text(path)
    lines = [(n + 1, ln) for n, ln in enumerate(raw) if ln and ln not in BANNERS]
    if not lines:
        raise IngestError(f"{path}: no results on the page")
    first_no, first = lines[0]
    if first.startswith(SUBSCRIBE):
        first = first[len(SUBSCRIBE):].strip()
        lines[0] = (first_no, first)
    if any(ln == "Daily Papers" for _, ln in lines[:6]):
        raise IngestError(f"{path}: this is a daily-papers listing; use the hf-daily format")
    for k in range(0, len(lines), 2):
        (line_no, title) = lines[k]
        abstract = lines[k + 1][1] if k + 1 < len(lines) else None
        rank = k // 2 + 1
        if len(title) > 400 or (abstract is not None and len(abstract) < len(title) // 2 and len(title) > 200):
            yield Problem(path.name, f"result {rank}", "title",
                          f"line {line_no} does not look like a title ({len(title)} characters); skipped", line_no)
            continue
        yield Paper(
            id=paper_id(title),
            title=title,
            abstract=abstract,
            sources=[Source("hf-search", path.name, f"result {rank}")],
        )
