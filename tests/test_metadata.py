"""Indexer metadata: Highwire citation_* tags, JSON-LD, OpenGraph/Twitter, canonical links.

Built pages are read with a real HTML parser (the standard library's
tokenizer, which treats <script> content as raw text exactly as a browser
does), never with regexes, so a payload that ended a <script> block early
would show up as a second element here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.catalog import build_catalog
from generator.config import SiteConfig, load_config
from generator.content import load_content
from generator.metadata import head, publication_date, venue_tag
from generator.model import Author, AuthorRef, Paper
from generator.pages.common import Context, Page

from .conftest import ROOT, build

CONFIG = load_config(ROOT / "site_config" / "site.yaml")


@dataclass
class Parsed:
    meta: list[tuple[str, str]] = field(default_factory=list)      # (name or property, content), in order
    links: list[dict[str, str]] = field(default_factory=list)
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (attributes, text)
    text: list[str] = field(default_factory=list)
    anchors: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (attributes, text)

    def values(self, name: str) -> list[str]:
        return [c for n, c in self.meta if n == name]

    def one(self, name: str) -> str | None:
        got = self.values(name)
        assert len(got) <= 1, f"{name} appears {len(got)} times"
        return got[0] if got else None

    def json_ld(self) -> list[dict]:
        return [json.loads(t) for a, t in self.scripts if a.get("type") == "application/ld+json"]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._script: dict[str, str] | None = None
        self._a: dict[str, str] | None = None
        self._buf: list[str] = []
        self._abuf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in a and ("name" in a or "property" in a):
            self.out.meta.append((a.get("name") or a.get("property") or "", a["content"]))
        elif tag == "link":
            self.out.links.append(a)
        elif tag == "script":
            self._script, self._buf = a, []
        elif tag == "a":
            self._a, self._abuf = a, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.out.scripts.append((self._script, "".join(self._buf)))
            self._script = None
        elif tag == "a" and self._a is not None:
            self.out.anchors.append((self._a, "".join(self._abuf)))
            self._a = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._buf.append(data)
        else:
            self.out.text.append(data)
            if self._a is not None:
                self._abuf.append(data)


def parse_html(path: Path) -> Parsed:
    """Meta tags, links, scripts and anchors of a built HTML page."""
    p = _Parser()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p.out


def seed_catalog():
    content = load_content(ROOT / "content")
    return build_catalog(content.papers, content.authors)


def abs_url(site_url: str) -> str:
    return CONFIG.url.rstrip("/") + "/" + site_url


def test_every_paper_page_of_the_seed_site_has_the_citation_tags_in_author_order(seed_site):
    cat = seed_catalog()
    assert len(cat.papers) > 100
    with_authors = 0
    for pid, p in cat.papers.items():
        page = parse_html(seed_site / "papers" / pid / "index.html")
        assert page.one("citation_title") == " ".join(p.title.split()), pid
        assert page.values("citation_author") == [a.name for a in p.authors], pid
        with_authors += bool(p.authors)
        if p.date:
            assert page.one("citation_publication_date") == p.date.replace("-", "/"), pid
        url = abs_url(f"papers/{pid}/")
        assert page.one("citation_abstract_html_url") == url
        # One canonical link (mkdocs-material's, from site_url), naming the same URL.
        canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
        assert canonical == [url], pid
        assert page.one("og:url") == url and page.one("og:type") == "article"
        assert page.one("og:title") == page.one("twitter:title") == " ".join(p.title.split())
        desc = page.one("og:description")
        assert desc and len(desc) <= 200 and page.one("twitter:description") == desc
        assert page.one("twitter:card") == "summary"
    assert with_authors >= 5  # the profile's papers carry author names


def test_every_json_ld_block_of_the_seed_site_parses_and_has_the_right_type(seed_site):
    cat = seed_catalog()
    seen: dict[str, int] = {}
    for path in sorted(seed_site.rglob("*.html")):
        for data in parse_html(path).json_ld():
            assert data["@context"] == "https://schema.org"
            seen[data["@type"]] = seen.get(data["@type"], 0) + 1
    assert seen.get("ScholarlyArticle") == len(cat.papers)
    assert seen.get("WebSite") == 1
    assert seen.get("Person") == len(cat.authors)
    # Authors as Person, in order, on a paper with named authors.
    pid = next(pid for pid, p in cat.papers.items() if p.authors)
    article = parse_html(seed_site / "papers" / pid / "index.html").json_ld()[0]
    assert [a["name"] for a in article["author"]] == [a.name for a in cat.papers[pid].authors]
    assert all(a["@type"] == "Person" for a in article["author"])
    home = parse_html(seed_site / "index.html").json_ld()[0]
    target = home["potentialAction"]["target"]["urlTemplate"]
    assert target == abs_url("search/?q={search_term_string}")
    assert home["potentialAction"]["query-input"] == "required name=search_term_string"


SCRIPT_BREAKOUTS = [
    "</script><script>window.__pwned=1</script>",
    "</SCRIPT ><img src=x onerror=window.__pwned=1>",
    "<!--<script>",
    "\u2028\u2029 line separators & ampersands",
    '"quotes" \'single\' <b>bold</b> ]]> {{ jinja }}',
]


def _hostile_payloads() -> list[str]:
    try:  # the escaping tests' catalogue of payloads, when present
        from .test_hostile import PAYLOADS  # type: ignore[attr-defined]

        return SCRIPT_BREAKOUTS + list(PAYLOADS.values())
    except ImportError:
        return SCRIPT_BREAKOUTS


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, list[str]]:
    """A catalog whose titles, authors, venues and abstracts carry script-breaking payloads."""
    root = tmp_path_factory.mktemp("hostile-meta")
    content = root / "content"
    (content / "papers").mkdir(parents=True)
    (content / "authors").mkdir()
    payloads = _hostile_payloads()
    for i, text in enumerate(payloads):
        record = {"id": f"hostile-{i}", "title": f"T{i} {text}", "authors": [f"A{i} {text}", "Plain Name"],
                  "date": "2024-02-29", "venue": f"Conference on {text}", "type": "inproceedings",
                  "abstract": f"Abstract {text}", "doi": f"10.1234/h{i}", "arxiv": "2401.00001"}
        (content / "papers" / f"hostile-{i}.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")
    person = {"id": "hostile-person", "name": "Eve </script><script>window.__pwned=1</script>",
              "bio": "Bio </script>", "orcid": "0000-0002-1825-0097", "homepage": "https://example.org/eve"}
    (content / "authors" / "hostile-person.yaml").write_text(yaml.safe_dump(person), encoding="utf-8")
    build(content, root / "site", root / "work")
    return root / "site", payloads


def test_json_ld_and_meta_tags_survive_hostile_payloads(hostile_site):
    site, payloads = hostile_site
    for i, text in enumerate(payloads):
        page = parse_html(site / "papers" / f"hostile-{i}" / "index.html")
        # Exactly one JSON-LD block, and it holds the whole title: nothing ended it early.
        blocks = page.json_ld()
        assert len(blocks) == 1, text
        article = blocks[0]
        want_title = " ".join(f"T{i} {text}".split())
        assert article["name"] == want_title
        assert article["author"][0]["name"] == " ".join(f"A{i} {text}".split())
        assert page.one("citation_title") == want_title
        assert page.values("citation_author") == [" ".join(f"A{i} {text}".split()), "Plain Name"]
        assert page.one("citation_conference_title") == " ".join(f"Conference on {text}".split())
        # No script element other than the site's own (typed or src'd) appeared.
        for attrs, body in page.scripts:
            assert "__pwned" not in body or attrs.get("type") == "application/ld+json", text
        assert not any(n.startswith("on") for n, _ in page.meta)
    person = parse_html(site / "authors" / "hostile-person" / "index.html").json_ld()
    assert len(person) == 1 and person[0]["name"].startswith("Eve </script>")
    assert person[0]["sameAs"] == ["https://orcid.org/0000-0002-1825-0097", "https://example.org/eve"]


def _ctx(url: str = "https://example.org/shelf/") -> Context:
    cfg = SiteConfig(url=url, name="Shelf")
    paper = Paper("p", "Title $x^2$", authors=[AuthorRef("Ada Lovelace"), AuthorRef("Charles Babbage")],
                  date="1843-07", venue="Journal of Engines", type="article", doi="10.1000/xyz",
                  arxiv="1234.56789", pdf="https://example.org/p.pdf")
    cat = build_catalog({"p": paper}, {"a": Author("a", "Ada Lovelace")})
    return Context(catalog=cat, config=cfg)


def test_paper_head_tags_follow_google_scholar_names_and_forms():
    ctx = _ctx()
    p = ctx.catalog.papers["p"]
    html = head(ctx, Page("papers/p.md", p.title, "", kind="paper", record=p))
    parser = _Parser()
    parser.feed(html)
    page = parser.out
    assert page.one("citation_publication_date") == "1843/07"
    assert page.one("citation_journal_title") == "Journal of Engines"
    assert page.one("citation_doi") == "10.1000/xyz"
    assert page.one("citation_arxiv_id") == "1234.56789"
    assert page.one("citation_pdf_url") == "https://example.org/p.pdf"
    assert page.one("citation_abstract_html_url") == "https://example.org/shelf/papers/p/"
    assert page.values("citation_author") == ["Ada Lovelace", "Charles Babbage"]
    (article,) = page.json_ld()
    assert article["sameAs"] == ["https://doi.org/10.1000/xyz", "https://arxiv.org/abs/1234.56789"]
    assert article["datePublished"] == "1843-07"
    # mkdocs-material writes the canonical link; a second one here would contradict it.
    assert not page.links


def test_without_a_site_url_no_absolute_url_is_guessed():
    ctx = _ctx(url="")
    p = ctx.catalog.papers["p"]
    parser = _Parser()
    parser.feed(head(ctx, Page("papers/p.md", p.title, "", kind="paper", record=p)))
    assert parser.out.one("citation_abstract_html_url") is None and parser.out.one("og:url") is None
    home = _Parser()
    home.feed(head(ctx, Page("index.md", "Shelf", "", kind="home")))
    (site,) = home.out.json_ld()
    assert site["@type"] == "WebSite" and "potentialAction" not in site


@pytest.mark.parametrize(("ptype", "venue", "want"), [
    ("article", "Nature", "citation_journal_title"),
    ("inproceedings", "NeurIPS", "citation_conference_title"),
    (None, "Proceedings of the 40th ICML", "citation_conference_title"),
    (None, "Journal of Machine Learning Research", "citation_journal_title"),
    ("thesis", "MIT", "citation_dissertation_institution"),
    ("preprint", "arXiv", None),
    ("preprint", None, None),
])
def test_venue_tag_names_journal_or_conference(ptype, venue, want):
    got = venue_tag(Paper("x", "X", type=ptype, venue=venue))
    assert (got[0] if got else None) == want


def test_publication_date_uses_slashes():
    assert publication_date("2024-05-01") == "2024/05/01"
    assert publication_date("2024") == "2024"
    assert publication_date(None) is None
