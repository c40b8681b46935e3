"""Helpers shared by the API-response readers (JSON and XML bodies saved to files).

Every reader builds a loose native record (a ``dict`` with the field names of
``model.PAPER_FIELDS``) and hands it to :func:`emit`, which validates it
through ``paper_from_record``.  So dates, URLs, DOIs and arXiv ids are checked
in one place, and a bad field becomes a Problem while the paper is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import IngestError, Problem
from ..ids import normalise_arxiv, normalise_doi, paper_id
from ..model import Paper, Source, paper_from_record
from . import Item


def read_text(path: Path) -> str:
    """The file as text; a file that is not UTF-8 is refused whole, naming the byte."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8 first") from None


def read_json(path: Path) -> Any:
    """The parsed JSON body of ``path``; invalid JSON is refused with its line."""
    text = read_text(path)
    if not text.strip():
        raise IngestError(f"{path}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None


def clean(value: Any) -> str | None:
    """Whitespace-collapsed text, or None for empty / non-text values."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def unwrap(value: Any) -> str | None:
    """Hard-wrapped prose (arXiv and HF abstracts) as paragraphs joined by blank lines."""
    if not isinstance(value, str) or not value.strip():
        return None
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", value.strip())]
    return "\n\n".join(p for p in paras if p) or None


def year_of(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def arxiv_of(value: Any) -> str | None:
    return normalise_arxiv(value) if isinstance(value, str) and value.strip() else None


def doi_of(value: Any) -> str | None:
    return normalise_doi(value) if isinstance(value, str) and value.strip() else None


def few(names: list[str], n: int = 3) -> list[str]:
    """At most ``n`` distinct topic names, in first-seen order (topics stay sparse)."""
    out: list[str] = []
    for name in names:
        name = " ".join(name.split())
        if name and name not in out:
            out.append(name)
    return out[:n]


def emit(rec: dict[str, Any], fmt: str, file: Path | str, key: str) -> Iterator[Item]:
    """Validate a loose record and yield its problems, then the Paper (if usable).

    The record gets its stable id here (arXiv id, ACL id, else title slug +
    year) and one Source naming the format, the file and the key in it.
    """
    name = file.name if isinstance(file, Path) else file
    title = clean(rec.get("title"))
    if not title:
        yield Problem(name, key, "title", "record has no title; skipped")
        return
    rec["title"] = title
    rec = {k: v for k, v in rec.items() if v not in (None, "", [], {})}
    if "id" not in rec:
        ids = rec.get("ids") or {}
        rec["id"] = paper_id(title, year_of(rec.get("date")), arxiv=rec.get("arxiv"), acl=ids.get("acl"))
    paper, problems = paper_from_record(rec, name, fallback_id=key)
    for p in problems:
        yield Problem(p.file, key, p.field, p.reason, p.line)
    if paper is not None:
        paper.sources.append(Source(fmt, name, key))
        yield paper


def as_paper(item: Item) -> Paper | None:
    return item if isinstance(item, Paper) else None


def obj(d: dict[str, Any], key: str) -> dict[str, Any]:
    """``d[key]`` when it is a JSON object, else an empty one (APIs send null for missing parts)."""
    value = d.get(key)
    return value if isinstance(value, dict) else {}
