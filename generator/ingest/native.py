"""Native records from JSON Lines, JSON or YAML files.

A record is a paper when it has a ``title`` and an author when it has a
``name`` (or says ``kind: author``).  A record without an id gets one from
its title (papers) or name (authors), so hand-written lists stay short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..content import _Loader
from ..errors import IngestError, Problem
from ..ids import author_id, normalise_arxiv, paper_id
from ..model import Source, author_from_record, paper_from_record
from . import IngestContext, Item


def _records(path: Path) -> Iterator[tuple[int | None, Any]]:
    """(line, record) pairs; JSON Lines report a bad line and go on."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8 first") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as e:
            raise IngestError(f"{path}: invalid YAML: {str(e).splitlines()[0]}") from None
        items = data if isinstance(data, list) else [data] if data is not None else []
        for item in items:
            yield None, item
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise IngestError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
        for item in data:
            yield None, item
        return
    # JSON Lines (a single pretty-printed object is tried whole first).
    if stripped.startswith("{"):
        try:
            yield None, json.loads(text)
            return
        except json.JSONDecodeError:
            pass
    # Split on "\n" only: str.splitlines() also splits on U+2028, U+2029 and other
    # separators that are legal, unescaped, inside a JSON string.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as e:
            yield n, Problem(str(path), f"line {n}", "-", f"malformed JSON line: {e.msg}", n)


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    fmt = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"
    for index, (line, rec) in enumerate(_records(path)):
        if isinstance(rec, Problem):
            yield rec
            continue
        key = f"line {line}" if line else f"#{index + 1}"
        if not isinstance(rec, dict):
            yield Problem(str(path), key, "-", f"record must be a mapping, not {type(rec).__name__}", line)
            continue
        rec = dict(rec)
        is_author = rec.pop("kind", None) == "author" or ("name" in rec and "title" not in rec)
        if is_author:
            if not rec.get("id") and isinstance(rec.get("name"), str):
                rec["id"] = author_id(rec["name"])
            author, problems = author_from_record(rec, str(path), line)
            yield from problems
            if author:
                author.sources.append(Source(fmt, path.name, str(rec.get("id") or key)))
                yield author
            continue
        if not rec.get("id") and isinstance(rec.get("title"), str):
            date = str(rec.get("date") or "")
            arxiv = normalise_arxiv(str(rec["arxiv"])) if rec.get("arxiv") else None
            rec["id"] = paper_id(rec["title"], int(date[:4]) if date[:4].isdigit() else None, arxiv=arxiv)
        paper, problems = paper_from_record(rec, str(path), line, fallback_id=key)
        yield from problems
        if paper:
            paper.sources.append(Source(fmt, path.name, str(rec.get("id") or key)))
            yield paper
