"""Feeds validate with feedparser, link from their pages, and are reproducible; the sitemap splits."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from generator import feeds, generate, sitemap

from .conftest import ROOT
from .extras_site import EXTRAS, extras_site, load_catalog  # noqa: F401 - fixture

NS = {"s": sitemap.NS}


def parse(path):
    """Atom and RSS through feedparser (bozo must be 0); JSON Feed through jsonfeed-util.

    feedparser 6.0 does not read JSON Feed, so JSON feeds go to jsonfeed-util's
    parser, which enforces the required members, and their dates to fromisoformat.
    """
    if path.suffix == ".json":
        import datetime
        import json

        import jsonfeed

        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        feed = jsonfeed.Feed.parse(data)
        for item in feed.items:
            assert item.id and item.url and (item.content_text or item.content_html)
            assert datetime.datetime.fromisoformat(item.date_published).tzinfo is not None
        return feed
    got = feedparser.parse(path.read_bytes())
    assert got.bozo == 0, (path, got.get("bozo_exception"))
    return got


def test_every_feed_validates(extras_site):  # noqa: F811 - fixture
    files = sorted(f for f in (extras_site / "feeds").rglob("*.*") if f.name != "sitemap.xml")
    assert {f.suffix for f in files} == {".atom", ".rss", ".json"}
    for f in files:
        got = parse(f)
        if f.suffix == ".json":
            links = [(i.title, i.url) for i in got.items]
        else:
            assert got.version == {".atom": "atom10", ".rss": "rss20"}[f.suffix]
            links = [(e.title, e.link) for e in got.entries]
        assert links
        for title, link in links:
            assert title and link.startswith("https://papershelf.github.io/papershelf/papers/")


def test_site_feed_is_newest_first_with_dates_from_papers(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    got = parse(extras_site / "feeds" / "all.atom")
    dated = [p for p in cat.papers.values() if feeds.paper_day(p)]
    assert len(got.entries) == len(dated)  # the undated paper has no place in a feed
    days = [e.published[:10] for e in got.entries]
    assert days == sorted(days, reverse=True)
    assert days[0] == max(feeds.paper_day(p) for p in dated)
    assert got.feed.updated[:10] == days[0]  # the feed's time is its newest paper's, not the clock's
    # Record text with markup arrives as text.
    titles = {e.title for e in parse(extras_site / "feeds" / "all.rss").entries}
    assert "Sparse Attention for Long Language Models" in titles


def test_topic_and_author_feeds_hold_their_papers(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    for key, ids in cat.by_topic.items():
        want = {f"https://papershelf.github.io/papershelf/papers/{i}/" for i in ids if feeds.paper_day(cat.papers[i])}
        assert {i.url for i in parse(extras_site / "feeds" / "topics" / f"{key}.json").items} == want
        assert {e.link for e in parse(extras_site / "feeds" / "topics" / f"{key}.rss").entries} == want
    got = parse(extras_site / "feeds" / "authors" / "ana-muller.atom")
    assert len(got.entries) == len(cat.papers_of["ana-muller"])
    assert all(any(a.name == "Ana Müller" for a in e.authors) for e in got.entries)


def test_pages_link_their_feeds(extras_site):  # noqa: F811 - fixture
    def alternates(page):
        text = (extras_site / page).read_text(encoding="utf-8")
        return {html.unescape(m) for m in re.findall(r'<link rel="alternate" type="[^"]+" title="[^"]*" href="([^"]+)"', text)}

    assert alternates("index.html") == {"feeds/all.atom", "feeds/all.rss", "feeds/all.json"}
    assert "../../feeds/topics/graph-learning.rss" in alternates("topics/graph-learning/index.html")
    assert "../../feeds/authors/ana-muller.json" in alternates("authors/ana-muller/index.html")
    assert "Subscribe to new papers" in (extras_site / "topics/graph-learning/index.html").read_text(encoding="utf-8")
    # Each linked feed exists where the link points.
    for href in alternates("topics/graph-learning/index.html"):
        assert (extras_site / "topics/graph-learning" / href).resolve().is_file()


def test_seed_feeds(seed_site):
    got = parse(seed_site / "feeds" / "all.atom")
    assert got.entries
    parse(seed_site / "feeds" / "all.rss")
    parse(seed_site / "feeds" / "all.json")
    for f in sorted((seed_site / "feeds").rglob("*.atom"))[:40]:
        parse(f)


def test_feeds_are_reproducible():
    ctx = load_catalog(EXTRAS)
    a = dict(generate.expand(feeds.produce(ctx)))
    b = dict(generate.expand(feeds.produce(load_catalog(EXTRAS))))
    assert a == b and a


# -- sitemap -------------------------------------------------------------------


def _locs(data: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(data).iter(f"{{{sitemap.NS}}}loc")]


def test_sitemap_splits_past_50000_urls():
    base = "https://example.org/site/"
    locs = [f"{base}papers/p{n:06d}/" for n in range(120_001)]
    files = sitemap.split_sitemap(locs, base)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{{{sitemap.NS}}}sitemapindex"
    assert _locs(files["sitemap.xml"]) == [f"{base}sitemap-{n}.xml" for n in (1, 2, 3)]
    parts = [_locs(files[f"sitemap-{n}.xml"]) for n in (1, 2, 3)]
    assert [len(p) for p in parts] == [50_000, 50_000, 20_001]
    assert sum(parts, []) == locs
    assert all(len(files[f"sitemap-{n}.xml"]) < 50 * 1024 * 1024 for n in (1, 2, 3))


@pytest.mark.parametrize("n", [0, 1, 50_000])
def test_sitemap_stays_one_file_up_to_the_limit(n):
    locs = [f"https://e.org/{i}/" for i in range(n)]
    files = sitemap.split_sitemap(locs, "https://e.org/")
    assert list(files) == ["sitemap.xml"]
    assert ET.fromstring(files["sitemap.xml"]).tag == f"{{{sitemap.NS}}}urlset"
    assert _locs(files["sitemap.xml"]) == locs


def test_sitemap_text_equals_elementtree():
    """``urlset`` writes the text itself: the bytes ElementTree would write, for any URLs."""
    from hypothesis import given
    from hypothesis import strategies as st

    url = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)

    @given(st.lists(url, max_size=8))
    def check(locs: list[str]) -> None:
        assert sitemap.urlset(locs) == sitemap._urlset_tree(locs)

    check()
    locs = ["https://e.org/a&b/", "https://e.org/<x>/", "https://e.org/é\"'/", " https://e.org/ "]
    assert sitemap.urlset(locs) == sitemap._urlset_tree(locs)


def test_built_sitemap_lists_the_pages(extras_site):  # noqa: F811 - fixture
    locs = _locs((extras_site / "sitemap.xml").read_bytes())
    assert "https://papershelf.github.io/papershelf/papers/graph-neural-chem/" in locs
    assert len(locs) == len(set(locs))
    for loc in locs:
        path = loc.removeprefix("https://papershelf.github.io/papershelf/")
        assert (extras_site / path / "index.html").is_file() or (extras_site / path).is_file(), loc


def test_seed_sitemap_covers_every_paper(seed_site):
    locs = set(_locs((seed_site / "sitemap.xml").read_bytes()))
    ctx = load_catalog(ROOT / "content")
    assert {f"https://papershelf.github.io/papershelf/papers/{pid}/" for pid in ctx.catalog.papers} <= locs
