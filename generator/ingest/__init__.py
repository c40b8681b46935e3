"""Readers, one module per input format, found through one registry.

Each module has ``parse(path, ctx) -> Iterator[Item]`` where an item is a
``Paper``, an ``Author`` or a ``Problem`` (a record it could not use, with the
reason).  A reader never raises for a bad record; for a file it cannot read
at all it raises ``IngestError`` with a message naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..errors import Problem, UnknownFormat
from ..model import Author, Paper

Item = Union[Paper, Author, Problem]  # noqa: UP007 - a runtime alias, kept explicit


@dataclass(frozen=True)
class IngestContext:
    """Options a reader may need; each reader ignores what it does not use."""

    year: int | None = None          # the year of a saved listing page without one
    name_variants: Path | None = None  # ACL Anthology name_variants.yaml
    about: str | None = None         # typed id of the paper an S2 citations page is about ("s2:...")


# format name -> (module, one-line description).  Modules load lazily so
# `papershelf --help` does not import every parser.
FORMATS: dict[str, tuple[str, str]] = {
    "yaml": ("native", "native records: a YAML list (or one mapping) of papers/authors"),
    "json": ("native", "native records: JSON Lines, a JSON list, or one JSON object"),
    "hf-daily": ("hf_daily", "saved text of a daily-papers listing page"),
    "hf-search": ("hf_search", "saved text of a paper search results page"),
    "profile": ("profile", "saved text of a researcher profile page"),
    "bibtex": ("bibtex", "BibTeX / BibLaTeX file (.bib)"),
    "arxiv": ("arxiv", "arXiv API response (Atom feed XML)"),
    "openalex": ("openalex", "OpenAlex work or list response (JSON)"),
    "s2": ("s2", "Semantic Scholar paper, author, search, batch or paginated response (JSON)"),
    "csl": ("csl", "CSL-JSON items (Zotero, Better BibTeX, citeproc)"),
    "acl": ("acl", "ACL Anthology collection XML (a file, a folder or a .tar.gz of them)"),
    "hf-api": ("hf_api", "Hugging Face paper or daily-papers API response (JSON)"),
}

Parser = Callable[[Path, IngestContext], Iterator[Item]]


def register(name: str, module: str, description: str) -> None:
    """Add a format to the registry (used by format modules added later)."""
    FORMATS[name] = (module, description)


def get_parser(name: str) -> Parser:
    """The ``parse`` function of format ``name``; an unknown name lists the known ones."""
    if name not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UnknownFormat(f"unknown format {name!r}; known formats: {known} (or --format auto)")
    module = importlib.import_module(f"{__name__}.{FORMATS[name][0]}")
    parser: Parser = module.parse
    return parser
