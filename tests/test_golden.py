"""Golden site: the generated Markdown of a small fixture catalog, file by file.

Regenerate after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
and review the diff of tests/fixtures/golden/expected/ before committing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .conftest import FIXTURES, build

GOLDEN = FIXTURES / "golden"
EXPECTED = GOLDEN / "expected"
SKIP_PREFIXES = ("assets/", "search/worker.js")  # static copies of package files, not generated output


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(SKIP_PREFIXES)
    }


def test_generated_pages_match_the_golden_tree(tmp_path):
    build(GOLDEN / "content", tmp_path / "site", tmp_path / "work")
    # Markdown pages (docs/) and side files (files/: search index, feeds, exports), one tree.
    pages, files = tree(tmp_path / "work" / "docs"), tree(tmp_path / "work" / "files")
    assert not set(pages) & set(files)
    got = pages | files
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for rel, data in got.items():
            (EXPECTED / rel).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / rel).write_bytes(data)
    want = tree(EXPECTED)
    assert sorted(got) == sorted(want), "pages added or missing"
    for rel in want:
        assert got[rel] == want[rel], f"{rel} differs from the golden copy"


def test_golden_site_builds_every_page(tmp_path):
    build(GOLDEN / "content", tmp_path / "site", tmp_path / "work")
    site = tmp_path / "site"
    for path in ["index.html", "papers/index.html", "papers/cyclical-sg-mcmc-2020/index.html",
                 "authors/ruqi-zhang/index.html", "authors/qiang-liu/index.html", "years/2022/index.html",
                 "venues/icml/index.html", "orgs/ut-austin/index.html", "daily/2026-05-26/index.html",
                 "topics/sampling-and-mcmc/index.html", "404.html"]:
        assert (site / path).is_file(), path
    paper = (site / "papers/cyclical-sg-mcmc-2020/index.html").read_text(encoding="utf-8")
    # Math is MathML, authors link to their pages, the arXiv link is there.
    assert "<math" in paper and "<mfrac>" not in paper or "<mn>1</mn>" in paper
    assert 'href="../../authors/ruqi-zhang/"' in paper
    assert 'href="https://arxiv.org/abs/1902.03932"' in paper
    # Hand-written alias resolves to the author record; co-authors are counted.
    author = (site / "authors/ruqi-zhang/index.html").read_text(encoding="utf-8")
    assert "Works (3)" in author and "Qiang Liu" in author
