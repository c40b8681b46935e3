"""Hugging Face papers API JSON: ``/api/papers/{id}``, ``/api/daily_papers`` and their shapes.

Accepted bodies: one paper object (``{"id": "2407.13168", "title", ...}``),
a daily-papers item (``{"paper": {...}, "publishedAt", ...}``), or a list of
either.  The HF paper id is the arXiv id.

An author may carry a Hugging Face account (``user``), but HF attaches
accounts by name extraction, and the real data shows one account
(``haopeng01``) attached to two different names.  So the account becomes
``ids["hf"]`` only when the account's full name matches the author name, or
the author claimed the paper themselves (``status: claimed_verified``);
otherwise the link is ignored rather than merging two people.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import IngestError, Problem
from ..ids import fold
from . import IngestContext, Item
from ._common import arxiv_of, clean, emit, obj, read_json, unwrap


def _author(a: Any) -> dict[str, Any] | str | None:
    if not isinstance(a, dict) or a.get("hidden") is True and not clean(a.get("name")):
        return None
    name = clean(a.get("name"))
    if not name:
        return None
    user = obj(a, "user")
    handle = clean(user.get("user"))
    if handle and (fold(str(user.get("fullname") or "")) == fold(name) or a.get("status") == "claimed_verified"):
        return {"name": name, "ids": {"hf": handle}}
    return name


def paper_record(p: dict[str, Any], outer: dict[str, Any]) -> dict[str, Any]:
    """A native record for one HF paper object (``outer`` is its daily-papers wrapper, if any)."""
    pid = clean(p.get("id"))
    arxiv = arxiv_of(pid)
    published = clean(p.get("publishedAt")) or clean(outer.get("publishedAt")) or ""
    # The day the paper was on the daily listing (the wrapper's publishedAt is that day too).
    listed = clean(p.get("submittedOnDailyAt")) or (clean(outer.get("publishedAt")) if outer else None)
    upvotes = p.get("upvotes")
    return {
        "title": clean(p.get("title")) or clean(outer.get("title")),
        "authors": [r for a in p.get("authors") or [] if (r := _author(a))],
        "abstract": unwrap(p.get("summary")) or unwrap(outer.get("summary")),
        "date": published[:10] or None,
        "type": "preprint",
        "arxiv": arxiv,
        "url": f"https://huggingface.co/papers/{pid}" if pid else None,
        "ids": {"hf": pid} if pid else {},
        "upvotes": upvotes if isinstance(upvotes, int) and upvotes >= 0 else None,
        "listed": [listed[:10]] if listed else [],
        # ai_keywords are model-extracted and many; they are not turned into topics.
        "ai_summary": clean(p.get("ai_summary")),
    }


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers from a Hugging Face paper or daily-papers response."""
    data = read_json(path)
    if isinstance(data, dict) and "error" in data and "title" not in data:
        raise IngestError(f"{path}: the Hugging Face API returned an error, not papers: {clean(data['error'])}")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise IngestError(f"{path}: the response holds no papers; nothing to add")
    for i, item in enumerate(items, 1):
        key = f"#{i}"
        if not isinstance(item, dict):
            yield Problem(path.name, key, "-", f"item is {type(item).__name__}, not a paper; skipped")
            continue
        outer, paper = (item, item["paper"]) if isinstance(item.get("paper"), dict) else ({}, item)
        rec = paper_record(paper, outer)
        yield from emit(rec, "hf-api", path, clean(paper.get("id")) or key)
