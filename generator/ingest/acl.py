"""ACL Anthology collection XML: one ``<collection>`` file, a folder of them, or a tarball.

Read with defusedxml's ``iterparse`` so a collection streams: each
``<paper>`` is turned into a record and cleared as soon as it ends, which
keeps the 71k-paper Anthology snapshot in bounded memory.  A ``.tar.gz``
(or ``.tgz`` / ``.tar``) is read member by member with ``tarfile``, never
unpacked to disk.

Per paper: the Anthology id (from ``<url>``, else built from the collection,
volume and paper ids the way the Anthology does), title and abstract as
text (``<fixed-case>`` and ``<i>`` unwrapped, ``<tex-math>`` kept as
``$...$`` for the math renderer), authors with their ``id`` disambiguators,
DOI, pages, the volume's booktitle, year and month, the Papers-with-Code
repository as ``code``.  A ``<frontmatter>`` becomes the volume's own
``proceedings`` record; a ``<removed>`` paper is reported and skipped; a
``<retracted>`` one is kept with a ``retracted`` note.

With ``ctx.name_variants`` (the Anthology's ``name_variants.yaml``) every
spelling of a person carries that person's id (the file's ``id:``, else the
slug of the canonical name) as ``AuthorRef.id`` and ``ids["acl"]``, and one
Author record per person met is emitted at the end, with the variants as
aliases, so all spellings resolve to one author page.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import yaml
from defusedxml import DefusedXmlException, ElementTree

from ..content import _Loader
from ..errors import IngestError, Problem
from ..ids import author_id
from ..model import Author, Source
from . import IngestContext, Item
from ._common import clean, emit

MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), 1)}
OLD_ID = re.compile(r"^[A-Z]\d{2}$")


@dataclass
class Person:
    """One canonical person of name_variants.yaml."""

    id: str
    name: str
    variants: list[str] = field(default_factory=list)
    similar: list[str] = field(default_factory=list)  # ids of different people with look-alike names


@dataclass
class NameVariants:
    people: dict[str, Person]
    by_name: dict[str, list[str]]  # folded full name -> person ids (several when namesakes)

    def lookup(self, name: str) -> str | None:
        """The one person this spelling names, or None when unknown or ambiguous."""
        from ..catalog import name_key

        ids = self.by_name.get(name_key(name), [])
        return ids[0] if len(ids) == 1 else None


def _full(d: Any) -> str | None:
    if not isinstance(d, dict):
        return None
    return clean(" ".join(str(d.get(k) or "") for k in ("first", "last")))


@lru_cache(maxsize=4)
def load_name_variants(path: Path) -> NameVariants:
    """Parse name_variants.yaml (cached: one parse per run, however many files)."""
    from ..catalog import name_key

    try:
        data = yaml.load(path.read_bytes().decode("utf-8"), Loader=_Loader)
    except (UnicodeDecodeError, yaml.YAMLError, OSError) as e:
        raise IngestError(f"{path}: cannot read the name variants: {str(e).splitlines()[0]}") from None
    if not isinstance(data, list):
        raise IngestError(f"{path}: not a name_variants.yaml (expected a list of people)")
    people: dict[str, Person] = {}
    by_name: dict[str, list[str]] = {}
    for entry in data:
        if not isinstance(entry, dict) or not (canonical := _full(entry.get("canonical"))):
            continue
        pid = clean(entry.get("id")) or author_id(canonical)
        person = people.setdefault(pid, Person(pid, canonical))
        for other in entry.get("similar") or []:
            if isinstance(other, str) and other not in person.similar:
                person.similar.append(other)
        for v in entry.get("variants") or []:
            if (name := _full(v)) and name != canonical and name not in person.variants:
                person.variants.append(name)
        for name in (canonical, *person.variants):
            ids = by_name.setdefault(name_key(name), [])
            if pid not in ids:
                ids.append(pid)
    return NameVariants(people, by_name)


def text_of(el: Element | None) -> str | None:
    """An element's text with markup unwrapped and ``<tex-math>`` as ``$...$``."""
    if el is None:
        return None

    def walk(e: Element) -> Iterator[str]:
        if e.text:
            yield e.text
        for child in e:
            if child.tag == "tex-math":
                yield "$" + "".join(child.itertext()) + "$"
            else:
                yield from walk(child)
            if child.tail:
                yield child.tail

    return clean("".join(walk(el)))


def acl_id(collection: str, volume: str, paper: str) -> str:
    """The Anthology id of a paper: 2020.acl-main.1, P11-1001, W19-0101."""
    if OLD_ID.match(collection):
        # The Anthology's own rule: workshops (W), C69 and the D19 workshop
        # volumes (>= 5) have two-digit volume and paper numbers.
        if collection.startswith("W") or collection == "C69" or (collection == "D19" and int(volume) >= 5):
            return f"{collection}-{int(volume):02d}{int(paper):02d}"
        return f"{collection}-{int(volume)}{int(paper):03d}"
    return f"{collection}-{volume}.{paper}"


def collection_year(collection: str) -> str | None:
    if m := re.match(r"^(\d{4})\.", collection):
        return m.group(1)
    if OLD_ID.match(collection):
        yy = int(collection[1:])
        return f"{1900 + yy if yy > 50 else 2000 + yy}"
    return None


class _Reader:
    """Streams one collection file into records, remembering the people met."""

    def __init__(self, source: str, variants: NameVariants | None):
        self.source = source
        self.variants = variants
        self.met: dict[str, Person] = {}
        self.seen: set[str] = set()

    def _author(self, el: Element) -> dict[str, Any] | None:
        name = clean(" ".join(t for t in (text_of(el.find("first")), text_of(el.find("last"))) if t))
        if not name:
            return None
        ref: dict[str, Any] = {"name": name}
        pid = (el.get("id") or "").lower() or None  # ids are slugs; one file writes "yang-liu-Helsinki"
        if self.variants is not None:
            pid = pid or self.variants.lookup(name)
            if pid and pid in self.variants.people:
                self.met[pid] = self.variants.people[pid]
        if pid:
            ref["id"] = pid
            ref["ids"] = {"acl": pid}
        if aff := text_of(el.find("affiliation")):
            ref["affiliation"] = aff
        return ref

    def _meta(self, meta: Element | None, collection: str) -> dict[str, Any]:
        get = (lambda tag: text_of(meta.find(tag))) if meta is not None else (lambda tag: None)
        year = get("year") or collection_year(collection)
        month = MONTHS.get((get("month") or "").split("-")[0].strip().lower())
        date = f"{year}-{month:02d}" if year and month else year
        return {"venue": get("booktitle"), "date": date, "url": get("url")}

    def paper(self, el: Element, collection: str, volume: str, vol: dict[str, Any]) -> Iterator[Item]:
        front = el.tag == "frontmatter"
        number = "0" if front else (el.get("id") or "?")
        url_text = clean(el.findtext("url")) or ""
        try:
            computed = acl_id(collection, volume, number)
        except ValueError:
            computed = f"{collection}-{volume}.{number}"
        aid = url_text if url_text and "://" not in url_text else computed
        if aid in self.seen and computed not in self.seen:
            # 2006.amta's panel2 papers repeat panel1's <url>s: keep both papers.
            yield Problem(self.source, computed, "url", f"<url> {aid} is already used by an earlier paper in this "
                          f"file; the paper is kept as {computed}")
            aid = computed
        self.seen.add(aid)
        removed = el.find("removed")
        if removed is not None:
            why = text_of(removed) or "no reason given"
            yield Problem(self.source, aid, "removed", f"removed from the Anthology on {removed.get('date')}: {why}")
            return
        pwc = el.find("pwccode")
        rec: dict[str, Any] = {
            "title": vol["venue"] if front else text_of(el.find("title")),
            "authors": [] if front else [a for x in el.findall("author") if (a := self._author(x))],
            "date": vol["date"],
            "venue": None if front else vol["venue"],
            "type": "proceedings" if front else ("article" if collection[:1] in "JQ" or ".cl" in collection
                                                 or "tacl" in collection else "inproceedings"),
            "abstract": text_of(el.find("abstract")),
            "doi": clean(el.findtext("doi")),
            "url": f"https://aclanthology.org/{aid}",
            "code": pwc.get("url") if pwc is not None and (pwc.get("url") or "").startswith("https://") else None,
            "ids": {"acl": aid},
            "pages": clean(el.findtext("pages")),
        }
        retracted = el.find("retracted")
        if retracted is not None:
            rec["retracted"] = f"{retracted.get('date')}: {text_of(retracted) or 'retracted'}"
        yield from emit(rec, "acl", self.source, aid)

    def read(self, stream: IO[bytes] | str) -> Iterator[Item]:
        collection, volume, vol = "", "", self._meta(None, "")
        try:
            for event, el in ElementTree.iterparse(stream, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == "collection":
                        collection = el.get("id") or ""
                    elif tag == "volume":
                        volume = el.get("id") or ""
                        vol = self._meta(None, collection)
                    continue
                if tag == "meta":
                    vol = self._meta(el, collection)
                elif tag in ("paper", "frontmatter"):
                    yield from self.paper(el, collection, volume, vol)
                    el.clear()
                elif tag == "volume":
                    el.clear()
        except ParseError as e:
            raise IngestError(f"{self.source}: not well-formed XML: {e}") from None
        except DefusedXmlException as e:  # entity tricks, DTDs: refused, never expanded
            raise IngestError(f"{self.source}: refused unsafe XML: {type(e).__name__}") from None
        if not collection:
            raise IngestError(f"{self.source}: not an ACL Anthology collection (no <collection id=...>)")

    def authors(self, variants_file: str) -> Iterator[Author]:
        for pid in sorted(self.met):
            p = self.met[pid]
            # The file's "similar" lists people who only look alike: a pin that they are not this person.
            yield Author(id=pid, name=p.name, aliases=list(p.variants), ids={"acl": pid},
                         not_same_as=sorted(p.similar), sources=[Source("acl", variants_file, pid)])


def _members(path: Path) -> Iterator[tuple[str, IO[bytes] | str]]:
    """(name, stream) for each collection XML in a file, folder or tarball."""
    name = path.name.lower()
    if path.is_dir():
        for f in sorted(path.rglob("*.xml")):
            yield f.name, str(f)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        try:
            with tarfile.open(path, "r:*") as tar:
                for member in tar:  # streamed: members are read in archive order
                    if member.isfile() and member.name.endswith(".xml"):
                        stream = tar.extractfile(member)
                        if stream is not None:
                            yield Path(member.name).name, stream
        except (tarfile.TarError, EOFError, OSError) as e:
            raise IngestError(f"{path}: cannot read the archive: {e}") from None
    else:
        yield path.name, str(path)


def parse(path: Path, ctx: IngestContext) -> Iterator[Item]:
    """Papers (and, with name variants, authors) from ACL Anthology XML."""
    variants = load_name_variants(ctx.name_variants) if ctx.name_variants else None
    met: dict[str, Person] = {}
    single = not (path.is_dir() or path.name.lower().endswith((".tar.gz", ".tgz", ".tar")))
    for source, stream in _members(path):
        reader = _Reader(source, variants)
        try:
            yield from reader.read(stream)
        except IngestError as e:
            if single:
                raise
            # One broken member of an archive costs that member, not the archive.
            yield Problem(path.name, source, "-", e.message)
        met.update(reader.met)
    if variants is not None and ctx.name_variants is not None:
        reader = _Reader(path.name, variants)
        reader.met = met
        yield from reader.authors(ctx.name_variants.name)
