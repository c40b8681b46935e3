"""The trending page: most upvoted papers of the last week, month and year.

"Now" is the newest listing day in the catalog, not the clock, so the page
is the same whenever the same catalog is built.  A paper counts in a window
when any of its listing days falls in it and it has at least one upvote;
ranking: upvotes, then the newer listing, then title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .. import generate, safe
from ..catalog import Catalog
from .common import Context, Page, facet_url, paper_list, rel

PATH = "trending/index.md"
WINDOWS = (("week", "This week", 7), ("month", "This month", 30), ("year", "This year", 365))
TOP = 20


def trending(catalog: Catalog, days: int, top: int = TOP) -> tuple[str, str, list[str]]:
    """(first day, last day, paper ids) of the ``days`` ending on the newest listing day."""
    last = max(catalog.by_day)
    first = (dt.date.fromisoformat(last) - dt.timedelta(days=days - 1)).isoformat()
    newest: dict[str, str] = {}
    for day, ids in catalog.by_day.items():
        if first <= day <= last:
            for pid in ids:
                if (catalog.papers[pid].upvotes or 0) > 0:  # no votes, nothing trending about it
                    newest[pid] = max(newest.get(pid, day), day)
    ranked = sorted(newest, key=lambda pid: (-(catalog.papers[pid].upvotes or 0), _neg(newest[pid]),
                                             catalog.papers[pid].title.lower(), pid))
    return first, last, ranked[:top]


def _neg(day: str) -> tuple[int, ...]:
    return tuple(-int(x) for x in day.split("-"))


def produce(ctx: Context) -> Iterator[Page]:
    """EXTRA_PRODUCER: trending/index.md when the catalog has daily listings."""
    cat = ctx.catalog
    if not cat.by_day or "daily" not in ctx.config.pages:
        return
    body = "<h1>Trending papers</h1>\n"
    body += (f'<p class="ps-lead">Most upvoted papers of the daily listings, counted back from the newest listing '
             f'(<a href="{rel(PATH, facet_url("daily", max(cat.by_day)))}">{max(cat.by_day)}</a>).</p>\n')
    toc = " · ".join(f'<a href="#{key}">{label}</a>' for key, label, _ in WINDOWS)
    body += f'<p class="ps-daynav">{toc}</p>\n'
    for key, label, days in WINDOWS:
        first, last, ids = trending(cat, days)
        body += f'\n<h2 id="{key}">{label}: {first} to {last}</h2>\n'
        body += paper_list(ctx, ids, PATH, show_upvotes=True) if ids else "<p>No upvoted papers in this window.</p>\n"
    yield Page(PATH, "Trending papers", body, {"description": safe.attr("Most upvoted papers of the week, month and year")},
               kind="listing")


def link_hook(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: a visible link to the trending page from the home page and the daily index."""
    if not ctx.catalog.by_day or "daily" not in ctx.config.pages or page.path not in ("index.md", "daily/index.md"):
        return ""
    line = f'<p class="ps-trending-link"><a href="{rel(page.path, "trending/")}">Trending: most upvoted this week, month and year →</a></p>\n'
    page.insert_after_heading(line)
    return ""


generate.register(producers=[produce], head_hooks=[link_hook])
