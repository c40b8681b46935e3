"""The content folder: one YAML file per paper and per author.

Layout::

    content/papers/<id>.yaml     one paper record
    content/authors/<id>.yaml    one author record (profile, aliases, pins)
    content/lists/<slug>.yaml    reading lists

Reading collects problems instead of stopping at the first bad file, so
``papershelf check`` can list every problem and the build can go on with the
good records.  Writing goes through the YAML emitter (never string
formatting) and only touches a file whose bytes change.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .model import Author, Paper, author_from_record, paper_from_record
from .writer import write_if_changed

try:  # libyaml is many times faster; fall back to pure Python where missing
    _Base: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader that keeps dates as text.

    PyYAML turns ``2024-13-45`` into a date and fails with a bare ValueError;
    kept as text, the model validates it and reports file, record and field.
    """


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _BlockDumper(_Dumper):  # type: ignore[misc,valid-type]
    """Writes multi-line text (notes, long abstracts with paragraphs) as a
    literal block, so a re-saved record stays as readable as a hand-written one."""


def _str(dumper: Any, value: str) -> Any:
    if "\n" in value and not any(c in value for c in "\r\t\x85\u2028\u2029") and value == value.strip("\n ") \
            and "\n " not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str)


@dataclass
class Content:
    """Everything read from a content folder, and what was wrong with it."""

    papers: dict[str, Paper] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # id -> the file it was read from, for "edit this record" links
    paper_files: dict[str, str] = field(default_factory=dict)
    author_files: dict[str, str] = field(default_factory=dict)


def dump_yaml(data: Any) -> str:
    """YAML text for a record: block style, keys in the given order, Unicode kept."""
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def load_yaml_file(path: Path, rel: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; an unreadable file becomes a Problem, not an exception."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return None, [Problem(rel, "-", "-", f"not UTF-8 text (byte {e.start}); re-save the file as UTF-8")]
    except OSError as e:
        return None, [Problem(rel, "-", "-", f"cannot read: {e.strerror}")]
    try:
        return yaml.load(text, Loader=_Loader), []
    except (ValueError, RecursionError) as e:  # constructor errors that are not YAMLError
        return None, [Problem(rel, "-", "-", f"invalid YAML value: {e}")]
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        return None, [Problem(rel, "-", "-", f"invalid YAML: {reason}", line + 1 if line is not None else None)]


def read_record(path: Path, rel: str, kind: str) -> tuple[Paper | Author | None, list[Problem]]:
    """One record file -> (the record or None, its problems)."""
    builder = paper_from_record if kind == "papers" else author_from_record
    data, problems = load_yaml_file(path, rel)
    if data is None:
        return None, problems or [Problem(rel, "-", "-", "file is empty")]
    record, more = builder(data, rel, fallback_id=path.stem)  # type: ignore[operator]
    problems += more
    if record is not None and record.id != path.stem:
        problems.append(Problem(rel, record.id, "id", f"does not match the file name {path.stem!r}; "
                                "rename the file or fix the id"))
        return None, problems
    return record, problems


def load_content(root: Path, read: Any = read_record) -> Content:
    """Read every record under ``root``; bad records are reported, good ones kept.

    ``read`` has the signature of :func:`read_record`; the build passes a
    cached one (generator/cache.py) so unchanged files are not parsed again.
    """
    out = Content()
    for kind, target, files in (
        ("papers", out.papers, out.paper_files),
        ("authors", out.authors, out.author_files),
    ):
        folder = root / kind
        if not folder.is_dir():
            continue
        # Names sorted as strings (sorting 10,000 Paths compares their parts: a third of a second).
        prefix = folder.relative_to(root.parent).as_posix() + "/"
        for name in sorted(fnmatch.filter(os.listdir(folder), "*.yaml")):
            path, rel = folder / name, prefix + name
            record, problems = read(path, rel, kind)
            out.problems.extend(problems)
            if record is None:
                continue
            target[record.id] = record  # type: ignore[assignment]
            files[record.id] = rel
    return out


def record_path(root: Path, record: Paper | Author) -> Path:
    kind = "papers" if isinstance(record, Paper) else "authors"
    return root / kind / f"{record.id}.yaml"


def save_records(root: Path, records: Iterable[Paper | Author]) -> tuple[int, int]:
    """Write records as YAML files; return (written, unchanged)."""
    written = unchanged = 0
    for record in records:
        if write_if_changed(record_path(root, record), dump_yaml(record.to_dict())):
            written += 1
        else:
            unchanged += 1
    return written, unchanged
