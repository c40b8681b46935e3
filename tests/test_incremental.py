"""Incremental builds: a rebuild after a change equals a fresh full build, byte for byte.

The fixture is a slice of the shipped catalog.  Each test builds it, changes
something, rebuilds the same site incrementally, builds the changed content
again from scratch into another folder, and compares every file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from generator import incremental
from generator.build import BuildOptions, build_site

from .conftest import ROOT

N_PAPERS = 30


def _tree(site: Path) -> dict[str, str]:
    """Every file and folder under ``site`` with a hash of its bytes."""
    out = {}
    for p in sorted(site.rglob("*")):
        rel = p.relative_to(site).as_posix()
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def _retitle(path: Path, prefix: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["title"] = prefix + data["title"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _opts(content: Path, site: Path, work: Path, **kw) -> BuildOptions:
    kw.setdefault("mkdocs_file", ROOT / "mkdocs.yml")
    return BuildOptions(content=content, site_dir=site, work_dir=work, config_dir=ROOT / "site_config",
                        progress=False, **kw)


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A 30-paper content folder built once; returns (content, site, work, report)."""
    monkeypatch.chdir(ROOT)
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    for p in sorted((ROOT / "content" / "papers").glob("*.yaml"))[:N_PAPERS]:
        shutil.copy(p, content / "papers" / p.name)
    if (ROOT / "content" / "authors").is_dir():
        shutil.copytree(ROOT / "content" / "authors", content / "authors")
    site, work = tmp_path / "site", tmp_path / "work"
    report = build_site(_opts(content, site, work))
    return content, site, work, report


def _fresh(content: Path, tmp_path: Path) -> Path:
    fresh = tmp_path / "fresh"
    if fresh.exists():
        shutil.rmtree(fresh)
    build_site(_opts(content, fresh / "site", fresh / "work", incremental=False))
    return fresh / "site"


def test_first_build_is_full_and_a_noop_rebuild_renders_nothing(small):
    content, site, work, first = small
    assert first.render is not None and first.render.full
    assert first.render.rendered == first.docs.pages
    inodes = _inodes(site)
    again = build_site(_opts(content, site, work))
    assert again.render is not None and not again.render.full
    assert again.render.rendered == 0 and again.render.reused == first.docs.pages
    assert again.cache_hits == len(list((content / "papers").glob("*.yaml"))) + len(list(content.glob("authors/*.yaml")))
    # Nothing changed, so no page file was written again (same inode: a hard link to the old one).
    after = _inodes(site)
    assert {k for k in after if k.endswith("index.html") and after[k] != inodes.get(k)} == set()
    # Side files (search index, feeds, exports) are links to the generator's files folder,
    # kept as they are, and so is the sitemap: no file at all was written again.
    assert {k for k in after if after[k] != inodes.get(k)} == set()
    side = [k for k in after if k.startswith(("search/idx/", "feeds/"))]
    assert side and all((site / k).samefile(work / "files" / k) for k in side)


def test_editing_one_record_equals_a_full_build(small, tmp_path):
    content, site, work, first = small
    victim = sorted((content / "papers").glob("*.yaml"))[3]
    _retitle(victim, "Edited ")
    before = _tree(site)
    report = build_site(_opts(content, site, work))
    assert report.render is not None and not report.render.full and not report.problems
    # Only pages whose Markdown changed were rendered: the paper, and the listings that show its title.
    assert 1 <= report.render.rendered < first.docs.pages and report.render.reused > 0
    assert f"papers/{victim.stem}/index.html" in {k for k, v in _tree(site).items() if before.get(k) != v}
    assert _tree(site) == _tree(_fresh(content, tmp_path))


def test_adding_and_removing_records_equals_a_full_build(small, tmp_path):
    content, site, work, _ = small
    papers = sorted((content / "papers").glob("*.yaml"))
    gone = papers[0]
    gone.unlink()
    new = sorted((ROOT / "content" / "papers").glob("*.yaml"))[N_PAPERS]
    shutil.copy(new, content / "papers" / new.name)
    report = build_site(_opts(content, site, work))
    assert report.render is not None and not report.render.full
    assert not (site / "papers" / gone.stem).exists()
    assert (site / "papers" / new.stem / "index.html").is_file()
    assert _tree(site) == _tree(_fresh(content, tmp_path))


def test_each_build_starts_from_the_standby_and_equals_a_full_build(small, tmp_path, monkeypatch):
    """From the third build on, the build folder is the site the last build replaced, brought up
    to date with links: no copy of the whole site.  Each result equals a fresh full build."""
    content, site, work, _ = small
    build_site(_opts(content, site, work))  # the first build's site is now the standby
    assert incremental.standby_of(site).is_dir()
    popen = incremental.subprocess.Popen

    def no_copy(args, **kw):
        assert "-al" not in args, "the whole site was copied"
        return popen(args, **kw)

    monkeypatch.setattr(incremental.subprocess, "Popen", no_copy)
    papers = sorted((content / "papers").glob("*.yaml"))
    new = sorted((ROOT / "content" / "papers").glob("*.yaml"))[N_PAPERS]
    steps = [lambda: _retitle(papers[3], "Edited "), papers[0].unlink, lambda: None,
             lambda: shutil.copy(new, content / "papers" / new.name), lambda: _retitle(papers[5], "Again ")]
    for n, step in enumerate(steps):
        step()
        report = build_site(_opts(content, site, work))
        assert report.render is not None and not report.render.full
        assert _tree(site) == _tree(_fresh(content, tmp_path / str(n))), n


def test_a_standby_that_cannot_be_brought_up_to_date_gives_way_to_a_copy(small, tmp_path, monkeypatch):
    """The catch-up runs in a forked process: when it fails half way the build copies the
    live site instead, and the result still equals a full build."""
    content, site, work, _ = small
    build_site(_opts(content, site, work))  # a standby now
    real = incremental._catch_up

    def half_then_fail(live, spare, before, now):
        for p in sorted(spare.rglob("*.html"))[:5]:
            p.unlink()
        raise OSError("disk full")

    monkeypatch.setattr(incremental, "_catch_up", half_then_fail)
    copies = []
    link_tree = incremental._link_tree
    monkeypatch.setattr(incremental, "_link_tree", lambda a, b: (copies.append(a), link_tree(a, b)))
    papers = sorted((content / "papers").glob("*.yaml"))
    _retitle(papers[2], "Edited ")
    report = build_site(_opts(content, site, work))
    assert copies == [site]
    assert report.render is not None and not report.render.full
    assert _tree(site) == _tree(_fresh(content, tmp_path / "a"))
    monkeypatch.setattr(incremental, "_catch_up", real)
    _retitle(papers[4], "Again ")
    build_site(_opts(content, site, work))
    assert _tree(site) == _tree(_fresh(content, tmp_path / "b"))


def test_a_page_deleted_from_the_site_is_rendered_again(small, tmp_path):
    content, site, work, _ = small
    page = next(iter(sorted((site / "papers").glob("*/index.html"))))
    page.unlink()
    report = build_site(_opts(content, site, work))
    assert report.render is not None and not report.render.full and report.render.rendered >= 1
    assert page.is_file()
    assert _tree(site) == _tree(_fresh(content, tmp_path))


def test_a_theme_change_falls_back_to_a_full_build(small, tmp_path):
    content, site, work, first = small
    mk = tmp_path / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("custom_dir: site_config", f"custom_dir: {ROOT}/site_config")
    assert "    - navigation.top\n" in text
    mk.write_text(text.replace("    - navigation.top\n", "    - navigation.top\n    - navigation.footer\n"),
                  encoding="utf-8")
    report = build_site(_opts(content, site, work, mkdocs_file=mk))
    assert report.render is not None and report.render.full
    assert "theme" in report.render.reason or "settings" in report.render.reason
    assert report.render.rendered == first.docs.pages


def test_a_lost_manifest_or_another_site_folder_means_a_full_build(small, tmp_path):
    content, site, work, _ = small
    (work / "site-manifest.pickle").unlink()
    assert build_site(_opts(content, site, work)).render.full  # type: ignore[union-attr]
    # The manifest now describes `site`; building into another folder must not reuse it.
    other = tmp_path / "other"
    shutil.copytree(site, other)
    report = build_site(_opts(content, other, work))
    assert report.render is not None and report.render.full
    assert report.render.reason == "the site folder is not the one last built"


def test_a_failed_render_keeps_the_old_site_and_the_next_build_is_correct(small, tmp_path, monkeypatch):
    content, site, work, _ = small
    before = _tree(site)
    victim = sorted((content / "papers").glob("*.yaml"))[5]
    _retitle(victim, "Changed ")

    def broken(uris: list[str]) -> int:
        raise RuntimeError("simulated render failure")

    monkeypatch.setattr(incremental, "_render", broken)
    with pytest.raises(Exception, match="simulated"):
        build_site(_opts(content, site, work))
    assert _tree(site) == before  # hard links were never written through
    monkeypatch.undo()
    monkeypatch.chdir(ROOT)
    build_site(_opts(content, site, work))
    assert _tree(site) == _tree(_fresh(content, tmp_path))


def test_the_record_cache_notices_an_edit(tmp_path):
    from generator.cache import RecordCache
    from generator.content import load_content

    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    src = sorted((ROOT / "content" / "papers").glob("*.yaml"))[0]
    dst = content / "papers" / src.name
    shutil.copy(src, dst)
    cache = RecordCache(tmp_path / "records.pickle")
    first = load_content(content, cache)
    cache.save()
    cache = RecordCache(tmp_path / "records.pickle")
    assert load_content(content, cache).papers == first.papers and cache.hits == 1
    _retitle(dst, "New ")
    cache = RecordCache(tmp_path / "records.pickle")
    loaded = load_content(content, cache)
    assert cache.misses == 1 and loaded.papers[src.stem].title.startswith("New ")


def test_a_docs_file_changed_by_hand_is_rewritten(small, tmp_path):
    content, site, work, _ = small
    page = work / "docs" / "index.md"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"<h1>", b"<h1>Tampered ", 1))
    report = build_site(_opts(content, site, work))
    assert report.docs.written == 1 and page.read_bytes() == original
    assert _tree(site) == _tree(_fresh(content, tmp_path))


def test_pages_made_by_two_processes_equal_pages_made_by_one(tmp_path, monkeypatch):
    """write_docs on forked workers writes the same files, and the sitemap gathers the same URLs;
    related papers computed in a worker while the catalog is built are the ones computed after."""
    from generator import generate
    from generator.build import BuildReport, load_catalog

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(generate, "PARALLEL_MIN", 0)
    monkeypatch.setattr(generate, "CHUNK", 16)  # many tasks, so both workers get papers and authors
    out = {}
    for jobs in (1, 2):
        opts = _opts(ROOT / "content", tmp_path / "s", tmp_path / f"w{jobs}")
        opts.jobs = jobs
        ctx, _ = load_catalog(opts, BuildReport(), start=True)
        assert (ctx.extras["_record_prepared"]._worker is not None) == (jobs == 2)
        stats = generate.write_docs(ctx, tmp_path / f"docs{jobs}", jobs=jobs)
        assert stats.jobs == jobs and stats.pages > 250 and len(ctx.extras["related"]) > 100
        out[jobs] = (_tree(tmp_path / f"docs{jobs}"), ctx.extras["sitemap_urls"], stats.written, stats.pages,
                     ctx.extras["related"])
    assert out[1] == out[2]


def test_theme_fragments_rendered_once_per_folder_equal_fragments_rendered_per_page(small, tmp_path, monkeypatch):
    """The tabs and nav sidebar memo (FragmentMemo) changes no byte of any page."""
    content, site, work, _ = small
    used = {}

    class NoMemo(incremental.FragmentMemo):
        def has(self, name, page):
            return False

        def put(self, name, page, html):
            used[name] = used.get(name, 0) + 1
            return ""

    monkeypatch.setattr(incremental, "FragmentMemo", NoMemo)
    plain = tmp_path / "plain"
    build_site(_opts(content, plain / "site", plain / "work"))
    assert used.get("nav", 0) > 20 and used.get("tabs", 0) > 20  # the memo was asked on record pages
    assert _tree(plain / "site") == _tree(site)


def test_files_from_the_docs_index_equal_mkdocs_walk(small, tmp_path):
    """docs_files (no walk) gives get_files' File objects in get_files' order, exclusions included."""
    from mkdocs.structure.files import get_files

    from generator.build import mkdocs_config
    from generator.config import load_config

    _, _, work, report = small
    docs = tmp_path / "docs"
    shutil.copytree(work / "docs", docs)
    listing = set(report.docs.docs_index)
    # The generate stage's index is what a walk of the folder finds (the fallback without one).
    assert incremental.index_folder(work / "docs") == report.docs.docs_index
    assert incremental.index_folder(work / "files") == report.docs.files_index
    for extra in ("Zed.md", "_x.md", ".hidden.md", "templates/t.md", "a/index.md", "a/b.md", "a/z/c.md",
                  "a-b/index.md", "a b/x.md", "papers/index2.md", "img/logo.png"):
        (docs / extra).parent.mkdir(parents=True, exist_ok=True)
        (docs / extra).write_text("# x\n", encoding="utf-8")
        listing.add(extra)
    opts = _opts(tmp_path / "content", tmp_path / "site", work)
    cfg = mkdocs_config(opts, load_config(ROOT / "site_config" / "site.yaml"), docs, tmp_path / "out")

    def described(files):
        return [(f.src_uri, f.abs_src_path, f.dest_uri, f.url, f.inclusion) for f in files]

    walked = described(get_files(cfg))
    assert described(incremental.docs_files(cfg, sorted(listing))) == walked
    assert len(walked) == len(listing) and walked[0][0] == "index.md"


def test_builds_in_one_process_while_the_last_site_is_deleted_in_the_background(small, monkeypatch):
    """The replaced site goes to a detached rm under a name of its own: a second build from
    the same process (same pid) while that rm runs must neither fail nor leave folders behind."""
    import time

    from generator import build

    content, site, work, _ = small
    monkeypatch.setattr(build, "BACKGROUND_DELETE", 0)  # every replaced site goes to the background rm
    popen = build.subprocess.Popen

    def slow_rm(args, **kw):  # an rm that is still running when the next build replaces the site
        if args[0] != "rm":
            return popen(args, **kw)
        return popen(["sh", "-c", 'sleep 1; exec rm "$@"', "sh", *args[1:]], **kw)

    monkeypatch.setattr(build.subprocess, "Popen", slow_rm)
    for _ in range(3):
        report = build_site(_opts(content, site, work))
        assert report.render is not None and not report.render.full
    deadline = time.monotonic() + 60
    while any(site.parent.glob(".papershelf-trash-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    # Nothing but the standby (the site the last build replaced) is left beside the site.
    assert sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".")) == [f".{site.name}.standby"]
