"""The citation graph: typed ids resolved against the catalog, shown both ways on the pages."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml

from generator.catalog import build_catalog
from generator.citations import build_graph, key_of
from generator.config import SiteConfig
from generator.content import load_content
from generator.model import Paper
from generator.pages.common import Context

from .conftest import REALDATA, build

S2 = REALDATA / "semanticscholar"

# A small catalog with known references, in every id form the readers write.
FIXTURE = {
    "attn-2017": {
        "title": "Attention Is All You Need", "date": "2017-06-12", "arxiv": "1706.03762",
        "references": ["doi:10.5555/SEQ2SEQ", "arxiv:1409.0473v7", "s2:deadbeef", "openalex:W999"],
        "reference_titles": {"s2:deadbeef": "A paper outside the catalog"},
        "citations": ["acl:N19-1423", "s2:cafe"],
        "citation_titles": {"s2:cafe": "A citing paper outside the catalog"},
    },
    "seq2seq-2014": {"title": "Sequence to Sequence Learning", "date": "2014-09-10", "doi": "10.5555/seq2seq",
                     "references": ["bahdanau-2014"]},
    "bahdanau-2014": {"title": "Neural Machine Translation by Jointly Learning to Align and Translate",
                      "date": "2014-09-01", "arxiv": "1409.0473", "ids": {"openalex": "https://openalex.org/W2133564696"}},
    "bert-2018": {"title": "BERT", "date": "2018-10-11", "ids": {"acl": "N19-1423"},
                  "references": ["attn-2017", "https://arxiv.org/abs/1706.03762v5", "bert-2018"]},
    "elmo-2018": {"title": "Deep contextualized word representations", "date": "2018-02-15",
                  "references": ["openalex:W2133564696", "https://doi.org/10.5555/seq2seq", "unknown:thing",
                                 "arxiv:1706.03762"]},
}
REFERENCES = {  # what each paper cites inside the catalog, in order
    "attn-2017": ["seq2seq-2014", "bahdanau-2014"],
    "seq2seq-2014": ["bahdanau-2014"],
    "bert-2018": ["attn-2017"],
    "elmo-2018": ["bahdanau-2014", "seq2seq-2014", "attn-2017"],
}
CITED_BY = {
    "bahdanau-2014": ["attn-2017", "elmo-2018", "seq2seq-2014"],
    "seq2seq-2014": ["attn-2017", "elmo-2018"],
    "attn-2017": ["bert-2018", "elmo-2018"],
}


def write_fixture(content: Path) -> None:
    (content / "papers").mkdir(parents=True)
    for pid, rec in FIXTURE.items():
        (content / "papers" / f"{pid}.yaml").write_text(yaml.safe_dump({"id": pid, **rec}), encoding="utf-8")


@pytest.fixture(scope="module")
def fixture_catalog(tmp_path_factory):
    content = tmp_path_factory.mktemp("cites") / "content"
    write_fixture(content)
    loaded = load_content(content)
    assert not loaded.problems
    return build_catalog(loaded.papers, loaded.authors)


def test_fixture_graph_both_ways(fixture_catalog):
    graph = fixture_catalog.citations
    assert graph.references == REFERENCES
    assert graph.cited_by == CITED_BY
    assert fixture_catalog.cited_by == CITED_BY
    # Outside the catalog: counted in order, titles kept where the record knows them.
    assert graph.external_references == {"attn-2017": ["s2:deadbeef", "openalex:W999"], "elmo-2018": ["unknown:thing"]}
    assert graph.external_citations == {"attn-2017": ["s2:cafe"]}
    assert graph.titles["attn-2017"]["s2:cafe"] == "A citing paper outside the catalog"
    # Each edge reads the same from both ends.
    for citer, cited in graph.references.items():
        for target in cited:
            assert citer in graph.cited_by[target]


@pytest.mark.parametrize(("ref", "key"), [
    ("doi:10.1145/3292500.3330701", ("doi", "10.1145/3292500.3330701")),
    ("doi:https://doi.org/10.1145/ABC", ("doi", "10.1145/abc")),
    ("arxiv:1706.03762v5", ("arxiv", "1706.03762")),
    ("arxiv:hep-th/9901001", ("arxiv", "hep-th/9901001")),
    ("openalex:https://openalex.org/W2741809807", ("openalex", "w2741809807")),
    ("s2:649def34F8be52c8b66281af98ae884c09aef38b", ("s2", "649def34f8be52c8b66281af98ae884c09aef38b")),
    ("acl:P19-1001", ("acl", "p19-1001")),
    ("corpusid:14636783", ("corpusid", "14636783")),
    ("https://arxiv.org/pdf/1706.03762", ("arxiv", "1706.03762")),
    ("catalog-id-without-scheme", None),
    ("nonsense:value", None),
    ("doi:not-a-doi", None),
])
def test_typed_ids_normalise_to_match_keys(ref, key):
    assert key_of(ref) == key


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("cites-site")
    write_fixture(root / "content")
    build(root / "content", root / "site", root / "work")
    return root / "site"


class _Sections(HTMLParser):
    """Paper links of a page grouped by the <h1>/<h2> they follow; <summary> text too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heading = ""
        self.in_heading = False
        self.links: dict[str, list[str]] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h1", "h2"):
            self.in_heading, self.heading = True, ""
        elif tag == "a" and "ps-title" in (a.get("class") or ""):
            self.links.setdefault(self.heading.strip(), []).append(a["href"])

    def handle_endtag(self, tag):
        if tag in ("h1", "h2"):
            self.in_heading = False

    def handle_data(self, data):
        if self.in_heading:
            self.heading += data
        self.text.append(data)


def sections(path: Path) -> _Sections:
    p = _Sections()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _pid(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


def test_paper_pages_list_references_and_cited_by_with_counts(fixture_site):
    for pid in FIXTURE:
        page = sections(fixture_site / "papers" / pid / "index.html")
        refs = REFERENCES.get(pid, [])
        cited = CITED_BY.get(pid, [])
        ref_heading = f"References in this catalog ({len(refs)})"
        cited_heading = f"Cited by in this catalog ({len(cited)})"
        if refs:
            assert [_pid(h) for h in page.links[ref_heading]] == refs, pid
        else:
            assert not any(h.startswith("References in this catalog") for h in page.links), pid
        if cited:
            assert sorted(_pid(h) for h in page.links[cited_heading]) == cited, pid
        else:
            assert not any(h.startswith("Cited by in this catalog") for h in page.links), pid
    attn = " ".join(sections(fixture_site / "papers" / "attn-2017" / "index.html").text)
    assert "References outside this catalog (2)" in attn and "A paper outside the catalog" in attn
    assert "Cited by works outside this catalog (1)" in attn and "A citing paper outside the catalog" in attn


def test_most_cited_page_ranks_by_count_then_newest(fixture_site):
    page = sections(fixture_site / "cited" / "index.html")
    got = [_pid(h) for h in page.links["Most cited in this catalog"]]
    counts = {pid: len(v) for pid, v in CITED_BY.items()}
    dates = {pid: FIXTURE[pid]["date"] for pid in FIXTURE}
    # Most cited first; a tie (attn and seq2seq, 2 each) goes to the newer paper.
    want = sorted(counts, key=lambda pid: (-counts[pid], [-ord(c) for c in dates[pid]]))
    assert got == want
    assert counts["attn-2017"] == counts["seq2seq-2014"] and got.index("attn-2017") < got.index("seq2seq-2014")


def test_cited_count_is_shared_with_search(fixture_catalog):
    from generator.pages.citations import cited_count

    ctx = Context(catalog=fixture_catalog, config=SiteConfig())
    counts = cited_count(ctx)
    assert counts == {pid: len(CITED_BY.get(pid, [])) for pid in FIXTURE}
    assert ctx.extras["cited_count"] is counts


def _citing_records() -> list[dict]:
    out = []
    for path in sorted((S2 / "pages_paper_citations").glob("*.json")):
        out += [item["citingPaper"] for item in json.loads(path.read_text(encoding="utf-8"))["data"]]
    return out


def test_s2_citation_pages_ingested_with_the_cited_paper_give_matching_counts(tmp_path):
    """The 19 paginated citation pages (1,881 records) through the real reader and merge."""
    pytest.importorskip("generator.ingest.s2")
    from generator.ingest import IngestContext
    from generator.ingest.run import ingest

    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    cited_s2 = "0" * 37 + "abc"  # the pages do not name the paper they are about; the user does
    (content / "papers" / "the-cited-paper.yaml").write_text(
        yaml.safe_dump({"id": "the-cited-paper", "title": "The cited paper", "ids": {"s2": cited_s2}}), encoding="utf-8")
    paths = sorted((S2 / "pages_paper_citations").glob("*.json"))
    ingest("s2", paths, content, IngestContext(about=f"s2:{cited_s2}"))
    loaded = load_content(content)
    cat = build_catalog(loaded.papers, loaded.authors)
    records = [r for r in _citing_records() if (r.get("title") or "").strip()]
    assert len(records) == 1881  # as the pages' offsets say
    assert len(cat.cited_by["the-cited-paper"]) == len(records)
    assert cat.citations.cited_count("the-cited-paper") == len(records)
    # Every citing paper cites exactly the one paper; nothing else is connected.
    assert set(cat.citations.references) == set(cat.papers) - {"the-cited-paper"}
    assert all(v == ["the-cited-paper"] for v in cat.citations.references.values())


def _typed(item: dict) -> str | None:
    """The id rule the readers follow: DOI, then arXiv, then the source's own id."""
    ext = item.get("externalIds") or {}
    if ext.get("DOI"):
        return f"doi:{ext['DOI']}"
    if ext.get("ArXiv"):
        return f"arxiv:{ext['ArXiv']}"
    return f"s2:{item['paperId']}" if item.get("paperId") else None


def test_a_paper_with_1000_citations_resolves_the_ones_in_the_catalog():
    """s2_fixture_Paper.json (Turing 1950): 1,000 citations and 14 references, as native records."""
    data = json.loads((S2 / "s2_fixture_Paper.json").read_text(encoding="utf-8"))
    citations = [c for c in data["citations"] if _typed(c)]
    references = [r for r in data["references"] if _typed(r)]
    titles = {_typed(x): x["title"] for x in citations + references if x.get("title")}
    turing = Paper("turing-1950", data["title"], doi=data["externalIds"]["DOI"].lower(),
                   references=[_typed(r) for r in references],  # type: ignore[misc]
                   extra={"citations": [_typed(c) for c in citations], "reference_titles": titles})
    papers = {"turing-1950": turing}
    # Some citing and some cited works are also catalog papers, known by the id the source used.
    inside_citing = citations[::200]
    inside_cited = references[::5]
    for n, item in enumerate(inside_citing + inside_cited):
        ext = item.get("externalIds") or {}
        papers[f"p{n}"] = Paper(f"p{n}", item["title"], doi=(ext.get("DOI") or "").lower() or None,
                                arxiv=ext.get("ArXiv"), ids={} if ext.get("DOI") or ext.get("ArXiv")
                                else {"s2": item["paperId"]})
    graph = build_graph(papers)
    n_citing = len(inside_citing)
    distinct_citations = len({_typed(c) for c in citations})
    distinct_references = len({_typed(r) for r in references})
    assert graph.cited_count("turing-1950") == n_citing
    assert sorted(graph.cited_by["turing-1950"]) == sorted(f"p{n}" for n in range(n_citing))
    assert len(graph.external_citations["turing-1950"]) == distinct_citations - n_citing
    assert graph.references["turing-1950"] == [f"p{n}" for n in range(n_citing, n_citing + len(inside_cited))]
    assert len(graph.external_references["turing-1950"]) == distinct_references - len(inside_cited)
    assert len(data["citations"]) == 1000 and len(data["references"]) == 14


def test_a_much_cited_paper_lists_the_first_ones_and_counts_all():
    from generator.pages.citations import SHOW_LINKED, citations_section

    n = SHOW_LINKED + 7
    papers = {"classic": Paper("classic", "A classic", doi="10.1000/classic")}
    for i in range(n):
        papers[f"c{i:04d}"] = Paper(f"c{i:04d}", f"Citing paper {i}", date=f"20{10 + i % 15}",
                                    references=["doi:10.1000/CLASSIC"])
    cat = build_catalog(papers, {})
    section = citations_section(Context(catalog=cat, config=SiteConfig()), cat.papers["classic"], "papers/classic.md")
    page = _Sections()
    page.feed(markdown.markdown(section))  # the section is Markdown headings around HTML blocks, as MkDocs reads it
    assert len(page.links[f"Cited by in this catalog ({n})"]) == SHOW_LINKED
    assert "… and 7 more." in "".join(page.text)
