"""Reading lists: ``content/lists/<slug>.yaml``, an ordered choice of papers.

A list file::

    title: Reading group, summer 2026          # required
    description: |                              # optional Markdown
      Papers the group reads this summer, one a week.
    papers:                                     # ordered; a bare id or a mapping
      - cyclical-stochastic-gradient-mcmc-for-bayesian-deep-learning-2020
      - id: a-langevin-like-sampler-for-discrete-distributions-2022
        note: Session 4. Read sections 3-4 first.   # optional Markdown
        date: 2026-06-11                            # optional: when the group read it

The file name (without ``.yaml``) is the list's slug and URL.  Reading
collects problems (file, list, field, reason) and keeps every good entry;
``check_lists`` adds one problem per paper id the catalog does not have,
naming its position, for ``papershelf check``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .content import load_yaml_file
from .errors import Problem
from .model import MAX_FIELD, valid_date

if TYPE_CHECKING:
    from .catalog import Catalog

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$")


@dataclass
class ListEntry:
    """One paper of a list: its id, the group's note, the day it was read."""

    id: str
    position: int  # 1-based, as a person counts
    note: str | None = None
    date: str | None = None


@dataclass
class ReadingList:
    slug: str
    title: str
    file: str  # path relative to the content folder's parent, for messages and edit links
    description: str | None = None
    entries: list[ListEntry] = field(default_factory=list)


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_FIELD]


def _date(value: Any) -> str | None:
    if hasattr(value, "isoformat"):  # YAML reads 2026-06-11 as a date
        value = value.isoformat()[:10]
    value = _text(value)
    return value if value and valid_date(value) else None


def list_from_record(data: Any, slug: str, rel: str) -> tuple[ReadingList | None, list[Problem]]:
    """A ReadingList from one parsed YAML file, and what was wrong with it."""
    problems: list[Problem] = []

    def bad(fld: str, reason: str) -> None:
        problems.append(Problem(rel, slug, fld, reason))

    if not SLUG_RE.match(slug):
        bad("-", "file name must be lower-case letters, digits, '.', '_' or '-' (it becomes the URL)")
        return None, problems
    if not isinstance(data, dict):
        bad("-", f"a list must be a mapping with title and papers, not {type(data).__name__}")
        return None, problems
    title = _text(data.get("title"))
    if title is None:
        bad("title", "is required")
        return None, problems
    for key in data:
        if key not in ("title", "description", "papers"):
            bad(str(key), "unknown field; known: title, description, papers")
    description = data.get("description")
    if description is not None and _text(description) is None:
        bad("description", "must be text")
    rl = ReadingList(slug=slug, title=" ".join(title.split()), file=rel, description=_text(description))
    raw = data.get("papers") or []
    if not isinstance(raw, list):
        bad("papers", f"must be a list of paper ids, not {type(raw).__name__}")
        raw = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        fld = f"papers[{i}]"
        note = day = None
        if isinstance(item, dict):
            pid = _text(item.get("id"))
            note = item.get("note")
            if note is not None and _text(note) is None:
                bad(f"{fld}.note", "must be text")
            note = _text(note)
            if item.get("date") is not None:
                day = _date(item.get("date"))
                if day is None:
                    bad(f"{fld}.date", f"must be YYYY-MM-DD, not {item.get('date')!r}")
            for key in item:
                if key not in ("id", "note", "date"):
                    bad(f"{fld}.{key}", "unknown field; known: id, note, date")
        else:
            pid = _text(item)
        if pid is None:
            bad(fld, "needs a paper id")
            continue
        if pid in seen:
            bad(fld, f"paper {pid!r} (position {i + 1}) is already in this list")
            continue
        seen.add(pid)
        rl.entries.append(ListEntry(id=pid, position=i + 1, note=note, date=day))
    return rl, problems


def load_lists(content: Path) -> tuple[list[ReadingList], list[Problem]]:
    """Every list under ``content/lists/``, by slug; unreadable files become problems."""
    folder = content / "lists"
    lists: list[ReadingList] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return lists, problems
    for path in sorted(folder.glob("*.yaml")):
        rel = path.relative_to(content.parent).as_posix()
        data, errs = load_yaml_file(path, rel)
        problems.extend(errs)
        if data is None:
            if not errs:
                problems.append(Problem(rel, path.stem, "-", "file is empty"))
            continue
        rl, errs = list_from_record(data, path.stem, rel)
        problems.extend(errs)
        if rl is not None:
            lists.append(rl)
    return lists, problems


def missing_papers(rl: ReadingList, catalog: Catalog) -> list[Problem]:
    """One problem per entry whose id is not a paper of the catalog."""
    return [
        Problem(rl.file, rl.slug, f"papers[{e.position - 1}]",
                f"paper {e.id!r} (position {e.position}) is not in the catalog; "
                "check the id against content/papers/ or remove the entry")
        for e in rl.entries if e.id not in catalog.papers
    ]


def check_lists(content: Path, catalog: Catalog) -> list[Problem]:
    """Problems of every reading list, including ids the catalog does not have (``papershelf check``)."""
    lists, problems = load_lists(content)
    for rl in lists:
        problems.extend(missing_papers(rl, catalog))
    return problems
