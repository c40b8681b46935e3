"""Citation exports and open data re-parse with the real parsers (bibtexparser, rispy, citeproc-py)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares as mw
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.export import bibtex, csl, ris
from generator.model import AuthorRef, Paper

from .conftest import ROOT
from .extras_site import EXTRAS, extras_site, load_catalog  # noqa: F401 - fixture


def parse_bib(text: str):
    lib = bibtexparser.parse_string(text, append_middleware=[mw.LatexDecodingMiddleware()])
    assert lib.failed_blocks == []
    return lib


def embedded(page: Path, block: str) -> str:
    """The export text a paper page embeds (what Copy and Download hand out)."""
    m = re.search(rf'<code id="ps-cite-{block}">(.*?)</code>', page.read_text(encoding="utf-8"), re.S)
    assert m, f"{block} block missing in {page}"
    return html.unescape(m.group(1))


def render_csl(items: list[dict]) -> list[str]:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    return [str(x) for x in bib.bibliography()]


# -- BibTeX ------------------------------------------------------------------


def test_catalog_bib_round_trips(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    papers = ctx.catalog.papers
    lib = parse_bib((extras_site / "catalog.bib").read_text(encoding="utf-8"))
    assert len(lib.entries) == len(papers)
    keys = [e.key for e in lib.entries]
    assert len(set(keys)) == len(keys)
    by_title = {e["title"]: e for e in lib.entries}
    for p in papers.values():
        e = by_title[p.title]  # braces, quotes, <script>, & survive escaping and decoding
        if p.venue:
            assert p.venue in (e.fields_dict.get(f).value for f in ("journal", "booktitle", "howpublished")
                               if f in e.fields_dict)
        if p.authors:
            assert e["author"].split(" and ") == [a.name for a in p.authors]
    chem = by_title["Graph Neural Networks for Molecular Property Prediction"]
    assert "5% on molecular" in chem["abstract"] and "atoms_count" in chem["abstract"]


def test_seed_catalog_bib(seed_site):
    ctx = load_catalog(ROOT / "content")
    lib = parse_bib((seed_site / "catalog.bib").read_text(encoding="utf-8"))
    assert len(lib.entries) == len(ctx.catalog.papers)
    assert len({e.key for e in lib.entries}) == len(lib.entries)


# Left out: "$" (math, tested below), and the characters of LaTeX's quote and dash
# ligatures (`` '' -- ---), which a .bib passes through on purpose: "--" in a title
# is meant as an en dash, exactly as LaTeX prints it.
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")).filter(lambda c: c not in "$`'-\u02c6"),
                min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(title=_text, venue=_text)
def test_escape_round_trips_any_text(title, venue):
    p = Paper(id="x", title=" ".join(title.split()), venue=" ".join(venue.split()), type="article",
              authors=[AuthorRef("Zoë d'Arc"), AuthorRef("Anders and Sons")])
    text = bibtex.entry(p, "k")
    (e,) = parse_bib(text).entries
    # pylatexenc decodes \textasciicircum (LaTeX's ASCII ^) as U+02C6; map it back.
    assert e["title"].replace("\u02c6", "^") == p.title
    assert e["journal"].replace("\u02c6", "^") == p.venue
    (raw,) = bibtexparser.parse_string(text, append_middleware=[mw.SeparateCoAuthors()]).entries
    assert raw["author"] == ["Zoë d'Arc", "{Anders and Sons}"]  # "and" inside a name does not split it


def test_dollar_and_math():
    p = Paper(id="x", title="Costs $5, not $O(n^2)$ per 100% run")
    text = bibtex.entry(p, "k")
    assert r"\$5" in text and "$O(n^2)$" in text and r"\textbackslash" not in text
    parse_bib(text)


def test_keys_unique_even_when_a_suffix_meets_a_base():
    papers = {f"g{n:02d}": Paper(id=f"g{n:02d}", title=f"Graph {n}", date="2020", authors=[AuthorRef("Al Smith")])
              for n in range(30)}
    papers["zz"] = Paper(id="zz", title="Graphs", date="2020", authors=[AuthorRef("Al Smith")])
    keys = bibtex.assign_keys(papers)
    assert len(set(keys.values())) == len(papers)
    assert keys["zz"] == "smith2020graphs"  # the lone paper keeps its plain key
    assert keys == bibtex.assign_keys(dict(reversed(list(papers.items()))))  # stable in any order


# -- RIS and CSL-JSON on the paper page ---------------------------------------


def test_paper_page_embeds_three_formats(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    for pid, p in ctx.catalog.papers.items():
        page = extras_site / "papers" / pid / "index.html"
        (e,) = parse_bib(embedded(page, "bibtex")).entries
        assert e["title"] == p.title
        (r,) = rispy.loads(embedded(page, "ris"))
        assert r["title"] == p.title
        assert r.get("authors", []) == [ris._ris_name(a.name) for a in p.authors]
        assert r["id"] == e.key
        if p.doi:
            assert r["doi"] == p.doi
        items = json.loads(embedded(page, "csl"))
        assert items[0]["id"] == e.key and items[0]["title"] == p.title
        (rendered,) = render_csl(items)
        assert p.title in rendered
        html_text = page.read_text(encoding="utf-8")
        assert 'data-ps-download="ps-cite-ris"' in html_text and 'data-ps-copy="ps-cite-csl"' in html_text
        assert "exports.js" in html_text


def test_ris_and_csl_of_the_seed_catalog():
    ctx = load_catalog(ROOT / "content")
    keys = bibtex.assign_keys(ctx.catalog.papers)
    papers = list(ctx.catalog.papers.values())
    got = rispy.loads(ris.dumps([ris.record(p, keys[p.id]) for p in papers]))
    assert [r["id"] for r in got] == [keys[p.id] for p in papers]
    assert [r["title"] for r in got] == [p.title for p in papers]
    items = [csl.record(p, keys[p.id]) for p in papers]
    assert len(render_csl(json.loads(csl.dumps(items)))) == len(papers)


def test_csl_names():
    assert csl.split_name("Ana Müller") == {"family": "Müller", "given": "Ana"}
    assert csl.split_name("Müller, Ana") == {"family": "Müller", "given": "Ana"}
    assert csl.split_name("Plato") == {"literal": "Plato"}


# -- Listings and open data ----------------------------------------------------


def test_listing_bib_files_hold_the_listing(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    assert cat.by_topic, "the fixture has topics"
    for kind, index in (("topics", cat.by_topic), ("years", cat.by_year), ("daily", cat.by_day)):
        for key, ids in index.items():
            lib = parse_bib((extras_site / kind / f"{key}.bib").read_text(encoding="utf-8"))
            assert sorted(e["title"] for e in lib.entries) == sorted(cat.papers[i].title for i in ids)
            page = (extras_site / kind / str(key) / "index.html").read_text(encoding="utf-8")
            assert f'href="../../{kind}/{key}.bib"' in page and f"Download all {len(ids)} paper" in page


def test_catalog_json_and_jsonl(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    data = json.loads((extras_site / "catalog.json").read_text(encoding="utf-8"))
    assert data["papers"] == [json.loads(json.dumps(p.to_dict())) for p in cat.papers.values()]
    assert [a["id"] for a in data["authors"]] == list(cat.authors)
    lines = (extras_site / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(cat.papers)
    assert len((extras_site / "authors.jsonl").read_text(encoding="utf-8").splitlines()) == len(cat.authors)


def test_record_endpoints(extras_site):  # noqa: F811 - fixture
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    for pid, p in cat.papers.items():
        d = json.loads((extras_site / "papers" / f"{pid}.json").read_text(encoding="utf-8"))
        assert d["paper"]["title"] == p.title and d["page"] == f"papers/{pid}/"
        assert (extras_site / d["page"] / "index.html").is_file()  # no collision with the page folder
    d = json.loads((extras_site / "authors" / "ana-muller.json").read_text(encoding="utf-8"))
    assert d["author"]["name"] == "Ana Müller"
    assert sorted(d["papers"]) == sorted(cat.papers_of["ana-muller"])
    assert {c["id"]: c["papers"] for c in d["coauthors"]} == dict(cat.coauthors["ana-muller"])


@pytest.mark.parametrize("pid", ["index", "x.json"])
def test_json_paths_avoid_page_folders(pid):
    from generator.export.catalog_files import paper_json_url
    from generator.pages.common import paper_url

    assert paper_json_url(pid) != paper_url(pid).rstrip("/")
    assert paper_json_url(pid).endswith(".json") and not paper_json_url(pid).startswith("papers/index.")


def test_first_title_word_from_a_prefix_equals_folding_the_whole_title():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.export.bibtex import STOP, _first_word
    from generator.ids import fold

    def whole(title: str) -> str:
        words = [w for w in fold(title).split() if w not in STOP]
        return words[0] if words else "paper"

    pieces = st.sampled_from(["The", "a", "of", "Ünïcödé", "naïve", "Æther", "ﬁne", "x²", "e\u0301", "—", "  ", "-",
                              "Straße", "İstanbul", "Ωmega", "東京", "on", "and", "3D", "$\\alpha$", "…"])

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.lists(pieces, max_size=30).map(" ".join), st.lists(pieces, max_size=30).map("".join)),
           st.integers(min_value=1, max_value=60))
    def check(title: str, probe: int) -> None:
        assert _first_word(title, probe) == whole(title)

    check()
