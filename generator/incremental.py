"""The MkDocs stage, built with MkDocs' own APIs: incremental and on two cores.

``mkdocs build`` renders every page on every run, one at a time.  Papershelf
keeps only hub pages in the nav, so a paper or author page's HTML depends on
nothing but its own Markdown, its path and the site-wide inputs (mkdocs.yml,
theme templates, the nav, the MkDocs and theme versions).  That makes two
things safe:

* **Incremental**: the site-wide inputs are hashed into a *key*; the previous
  build left a manifest (key, a hash of every page's Markdown and its output
  file, and every other file it put in the site).  When the key matches, the
  previous site is hard-linked into the new build folder and only pages
  whose Markdown changed are rendered again; what the previous site had and
  this build does not produce is removed by that record, without walking the
  site.  Files are never
  written in place (always unlink, then write), so the hard links never let
  the new build touch the old site, and the atomic swap still holds.  The
  theme's static files are copied only when their bytes differ; the
  templates that list every page (sitemap.xml, 404.html) are rendered every
  time.  Anything else - a changed key, no manifest, a manifest for another
  site folder - falls back to a full render, which runs the same code with
  nothing to reuse, so an incremental build equals a full one byte for byte.
* **Parallel**: pages are independent, so a large render is split over
  worker processes forked after the files, nav and theme are loaded.

The file list and the pages' hashes come from the generate stage, which
knows every file it left in the docs folder (GenerateStats.docs_index): the
docs folder is Papershelf's own and is neither walked nor read here.  The
site folder is the build's own too: a file put there by hand stays until the
next full build (a page's HTML deleted by hand is rendered again).

What is left out compared with ``mkdocs build``: anchor validation of links
into other pages (Papershelf links by URL, never ``page.md#anchor``) and
``--dirty``.  Plugin events are run as MkDocs runs them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import posixpath
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import mdfast
from .forking import can_fork, fork_map
from .writer import save_pickle

log = logging.getLogger("papershelf.incremental")

MANIFEST_VERSION = 3
# Below this many pages one process is as fast: forking the one worker that works beside
# the parent (generator/forking.py) costs about what rendering 50 pages does.
PARALLEL_MIN = 100
CHUNK = 100  # pages per task handed to a worker, at most


@dataclass
class RenderStats:
    """What the MkDocs stage did."""

    rendered: int = 0
    reused: int = 0
    static_copied: int = 0
    static_unchanged: int = 0
    linked: int = 0  # side files linked in from the generator's files folder
    removed: int = 0
    full: bool = True
    reason: str = ""  # why the build was full, for the summary
    jobs: int = 1


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2"):
        try:
            out.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg}=-")
    return ";".join(out)


def _tree_signature(root: str) -> list[tuple[str, int, int]]:
    """Name, size and mtime of every file under ``root``: a template edited in place changes it.

    material's templates are 14,500 files (its icons): ``os.walk`` with a
    ``relpath`` per file took a tenth of a second on every build.
    """
    sig: list[tuple[str, int, int]] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        below = []
        for e in entries:
            if e.is_dir():
                if not e.is_symlink():  # as os.walk: a linked folder is not followed
                    below.append(e)
                continue
            st = e.stat()
            sig.append((prefix + e.name, st.st_size, st.st_mtime_ns))
        for e in below:
            walk(e.path, f"{prefix}{e.name}/")

    walk(root, "")
    return sig


def config_key(cfg: Any) -> str:
    """A hash of everything besides a page's own Markdown that its HTML depends on."""
    skip = {"docs_dir", "site_dir", "config_file_path", "dev_addr", "watch", "theme", "plugins", "not_in_nav"}
    items = {k: cfg[k] for k in sorted(cfg.keys()) if k not in skip}
    theme = {k: cfg.theme[k] for k in sorted(cfg.theme.keys())}
    data = {
        "v": MANIFEST_VERSION,
        "versions": _versions(),
        "config": items,
        "not_in_nav": str(getattr(cfg["not_in_nav"], "patterns", cfg["not_in_nav"])),
        "plugins": list(cfg.plugins.keys()),
        "theme": theme,
        "theme_dirs": [(d, _tree_signature(d)) for d in cfg.theme.dirs],
    }
    blob = json.dumps(data, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def site_id(site: Path) -> list[int] | None:
    # The site folder is replaced by a rename on each build: its inode names one build.
    try:
        st = site.stat()
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_dev]


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except Exception:  # missing, unreadable or from another version: a full build
        return {}
    return data if isinstance(data, dict) and data.get("v") == MANIFEST_VERSION else {}


def forget_manifest(path: Path) -> None:
    """Drop the manifest before the site changes, so a crash can only cause a full build."""
    path.unlink(missing_ok=True)


def write_manifest(path: Path, key: str, record: dict[str, Any], site: Path) -> None:
    """Record what the site folder now holds (call after the swap).

    ``record`` is what :func:`build` returned: every page's hash and output
    file, every side file's index entry and MkDocs' other files.  A pickle:
    it is read and written on every build, and JSON took four times longer.
    """
    save_pickle(path, {"v": MANIFEST_VERSION, "key": key, "site": str(site.resolve()), "site_id": site_id(site),
                       **record})


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a folder as hard links (falls back to copies across file systems).

    ``cp -al`` does it in C: at 10k papers (70,000 files) shutil's per-file
    Python loop was most of a no-change rebuild's MkDocs stage.
    """
    cp = shutil.which("cp")
    if cp and not src.is_symlink():
        done = subprocess.run([cp, "-al", "--", str(src), str(dst)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode == 0:
            return
        if dst.exists():
            shutil.rmtree(dst)
    try:
        shutil.copytree(src, dst, copy_function=os.link)
    except OSError:
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst)


class CatchingUp:
    """A start_link from the standby site: ``_catch_up`` running in a forked process.

    Telling which of 70,000 files changed takes a third of a second at 10k papers; forked,
    it runs beside the loading of the records instead of before it.  Exit code 0 when the
    standby was brought up to date, else 1 (``build`` then copies the live site)."""

    def __init__(self, live: Path, spare: Path, before: dict[str, Any], now: dict[str, Any]):
        self._code: int | None = None
        if not can_fork(2):
            self._code = _catch_up_code(live, spare, before, now)
            return
        self._process = multiprocessing.get_context("fork").Process(
            target=_catch_up_exit, args=(live, spare, before, now), daemon=True)
        self._process.start()

    def wait(self) -> int:
        if self._code is None:
            self._process.join()
            self._code = self._process.exitcode if self._process.exitcode is not None else 1
        return self._code

    def poll(self) -> int | None:
        if self._code is None and not self._process.is_alive():
            return self.wait()
        return self._code

    def kill(self) -> None:
        if self._code is None:
            self._process.kill()


def _catch_up_code(live: Path, spare: Path, before: dict[str, Any], now: dict[str, Any]) -> int:
    try:
        _catch_up(live, spare, before, now)
        return 0
    except OSError:
        return 1


def _catch_up_exit(live: Path, spare: Path, before: dict[str, Any], now: dict[str, Any]) -> None:
    os._exit(_catch_up_code(live, spare, before, now))  # no clean-up of what the parent owns


Linking = subprocess.Popen[bytes] | CatchingUp


def standby_of(site: Path) -> Path:
    """Where the site a build replaced is kept, for the next build to start from (see start_link)."""
    return site.with_name(f".{site.name}.standby")


def start_link(previous_site: Path | None, manifest: dict[str, Any], dst: Path,
               standby: dict[str, Any] | None = None) -> Linking | None:
    """Make ``dst`` a copy of the last built site, as hard links, if it can be reused.

    From the standby (the site the last build replaced, kept beside the live one with
    ``standby``, its manifest), when there is one: it differs from the live site by what
    the last build changed, which a forked process links in from the live site (a few
    hundred files after an edit; see CatchingUp).  Otherwise ``cp -al`` of the whole site
    starts in the background, as the build starts, so that it runs while the catalog and
    the pages are made; at 10k papers that is 90,000 files and folders, a second of system
    time on a machine that is busy making pages, and the replaced site's deletion as much
    again.  ``build`` waits for it (and throws the copy away if the site-wide key turns out
    to have changed).
    """
    cp = shutil.which("cp")
    if (not manifest or previous_site is None or not previous_site.is_dir() or previous_site.is_symlink()
            or manifest.get("site") != str(previous_site.resolve())
            or manifest.get("site_id") != site_id(previous_site)):
        return None
    spare = standby_of(previous_site)
    if standby and spare.is_dir() and not spare.is_symlink() and standby.get("site_id") == site_id(spare) \
            and standby.get("key") == manifest.get("key"):
        os.replace(spare, dst)
        return CatchingUp(previous_site, dst, standby, manifest)
    if cp is None:
        return None
    return subprocess.Popen([cp, "-al", "--", str(previous_site), str(dst)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _files_of(record: dict[str, Any], root: str) -> dict[str, Any]:
    """Every file a manifest says its site holds, with what tells two versions apart (None: unknown)."""
    out: dict[str, Any] = {dest: digest for digest, dest in record["pages"].values()}
    out.update(record["extra"])
    out.update(dict.fromkeys(record["other"]))
    with os.scandir(root) as it:  # the sitemaps generator/sitemap.py wrote after MkDocs
        out.update(dict.fromkeys(e.name for e in it if _own_sitemap_file(e.name)))
    return out


def _catch_up(live: Path, spare: Path, before: dict[str, Any], now: dict[str, Any]) -> None:
    """Make ``spare`` (a site as the manifest ``before`` describes it) hold the files of ``live``
    (described by ``now``, under the same site-wide key): by hard links, never writing into a file.

    A page with the same Markdown hash, or a side file with the same index entry, is the
    same file; MkDocs' other files (theme assets, 404 page) and the sitemaps are few, and
    are linked again."""
    had, want = _files_of(before, str(spare)), _files_of(now, str(live))
    root, source = str(spare), str(live)
    for rel in sorted(had.keys() - want.keys()):
        path = os.path.join(root, rel)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        _prune(path, root)
    folders: set[str] = set()
    for rel, what in want.items():
        if what is not None and had.get(rel) == what:
            continue
        path = os.path.join(root, rel)
        folder = os.path.dirname(path)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        os.link(os.path.join(source, rel), path)


def _same_bytes(a: str, b: str) -> bool:
    """True when the copy ``b`` still holds the bytes of ``a``."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    if sa.st_size != sb.st_size:
        return False
    # The copy was made after the source was last written (copies get a new mtime):
    # the bytes are the same without reading 2 x 37,000 side files at 10k papers.
    if sa.st_mtime_ns < sb.st_mtime_ns:
        return True
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _replace_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file holds it already; never in place (it may be a hard link)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        path.unlink()
    path.write_bytes(data)
    return True


def _theme_template(name: str, env: Any, files: Any, cfg: Any, nav: Any, site: Path) -> list[Path]:
    """MkDocs' _build_theme_template, writing only changed bytes; returns the files it owns."""
    import gzip
    import io

    from jinja2.exceptions import TemplateNotFound
    from mkdocs import utils
    from mkdocs.commands.build import _build_template

    out = site / name
    try:
        template = env.get_template(name)
    except TemplateNotFound:
        return []
    text = _build_template(name, template, files, cfg, nav)
    if not text.strip():
        if os.path.lexists(out):
            out.unlink()
        return []
    data = text.encode("utf-8")
    _replace_if_changed(out, data)
    if name != "sitemap.xml":
        return [out]
    # As MkDocs does: gzip stamped with the newest page date, so equal input gives equal bytes.
    stamp = utils.get_build_timestamp(pages=[f.page for f in files.documentation_pages() if f.page is not None])
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, filename=f"{out}.gz", mode="wb", mtime=stamp) as gz:
        gz.write(data)
    gz_path = site / f"{name}.gz"
    _replace_if_changed(gz_path, buf.getvalue())
    # The build replaces the sitemap afterwards in place: it must not be a link to the old site.
    for p in (out, gz_path):
        if p.stat().st_nlink > 1:
            b = p.read_bytes()
            p.unlink()
            p.write_bytes(b)
    return [out, gz_path]


class FragmentMemo:
    """Theme fragments rendered once per folder instead of once per page.

    The top tabs and the navigation sidebar list only the hub pages in the
    nav.  On a page that is not in the nav nothing in them is marked active,
    so they differ between pages only through their relative links, which
    depend on the page's folder alone - unless a nav page lies below the
    page's own URL (then a link would shorten to ``./``), which is checked.
    site_config/overrides/main.html asks this memo (as ``ps_memo``) for the
    ``tabs`` block and the ``nav`` partial; where it is absent (a plain
    ``mkdocs build``) the template renders them as usual.  Rendering them was
    a fifth of all theme time per page.
    """

    def __init__(self, nav: Any):
        self.nav_urls = [p.url for p in nav.pages]
        self.store: dict[tuple[str, str], str] = {}

    def _key(self, name: str, page: Any) -> tuple[str, str] | None:
        url = getattr(page, "url", None)
        # (The page being rendered is always "active"; off the nav, nothing else becomes so.)
        if not isinstance(url, str) or getattr(page, "parent", None) is not None:
            return None
        if any(u.startswith(url) for u in self.nav_urls):  # in the nav, or above a nav page
            return None
        return name, url.rstrip("/").rpartition("/")[0]

    def has(self, name: str, page: Any) -> bool:
        key = self._key(name, page)
        return key is not None and key in self.store

    def get(self, name: str, page: Any) -> str:
        return self.store[self._key(name, page)]  # type: ignore[index]

    def put(self, name: str, page: Any, html: str) -> str:
        key = self._key(name, page)
        if key is not None:
            self.store[key] = str(html)
        return ""

    def block(self, name: str, page: Any, render: Callable[[], str]) -> str:
        """A whole template block: ``render`` is the block's ``super``."""
        if self.has(name, page):
            return self.get(name, page)
        html = render()
        self.put(name, page, html)
        return html


# State shared with forked workers: set in the parent right before the fork.
_STATE: dict[str, Any] = {}


_MD: dict[str, Any] = {}  # this process's Markdown instance and the config it was made for


def _markdown_to_html(page: Any, cfg: Any, files: Any) -> None:
    """``Page.render`` without MkDocs' second pass over the raw HTML.

    MkDocs runs every page's raw HTML through a pure-Python HTML parser a
    second time, only to collect ``id`` attributes for validating links to
    ``page.md#anchor`` - links Papershelf never writes.  Papershelf pages are
    mostly raw HTML, so that pass was half of all Markdown time (23 of 45 ms
    per page at 10k papers).  Python-Markdown's own pass gets a fast path for
    whole HTML blocks (generator/mdfast.py), which halves the rest.  The
    remainder is MkDocs' own code, step for step.
    """
    import markdown
    from mkdocs.structure import pages as mp

    # One Markdown instance per process, reset between pages (building the
    # extensions anew for every page was a tenth of all Markdown time); the
    # per-page tree processors below replace the last page's under the same names.
    if _MD.get("cfg") is not cfg:
        md = markdown.Markdown(extensions=cfg["markdown_extensions"], extension_configs=cfg["mdx_configs"] or {})
        mdfast.register(md)  # raw HTML blocks found without the pure-Python HTML parser (same output)
        _MD.update(cfg=cfg, md=md)
    md = _MD["md"]
    md.reset()
    anchors = mp._ExtractAnchorsTreeprocessor(page.file, files, cfg)
    anchors._register(md)
    relpath = mp._RelativePathTreeprocessor(page.file, files, cfg)
    relpath._register(md)
    title = mp._ExtractTitleTreeprocessor()
    title._register(md)
    page.content = md.convert(page.markdown)
    page.toc = mp.get_toc(getattr(md, "toc_tokens", []))
    page._title_from_render = title.title
    page.present_anchor_ids = anchors.present_anchor_ids
    if mp.log.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = relpath.links_to_anchors


def _fast_render_available() -> bool:
    from mkdocs.structure import pages as mp

    return all(hasattr(mp, n) for n in ("_ExtractAnchorsTreeprocessor", "_RelativePathTreeprocessor",
                                        "_ExtractTitleTreeprocessor", "get_toc", "log"))


def _populate(page: Any, cfg: Any, files: Any) -> None:
    """MkDocs' ``_populate_page`` (plugin events, read, render) with the render above."""
    from mkdocs.commands.build import _populate_page

    if not _fast_render_available():  # another MkDocs version: its own code, unchanged
        _populate_page(page, cfg, files)
        return
    cfg._current_page = page
    try:
        page = cfg.plugins.on_pre_page(page, config=cfg, files=files)
        page.read_source(cfg)
        page.markdown = cfg.plugins.on_page_markdown(page.markdown, page=page, config=cfg, files=files)
        _markdown_to_html(page, cfg, files)
        page.content = cfg.plugins.on_page_content(page.content, page=page, config=cfg, files=files)
    except Exception as e:
        log.error(f"Error reading page '{page.file.src_uri}': {e}")
        raise
    finally:
        cfg._current_page = None


def _render(uris: list[str]) -> int:
    from mkdocs.commands.build import _build_page

    cfg, files, nav, env, doc_files = (_STATE[k] for k in ("cfg", "files", "nav", "env", "doc_files"))
    for uri in uris:
        page = files.get_file_from_path(uri).page
        dest = page.file.abs_dest_path
        if os.path.lexists(dest):
            os.unlink(dest)  # it may be a hard link into the previous site
        _populate(page, cfg, files)
        _build_page(page, cfg, doc_files, nav, env)
        # Free what the render left on the page once it is written (its HTML, Markdown,
        # table of contents, anchors): a worker renders 100k pages and must not keep them.
        page.content = None
        page.markdown = None
        page.toc = []
        page.present_anchor_ids = None
        page.links_to_anchors = None
    return len(uris)


def _render_all(uris: list[str], jobs: int, progress: Callable[[int], None] | None) -> int:
    """Render ``uris`` in chunks, on ``jobs`` processes when there are enough; the number of processes used."""
    if len(uris) < PARALLEL_MIN or not can_fork(jobs):
        jobs = 1
    size = min(CHUNK, max(10, -(-len(uris) // (4 * jobs))))  # a few tasks each, so both end together
    chunks = [uris[i:i + size] for i in range(0, len(uris), size)]
    for n in fork_map(_render, chunks, jobs, ordered=False):
        if progress:
            progress(n)
    return jobs


def _nav_paths(nav: Any) -> set[str]:
    """The docs paths named in a nav setting (lists of {title: path or nested list})."""
    out: set[str] = set()
    items = nav if isinstance(nav, list) else [nav]
    for item in items:
        for value in (item.values() if isinstance(item, dict) else [item]):
            if isinstance(value, str):
                out.add(value)
            elif isinstance(value, (list, dict)):
                out |= _nav_paths(value)
    return out


def _walk_key(src_uri: str) -> tuple[tuple[str, ...], bool, str]:
    """Where ``get_files``' walk meets a file: folders in name order, a folder's files before its
    subfolders, ``index``/``README`` first among them (MkDocs' ``_file_sort_key``)."""
    *folders, name = src_uri.split("/")
    return tuple(folders), posixpath.splitext(name)[0] not in ("index", "README"), name


def docs_files(cfg: Any, listing: Iterable[str]) -> Any:
    """MkDocs' ``get_files`` for the docs files in ``listing``, without walking the docs folder.

    The same File objects in the same order as the walk, exclusions applied.
    A README.md beside an index.md is settled by ``get_files`` itself
    (Papershelf writes no README pages).
    """
    from mkdocs.structure.files import File, Files, get_files, set_exclusions

    uris = sorted(listing, key=_walk_key)
    if any(posixpath.splitext(posixpath.basename(u))[0] == "README" for u in uris):
        wanted = set(uris)
        return Files([f for f in get_files(cfg) if f.src_uri in wanted])
    docs_dir, site_dir, directory_urls = cfg["docs_dir"], cfg["site_dir"], cfg["use_directory_urls"]
    out = [File(u, docs_dir, site_dir, directory_urls) for u in uris]
    set_exclusions(out, cfg)
    return Files(out)


def _prune(path: str, root: str) -> None:
    """Remove ``path``'s folder and its parents up to ``root`` while they are empty."""
    folder = os.path.dirname(path)
    while folder != root and folder.startswith(root):
        try:
            os.rmdir(folder)
        except OSError:  # not empty (or gone)
            return
        folder = os.path.dirname(folder)


def _own_sitemap_file(rel: str) -> bool:
    """Files that generator/sitemap.py writes and replaces itself after MkDocs."""
    return rel in ("sitemap.xml", "sitemap.xml.gz") or (rel.startswith("sitemap-") and rel.endswith(".xml")
                                                       and "/" not in rel)


def _link_extra(src: Path, site: Path, index: dict[str, Any], before: dict[str, Any], made: set[str]) -> int:
    """Hard-link the side files in ``index`` from ``src`` into ``site`` (copy across file systems).

    A file whose index entry (size, mtime, hash) is the one ``before`` recorded
    was linked into the previous site and is in the new one by ``cp -al``
    already, unless MkDocs wrote something at that path in this build
    (``made``): it is skipped without a look.  Any other file that is already
    the same inode is kept; anything else at that path is replaced, never
    written through.
    """
    base, dest = str(src), str(site)
    linked = 0
    folders: set[str] = set()
    for rel, entry in index.items():
        if before.get(rel) == entry and rel not in made:
            continue
        a, b = os.path.join(base, rel), os.path.join(dest, rel)
        folder = os.path.dirname(b)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        try:
            if os.path.samefile(a, b):
                continue
            os.unlink(b)
        except FileNotFoundError:
            pass
        try:
            os.link(a, b)
        except OSError:
            shutil.copyfile(a, b)
        linked += 1
    return linked


def _bytecode_cache(env: Any, cache_dir: Path | None, key: str) -> None:
    """Keep compiled theme templates between builds (Jinja's own bytecode cache).

    Compiling material's templates was a tenth of a second on every build.
    The cache checks each template's source; its folder is named by the
    site-wide key, so a changed theme setting or Jinja version never meets
    code compiled under other settings.  Caches of other keys are removed.
    """
    if cache_dir is None:
        return
    from jinja2 import FileSystemBytecodeCache

    folder = cache_dir / key[:32]
    if cache_dir.is_dir():
        for old in cache_dir.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(folder))


def _theme_files(env: Any, cfg: Any, known: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """The theme's static files as (path, theme folder): ``known`` (the last build's), or found
    by MkDocs' ``add_files_from_theme`` (a walk and a pattern match per file: 14,500 in material)."""
    if known is not None:
        return known
    from mkdocs.structure.files import Files

    found = Files([])
    found.add_files_from_theme(env, cfg)
    return [(f.src_uri, f.src_dir) for f in found if f.src_dir is not None]


def index_folder(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Size, mtime and hash of every file under ``folder``, as GenerateStats lists them.

    For a build whose docs or side files no generate stage listed.
    """
    out = {}
    base = str(folder)
    for root, dirs, names in os.walk(base):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            st = os.stat(path)
            with open(path, "rb") as f:
                digest = hashlib.blake2b(f.read(), digest_size=16).digest()
            out[os.path.relpath(path, base).replace(os.sep, "/")] = (st.st_size, st.st_mtime_ns, digest)
    return out


def build(cfg: Any, previous_site: Path | None, manifest: dict[str, Any], docs_index: dict[str, Any] | None,
          jobs: int = 2, progress: Callable[[int, int], None] | None = None, extra_dir: Path | None = None,
          extra_index: dict[str, Any] | None = None, linking: Linking | None = None,
          cache_dir: Path | None = None) -> tuple[RenderStats, str, dict[str, Any]]:
    """Build the site described by ``cfg`` into ``cfg.site_dir`` (a folder that must not exist).

    ``docs_index`` lists every file in the docs folder with its size, mtime
    and hash, as the generate stage left it (GenerateStats.docs_index): the
    docs folder is not walked and no page is read to hash it (None: it is).
    ``extra_dir`` holds side files (search index, feeds, exports) that go into
    the site as they are, next to MkDocs' output, listed the same way in
    ``extra_index``: they are hard-linked in, and one already linked from the
    previous site is left alone.

    ``previous_site`` and ``manifest`` describe the last build; pages whose
    Markdown is unchanged are reused from it when the site-wide key matches.
    ``linking`` is a ``start_link`` of the previous site into the build
    folder, when one was started.  ``cache_dir`` keeps compiled templates.
    ``progress(done, total)`` is called as pages are rendered.  Returns the
    stats, the key and what to record with :func:`write_manifest` once the
    new site is in place.
    """
    from mkdocs.commands.build import _build_extra_template
    from mkdocs.structure.files import File, Files, InclusionLevel
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils import is_markdown_file

    stats = RenderStats()
    cfg = cfg.plugins.on_config(cfg)
    cfg.plugins.on_pre_build(config=cfg)
    site = Path(cfg.site_dir)
    key = config_key(cfg)
    if docs_index is None:
        docs_index = index_folder(Path(cfg["docs_dir"]))
    if extra_dir is None:
        extra_index = {}
    elif extra_index is None:
        extra_index = index_folder(extra_dir)

    # Can the previous site be reused?
    old_pages: dict[str, tuple[bytes, str]] = {}
    if not manifest:
        stats.reason = "no previous build recorded"
    elif previous_site is None or not previous_site.is_dir():
        stats.reason = "no previous site"
    elif manifest.get("key") != key:
        stats.reason = "settings, theme or nav changed"
    elif manifest.get("site") != str(previous_site.resolve()) or manifest.get("site_id") != site_id(previous_site):
        stats.reason = "the site folder is not the one last built"
    else:
        old_pages = manifest["pages"]
        stats.full = False
    linked = linking is not None and linking.wait() == 0
    if (stats.full or not linked) and site.exists():
        shutil.rmtree(site)  # linked before the key was known to differ, or half linked
    if stats.full:
        site.mkdir(parents=True)
    elif not linked:
        assert previous_site is not None
        _link_tree(previous_site, site)

    listed: dict[str, Any] = docs_index
    site_base = str(site) + os.sep
    known: dict[str, bool] = {}

    def reusable(uri: str) -> bool:
        """The page's Markdown is as last built and its HTML is still there (as ``mkdocs build
        --dirty`` renders a page whose output is missing)."""
        got = known.get(uri)
        if got is None:
            old = old_pages.get(uri)
            got = known[uri] = (old is not None and old[0] == listed[uri][2]
                                and os.path.exists(site_base + old[1]))
        return got

    # The files.  Pages reused as they are need no File or Page object (20,000 at 10k papers:
    # two seconds): no template lists every page but MkDocs' sitemap.xml, which the build
    # replaces with its own when the site has a URL.  Plugins see every file, as in MkDocs.
    own_sitemap = bool(cfg.get("site_url"))
    hooked = any(cfg.plugins.events.values())
    reduce = not stats.full and own_sitemap
    wanted = _nav_paths(cfg["nav"])
    if reduce and not hooked:
        files = docs_files(cfg, [u for u in docs_index
                                 if u in wanted or not is_markdown_file(u) or not reusable(u)])
    else:
        files = docs_files(cfg, docs_index)
    env = cfg.theme.get_env()
    _bytecode_cache(env, cache_dir, key)
    # The theme's own static files, as add_files_from_theme finds them (not over a docs file);
    # they depend on nothing but the theme folders and settings, so on nothing but the key.
    theme = _theme_files(env, cfg, manifest.get("theme") if manifest.get("key") == key else None)
    for uri, folder in theme:
        if files.get_file_from_path(uri) is None:
            files.append(File(uri, folder, cfg["site_dir"], cfg["use_directory_urls"]))
    files = cfg.plugins.on_files(files, config=cfg)
    inclusion = InclusionLevel.is_included
    docs = files.documentation_pages(inclusion=inclusion)

    # What every page is built from (its hash) and where it goes; which ones to render.
    def digest(f: Any) -> bytes:
        known = docs_index.get(f.src_uri)
        return known[2] if known else hashlib.blake2b(f.content_bytes, digest_size=16).digest()

    pages = {f.src_uri: (digest(f), f.dest_uri) for f in docs}
    todo = [f.src_uri for f in docs if old_pages.get(f.src_uri) != pages[f.src_uri]
            or not os.path.exists(site_base + pages[f.src_uri][1])]
    if reduce and not hooked:
        # Reused pages have no File: they are as the manifest recorded them.
        for uri in docs_index:
            if uri not in pages and uri in old_pages and reusable(uri):
                pages[uri] = old_pages[uri]
    stats.reused = len(pages) - len(todo)
    if reduce and hooked:
        keep = set(todo) | wanted
        files = Files([f for f in files if not f.is_documentation_page() or f.src_uri in keep])

    # The nav, and one Page per document rendered.
    nav = get_navigation(files, cfg)
    nav = cfg.plugins.on_nav(nav, config=cfg, files=files)
    doc_files = files.documentation_pages(inclusion=inclusion)
    for f in doc_files:
        if f.page is None:
            Page(None, f, cfg)

    env = cfg.plugins.on_env(env, config=cfg, files=files)
    env.globals["ps_memo"] = FragmentMemo(nav)

    # Static files (theme assets, CSS, JS, images): copied only when the bytes differ.
    made: set[str] = set()  # everything MkDocs owns in the site but the pages, relative
    for f in files:
        if f.is_documentation_page() or not inclusion(f.inclusion):
            continue
        dest = f.abs_dest_path
        made.add(f.dest_uri)
        if not f.generated_by and os.path.exists(dest) and _same_bytes(f.abs_src_path, dest):
            stats.static_unchanged += 1
            continue
        if os.path.lexists(dest):
            os.unlink(dest)
        f.copy_file(dirty=False)
        stats.static_copied += 1

    # Theme templates (404.html, sitemap.xml): rendered every time, written when the bytes differ.
    for name in sorted(cfg.theme.static_templates):
        if name == "sitemap.xml" and own_sitemap:
            continue  # replaced by the build's own (generator/sitemap.py)
        for out in _theme_template(name, env, files, cfg, nav, site):
            made.add(out.relative_to(site).as_posix())
    for name in cfg.extra_templates:
        f = files.get_file_from_path(name)
        if f is not None:
            if os.path.lexists(f.abs_dest_path):
                os.unlink(f.abs_dest_path)
            made.add(f.dest_uri)
        _build_extra_template(name, files, cfg, nav)

    # The pages: only the ones that changed, in the order of MkDocs' walk.
    _STATE.update(cfg=cfg, files=files, nav=nav, env=env, doc_files=doc_files)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(todo))

    try:
        stats.jobs = _render_all(todo, jobs, tick)
    finally:
        _STATE.clear()
        _MD.clear()
    stats.rendered = len(todo)

    if extra_dir is not None:
        written = made | {pages[u][1] for u in todo}
        stats.linked = _link_extra(extra_dir, site, extra_index, manifest.get("extra", {}) if not stats.full else {},
                                   written)

    # Whatever the previous site had that this one does not produce goes.
    listing = {dest for _, dest in pages.values()} | made | set(extra_index)
    if not stats.full:
        if hooked:  # a plugin may have written anything: look at every file
            gone: set[str] = set()
            for dirpath, _dirs, names in os.walk(site):
                gone.update(os.path.relpath(os.path.join(dirpath, n), site).replace(os.sep, "/") for n in names)
        else:
            gone = {dest for _, dest in old_pages.values()} | set(manifest.get("extra", ())) | set(manifest["other"])
        root = str(site)
        for rel in sorted(gone - listing):
            if own_sitemap and _own_sitemap_file(rel):
                continue
            path = os.path.join(root, rel)
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            stats.removed += 1
            _prune(path, root)

    cfg.plugins.on_post_build(config=cfg)
    return stats, key, {"pages": pages, "extra": dict(extra_index), "other": sorted(made), "theme": theme}
