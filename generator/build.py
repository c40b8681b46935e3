"""The build, top to bottom: config -> content -> catalog -> pages -> MkDocs -> swap.

Gather everything first, then write: the catalog is complete in memory
before the first page is written.  MkDocs builds into a fresh folder beside
the old site, which is swapped in only when the build succeeded, so a failed
or interrupted build leaves the previous site intact.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import incremental
from .cache import RecordCache
from .catalog import build_catalog
from .config import SiteConfig, load_config
from .content import load_content, read_record
from .errors import PapershelfError, Problem
from .forking import frozen_heap
from .generate import GenerateStats, start_record_preparers, write_docs
from .ids import SlugCache
from .pages.common import Context
from .sitemap import write_sitemaps
from .topics import apply_rules, load_rules

NAV = [  # (page kind, nav title, docs path)
    ("papers", "Papers", "papers/index.md"),
    ("authors", "Authors", "authors/index.md"),
    ("topics", "Topics", "topics/index.md"),
    ("venues", "Venues", "venues/index.md"),
    ("orgs", "Organisations", "orgs/index.md"),
    ("years", "Years", "years/index.md"),
    ("daily", "Daily", "daily/index.md"),
    ("papers", "Most cited", "cited/index.md"),
    ("lists", "Lists", "lists/index.md"),
    ("search", "Search", "search/index.md"),
]


@dataclass
class BuildReport:
    papers: int = 0
    authors: int = 0
    problems: list[Problem] = field(default_factory=list)
    docs: GenerateStats = field(default_factory=GenerateStats)
    timings: dict[str, float] = field(default_factory=dict)
    site_dir: Path | None = None
    render: incremental.RenderStats | None = None  # what the MkDocs stage rendered and reused
    cache_hits: int = 0  # record files read from the cache instead of parsed


@dataclass
class BuildOptions:
    content: Path = Path("content")
    site_dir: Path = Path("site")
    config_dir: Path = Path("site_config")
    mkdocs_file: Path | None = None
    work_dir: Path = Path("build")
    strict: bool = False
    progress: bool = True
    site_url: str | None = None  # overrides the configured URL (e.g. to test a sub-path)
    incremental: bool = True  # reuse unchanged records and pages from the previous build
    jobs: int = 2  # processes rendering pages (this machine kind has 2 cores)


class BuildFailed(PapershelfError):
    """The build stopped; the previous site is untouched."""


def default_mkdocs_file() -> Path:
    local = Path("mkdocs.yml")
    if local.exists():
        return local
    return Path(str(resources.files("generator") / "templates" / "mkdocs.yml"))


@contextmanager
def _timed(report: BuildReport, stage: str):
    start = time.perf_counter()
    yield
    report.timings[stage] = report.timings.get(stage, 0.0) + time.perf_counter() - start


def load_catalog(opts: BuildOptions, report: BuildReport,
                 read: Callable[..., Any] | None = None, start: bool = False) -> tuple[Context, SiteConfig]:
    """Stages 1-3: settings, records, catalog.  ``read`` reads one record file (a cache).

    With ``start``, the record preparers (related papers) start on the records
    before the catalog is built: on a large catalog in a worker of their own."""
    with _timed(report, "config"):
        config = load_config(opts.config_dir / "site.yaml")
        if opts.site_url is not None:
            config.url = opts.site_url
    with _timed(report, "load"):
        if not opts.content.is_dir():
            raise BuildFailed(f"content folder {opts.content} does not exist; "
                              "create it, or point to one with --content DIR")
        content = load_content(opts.content, read) if read else load_content(opts.content)
        report.problems.extend(content.problems)
    if opts.strict and report.problems:
        raise BuildFailed(f"{len(report.problems)} problem(s) in the records and --strict is on:\n"
                          + "\n".join(str(p) for p in report.problems))
    extras: dict[str, Any] = {}
    assets = opts.config_dir / "assets"
    if assets.is_dir():
        extras["site_assets"] = str(assets)
    extras["content_dir"] = str(opts.content)  # reading lists live beside the records
    if opts.incremental:  # where add-ons keep what they made for the next build (not an input of any page)
        extras["_work_dir"] = str(opts.work_dir)
    with _timed(report, "catalog"):
        rules = load_rules(opts.config_dir / "topics.yaml")
        if rules:
            apply_rules(rules, content.papers.values(),
                        cache=opts.work_dir / "topics-cache.pickle" if opts.incremental else None)
        if start:  # the records are final from here on (the catalog resolves author references only)
            extras["_record_prepared"] = start_record_preparers(dict(sorted(content.papers.items())), extras,
                                                                 max(1, opts.jobs))
        try:
            with frozen_heap():  # the records stay: no full collection need scan them
                catalog = build_catalog(content.papers, content.authors)
        except BaseException:
            if start:
                extras.pop("_record_prepared").cancel()
            raise
    report.papers, report.authors = len(catalog.papers), len(catalog.authors)
    ctx = Context(catalog=catalog, config=config, paper_files=content.paper_files,
                  author_files=content.author_files, extras=extras)
    return ctx, config


def mkdocs_config(opts: BuildOptions, config: SiteConfig, docs: Path, site_dir: Path) -> Any:
    """The MkDocs configuration: mkdocs.yml, with the site settings laid over it."""
    from mkdocs.config import load_config as mk_load

    nav: list[Any] = [{"Home": "index.md"}]
    nav += [{title: path} for kind, title, path in NAV if kind in config.pages and (docs / path).exists()]
    overrides: dict[str, Any] = {
        "docs_dir": str(docs.resolve()),
        "site_dir": str(site_dir.resolve()),
        "site_name": config.name,
        "nav": nav,
        "not_in_nav": "*.md\n",
        "use_directory_urls": True,
    }
    if config.url:
        overrides["site_url"] = config.url
    if config.description:
        overrides["site_description"] = config.description
    if config.repo_url:
        overrides["repo_url"] = config.repo_url
        overrides["edit_uri"] = config.edit_uri
    mkfile = opts.mkdocs_file or default_mkdocs_file()
    cfg = mk_load(config_file=str(mkfile), **overrides)
    cfg.theme["palette"] = {"primary": config.primary, "accent": config.accent}
    if config.logo:
        cfg.theme["logo"] = "assets/site/" + config.logo
    return cfg


@dataclass
class RenderPlan:
    """How build_site runs MkDocs: what the last build left, and how many processes."""

    previous_site: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    jobs: int = 2
    progress: Callable[[int, int], None] | None = None
    extra_dir: Path | None = None  # side files to link into the site beside MkDocs' output
    linking: incremental.Linking | None = None  # the previous site being linked into the build folder
    # What the generate stage left in the docs and side-files folders (GenerateStats); None: walk them.
    docs_index: dict[str, Any] | None = None
    extra_index: dict[str, Any] | None = None
    cache_dir: Path | None = None  # compiled theme templates, kept between builds
    # Filled in by run_mkdocs: what was done, and what to record after the swap.
    stats: incremental.RenderStats | None = None
    key: str = ""
    record: dict[str, Any] = field(default_factory=dict)


def run_mkdocs(cfg: Any, plan: RenderPlan | None = None) -> None:
    """Run MkDocs on ``cfg``: plain ``mkdocs build``, or with a plan, incremental and parallel."""
    from mkdocs.commands.build import build as mk_build

    # MkDocs reports every page at INFO; keep warnings and errors only.
    for name in ("mkdocs", "mkdocs.commands.build", "mkdocs.structure"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        if plan is None:
            mk_build(cfg)
        else:
            plan.stats, plan.key, plan.record = incremental.build(
                cfg, plan.previous_site, plan.manifest, plan.docs_index, jobs=plan.jobs, progress=plan.progress,
                extra_dir=plan.extra_dir, extra_index=plan.extra_index, linking=plan.linking,
                cache_dir=plan.cache_dir)
    except SystemExit as e:  # MkDocs aborts this way under strict mode
        raise BuildFailed(f"MkDocs stopped the build (exit {e.code}); the previous site is untouched") from None
    except Exception as e:
        raise BuildFailed(f"MkDocs failed: {type(e).__name__}: {e}; the previous site is untouched") from None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def swap_in(new: Path, target: Path, keep: Path | None = None) -> None:
    """Replace ``target`` with ``new`` by renames, so readers never see half a site.

    Where the kernel can exchange two folders atomically, ``target`` is never
    missing either; elsewhere it is, between two renames, for a moment.  The
    replaced site is deleted, or with ``keep`` renamed there (the standby the
    next build starts from, see incremental.start_link).
    """
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists() and _exchange(new, target):
        os.replace(new, old)  # the previous site, now under the new one's name
    else:
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
    if old.exists():
        if keep is None:
            _discard(old)
            return
        if keep.exists():
            _discard(keep)
        os.replace(old, keep)


BACKGROUND_DELETE = 2000  # entries; smaller trees are deleted before the build returns


def _discard(old: Path) -> None:
    """Delete a replaced site; a large one by a detached ``rm`` so the build need not wait.

    The new site is already in place.  Deleting a 10k-paper site (tens of
    thousands of folders) takes over a minute on this machine's disk, which
    would be most of an incremental build.  The tree is first renamed to a
    trash name (so it is never mistaken for a build in progress), then
    removed in the background; trash that a killed ``rm`` left behind is
    handed to the next one.
    """
    count = 0
    for _root, dirs, files in os.walk(old):
        count += len(dirs) + len(files)
        if count > BACKGROUND_DELETE:
            break
    if count <= BACKGROUND_DELETE or shutil.which("rm") is None:
        shutil.rmtree(old, ignore_errors=True)
        return
    # A name of its own: the same process may build again while an earlier rm still runs.
    trash = old.with_name(f".papershelf-trash-{old.name.lstrip('.')}-{time.time_ns()}")
    try:
        os.replace(old, trash)
        targets = sorted(str(p) for p in old.parent.glob(".papershelf-trash-*"))
        subprocess.Popen(["rm", "-rf", "--", *targets], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(trash if trash.exists() else old, ignore_errors=True)


def _remove_abandoned(site_dir: Path) -> None:
    """Remove half-built (.site.new-PID) and half-removed (.site.old-PID) folders of killed builds.

    A build that is killed cannot clean up after itself; the next one does, sparing
    folders whose process is still running (a concurrent build).
    """
    if not site_dir.parent.is_dir():
        return
    for p in site_dir.parent.glob(f".{site_dir.name}.*-*"):
        kind, _, pid = p.name[len(site_dir.name) + 2:].partition("-")
        if kind not in ("new", "old") or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's live process
        shutil.rmtree(p, ignore_errors=True)


def _bar(opts: BuildOptions, desc: str, unit: str) -> Any:
    """A progress bar on stderr; silent when stderr is not a terminal or progress is off."""
    from tqdm import tqdm

    return tqdm(desc=desc, unit=unit, disable=None if opts.progress else True, leave=False,
                file=sys.stderr, dynamic_ncols=True)


def _load_cached(opts: BuildOptions, report: BuildReport) -> tuple[Context, SiteConfig]:
    """load_catalog through the record cache; the cache (every record's parsed form) is let go on return."""
    cache = RecordCache(opts.work_dir / "records.pickle") if opts.incremental else None
    with _bar(opts, "records", "file") as bar:
        def read(path: Path, rel: str, kind: str) -> Any:
            bar.update(1)
            return (cache or read_record)(path, rel, kind)

        ctx, config = load_catalog(opts, report, read, start=True)
    if cache is not None:
        cache.save()
        report.cache_hits = cache.hits
    return ctx, config


def build_site(opts: BuildOptions, on_stage: Callable[[str], None] | None = None) -> BuildReport:
    """Build the whole site from ``opts.content`` into ``opts.site_dir``.

    With ``opts.incremental`` (the default) parsed records are cached in the
    work folder, record pages are made again only when something they show
    changed (generator/pagememo.py) and MkDocs renders only pages whose
    Markdown changed since the last build into this site folder (see
    generator/incremental.py); the result is byte-identical to a full build.
    """
    report = BuildReport()
    # MkDocs builds beside the live site; the swap happens only on success.
    site_dir = opts.site_dir
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = site_dir.with_name(f".{site_dir.name}.new-{os.getpid()}")
    _remove_abandoned(site_dir)
    if tmp.exists():
        shutil.rmtree(tmp)
    manifest_path, standby_path = opts.work_dir / "site-manifest.pickle", opts.work_dir / "standby-manifest.pickle"
    manifest = incremental.read_manifest(manifest_path) if opts.incremental else {}
    standby = incremental.read_manifest(standby_path) if opts.incremental else {}
    incremental.forget_manifest(standby_path)  # the standby is taken now, or is of no use
    previous = site_dir if site_dir.is_dir() else None
    # The live site as its manifest describes it: kept as the next build's standby once replaced.
    keep = opts.incremental and previous is not None and bool(manifest) \
        and manifest.get("site_id") == incremental.site_id(previous)
    linking = incremental.start_link(previous, manifest, tmp, standby)  # may run while the pages are made
    spare = incremental.standby_of(site_dir)
    if not isinstance(linking, incremental.CatchingUp) and spare.exists():
        _discard(spare)
    try:
        slugs = SlugCache(opts.work_dir / "slugs.pickle") if opts.incremental else None
        ctx, config = _load_cached(opts, report)
        docs, files = opts.work_dir / "docs", opts.work_dir / "files"
        # The catalog lasts to the end of the pages: collections need not scan it.
        with frozen_heap(), _timed(report, "pages"), _bar(opts, "pages", "page") as bar:
            report.docs = write_docs(ctx, docs, progress=bar.update, jobs=max(1, opts.jobs), files=files,
                                     memo_path=opts.work_dir / "page-memo.pickle" if opts.incremental else None,
                                     config_dir=opts.config_dir)
        if slugs is not None:
            slugs.save()
        # From here on only the site URL and the sitemap's URLs are needed: the catalog is let go
        # before MkDocs loads, so the page-rendering workers do not inherit it.
        site_url, sitemap_urls = ctx.config.url, ctx.extras.get("sitemap_urls")
        del ctx
        # The catalog is cyclic garbage now: freed here, before MkDocs allocates its 200,000 pages' objects
        # at 100k papers, its memory is reused instead of the process growing past it.
        gc.collect()
        with _timed(report, "mkdocs"), _bar(opts, "html", "page") as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            plan = RenderPlan(previous_site=previous, manifest=manifest, jobs=max(1, opts.jobs),
                              progress=progress, extra_dir=files, linking=linking,
                              docs_index=report.docs.docs_index, extra_index=report.docs.files_index,
                              cache_dir=opts.work_dir / "templates-cache" if opts.incremental else None)
            cfg = mkdocs_config(opts, config, docs, tmp)
            run_mkdocs(cfg, plan)
            write_sitemaps(site_url, sitemap_urls, tmp)  # ours (an index past 50,000 URLs) replaces MkDocs' own
        with _timed(report, "swap"):
            # No manifest while the site changes: a crash here can only cost a full build.
            if keep:  # it describes the site about to become the standby
                try:
                    os.replace(manifest_path, standby_path)
                except OSError:
                    keep = False
            if not keep:
                incremental.forget_manifest(manifest_path)
            swap_in(tmp, site_dir, keep=spare if keep else None)
        report.render = plan.stats
        if plan.stats is not None:
            incremental.write_manifest(manifest_path, plan.key, plan.record, site_dir)
    finally:
        if linking is not None and linking.poll() is None:  # the build stopped before MkDocs
            linking.kill()
            linking.wait()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    report.site_dir = site_dir
    return report
