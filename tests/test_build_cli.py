"""`papershelf build` as a user sees it: the closing summary and the exit codes."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner

from generator.cli import main

from .conftest import ROOT


def _content(tmp_path, n: int = 12):
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    for p in sorted((ROOT / "content" / "papers").glob("*.yaml"))[:n]:
        shutil.copy(p, content / "papers" / p.name)
    return content


def _build(tmp_path, content, monkeypatch):
    monkeypatch.chdir(ROOT)
    return CliRunner().invoke(main, ["build", "--content", str(content), "--site-dir", str(tmp_path / "site"),
                                     "--work-dir", str(tmp_path / "work")])


def test_summary_reports_a_full_then_an_incremental_build(tmp_path, monkeypatch):
    content = _content(tmp_path)
    first = _build(tmp_path, content, monkeypatch)
    assert first.exit_code == 0, first.output
    assert re.search(r"^built 12 paper\(s\) and \d+ author\(s\) into .*site: (\d+) pages \((\d+) files written, "
                     r"0 unchanged, 0 removed; 0 page\(s\) reused, nothing they show having changed\); "
                     r"0 record problem\(s\)$", first.output, re.M)
    pages = int(re.search(r": (\d+) pages", first.output).group(1))
    assert f"html: {pages} page(s) rendered" in first.output
    assert "full build (no previous build recorded); 0 record file(s) read from cache" in first.output
    assert re.search(r"^time: config [\d.]+s, load [\d.]+s, catalog [\d.]+s, pages [\d.]+s, mkdocs [\d.]+s, "
                     r"swap [\d.]+s, total [\d.]+s$", first.output, re.M)

    second = _build(tmp_path, content, monkeypatch)
    assert second.exit_code == 0, second.output
    # Every record page (12 papers, 1 author) and every listing page.
    reused = re.search(r"\(0 files written, \d+ unchanged, 0 removed; (\d+) page\(s\) reused", second.output)
    assert reused and 13 < int(reused.group(1)) <= pages
    assert f"html: 0 page(s) rendered on 1 process(es), {pages} reused unchanged" in second.output
    assert "incremental; 12 record file(s) read from cache" in second.output


def test_missing_content_folder_is_a_clean_error(tmp_path, monkeypatch):
    result = _build(tmp_path, tmp_path / "nope", monkeypatch)
    assert result.exit_code == 1
    assert "content folder" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()
