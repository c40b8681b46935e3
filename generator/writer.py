"""Writing files only when their bytes change.

Unchanged files keep their timestamps, so incremental builds, rsync and
``git status`` all see only real changes.
"""

from __future__ import annotations

import os
from pathlib import Path


def save_pickle(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` through a temporary file and a rename: a reader sees the old or the new."""
    import pickle

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_keyed_pickle(path: Path, key: object) -> object | None:
    """What save_pickle(path, (key, value)) stored, if it was stored under ``key``; else None
    (missing, unreadable, or made under another key: the caller makes everything again)."""
    import pickle

    try:
        with open(path, "rb") as f:
            saved_key, value = pickle.load(f)
    except Exception:
        return None
    return value if saved_key == key else None


def write_if_changed(path: Path, content: str | bytes) -> bool:
    """Write ``content`` to ``path`` unless it already holds exactly those bytes.

    Returns True when the file was written.  The write goes to a temporary
    file first and is renamed into place, so a reader never sees half a file.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, data)
    return True


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder exists) through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
