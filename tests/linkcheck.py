"""A link checker for a built site: every internal link and asset must resolve to a file.

Internal means relative (``../papers/x/``), root-relative (``/sub/path/x/``) or absolute under
the site URL (``https://example.org/sub/path/x/``).  Each is resolved as a browser would,
from the page's own URL with the site mounted at the site URL's path, so a link that climbs
out of a project sub-path is caught even though it would work at a domain root.  A URL that
ends in ``/`` (or names a folder) resolves to its ``index.html``.  Fragments are checked
against the ids of the target page.  External links are not fetched.  Sitemaps' ``<loc>``
entries and feed links are checked the same way.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from defusedxml import ElementTree

LINK_ATTRS = {"href", "src", "poster", "data"}
SKIP_SCHEMES = ("mailto:", "tel:", "data:", "blob:", "about:")
HOST = "http://linkcheck.invalid"


@dataclass
class Report:
    pages: int = 0
    checked: int = 0  # internal links and assets followed
    external: int = 0  # links left alone
    broken: list[str] = field(default_factory=list)


class _Links(HTMLParser):
    """The links and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif name in LINK_ATTRS:
                self.links.append((tag, name, value))
            elif name == "srcset":
                for part in value.split(","):
                    if part.strip():
                        self.links.append((tag, name, part.split()[0]))

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    p.close()
    return p


class Checker:
    """Resolves links of one site mounted at ``site_url``'s path (``/`` without one)."""

    def __init__(self, site: Path, site_url: str | None = None):
        self.site = site
        self.site_url = site_url if site_url and site_url.endswith("/") else (site_url + "/" if site_url else None)
        self.prefix = urlsplit(self.site_url).path if self.site_url else "/"
        self._ids: dict[Path, set[str]] = {}

    def page_url(self, path: Path) -> str:
        rel = path.relative_to(self.site).as_posix()
        return f"{HOST}{self.prefix}{rel}"

    def target(self, page_url: str, link: str) -> tuple[Path | None, str, str]:
        """(file it resolves to or None, fragment, why not) for an internal link; '' why for external."""
        if self.site_url and link.startswith(self.site_url):
            link = self.prefix + link[len(self.site_url):]
        absolute = urljoin(page_url, link)
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != HOST:
            return None, "", ""  # external
        path = posixpath.normpath(unquote(parts.path)) + ("/" if parts.path.endswith("/") else "")
        if not (path + "/").startswith(self.prefix) and path != self.prefix.rstrip("/"):
            return None, parts.fragment, f"climbs out of the site's path {self.prefix}"
        rel = path[len(self.prefix):]
        f = self.site / rel if rel else self.site
        if f.is_dir():
            f = f / "index.html"
        if not f.is_file():
            return None, parts.fragment, "no such file"
        return f, parts.fragment, ""

    def ids(self, f: Path) -> set[str]:
        if f not in self._ids:
            self._ids[f] = _parse(f).ids if f.suffix == ".html" else set()
        return self._ids[f]

    def check_link(self, report: Report, where: str, page_url: str, link: str, current: Path) -> None:
        link = link.strip()
        if not link or link.lower().startswith(SKIP_SCHEMES):
            return
        if link.startswith("#"):
            f, frag, why = current, link[1:], ""
        else:
            f, frag, why = self.target(page_url, link)
            if f is None and not why:
                report.external += 1
                return
        report.checked += 1
        if f is None:
            report.broken.append(f"{where}: {link!r}: {why}")
        elif frag and f.suffix == ".html" and unquote(frag) not in self.ids(f):
            report.broken.append(f"{where}: {link!r}: no element with id {unquote(frag)!r}")

    def run(self) -> Report:
        report = Report()
        for page in sorted(self.site.rglob("*.html")):
            report.pages += 1
            parsed = _parse(page)
            self._ids[page] = parsed.ids
            url = self.page_url(page)
            rel = page.relative_to(self.site).as_posix()
            for tag, attr, value in parsed.links:
                self.check_link(report, f"{rel} <{tag} {attr}>", url, value, page)
        # Sitemaps and feeds: <loc>, Atom <link href>, RSS <link>text</link>.
        for xml in sorted(p for p in self.site.rglob("*") if p.suffix in (".xml", ".atom", ".rss")):
            rel = xml.relative_to(self.site).as_posix()
            for el in ElementTree.parse(xml).iter():
                name = el.tag.rsplit("}", 1)[-1]
                if name not in ("loc", "link"):
                    continue
                for value in (el.get("href"), el.text):
                    if value and value.strip():
                        self.check_link(report, f"{rel} <{name}>", self.page_url(xml), value, xml)
        return report


def check_site(site: Path, site_url: str | None = None) -> Report:
    """Check every internal link, asset and sitemap entry of the site built in ``site``."""
    return Checker(site, site_url).run()
