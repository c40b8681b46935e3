"""Identifiers: slugs, arXiv ids, DOIs, and the keys records are matched on.

Slugs come from python-slugify (Unicode-aware, transliterating), never from
hand-written regexes, so "Müller" and "Muller" meet and a CJK title still
gets a readable, URL-safe id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from slugify import slugify as _slugify
from text_unidecode import unidecode

from .writer import load_keyed_pickle, save_pickle

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>]+)")


# (text, max_length) -> slug.  Every author without a record of their own gets an id
# slugged from their name, and python-slugify (transliteration, then regexes) costs
# 0.1 ms a name: a second of every 10k-paper build.  The slugs are kept between builds
# (SlugCache) and looked up here first.
_SLUGS: dict[tuple[str, int], str] = {}


def slug(text: str, max_length: int = 80) -> str:
    """A lower-case, ASCII, URL-safe slug of ``text`` (may be empty)."""
    got = _SLUGS.get((text, max_length))
    if got is None:
        got = _SLUGS[(text, max_length)] = _slugify(text, max_length=max_length, word_boundary=True,
                                                    save_order=True)
    return got


class SlugCache:
    """The slugs made by the last build, read from the work folder into ``slug``'s table.

    Kept under the versions of python-slugify and of this module's code, which
    are all a slug depends on."""

    def __init__(self, path: Path):
        import slugify

        self.path = path
        self.key = (getattr(slugify, "__version__", ""), hashlib.sha256(Path(__file__).read_bytes()).hexdigest())
        kept = load_keyed_pickle(path, self.key)
        if isinstance(kept, dict):
            for k, v in kept.items():
                _SLUGS.setdefault(k, v)
        self.size = len(_SLUGS)

    def save(self) -> None:
        """Write the table when this build slugged something new."""
        if len(_SLUGS) != self.size:
            save_pickle(self.path, (self.key, dict(_SLUGS)))
            self.size = len(_SLUGS)


def short_hash(text: str, n: int = 6) -> str:
    """A short stable hash, used to tell apart records whose slugs collide."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def normalise_arxiv(value: str) -> str | None:
    """The versionless arXiv id in ``value`` (an id, abs/pdf URL or 'arXiv:' form)."""
    value = value.strip()
    m = _ARXIV_NEW.search(value)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.search(value)
    if m:
        return m.group(1)
    return None


def normalise_doi(value: str) -> str | None:
    """The DOI in ``value`` (bare, ``doi:`` or a doi.org URL), lower-cased.

    DOIs are case-insensitive by definition, so lower case is the match key
    and the stored form alike.
    """
    m = _DOI.search(value.strip())
    if not m:
        return None
    return m.group(1).rstrip(".,;").lower()


def fold(text: str) -> str:
    """Case-, accent- and punctuation-folded text for matching, not display."""
    if not text.isascii():  # ASCII is its own NFKC form and transliteration: most titles and names
        text = unidecode(unicodedata.normalize("NFKC", text))
    text = text.lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def title_key(title: str) -> str:
    """The normalised title two records must share to be called the same paper."""
    return fold(re.sub(r"\$[^$]*\$|\\[a-zA-Z]+|[{}]", " ", title))


def paper_id(title: str, year: int | None = None, arxiv: str | None = None,
             doi: str | None = None, acl: str | None = None) -> str:
    """The id a new paper gets; stable across runs for the same record.

    Precedence: an arXiv id, an ACL Anthology id, then the title slug plus
    year (a DOI slug reads badly in a URL; the DOI still merges records).  Once a record is in ``content/`` its id never changes, even
    if a later source brings a better identifier (see merge.py).
    """
    if arxiv:
        return slug(arxiv.replace("/", "-"), 60) or short_hash(arxiv)
    if acl:
        return acl.lower() if re.match(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$", acl.lower()) else slug(acl)
    base = slug(title, 70)
    if not base:
        base = "paper-" + short_hash(title)
    if year:
        base = f"{base}-{year}"
    return base


def author_id(name: str) -> str:
    """The id an author gets from their name: 'Zoë Müller' -> 'zoe-muller'."""
    return slug(name, 60) or "author-" + short_hash(name)
