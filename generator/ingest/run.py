"""Ingest: read files of one format, merge them into the content folder, report.

Nothing is lost: every record read ends up new, merged into an existing
record, or in the report with the reason it was skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..content import load_content, record_path, save_records
from ..errors import IngestError, Problem
from ..merge import MergeStats, PaperIndex, merge_author
from ..model import Author, Paper
from . import IngestContext, Item, get_parser
from .progress import progress


@dataclass
class IngestReport:
    files: int = 0
    read: int = 0
    papers: int = 0
    authors: int = 0
    new: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    authors_new: int = 0
    authors_merged: int = 0
    skipped: list[Problem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # whole files that could not be read
    near_duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    written: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files, "read": self.read, "papers": self.papers, "authors": self.authors,
            "new": self.new, "merged": self.merged, "updated": self.updated, "unchanged": self.unchanged,
            "authors_new": self.authors_new, "authors_merged": self.authors_merged, "written": self.written,
            "skipped": [p.to_dict() for p in self.skipped], "refused": self.refused,
            "near_duplicates": [{"title": t, "id": i, "why": w} for t, i, w in self.near_duplicates],
        }

    def summary(self) -> str:
        lines = [
            f"read {self.read} record(s) from {self.files} file(s): {self.papers} paper(s), {self.authors} author(s)",
            f"papers: {self.new} new, {self.merged} merged into existing ({self.updated} updated, "
            f"{self.unchanged} unchanged)",
            f"authors: {self.authors_new} new, {self.authors_merged} merged",
            f"skipped: {len(self.skipped)} record(s); refused: {len(self.refused)} file(s); "
            f"near-duplicates to review: {len(self.near_duplicates)}",
        ]
        return "\n".join(lines)


def read_items(fmt: str, paths: Iterable[Path], ctx: IngestContext, report: IngestReport,
               detect: Callable[[Path], str] | None = None) -> Iterator[Paper | Author]:
    """Parse every file, feeding problems into the report; yields good records."""
    for path in paths:
        report.files += 1
        name = fmt
        try:
            if fmt == "auto":
                if detect is None:
                    raise IngestError(f"{path}: cannot detect the format; name it instead of 'auto'")
                name = detect(path)
            parser = get_parser(name)
            for item in parser(path, ctx):
                report.read += 1
                if isinstance(item, Problem):
                    report.skipped.append(item)
                else:
                    yield item
        except IngestError as e:
            report.refused.append(e.message)
        except OSError as e:
            report.refused.append(f"{path}: cannot read: {e.strerror}")


def _items(items: Iterable[Item]) -> Iterator[Item]:
    yield from items


def ingest(fmt: str, paths: list[Path], content: Path, ctx: IngestContext | None = None,
           dry_run: bool = False, detect: Callable[[Path], str] | None = None,
           items: Iterable[Paper | Author] | None = None, strict: bool = False) -> IngestReport:
    """Merge records from ``paths`` (or ready ``items``) into the content folder.

    With ``strict``, any skipped record or refused file means nothing is written.
    """
    ctx = ctx or IngestContext()
    report = IngestReport()
    existing = load_content(content)
    index = PaperIndex(existing.papers.values())
    authors = dict(existing.authors)
    stats = MergeStats()
    touched_papers: dict[str, Paper] = {}
    touched_authors: dict[str, Author] = {}
    source = items if items is not None else progress(read_items(fmt, paths, ctx, report, detect))
    for item in source:
        if items is not None:
            report.read += 1
        if isinstance(item, Paper):
            report.papers += 1
            wanted = item.id
            merged = index.add(item, stats)
            if merged is item and item.id != wanted and not any(pid == item.id for _, pid, _ in stats.near_duplicates):
                # Same id, different paper (no shared identifier or title): both kept, and said so.
                report.near_duplicates.append((item.title, item.id, f"id {wanted} is taken by a different paper"))
            touched_papers[merged.id] = merged
        elif isinstance(item, Author):
            report.authors += 1
            _distinct_id(item, authors, report)
            if item.id in authors:
                merge_author(authors[item.id], item)
                report.authors_merged += 1
            else:
                authors[item.id] = item
                report.authors_new += 1
            touched_authors[item.id] = authors[item.id]
    report.new, report.merged = stats.new, stats.merged
    report.updated, report.unchanged = stats.updated, stats.unchanged
    report.near_duplicates = stats.near_duplicates + report.near_duplicates
    if not dry_run and not (strict and (report.skipped or report.refused)):
        records: list[Paper | Author] = [*touched_papers.values(), *touched_authors.values()]
        written, _ = save_records(content, records)
        report.written = written
    return report


def _same_person_impossible(a: Author, b: Author) -> bool:
    """True when two author records that share an id are provably two people."""
    if a.orcid and b.orcid and a.orcid != b.orcid:
        return True
    if a.id in b.not_same_as or b.id in a.not_same_as:
        return True
    return any(b.ids.get(k) and b.ids[k] != v for k, v in a.ids.items())


def _distinct_id(item: Author, authors: dict[str, Author], report: IngestReport) -> None:
    """Give ``item`` the first id (x, x-2, x-3, ...) whose record is not provably someone else.

    Two people whose names slug alike ("Zoë Müller", "Zoe Muller") but whose ORCIDs
    or external ids differ are both kept, with distinct pages; the pair is listed
    for review.
    """
    base, n, aid = item.id, 2, item.id
    while aid in authors and _same_person_impossible(authors[aid], item):
        aid = f"{base}-{n}"
        n += 1
    if aid != base:
        report.near_duplicates.append((item.name, aid, f"same id as {base} but a different person (ORCID or ids differ)"))
        item.id = aid


def write_report(report: IngestReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


__all__ = ["IngestReport", "ingest", "write_report", "record_path"]
