"""``--format auto``: recognise a file's format from its name and first bytes.

The extension decides where it is unambiguous (``.bib``, ``.tar.gz``,
``.yaml``); JSON and XML bodies are told apart by their shape: the XML root
element (Atom ``feed`` = arXiv, ``collection`` = ACL Anthology), the JSON
keys (``paperId``/``authorId``/``data`` = Semantic Scholar, openalex.org ids
or ``meta``+``results`` = OpenAlex, ``issued``/``container-title`` = CSL,
``upvotes``/``paper`` = Hugging Face).  A file it cannot place is refused
with the list of formats to name instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException, ElementTree

from ..errors import IngestError

CSL_KEYS = {"issued", "container-title", "citation-key", "author", "URL", "DOI"}
SNIFF = 65536  # bytes read to tell text formats apart


def _json_format(data: Any, path: Path) -> str:
    items = data if isinstance(data, list) else [data]
    item = next((x for x in items if isinstance(x, dict)), None)
    if isinstance(data, dict):
        if "results" in data and "meta" in data:
            return "openalex"
        if "data" in data or ("total" in data and "offset" in data) or "token" in data:
            return "s2"
        if "error" in data and len(data) <= 2:
            return "s2"  # an error body: the s2 reader refuses it with its message
    if item is None:
        raise IngestError(f"{path}: cannot tell the format of an empty JSON list; name the format")
    if str(item.get("id", "")).startswith("https://openalex.org/"):
        return "openalex"
    if any(k in item for k in ("paperId", "authorId", "citingPaper", "citedPaper")):
        return "s2"
    if "paper" in item and isinstance(item["paper"], dict) or "upvotes" in item or "ai_summary" in item:
        return "hf-api"
    if "type" in item and CSL_KEYS & set(item):
        return "csl"
    if "title" in item or "name" in item:
        return "json"
    raise IngestError(f"{path}: JSON of an unknown shape (keys {sorted(item)[:6]}); name the format")


def _xml_format(path: Path) -> str:
    try:
        for _event, el in ElementTree.iterparse(str(path), events=("start",)):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "feed":
                return "arxiv"
            if tag == "collection":
                return "acl"
            raise IngestError(f"{path}: XML with root element <{tag}>, neither an arXiv feed nor an ACL collection")
    except ElementTree.ParseError as e:
        raise IngestError(f"{path}: not well-formed XML: {e}") from None
    except DefusedXmlException as e:
        raise IngestError(f"{path}: refused unsafe XML: {type(e).__name__}") from None
    raise IngestError(f"{path}: empty XML file")


def detect_format(path: Path) -> str:
    """The registry name of the format ``path`` is in; IngestError when unsure."""
    name = path.name.lower()
    if path.is_dir() or name.endswith((".tar.gz", ".tgz", ".tar")):
        return "acl"
    if name.endswith((".bib", ".bibtex")):
        return "bibtex"
    if name.endswith((".yaml", ".yml")):
        try:
            start = path.read_bytes()[:200].decode("utf-8", errors="replace").lstrip()
        except OSError as e:
            raise IngestError(f"{path}: cannot read: {e.strerror}") from None
        if start.startswith("- canonical:"):
            raise IngestError(f"{path}: this is an ACL Anthology name_variants.yaml, not records; pass it with "
                              "--name-variants when ingesting ACL XML (papershelf ingest acl FILE --name-variants ...)")
        return "yaml"
    if name.endswith(".jsonl"):
        return "json"
    try:
        head = path.read_bytes()[:SNIFF].decode("utf-8-sig", errors="replace").lstrip()
    except OSError as e:
        raise IngestError(f"{path}: cannot read: {e.strerror}") from None
    if head.startswith("<"):
        return _xml_format(path)
    if head.startswith(("{", "[")):
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "json"  # JSON Lines, or broken JSON: the native reader reports line by line
        return _json_format(data, path)
    if head.startswith("@") or "\n@" in head:
        return "bibtex"
    if "Daily Papers" in head[:2000]:
        return "hf-daily"
    raise IngestError(f"{path}: cannot recognise the format; name it (bibtex, arxiv, openalex, s2, csl, acl, "
                      "hf-api, yaml, json, hf-daily, hf-search, profile)")
