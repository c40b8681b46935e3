"""Charts, the author profile (timeline, co-author graph) and trending: they exist and name their numbers.
The browser test opens a paper and an author page in Chromium and saves screenshots (tests/screenshots/)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest

from generator import charts
from generator.pages import trending

from .conftest import ROOT
from .extras_site import EXTRAS, extras_site, load_catalog  # noqa: F401 - fixture

SVG = "{http://www.w3.org/2000/svg}"
SHOTS = Path(__file__).resolve().parent / "screenshots"


def svgs(page_html: str) -> list[ET.Element]:
    """Every SVG of a built page, parsed as XML (so each is well-formed)."""
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", page_html, re.S)]


def titled(svg: ET.Element) -> str:
    t = svg.find(f"{SVG}title")
    return (t.text or "") if t is not None else ""


def bar_titles(svg: ET.Element) -> dict[str, str]:
    """Bar label -> the number its <title> names."""
    out = {}
    for rect in svg.iter(f"{SVG}rect"):
        t = rect.find(f"{SVG}title")
        assert t is not None and t.text, "every bar names its number"
        label, _, value = t.text.rpartition(": ")
        out[label] = value
    return out


def test_columns_name_every_number():
    data = charts.year_counts([2019, 2021, 2021, 2022, None])
    assert data == [("2019", 1), ("2020", 0), ("2021", 2), ("2022", 1)]
    markup = charts.columns("Papers per year", data)
    (svg,) = svgs(markup)
    assert svg.get("role") == "img"
    ids = svg.get("aria-labelledby", "").split()
    assert [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")] == ids
    assert bar_titles(svg) == {"2019": "1 paper", "2020": "0 papers", "2021": "2 papers", "2022": "1 paper"}
    assert "<caption>Papers per year</caption>" in markup and "<figcaption>Papers per year</figcaption>" in markup
    assert markup == charts.columns("Papers per year", data)  # ids from content: reproducible
    assert "fill=\"currentColor\"" in markup and "#" not in re.sub(r"&#\d+;", "", markup)  # no hard-coded colour


def test_bars_escape_labels_and_link():
    data = [("<b>Bad</b> & co", 5), ("Plain", 2)]
    markup = charts.bars("Top organisations", data, hrefs=["../orgs/bad/", "../orgs/plain/"])
    (svg,) = svgs(markup)
    assert bar_titles(svg) == {"<b>Bad</b> & co": "5 papers", "Plain": "2 papers"}
    assert "<b>" not in markup
    assert [a.get("href") for a in svg.iter(f"{SVG}a")] == ["../orgs/bad/", "../orgs/plain/"]
    assert charts.bars("Empty", []) == "" and charts.columns("Empty", []) == ""


def test_home_charts_match_the_catalog(extras_site):  # noqa: F811 - fixture
    cat = load_catalog(EXTRAS).catalog
    page = (extras_site / "index.html").read_text(encoding="utf-8")
    found = {titled(svg): svg for svg in svgs(page)}
    years = Counter(p.year for p in cat.papers.values() if p.year)
    got = bar_titles(found["Papers per year"])
    assert {k: v for k, v in got.items() if v != "0 papers"} == {
        str(y): f"{n} paper{'s' if n != 1 else ''}" for y, n in years.items()}
    topics = bar_titles(found["Top topics by number of papers"])
    assert topics["Graph learning"] == f"{len(cat.by_topic['graph-learning'])} papers"
    assert "Top organisations by number of papers" in found


def test_seed_home_has_charts(seed_site):
    cat = load_catalog(ROOT / "content").catalog
    page = (seed_site / "index.html").read_text(encoding="utf-8")
    titles = [titled(svg) for svg in svgs(page)]
    assert "Papers per year" in titles
    assert ("Top topics by number of papers" in titles) == bool(cat.by_topic)


def test_topic_page_works_per_year(extras_site):  # noqa: F811 - fixture
    page = (extras_site / "topics" / "graph-learning" / "index.html").read_text(encoding="utf-8")
    cat = load_catalog(EXTRAS).catalog
    (svg,) = [s for s in svgs(page) if titled(s).startswith("Papers on Graph learning")]
    years = Counter(cat.papers[i].year for i in cat.by_topic["graph-learning"])
    assert bar_titles(svg) == {str(y): f"{n} paper{'s' if n != 1 else ''}" for y, n in years.items()}


def test_author_timeline_and_graph(extras_site):  # noqa: F811 - fixture
    cat = load_catalog(EXTRAS).catalog
    page = (extras_site / "authors" / "ana-muller" / "index.html").read_text(encoding="utf-8")
    by_title = {titled(s): s for s in svgs(page)}
    years = Counter(cat.papers[i].year for i in cat.papers_of["ana-muller"])
    tl = bar_titles(by_title["Works of Ana Müller per year"])
    for y, n in years.items():
        assert tl[str(y)] == f"{n} work{'s' if n != 1 else ''}"
    graph = by_title["Co-authors of Ana Müller"]
    nodes = {}
    for a in graph.iter(f"{SVG}a"):
        t = a.find(f"{SVG}circle/{SVG}title").text
        name, _, n = t.rpartition(": ")
        nodes[name] = n
        assert a.get("href").startswith("../../authors/")
    want = {cat.authors[c].name: f"{n} joint paper{'s' if n != 1 else ''}" for c, n in cat.coauthors["ana-muller"].items()}
    assert nodes == want
    assert "Topics of their papers" in page and "Graph learning <span class=\"ps-count\">(2)</span>" in page
    # The whole list of works as one .bib, embedded for the browser to download.
    m = re.search(r'<code id="ps-cite-works">(.*?)</code>', page, re.S)
    lib = bibtexparser.parse_string(html.unescape(m.group(1)))
    assert len(lib.entries) == len(cat.papers_of["ana-muller"]) and not lib.failed_blocks


def test_trending_windows_count_back_from_the_newest_listing():
    cat = load_catalog(EXTRAS).catalog
    first, last, week = trending.trending(cat, 7)
    assert (first, last) == ("2024-02-29", max(cat.by_day))
    in_week = {pid for d, ids in cat.by_day.items() if first <= d <= last for pid in ids if cat.papers[pid].upvotes}
    assert set(week) == in_week
    ups = [cat.papers[i].upvotes or 0 for i in week]
    assert ups == sorted(ups, reverse=True)
    _, _, month = trending.trending(cat, 30)
    assert set(week) < set(month)
    assert set(month) == {pid for ids in cat.by_day.values() for pid in ids}  # every listed fixture paper has votes
    cat.papers[week[0]].upvotes = None
    assert week[0] not in trending.trending(cat, 7)[2]  # a paper without votes is not trending


def test_trending_page(extras_site):  # noqa: F811 - fixture
    cat = load_catalog(EXTRAS).catalog
    page = (extras_site / "trending" / "index.html").read_text(encoding="utf-8")
    week = page.split('id="week"', 1)[1].split('id="month"', 1)[0]
    titles = re.findall(r'class="ps-title" href="[^"]+">([^<]+)</a>', week)
    assert titles == [html.escape(cat.papers[i].title, quote=True) for i in trending.trending(cat, 7)[2]]
    assert 'href="trending/"' in (extras_site / "index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_screenshots_paper_and_author(extras_site, seed_site, serve, browser):  # noqa: F811 - fixture
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, accept_downloads=True)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        base = serve(extras_site, "/papershelf/")
        for name, path in (("paper", "papers/graph-neural-chem/"), ("author", "authors/ana-muller/")):
            page.goto(base + path)
            if scheme == "dark":  # material's own switch: the slate scheme
                page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
            page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"), full_page=True)
        # Download the works' .bib from the author page: built in the browser from the page text.
        page.locator("summary", has_text="BibTeX of all").click()
        with page.expect_download() as dl:
            page.locator('[data-ps-download="ps-cite-works"]').click()
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        assert dl.value.suggested_filename == "ana-muller.bib"
        assert len(bibtexparser.parse_string(text).entries) == 3
        # The paper page's Copy button puts the BibTeX on the clipboard.
        page.goto(base + "papers/graph-neural-chem/")
        ctx.grant_permissions(["clipboard-read", "clipboard-write"])
        page.locator('[data-ps-copy="ps-cite-bibtex"]').click()
        page.wait_for_function("() => document.querySelector('[data-ps-copy=\"ps-cite-bibtex\"]').textContent === 'Copied'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("#ps-cite-bibtex").text_content()
        assert bibtexparser.parse_string(copied).entries[0].key == "muller2024graph"
        # The paper page's RIS download.
        page.locator("summary", has_text="RIS").click()
        with page.expect_download() as dl:
            page.locator('[data-ps-download="ps-cite-ris"]').click()
        assert Path(dl.value.path()).read_text(encoding="utf-8").startswith("TY  - JOUR")
        # The graph is drawn and visible; bars take the theme's colour.
        page.goto(base + "authors/ana-muller/")
        box = page.locator("svg.ps-graph").bounding_box()
        assert box and box["width"] > 300
        fill = page.locator("svg.ps-chart rect.ps-bar").first.evaluate("e => getComputedStyle(e).fill")
        assert fill not in ("", "none", "rgb(0, 0, 0)")
        page.goto(serve(seed_site) + "papers/a-langevin-like-sampler-for-discrete-distributions-2022/")
        if scheme == "dark":
            page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        page.screenshot(path=str(SHOTS / f"seed-paper-{scheme}.png"), full_page=True)
        assert not errors, errors
        ctx.close()
