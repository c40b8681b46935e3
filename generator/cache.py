"""Parsed records kept between builds, so an unchanged record file is not parsed again.

Parsing YAML and validating a record costs about 0.4 ms per file: 4 s for
10,000 papers, every build (peers learned this the hard way: jekyll-scholar
re-parses its bibliography on every page).  The cache maps each file to its
size and modification time and the (record, problems) read from it; a file
whose size or mtime differs is read again.  The cache also carries a hash of
the code that reads records, so a change to the model empties it.

It is a pickle in the work folder, which only this program writes: the
build's own output, never input from outside.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from .content import read_record
from .errors import Problem
from .model import Author, Paper
from .writer import save_pickle

CACHE_VERSION = 1


def _code_key() -> str:
    # Records are built by these modules: a change to any of them invalidates the cache.
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(str(CACHE_VERSION).encode())
    for name in ("model.py", "content.py", "ids.py", "errors.py", "cache.py"):
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()


class RecordCache:
    """A ``read`` function for :func:`generator.content.load_content` that remembers."""

    def __init__(self, path: Path):
        self.path = path
        self.key = _code_key()
        # file -> (size, mtime_ns, pickled (record, problems))
        self.entries: dict[str, tuple[int, int, bytes]] = {}
        self.hits = 0
        self.misses = 0
        try:
            with open(path, "rb") as f:
                data = pickle.load(f)
            if isinstance(data, dict) and data.get("key") == self.key:
                self.entries = data["entries"]
        except Exception:  # a missing, truncated or foreign cache is just empty
            self.entries = {}
        self._seen: dict[str, tuple[int, int, bytes]] = {}

    def __call__(self, path: Path, rel: str, kind: str) -> tuple[Paper | Author | None, list[Problem]]:
        try:
            st = os.stat(path)
        except OSError:
            return read_record(path, rel, kind)
        name = f"{kind}/{path.name}"
        hit = self.entries.get(name)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            self.hits += 1
            self._seen[name] = hit
            # Unpickled afresh each time: the catalog fills in resolved author
            # ids on the records it is given, and the cache must keep them as read.
            record, problems = pickle.loads(hit[2])
            return record, problems
        self.misses += 1
        record, problems = read_record(path, rel, kind)
        self._seen[name] = (st.st_size, st.st_mtime_ns, pickle.dumps((record, problems), pickle.HIGHEST_PROTOCOL))
        return record, problems

    def save(self) -> None:
        """Write what this run read (files no longer present are dropped); nothing when that is
        what the cache holds already."""
        if not self.misses and self._seen.keys() == self.entries.keys():
            return
        save_pickle(self.path, {"key": self.key, "entries": self._seen})
