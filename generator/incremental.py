"""The MkDocs stage, built with MkDocs' own APIs: incremental and on two cores.

``mkdocs build`` renders every page on every run, one at a time.  Papershelf
keeps only hub pages in the nav, so a paper or author page's HTML depends on
nothing but its own Markdown, its path and the site-wide inputs (mkdocs.yml,
theme templates, the nav, the MkDocs and theme versions).  That makes two
things safe:

* **Incremental**: the site-wide inputs are hashed into a *key*; the previous
  build left a manifest (key, and a hash of every page's Markdown).  When the
  key matches, the previous site is hard-linked into the new build folder and
  only pages whose Markdown changed are rendered again.  Files are never
  written in place (always unlink, then write), so the hard links never let
  the new build touch the old site, and the atomic swap still holds.  The
  theme's static files are copied only when their bytes differ; the
  templates that list every page (sitemap.xml, 404.html) are rendered every
  time.  Anything else - a changed key, no manifest, a manifest for another
  site folder - falls back to a full render, which runs the same code with
  nothing to reuse, so an incremental build equals a full one byte for byte.
* **Parallel**: pages are independent, so a large render is split over
  worker processes forked after the files, nav and theme are loaded.

What is left out compared with ``mkdocs build``: anchor validation of links
into other pages (Papershelf links by URL, never ``page.md#anchor``) and
``--dirty``.  Plugin events are run as MkDocs runs them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import mdfast
from .forking import can_fork, fork_map

log = logging.getLogger("papershelf.incremental")

MANIFEST_VERSION = 2
PARALLEL_MIN = 400  # below this many pages a worker pool costs more than it saves
CHUNK = 100  # pages per task handed to a worker


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
    # Name, size and mtime of every file: a template edited in place changes it.
    sig = []
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            sig.append((os.path.relpath(p, root), st.st_size, st.st_mtime_ns))
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


def _digest(path: str, known: Any = None) -> list[Any]:
    """[size, mtime_ns, hash] of a file; the hash is taken from ``known`` when size and mtime match.

    The docs folder is written only when bytes change, so an unchanged stat
    means unchanged bytes, and 70,000 files need not all be read again.
    """
    st = os.stat(path)
    if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
        return [st.st_size, st.st_mtime_ns, known[2]]
    with open(path, "rb") as f:
        return [st.st_size, st.st_mtime_ns, hashlib.blake2b(f.read(), digest_size=16).hexdigest()]


def _site_id(site: Path) -> list[int] | None:
    # The site folder is replaced by a rename on each build: its inode names one build.
    try:
        st = site.stat()
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_dev]


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("v") == MANIFEST_VERSION else {}


def forget_manifest(path: Path) -> None:
    """Drop the manifest before the site changes, so a crash can only cause a full build."""
    path.unlink(missing_ok=True)


def write_manifest(path: Path, key: str, pages: dict[str, list[Any]], site: Path) -> None:
    """Record what the site folder now holds (call after the swap)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"v": MANIFEST_VERSION, "key": key, "site": str(site.resolve()), "site_id": _site_id(site),
            "pages": pages}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


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


def start_link(previous_site: Path | None, manifest: dict[str, Any], dst: Path) -> subprocess.Popen[bytes] | None:
    """Start hard-linking the last built site into ``dst`` in the background, if it can be reused.

    Called as the build starts, so that ``cp -al`` of 70,000 files (about two
    seconds at 10k papers) runs while the catalog and the pages are made,
    not after; ``build`` waits for it (and throws the copy away if the
    site-wide key turns out to have changed).
    """
    cp = shutil.which("cp")
    if (not manifest or previous_site is None or not previous_site.is_dir() or previous_site.is_symlink()
            or cp is None or manifest.get("site") != str(previous_site.resolve())
            or manifest.get("site_id") != _site_id(previous_site)):
        return None
    return subprocess.Popen([cp, "-al", "--", str(previous_site), str(dst)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _link_extra(src: Path, site: Path, expected: set[str]) -> int:
    """Hard-link every file under ``src`` into ``site`` (copy across file systems); add them to ``expected``.

    A file that is already the same inode (linked from the previous site) is
    kept; anything else at that path is replaced, never written through.
    """
    base, dest = str(src), str(site)
    cut = len(base) + 1
    linked = 0
    made: set[str] = set()
    for root, _dirs, names in os.walk(base):
        out_dir = dest if root == base else os.path.join(dest, root[cut:])
        if out_dir not in made:
            os.makedirs(out_dir, exist_ok=True)
            made.add(out_dir)
        for name in names:
            a, b = os.path.join(root, name), os.path.join(out_dir, name)
            expected.add(os.path.normpath(b))
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
    chunks = [uris[i:i + CHUNK] for i in range(0, len(uris), CHUNK)]
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


def build(cfg: Any, previous_site: Path | None, manifest: dict[str, Any], jobs: int = 2,
          progress: Callable[[int, int], None] | None = None, extra_dir: Path | None = None,
          linking: subprocess.Popen[bytes] | None = None) -> tuple[RenderStats, str, dict[str, list[Any]]]:
    """Build the site described by ``cfg`` into ``cfg.site_dir`` (a folder that must not exist).

    ``extra_dir`` holds side files (search index, feeds, exports) that go into
    the site as they are, next to MkDocs' output: they are hard-linked in, and
    one already linked from the previous site is left alone.

    ``previous_site`` and ``manifest`` describe the last build; pages whose
    Markdown is unchanged are reused from it when the site-wide key matches.
    ``linking`` is a ``start_link`` of the previous site into the build
    folder, when one was started.
    ``progress(done, total)`` is called as pages are rendered.  Returns the
    stats, the key and the page hashes to record with :func:`write_manifest`
    once the new site is in place.
    """
    from mkdocs.commands.build import _build_extra_template
    from mkdocs.structure.files import Files, InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    stats = RenderStats()
    cfg = cfg.plugins.on_config(cfg)
    cfg.plugins.on_pre_build(config=cfg)
    site = Path(cfg.site_dir)
    key = config_key(cfg)

    # Gather everything first: files, theme, the hash of every document.
    files = get_files(cfg)
    env = cfg.theme.get_env()
    files.add_files_from_theme(env, cfg)
    files = cfg.plugins.on_files(files, config=cfg)
    set_exclusions(files, cfg)
    inclusion = InclusionLevel.is_included
    all_docs = files.documentation_pages(inclusion=inclusion)
    recorded = manifest.get("pages", {}) if isinstance(manifest.get("pages"), dict) else {}
    hashes = {f.src_uri: _digest(f.abs_src_path, recorded.get(f.src_uri)) for f in all_docs}

    # Which pages can be reused from the previous site?
    old_pages: dict[str, list[Any]] = {}
    if not manifest:
        stats.reason = "no previous build recorded"
    elif previous_site is None or not previous_site.is_dir():
        stats.reason = "no previous site"
    elif manifest.get("key") != key:
        stats.reason = "settings, theme or nav changed"
    elif manifest.get("site") != str(previous_site.resolve()) or manifest.get("site_id") != _site_id(previous_site):
        stats.reason = "the site folder is not the one last built"
    else:
        old_pages = manifest.get("pages", {})
        stats.full = False
    linked = linking is not None and linking.wait() == 0
    if (stats.full or not linked) and site.exists():
        shutil.rmtree(site)  # linked before the key was known to differ, or half linked
    if stats.full:
        site.mkdir(parents=True)
    elif not linked:
        assert previous_site is not None
        _link_tree(previous_site, site)

    todo = []
    for f in all_docs:
        old = old_pages.get(f.src_uri)
        if old and old[2] == hashes[f.src_uri][2] and os.path.exists(f.abs_dest_path):
            stats.reused += 1
        else:
            todo.append(f.src_uri)

    # The nav, and one Page per document rendered.  Pages reused as they are need no Page
    # object (20,000 at 10k papers: two seconds): no template lists every page but MkDocs'
    # sitemap.xml, which the build replaces with its own when the site has a URL.
    own_sitemap = bool(cfg.get("site_url"))
    if not stats.full and own_sitemap:
        wanted = set(todo) | _nav_paths(cfg["nav"])
        reduced: Any = Files([f for f in files if not f.is_documentation_page() or f.src_uri in wanted])
        files = reduced
    nav = get_navigation(files, cfg)
    nav = cfg.plugins.on_nav(nav, config=cfg, files=files)
    doc_files = files.documentation_pages(inclusion=inclusion)
    for f in doc_files:
        if f.page is None:
            Page(None, f, cfg)

    env = cfg.plugins.on_env(env, config=cfg, files=files)
    env.globals["ps_memo"] = FragmentMemo(nav)

    # Static files (theme assets, CSS, JS, images): copied only when the bytes differ.
    expected: set[str] = set()
    for f in files:
        if f.is_documentation_page() or not inclusion(f.inclusion):
            continue
        dest = f.abs_dest_path
        expected.add(os.path.normpath(dest))
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
            # Replaced by the build's own (generator/sitemap.py), which replaces the last one's files.
            expected.update(os.path.normpath(p) for p in (site / "sitemap.xml", site / "sitemap.xml.gz"))
            expected.update(os.path.normpath(p) for p in site.glob("sitemap-*.xml"))
            continue
        for out in _theme_template(name, env, files, cfg, nav, site):
            expected.add(os.path.normpath(out))
    for name in cfg.extra_templates:
        f = files.get_file_from_path(name)
        if f is not None:
            if os.path.lexists(f.abs_dest_path):
                os.unlink(f.abs_dest_path)
            expected.add(os.path.normpath(f.abs_dest_path))
        _build_extra_template(name, files, cfg, nav)

    # The pages: only the ones that changed.
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
    expected.update(os.path.normpath(f.abs_dest_path) for f in all_docs)

    if extra_dir is not None:
        stats.linked = _link_extra(extra_dir, site, expected)

    # Whatever the previous site had that this one does not produce goes.
    if not stats.full:
        for dirpath, _dirs, names in os.walk(site):
            for name in names:
                p = os.path.join(dirpath, name)
                if os.path.normpath(p) not in expected:
                    os.unlink(p)
                    stats.removed += 1
        for dirpath, _dirs, _names in sorted(os.walk(site), reverse=True):  # children first
            if dirpath != str(site) and not os.listdir(dirpath):
                os.rmdir(dirpath)

    cfg.plugins.on_post_build(config=cfg)
    return stats, key, hashes
