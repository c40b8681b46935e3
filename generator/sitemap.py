"""sitemap.xml that stays valid past 50,000 URLs: one urlset, or an index of several.

The sitemap protocol allows 50,000 URLs (and 50 MB) per file; larger sites
need a sitemap index pointing at numbered sitemaps.  MkDocs writes a single
sitemap.xml (and .gz) of its own; ``write_sitemaps`` replaces both after
MkDocs has built the site (one call in build.py).  The URLs are the pages
this build generated, collected by a head hook as pages go by; no
``lastmod`` (it would need the clock, and the output must be reproducible).
"""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from . import generate
from .pages.common import Context, Page

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _urlset_tree(locs: list[str]) -> bytes:
    """One <urlset> document, made with ElementTree (the reference for ``urlset``)."""
    root = ET.Element("urlset", xmlns=NS)
    for loc in locs:
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = loc
    return _xml(root)


def urlset(locs: list[str]) -> bytes:
    """One <urlset> document: ElementTree's bytes, written as text.

    Building and serialising 70,000 elements took a tenth of a second on
    every build at 10k papers; the tests hold this to ``_urlset_tree``.
    """
    if not locs:
        return _urlset_tree(locs)
    out = [f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{NS}\">\n"]
    for loc in locs:
        if "&" in loc or "<" in loc or ">" in loc:
            loc = loc.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(f"  <url>\n    <loc>{loc}</loc>\n  </url>\n" if loc else "  <url>\n    <loc />\n  </url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")


def split_sitemap(locs: list[str], base_url: str, limit: int = MAX_URLS) -> dict[str, bytes]:
    """{file name: bytes}: ``sitemap.xml`` alone, or an index plus sitemap-1.xml, sitemap-2.xml, ..."""
    if len(locs) <= limit:
        return {"sitemap.xml": urlset(locs)}
    files: dict[str, bytes] = {}
    index = ET.Element("sitemapindex", xmlns=NS)
    for n, start in enumerate(range(0, len(locs), limit), 1):
        name = f"sitemap-{n}.xml"
        files[name] = urlset(locs[start:start + limit])
        ET.SubElement(ET.SubElement(index, "sitemap"), "loc").text = base_url.rstrip("/") + "/" + name
    files["sitemap.xml"] = _xml(index)
    return files


def collect(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: remember every generated page's URL for the sitemap."""
    generate.collect(ctx, "sitemap_urls", page.url)
    return ""


def write_sitemaps(base: str | None, urls: list[str] | None, site_dir: Path) -> list[str]:
    """Replace MkDocs' sitemap with ours (an index when needed); return the files written.

    Without a configured site URL there are no absolute URLs to list, and the
    sitemap MkDocs wrote is left alone.
    """
    if not base or urls is None:
        return []
    locs = [base.rstrip("/") + "/" + u for u in sorted(set(urls))]
    files = split_sitemap(locs, base)
    for stale in site_dir.glob("sitemap-*.xml"):
        if stale.name not in files:
            stale.unlink()
    # An incremental build starts from hard links to the last site's files: a file that
    # already holds its bytes is kept (and sitemap.xml.gz with an unchanged sitemap.xml, as
    # it is made from nothing else); the others are new files, never a write into the old
    # one, which would change the live site through the link.
    kept = {name for name, data in files.items() if _holds(site_dir / name, data)}
    out = [(name, data) for name, data in files.items() if name not in kept]
    if "sitemap.xml" not in kept or not (site_dir / "sitemap.xml.gz").is_file():
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:  # mtime 0: same bytes every build
            gz.write(files["sitemap.xml"])
        out.append(("sitemap.xml.gz", buf.getvalue()))
    for name, data in out:
        (site_dir / name).unlink(missing_ok=True)
        (site_dir / name).write_bytes(data)
    return sorted(files)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


generate.register(head_hooks=[collect])
