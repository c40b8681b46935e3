"""Every internal link and asset of the built site resolves: at the configured URL and under
another project sub-path.  The checker itself is tested on a small site with known faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import load_config

from .conftest import ROOT, build
from .linkcheck import check_site

SUB = "https://example.org/sub/path/"


def test_seed_site_links_resolve(seed_site):
    url = load_config(ROOT / "site_config" / "site.yaml").url
    report = check_site(seed_site, url)
    assert report.broken == []
    # Every page was read and its links followed: pages, nav, assets, sitemap.
    assert report.pages == len(list(seed_site.rglob("*.html")))
    assert report.checked > 10 * report.pages


@pytest.fixture(scope="module")
def sub_path_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("subpath")
    build(ROOT / "content", out / "site", out / "work", site_url=SUB)
    return out / "site"


def test_links_resolve_under_a_project_sub_path(sub_path_site):
    report = check_site(sub_path_site, SUB)
    assert report.broken == []
    assert report.checked > 10 * report.pages


def test_sub_path_build_never_names_the_configured_url(sub_path_site):
    configured = load_config(ROOT / "site_config" / "site.yaml").url
    offenders = [p.relative_to(sub_path_site).as_posix() for p in sub_path_site.rglob("*")
                 if p.is_file() and p.suffix in (".html", ".xml", ".json", ".atom", ".rss")
                 and configured.encode() in p.read_bytes()]
    assert offenders == []


def _fake_site(root: Path) -> Path:
    site = root / "site"
    (site / "papers" / "a").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "assets" / "x.css").write_text("")
    (site / "index.html").write_text(
        '<a href="papers/a/">ok</a> <a href="papers/b/">missing page</a>'
        '<link rel="stylesheet" href="assets/x.css"><script src="assets/missing.js"></script>'
        '<a href="https://elsewhere.example/">external</a> <a href="mailto:x@example.org">mail</a>'
        f'<a href="{SUB}papers/a/">absolute ok</a> <a href="{SUB}papers/zzz/">absolute missing</a>'
        '<a href="/sub/path/papers/a/">root-relative ok</a> <a href="/papers/a/">outside the sub-path</a>'
        '<a href="#top">missing anchor</a> <h2 id="here">x</h2> <a href="#here">ok anchor</a>')
    (site / "papers" / "a" / "index.html").write_text(
        '<a href="../../">home</a> <a href="../../../../etc/passwd">climbs out</a>'
        '<img src="../../assets/x.css"> <a href="../../index.html#here">ok</a> <a href="../../#nope">bad anchor</a>')
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{SUB}papers/a/</loc></url><url><loc>{SUB}papers/gone/</loc></url></urlset>")
    return site


def test_the_checker_catches_each_kind_of_broken_link(tmp_path):
    report = check_site(_fake_site(tmp_path), SUB)
    broken = sorted(b.split(": ", 1)[1] for b in report.broken)
    assert broken == sorted([
        "'papers/b/': no such file",
        "'assets/missing.js': no such file",
        f"'{SUB}papers/zzz/': no such file",
        "'/papers/a/': climbs out of the site's path /sub/path/",
        "'#top': no element with id 'top'",
        "'../../../../etc/passwd': climbs out of the site's path /sub/path/",
        "'../../#nope': no element with id 'nope'",
        f"'{SUB}papers/gone/': no such file",
    ])
    assert report.external == 1  # the external link is counted, not fetched; mailto is skipped
